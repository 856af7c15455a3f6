"""Exact traces of the four arrows on tiny models: named waits, placements, staff, cohorts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

START = pd.Timestamp("2025-01-06")  # a Monday: day 0 of the models below


def day(ts: pd.Timestamp) -> float:
    return (ts - START) / pd.Timedelta(days=1)


def test_a_patient_choice_wait_is_counted_under_its_own_cause(run):
    # Ready at day 2 (start at 0, LOS 2); the route home carries a certain 3-day
    # patient-choice wait: the bed is held from day 2 to day 5 with cause patient_choice.
    res = run("""
    services:
      ward: {capacity: 5, length_of_stay: 2}
    routes:
      ward: [{to: home, probability: 1, waits: {patient_choice: {probability: 1, duration: 3}}}]
    initial_state:
      ward: {queue: 1}
    """)
    stay = res.stays.iloc[0]
    assert (day(stay["ready"]), day(stay["ended"])) == pytest.approx((2.0, 5.0))
    assert stay["delay_cause"] == "patient_choice" and stay["delay_target"] == "home"
    d = res.delays
    assert list(d["cause"]) == ["patient_choice"] and d["days"].iloc[0] == pytest.approx(3.0)
    assert res.kpi("delayed_days_patient_choice", "ward")[0] == pytest.approx(3.0)
    assert res.kpi("delayed_days_no_capacity", "ward")[0] == 0.0
    assert day(res.journeys.iloc[0]["left"]) == pytest.approx(5.0)


def test_two_named_waits_follow_one_another_each_under_its_cause(run):
    res = run("""
    services:
      ward: {capacity: 5, length_of_stay: 1}
      rehab: {capacity: 5, length_of_stay: 1}
    routes:
      ward:
        - to: rehab
          probability: 1
          waits: {family: {probability: 1, duration: 2}, housing: {probability: 1, duration: 4}}
      rehab: [{to: home, probability: 1}]
    initial_state:
      ward: {queue: 1}
    """)
    d = res.delays.sort_values("start")
    assert list(d["cause"]) == ["family", "housing"]
    assert [day(t) for t in d["start"]] == pytest.approx([1.0, 3.0])
    assert [day(t) for t in d["end"]] == pytest.approx([3.0, 7.0])
    assert set(d["target"]) == {"rehab"}
    rehab = res.stays[res.stays["service"] == "rehab"].iloc[0]
    assert day(rehab["referred"]) == pytest.approx(7.0)  # the referral goes after the waits


def test_a_wait_with_probability_zero_never_happens(run):
    res = run("""
    services:
      ward: {capacity: 5, length_of_stay: 1}
    routes:
      ward: [{to: home, probability: 1, waits: {family: {probability: 0, duration: 9}}}]
    arrivals:
      gp: {service: ward, per_day: 3}
    """)
    assert len(res.delays) == 0
    assert res.kpi("delayed_days_family", "ward")[0] == 0.0


def test_a_placement_limited_exit_holds_people_in_their_bed_with_cause_placement(run):
    # Two people ready at day 1 for a care home with one place, held for 10 days: the first is
    # placed at once, the second keeps their ward bed until day 11 (cause placement).
    res = run("""
    services:
      ward: {capacity: 5, length_of_stay: 1}
    exits:
      home: {}
      care_home: {capacity: 1, length_of_stay: 10}
    routes:
      ward: [{to: care_home, probability: 1}]
    initial_state:
      ward: {queue: 2}
    """)
    stays = res.stays.sort_values("person")
    assert [day(t) for t in stays["ended"]] == pytest.approx([1.0, 11.0])
    assert list(stays["destination"]) == ["care_home", "care_home"]
    second = stays.iloc[1]
    assert second["delay_cause"] == "placement" and second["delay_target"] == "care_home"
    assert second["delayed_days"] == pytest.approx(10.0)
    assert res.kpi("delayed_days_placement", "ward")[0] == pytest.approx(10.0)
    daily = res.daily.set_index("date")
    # the held bed shows in the midnight census from day 2 to day 11
    assert list(daily.loc[START + pd.Timedelta(days=5), ["occupancy", "delayed_occupancy"]]) \
        == [1, 1]


def test_a_placement_rate_offers_places_to_the_longest_waiter(run):
    res = run("""
    services:
      ward: {capacity: 50, length_of_stay: 1}
    exits:
      home: {}
      housing: {placements_per_week: 2}
    routes:
      ward: [{to: housing, probability: 1}]
    initial_state:
      ward: {queue: 6}
    """, run_days=200)
    stays = res.stays.sort_values("person")
    ended = [day(t) for t in stays["ended"]]
    assert ended == sorted(ended)  # first come, first placed
    assert (stays["delay_cause"] == "placement").all()
    assert stays["delayed_days"].sum() == pytest.approx(
        res.kpi("delayed_days_placement", "ward")[0])


STAFFED = """
staff:
  imc_team:
    groups: {{nurse: {{wte: 7}}}}
    hours_per_wte_week: 7
    absence: {{sickness: {sickness}}}
services:
  imc:
    length_of_stay: 36000   # longer than any run here: nobody leaves
    workforce: {{team: imc_team, capacity_from_staff: true, care: {{hours: 1, done_by: nurse}}}}
routes:
  imc: [{{to: home, probability: 1}}]
initial_state:
  imc: {{queue: 7}}
