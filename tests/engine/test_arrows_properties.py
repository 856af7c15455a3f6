"""Hypothesis: random valid models with staff, limited exits, named waits and cohorts never
crash, account for every person, and account for every staff hour."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wholeflow.engine import simulate
from wholeflow.errors import DeadlockError
from wholeflow.model.arrows import ACTIVITIES
from wholeflow.model.build import validate_model
from wholeflow.model.schema import Model

REASONS = ["patient_choice", "package_of_care", "housing", "family"]


@st.composite
def models(draw):
    n = draw(st.integers(1, 4))
    ids = [f"s{i}" for i in range(n)]
    exits = {"home": {}, "died": {},
             "care_home": draw(st.sampled_from([
                 {}, {"capacity": 2, "length_of_stay": 15}, {"placements_per_week": 1.5},
                 {"placements_per_month": 3}]))}
    groups = {"nurse": {"wte": draw(st.floats(0.5, 12))},
              "admin": {"wte": draw(st.floats(0, 3)), "clinical": False}}
    staff = {"team": {"groups": groups, "hours_per_wte_week": draw(st.floats(10, 40)),
                      "calendar": draw(st.sampled_from(["always", "weekdays"])),
                      "absence": {"sickness": draw(st.floats(0, 0.3)),
                                  "annual_leave_weeks": draw(st.floats(0, 8))}}}
    activity = st.builds(lambda h, g, alt: {"hours": h, "done_by": g,
                                            "could_be_done_by": ["admin"] if alt else []},
                         st.floats(0, 3), st.just("nurse"), st.booleans())
    services = {}
    staffed_share = 0.0
    for s in ids:
        wf = None
        if draw(st.booleans()):
            wf = {"team": "team", **{a: draw(activity) for a in ACTIVITIES
                                     if draw(st.booleans())}}
            share = draw(st.floats(0.1, 1.0))
            if "care" in wf and wf["care"]["hours"] > 0.1 and staffed_share + share <= 1:
                wf.update(capacity_from_staff=draw(st.booleans()), share=share)
                staffed_share += share if wf["capacity_from_staff"] else 0
        staffed = bool(wf and wf.get("capacity_from_staff"))
        services[s] = {
            "capacity": None if staffed else draw(st.one_of(st.none(), st.integers(1, 15))),
            "holds_on_transfer": draw(st.booleans()),
            "length_of_stay": draw(st.floats(0.2, 15)),
            "assessments": draw(st.integers(0, 3)),
            "referral": {"acceptance": draw(st.floats(0.3, 1))},
            **({"workforce": wf} if wf else {}),
        }
    routes = {}
    for i, s in enumerate(ids):
        targets = draw(st.lists(st.sampled_from(ids[i + 1:] + list(exits)), min_size=1,
                                max_size=3, unique=True))
        weights = np.array(draw(st.lists(st.floats(0.05, 1), min_size=len(targets),
                                         max_size=len(targets))))
        probs = weights / weights.sum()
        probs[-1] = 1 - probs[:-1].sum()
        routes[s] = [{"to": t, "probability": float(p), "on_reject": "home",
                      "waits": {r: {"probability": draw(st.floats(0, 1)),
                                    "duration": draw(st.floats(0, 5))}
                                for r in draw(st.lists(st.sampled_from(REASONS), max_size=2,
                                                       unique=True))}}
                     for t, p in zip(targets, probs, strict=True)]
    cohorts = {}
    if draw(st.booleans()):
        cohorts["c"] = {"size": draw(st.integers(1, 200)), "service": ids[0],
                        "events_per_year": draw(st.floats(0, 20)), "leaves_on": ["died"],
                        "admission_services": [ids[-1]]}
    return validate_model(Model.model_validate({
        "name": "random", "start_date": "2025-03-03", "warm_up_days": draw(st.integers(0, 10)),
        "run_days": draw(st.integers(5, 60)), "services": services, "exits": exits,
        "routes": routes, "staff": staff, "cohorts": cohorts,
        "calendars": {"weekdays": {"days": ["mon", "tue", "wed", "thu", "fri"]}},
        "arrivals": {"in": {"service": ids[0], "per_day": draw(st.floats(0, 10))}},
    }))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.integers(0, 2**32 - 1))
def test_random_models_account_for_every_person_and_every_staff_hour(model, seed):
    try:
        res = simulate(model, replications=1, seed=seed)
    except DeadlockError as err:
        assert err.services
        return
    rep = res.replications[0]
    S = len(model.services)
    assert np.all(rep.delays["end"] >= rep.delays["start"])
    assert (res.stays["delayed_days"] >= 0).all()
    # every person has left by an exit, or is in a stint, a referral, or waiting for a place
    left = ~np.isnan(rep.people["left"])
    assert np.all(rep.people["exit"][left] >= 0)
    somewhere = np.zeros(len(left), dtype=bool)
    somewhere[rep.stints["person"][np.isnan(rep.stints["ended"])]] = True
    somewhere[rep.referrals["person"][rep.referrals["accepted"] < 0]] = True
    somewhere |= rep.people["target"] >= S  # waiting for a place at a limited exit
    assert somewhere[~left].all()
    k = res.kpis.set_index(["service", "metric"])["value"]
    # every staff hour: a team's needed hours are its groups', which are their activities',
    # which are the services'
    team = k[("staff.team", "needed_hours")]
    groups = k[("staff.team.nurse", "needed_hours")] + k[("staff.team.admin", "needed_hours")]
    by_activity = sum(k[("staff.team", f"hours_{a}")] for a in ACTIVITIES)
    services = sum(k[(s, "staff_hours")] for s, svc in model.services.items() if svc.workforce)
    assert team == np.float64(groups) or abs(team - groups) < 1e-6 * max(1, team)
    assert abs(team - by_activity) < 1e-6 * max(1, team)
    assert abs(team - services) < 1e-6 * max(1, team)
    assert k[("staff.team", "available_hours")] >= 0
    if model.cohorts:
        assert k[("cohort.c", "attendances")] >= 0
        member = rep.member_of
        assert member is not None and (member >= -1).all()
