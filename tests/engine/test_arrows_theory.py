"""The four arrows against theory: staff utilisation, and a cohort's Poisson attendances."""

from __future__ import annotations

import math

import numpy as np
import pytest

STAFFED = """
staff:
  team:
    groups: {nurse: {wte: 6}, admin: {wte: 1, clinical: false}}
    hours_per_wte_week: 37.5
    calendar: weekdays
    absence: {sickness: 0.06, annual_leave_weeks: 6}
calendars:
  weekdays: {days: [mon, tue, wed, thu, fri], bank_holidays: true}
services:
  imc:
    length_of_stay: {dist: gamma, mean: 12, sd: 5}
    referral: {acceptance: 0.8}
    assessments: 2
    workforce:
      team: team
      triage: {hours: 0.5, done_by: nurse, could_be_done_by: [admin]}
      assessment: {hours: 1.0, done_by: nurse}
      rejected_referral: {hours: 0.5, done_by: admin}
      care: {hours: 0.75, done_by: nurse}
      discharge: {hours: 1.5, done_by: admin}
  acute: {length_of_stay: 1}
routes:
  acute: [{to: imc, probability: 1, on_reject: home}]
  imc: [{to: home, probability: 1}]
arrivals:
  ed: {service: acute, per_day: 2}
"""


def test_staff_utilisation_is_needed_over_available_hours_counted_from_the_tables(run):
    res = run(STAFFED, warm_up_days=20, run_days=200)
    rep = res.replications[0]
    w0, w1 = 20.0, 220.0
    start = np.datetime64("2025-01-06")

    def days(col):
        return (col.to_numpy() - start) / np.timedelta64(1, "D")

    s = res.stays[res.stays["service"] == "imc"]
    started, ended = days(s["started"]), days(s["ended"])
    on_caseload = np.clip(np.fmin(np.nan_to_num(ended, nan=w1), w1) - np.fmax(started, w0), 0,
                          None)
    admitted = (started >= w0) & (started < w1)
    discharged = (ended >= w0) & (ended < w1)
    r = res.referrals[res.referrals["to_service"] == "imc"]
    decided = days(r["decided"])
    in_window = (decided >= w0) & (decided < w1)
    rejected = in_window & (r["accepted"] == False).to_numpy()  # noqa: E712 - nullable bools
    nurse = 0.5 * in_window.sum() + 2 * 1.0 * admitted.sum() + 0.75 * on_caseload.sum()
    admin = 0.5 * rejected.sum() + 1.5 * discharged.sum()
    available = rep.staff_hours[:, 20:220].sum(axis=1)  # whole days: the window is whole days
    assert res.kpi("needed_hours", "staff.team.nurse")[0] == pytest.approx(nurse)
    assert res.kpi("needed_hours", "staff.team.admin")[0] == pytest.approx(admin)
    assert res.kpi("available_hours", "staff.team")[0] == pytest.approx(available.sum())
    assert res.kpi("staff_utilisation", "staff.team")[0] == pytest.approx(
        (nurse + admin) / available.sum())
    assert res.kpi("staff_utilisation", "staff.team.nurse")[0] == pytest.approx(
        nurse / available[0])
    # triage by a clinical group that admin could do; rejected referrals are failure demand
    assert res.kpi("hours_could_be_done_by_others", "staff.team")[0] == pytest.approx(
        0.5 * in_window.sum())
    assert res.kpi("failure_demand_hours", "staff.team")[0] == pytest.approx(0.5 * rejected.sum())
    # every assessment after a person's first is a repeat: 1 of the 2 at imc
    assert res.kpi("repeated_assessment_hours", "staff.team")[0] == pytest.approx(admitted.sum())


def test_available_hours_match_wte_leave_and_sickness_on_average(run):
    # 6 nurses x 37.5 h over 5 weekdays, less 6/52 leave and 6 % sickness, on working days
    res = run(STAFFED, run_days=364, replications=3)
    hours = np.array([r.staff_hours[0, :364] for r in res.replications])
    working = hours[0] > 0
    per_day = 6 * 37.5 / 5 * (1 - 6 / 52) * (1 - 0.06)
    # sickness: Binomial(6, 0.06) per day, independent days: sd of the mean from theory
    n = hours[:, working].size
    sd = 6 * 37.5 / 5 * (1 - 6 / 52) * math.sqrt(0.06 * 0.94 / 6) / math.sqrt(n)
    assert hours[:, working].mean() == pytest.approx(per_day, abs=4 * sd)
    assert working.sum() == 364 / 7 * 5 - 8  # weekdays less the year's 8 bank holidays


@pytest.mark.parametrize("rate", [0.5, 1.5])
def test_a_cohort_gives_poisson_attendances_and_repeat_attenders(run, rate):
    # A homogeneous cohort whose journeys take no time to speak of: attendances over T years
    # are Poisson(N rate T), and the share with 2 or more in a year is 1 - e^-r (1 + r).
    n, years = 3000, 2
    res = run(f"""
    services:
      ed: {{length_of_stay: 0.0001}}
    cohorts:
      copd: {{size: {n}, service: ed, events_per_year: {rate}}}
    routes:
      ed: [{{to: home, probability: 1}}]
    """, run_days=365.25 * years, seed=11)
    expected = n * rate * years
    attendances = res.kpi("attendances", "cohort.copd")[0]
    assert attendances == pytest.approx(expected, abs=4 * math.sqrt(expected))
    assert res.kpi("attendances_per_person_year", "cohort.copd")[0] == pytest.approx(
        attendances / (n * years))
    share = 1 - math.exp(-rate) * (1 + rate)
    sd = math.sqrt(share * (1 - share) / n)
    assert res.kpi("share_with_2_or_more", "cohort.copd")[0] == pytest.approx(share, abs=4 * sd)


def test_a_lower_rate_for_a_risk_group_gives_fewer_admissions_on_common_random_numbers(run):
    body = """
    services:
      ed: {{length_of_stay: 0.2}}
      ward: {{length_of_stay: 5}}
    cohorts:
      copd:
        size: 1000
        service: ed
        admission_services: [ward]
        risk_groups:
          high: {{share: 0.2, events_per_year: {high}}}
          low: {{share: 0.8, events_per_year: 0.3}}
    routes:
      ed: [{{to: ward, probability: 0.4}}, {{to: home, probability: 0.6}}]
      ward: [{{to: home, probability: 1}}]
    """
    base = run(body.format(high=4.0), run_days=365, seed=5)
    review = run(body.format(high=2.0), run_days=365, seed=5)
    a = base.kpi("cohort_admissions", "cohort.copd")[0]
    b = review.kpi("cohort_admissions", "cohort.copd")[0]
    # expected admissions: 1000 x (0.2 x rate + 0.8 x 0.3) x 0.4 a year
    for value, high in ((a, 4.0), (b, 2.0)):
        mean = 1000 * (0.2 * high + 0.8 * 0.3) * 0.4
        assert value == pytest.approx(mean, abs=4 * math.sqrt(mean) + 0.02 * mean)
    assert b < a
