"""Exact traces on tiny deterministic models: each test pins one rule of the semantics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

START = pd.Timestamp("2025-01-06")  # a Monday: day 0 of the models below


def day(ts: pd.Timestamp) -> float:
    return (ts - START) / pd.Timedelta(days=1)


def stint(results, service, person=None):
    s = results.stays
    s = s[s["service"] == service]
    if person is not None:
        s = s[s["person"] == person]
    assert len(s) == 1, s
    return s.iloc[0]


def test_saturday_referral_to_weekday_service_is_triaged_on_monday(run):
    # One person starts at A on Monday day 0, is ready on Saturday (day 5), is referred to B,
    # whose referral calendar is weekdays only: B decides on Monday (day 7) and admits then.
    res = run("""
    calendars:
      weekdays: {days: [mon, tue, wed, thu, fri]}
    services:
      a: {capacity: 5, length_of_stay: 5}
      b: {capacity: 5, length_of_stay: 3, referral: {calendar: weekdays}}
    routes:
      a: [{to: b, probability: 1}]
      b: [{to: home, probability: 1}]
    initial_state:
      a: {queue: 1}
    """)
    b = stint(res, "b")
    assert day(b["referred"]) == pytest.approx(5.0)
    assert day(b["decided"]) == pytest.approx(7.0)
    assert day(b["started"]) == pytest.approx(7.0)
    a = stint(res, "a")
    assert a["delayed_days"] == pytest.approx(2.0)
    assert a["delay_cause"] == "closed"
    assert a["delay_target"] == "b"


def test_triage_time_counts_open_time_only(run):
    # Ready on Thursday (day 3) at 00:00, triage takes 2 open days on a weekday calendar:
    # Thursday and Friday count, the weekend does not, so the decision is Saturday 00:00...
    # which is closed time, so it is Friday 24:00 = day 5 exactly; admission then.
    res = run("""
    calendars:
      weekdays: {days: [mon, tue, wed, thu, fri]}
    services:
      a: {capacity: 5, length_of_stay: 3}
      b: {capacity: 5, length_of_stay: 1, referral: {calendar: weekdays, triage_time: 2}}
    routes:
      a: [{to: b, probability: 1}]
      b: [{to: home, probability: 1}]
    initial_state:
      a: {queue: 1}
    """)
    b = stint(res, "b")
    assert day(b["decided"]) == pytest.approx(5.0)
    a = stint(res, "a")
    d = res.delays
    assert d.groupby("cause")["days"].sum().to_dict() == pytest.approx({"triage": 2.0})
    assert a["delayed_days"] == pytest.approx(2.0)


def test_bank_holiday_closes_a_service(run):
    # Good Friday 2025-04-18 and Easter Monday 2025-04-21 are bank holidays in England.
    # Ready on Thursday 17 April (day 3 from Monday 14th) at 12:00 with 0.5 day of triage on a
    # weekday calendar with bank holidays: Thursday 12:00-24:00 uses it up: decided day 4 00:00.
    # Ready on Friday instead (day 4): next open time is Tuesday 22nd (day 8).
    res = run("""
    calendars:
      working: {days: [mon, tue, wed, thu, fri], bank_holidays: true}
    services:
      a: {capacity: 5, length_of_stay: 4}
      b: {capacity: 5, length_of_stay: 1, referral: {calendar: working}}
    routes:
      a: [{to: b, probability: 1}]
      b: [{to: home, probability: 1}]
    initial_state:
      a: {queue: 1}
    """, start_date="2025-04-14")
    b = res.stays[res.stays["service"] == "b"].iloc[0]
    start = b["referred"].normalize() - np.timedelta64(4, "D")
    assert (b["decided"] - start) / np.timedelta64(1, "D") == pytest.approx(8.0)
    assert res.stays[res.stays["service"] == "a"].iloc[0]["delayed_days"] == pytest.approx(4.0)


def test_admits_calendar_delays_start_and_counts_as_closed(run):
    # Referral is decided at once (always-open referral calendar), but b only admits on
    # weekdays: ready Saturday day 5, admitted Monday day 7; the wait is 'closed'.
    res = run("""
    calendars:
      weekdays: {days: [mon, tue, wed, thu, fri]}
    services:
      a: {capacity: 5, length_of_stay: 5}
      b: {capacity: 5, length_of_stay: 1, admits: weekdays}
    routes:
      a: [{to: b, probability: 1}]
      b: [{to: home, probability: 1}]
    initial_state:
      a: {queue: 1}
    """)
    b = stint(res, "b")
    assert day(b["decided"]) == pytest.approx(5.0)
    assert day(b["started"]) == pytest.approx(7.0)
    assert res.delays["cause"].tolist() == ["closed"]


def test_blocked_person_waits_for_capacity_and_is_released_when_a_place_frees(run):
    # b has one place, held by its day-0 occupant for 4 days; the person at a is ready on day
    # 1 and waits in their a bed until day 4 (no_capacity), then moves.
    res = run("""
    services:
      a: {capacity: 5, length_of_stay: 1}
      b: {capacity: 1, length_of_stay: 4}
    routes:
      a: [{to: b, probability: 1}]
      b: [{to: home, probability: 1}]
    initial_state:
      b: {queue: 1}
      a: {queue: 1}
    """)
    s = res.stays.sort_values(["service", "started"])
    a = s[s["service"] == "a"].iloc[0]
    assert a["delayed_days"] == pytest.approx(3.0)
    assert a["delay_cause"] == "no_capacity"
    later = s[s["service"] == "b"].iloc[1]
    assert day(later["started"]) == pytest.approx(4.0)
    assert day(a["ended"]) == pytest.approx(4.0)


def test_home_based_service_does_not_hold_the_place(run):
    # a does not hold on transfer: the person leaves a when ready (day 1) and waits at home
    # for b (full until day 4): no delayed days at a, a wait of 3 days for b.
    res = run("""
    services:
      a: {capacity: 5, length_of_stay: 1, holds_on_transfer: false}
      b: {capacity: 1, length_of_stay: 4}
    routes:
      a: [{to: b, probability: 1}]
      b: [{to: home, probability: 1}]
    initial_state:
      b: {queue: 1}
      a: {queue: 1}
    """)
    s = res.stays
    a = s[s["service"] == "a"].iloc[0]
    assert day(a["ended"]) == pytest.approx(1.0)
    assert a["delayed_days"] == 0
    assert a["destination"] == "b"
    later = s[(s["service"] == "b") & (s["person"] == a["person"])].iloc[0]
    assert later["wait_days"] == pytest.approx(3.0)
    assert len(res.delays) == 0


def test_capacity_reduction_evicts_no_one(run):
    # b starts with 4 people (LOS 10) and capacity 4; capacity falls to 2 on day 2. Nobody
    # leaves early; the 2 people queued at b start only when occupancy falls below 2 (day 10
    # all four leave at once, so both start on day 10).
    res = run("""
    services:
      b:
        capacity: {default: 4, by_date: [{from: 2025-01-08, capacity: 2}]}
        length_of_stay: 10
    routes:
      b: [{to: home, probability: 1}]
    initial_state:
      b: {queue: 6}
    """)
    s = res.stays.sort_values("started")
    starts = [day(t) for t in s["started"]]
    assert starts == pytest.approx([0, 0, 0, 0, 10, 10])
    assert [day(t) for t in s["ended"].iloc[:4]] == pytest.approx([10] * 4)
    daily = res.daily.set_index("date")
    assert daily.loc["2025-01-09", "occupancy"] == 4  # above the new capacity, nobody evicted
    assert daily.loc["2025-01-09", "capacity"] == 2


def test_weekday_capacity_schedule(run):
    res = run("""
    services:
      b:
        capacity: {default: 3, by_weekday: {sat: 1, sun: 1}}
        length_of_stay: 0.5
    routes:
      b: [{to: home, probability: 1}]
    """, run_days=14)
    d = res.daily.set_index("date")["capacity"]
    assert d.loc["2025-01-11"] == 1 and d.loc["2025-01-13"] == 3


def test_transfer_delay_holds_both_places(run):
    # Ready on day 1; b has room, so a place is reserved at once, but the move takes 2 days
    # (transport / package of care): the person holds both the a bed and the b place until
    # day 3. A second person queued for b (capacity 1) cannot start until the first leaves.
    res = run("""
    services:
      a: {capacity: 5, length_of_stay: 1}
      b: {capacity: 1, length_of_stay: 1}
    routes:
      a: [{to: b, probability: 1, transfer_delay: 2}]
      b: [{to: home, probability: 1}]
    initial_state:
      a: {queue: 1}
    """)
    s = res.stays
    a = s[s["service"] == "a"].iloc[0]
    b = s[s["service"] == "b"].iloc[0]
    assert day(b["admitted"]) == pytest.approx(1.0)
    assert day(b["started"]) == pytest.approx(3.0)
    assert day(a["ended"]) == pytest.approx(3.0)
    assert a["delay_cause"] == "transfer_delay"
    assert a["delayed_days"] == pytest.approx(2.0)
    # both places were held on day 2: census at midnight
    d = res.daily.set_index(["service", "date"])
    assert d.loc[("a", "2025-01-08"), "occupancy"] == 1
    kp = res.kpis.set_index(["service", "metric"])["value"]
    assert kp[("a", "delayed_days_transfer_delay")] == pytest.approx(2.0)


def test_rejected_referral_reroutes_and_counts_handling_hours(run):
    # b rejects everything (acceptance 0); each rejection costs 1.5 clinical hours and the
    # person goes to c instead.
    res = run("""
    services:
      a: {capacity: 10, length_of_stay: 1}
      b: {capacity: 10, length_of_stay: 1,
          referral: {acceptance: 0, rejected_handling_hours: 1.5, triage_time: 0.25}}
      c: {capacity: 10, length_of_stay: 1}
    routes:
      a: [{to: b, probability: 1, on_reject: c}]
      b: [{to: home, probability: 1}]
      c: [{to: home, probability: 1}]
    initial_state:
      a: {queue: 3}
    """)
    r = res.referrals
    to_b = r[r["to_service"] == "b"]
    assert len(to_b) == 3 and not to_b["accepted"].any()
    assert set(res.stays["service"]) == {"a", "c"}
    kp = res.kpis.set_index(["service", "metric"])["value"]
    assert kp[("b", "rejected_referrals")] == 3
    assert kp[("b", "failure_demand_hours")] == pytest.approx(4.5)
    assert kp[("b", "acceptance_rate")] == 0
    c = res.stays[res.stays["service"] == "c"]
    assert [day(t) for t in c["started"]] == pytest.approx([1.25] * 3)


def test_rejection_to_an_exit_ends_the_journey(run):
    res = run("""
    services:
      a: {capacity: 10, length_of_stay: 1}
      b: {capacity: 10, length_of_stay: 1, referral: {acceptance: 0}}
    exits:
      home: {}
      care_home: {}
    routes:
      a: [{to: b, probability: 1, on_reject: care_home}]
      b: [{to: home, probability: 1}]
    initial_state:
      a: {queue: 2}
    """)
    j = res.journeys
    assert j["exit"].tolist() == ["care_home", "care_home"]
    assert res.stays["destination"].tolist() == ["care_home", "care_home"]


def test_initial_state_is_honoured(run):
    # 7 people in a at day 0 (3 of them already ready to move on) and 2 queued for it.
    res = run("""
    services:
      a: {capacity: 7, length_of_stay: 10}
      b: {capacity: 0, length_of_stay: 1}
    routes:
      a: [{to: b, probability: 1}]
      b: [{to: home, probability: 1}]
    initial_state:
      a: {occupancy: 7, ready: 3, queue: 2}
    """, run_days=2)
    d = res.daily.set_index(["service", "date"])
    assert d.loc[("a", "2025-01-06"), "occupancy"] == 7
    assert d.loc[("a", "2025-01-06"), "queue"] == 2  # full: the queue waits
    assert d.loc[("a", "2025-01-07"), "occupancy"] == 7
    assert d.loc[("a", "2025-01-06"), "delayed_occupancy"] == 3
    assert d.loc[("a", "2025-01-06"), "admissions"] == 0  # already there: not admitted


def test_priority_class_is_served_first(run):
    # b has one place (busy until day 1); an urgent and a routine person wait for it; the
    # routine one queued first, but the urgent class has priority.
    res = run("""
    classes:
      routine: {priority: 1}
      urgent: {priority: 0}
    services:
      b: {capacity: 1, length_of_stay: 1}
    routes:
      b: [{to: home, probability: 1}]
    initial_state:
      b: {queue: 3, class_mix: {routine: 0.5, urgent: 0.5}}
    """, run_days=5)
    s = res.stays.sort_values("started")
    first_urgent = s[s["class"] == "urgent"]["started"].min()
    later_routine = s[s["class"] == "routine"]["started"].max()
    assert first_urgent <= later_routine
    order = s["class"].tolist()
    # after the day-0 start, every urgent person starts before every remaining routine one
    rest = order[1:]
    assert rest == sorted(rest, key=lambda c: c != "urgent")


def test_circular_wait_is_reported_not_hung(run):
    # a and b are full, and each occupant waits for a place in the other: no one can move.
    from wholeflow.errors import DeadlockError

    with pytest.raises(DeadlockError) as err:
        run("""
        services:
          a: {capacity: 1, length_of_stay: 1}
          b: {capacity: 1, length_of_stay: 1}
        routes:
          a: [{to: b, probability: 1}]
          b: [{to: a, probability: 1}]
        initial_state:
          a: {queue: 1}
          b: {queue: 1}
        """)
    assert err.value.services == ["a", "b"]
    assert err.value.day == 1  # stuck at day 1 and found by that day's check
    assert "a, b" in str(err.value) and "capacity" in str(err.value)


def test_a_circle_with_room_is_not_a_deadlock(run):
    # the same circle with two places each keeps moving
    res = run("""
    services:
      a: {capacity: 2, length_of_stay: 1}
      b: {capacity: 2, length_of_stay: 1}
    routes:
      a: [{to: b, probability: 0.5}, {to: home, probability: 0.5}]
      b: [{to: a, probability: 1}]
    initial_state:
      a: {queue: 1}
      b: {queue: 1}
    """)
    assert len(res.stays) > 2


def test_event_budget_stops_a_runaway_model(run):
    from wholeflow.errors import EventBudgetError

    with pytest.raises(EventBudgetError, match="more than 50 events"):
        run("""
        max_events: 50
        services:
          a: {length_of_stay: 0.01}
        arrivals:
          in: {service: a, per_day: 100}
        routes:
          a: [{to: home, probability: 1}]
        """)