"""


def test_sickness_on_a_day_lowers_that_days_caseload_places_and_evicts_no_one(run):
    # 7 WTE x 7 hours a week = 7 hours a day, 1 care hour per person: 7 places; the 7 people
    # on the caseload stay for ever. A sick nurse takes a place away that day only.
    res = run(STAFFED.format(sickness=0.1))
    rep = res.replications[0]
    hours = rep.staff_hours[0, :30]
    daily = res.daily.sort_values("date")
    assert list(daily["capacity"]) == list(np.floor(hours + 1e-9).astype(int))
    assert (daily["capacity"] < 7).any() and (daily["capacity"] == 7).any()
    assert (daily["occupancy"] == 7).all()  # no one evicted on a day with fewer places
    below = int((daily["capacity"] < 7).sum())
    assert res.kpi("days_below_planned_capacity", "imc")[0] == below
    # utilisation is against the day-by-day places (changes fall at midnight)
    assert res.kpi("utilisation", "imc")[0] == pytest.approx(7 / daily["capacity"].mean())


def test_without_absence_the_caseload_has_its_planned_places(run):
    res = run(STAFFED.format(sickness=0.0))
    assert set(res.daily["capacity"]) == {7}
    assert res.kpi("days_below_planned_capacity", "imc")[0] == 0


def test_annual_leave_follows_the_calendar_of_leave_by_month(run):
    # 26 weeks of leave all in January (the model starts on 6 January): half the hours there
    body = STAFFED.format(sickness=0.0).replace(
        "absence: {sickness: 0.0}",
        "absence: {annual_leave_weeks: 2, leave_by_month: {jan: 1}}")
    res = run(body, run_days=40)
    caps = res.daily.sort_values("date")["capacity"].to_numpy()
    # leave share in January = 2/52 x 12 (all of the year's leave in one month)
    assert caps[0] == int(np.floor(7 * (1 - 2 / 52 * 12)))
    assert caps[-1] == 7  # February: no leave


def test_a_shared_teams_hours_are_spent_by_both_services(run):
    res = run("""
    staff:
      therapy:
        groups: {physio: {wte: 10}}
        hours_per_wte_week: 35
    services:
      ward_a:
        length_of_stay: 3
        workforce: {team: therapy, care: {hours: 0.5, done_by: physio}}
      ward_b:
        length_of_stay: 4
        workforce: {team: therapy, care: {hours: 1.0, done_by: physio},
                    discharge: {hours: 2, done_by: physio}}
    routes:
      ward_a: [{to: home, probability: 1}]
      ward_b: [{to: home, probability: 1}]
    initial_state:
      ward_a: {queue: 1}
      ward_b: {queue: 1}
    """)
    a = res.kpi("staff_hours", "ward_a")[0]
    b = res.kpi("staff_hours", "ward_b")[0]
    assert a == pytest.approx(3 * 0.5)  # 3 days on the caseload, half an hour a day
    assert b == pytest.approx(4 * 1.0 + 2)  # 4 days, an hour a day, then the discharge
    assert res.kpi("needed_hours", "staff.therapy")[0] == pytest.approx(a + b)
    assert res.kpi("needed_hours", "staff.therapy.physio")[0] == pytest.approx(a + b)
    assert res.kpi("available_hours", "staff.therapy")[0] == pytest.approx(10 * 35 / 7 * 30)


def test_a_cohort_member_returns_to_the_cohort_and_can_come_again(run):
    res = run("""
    services:
      ed: {length_of_stay: 0.5}
    cohorts:
      copd: {size: 1, service: ed, events_per_year: 100}
    routes:
      ed: [{to: home, probability: 1}]
    """, run_days=60)
    j = res.journeys.sort_values("arrived")
    assert len(j) >= 2  # one member, several attendances
    rep = res.replications[0]
    assert (rep.member_of == 0).all()
    # each attendance starts after the previous journey ended: back in the cohort in between
    assert (j["arrived"].to_numpy()[1:] >= j["left"].to_numpy()[:-1]).all()
    assert res.kpi("attendances", "cohort.copd")[0] == len(j)


def test_a_cohort_member_who_dies_leaves_the_cohort(run):
    res = run("""
    services:
      ed: {length_of_stay: 0.5}
    exits:
      home: {}
      died: {}
    cohorts:
      copd: {size: 1, service: ed, events_per_year: 100, leaves_on: [died]}
    routes:
      ed: [{to: died, probability: 1}]
    """, run_days=60)
    assert len(res.journeys) == 1
    assert res.kpi("left_cohort", "cohort.copd")[0] == 1


def test_a_workforce_without_activities_has_rows_of_zero_hours(run):
    # found by Hypothesis: the service's staff rows were missing when it listed no activity
    res = run("""
    staff:
      team: {groups: {nurse: {wte: 1}}}
    services:
      a: {length_of_stay: 1, workforce: {team: team}}
    routes:
      a: [{to: home, probability: 1}]
    initial_state:
      a: {queue: 1}
    """)
    assert res.kpi("staff_hours", "a")[0] == 0.0
    assert res.kpi("needed_hours", "staff.team")[0] == 0.0


def test_a_shared_team_splits_its_hours_into_each_services_places(run):
    # 14 WTE x 7 hours a week = 14 hours a day; a 50/50 share at 1 and 2 care hours a person
    res = run("""
    staff:
      pool: {groups: {therapist: {wte: 14}}, hours_per_wte_week: 7}
    services:
      a:
        length_of_stay: 5
        workforce: {team: pool, share: 0.5, capacity_from_staff: true,
                    care: {hours: 1, done_by: therapist}}
      b:
        length_of_stay: 5
        workforce: {team: pool, share: 0.5, capacity_from_staff: true,
                    care: {hours: 2, done_by: therapist}}
    routes:
      a: [{to: home, probability: 1}]
      b: [{to: home, probability: 1}]
    arrivals:
      gp: {service: a, per_day: 1}
    """)
    caps = res.daily.groupby("service")["capacity"].unique()
    assert list(caps["a"]) == [7] and list(caps["b"]) == [3]
