"""Hypothesis: random valid models never crash the engine, never give negative waits or
delays, and account for every person."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wholeflow.engine import simulate
from wholeflow.errors import DeadlockError
from wholeflow.model.schema import Model

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@st.composite
def models(draw):
    n = draw(st.integers(1, 5))
    ids = [f"s{i}" for i in range(n)]
    exits = ["home", "care_home"]
    calendars = {"cal": {"days": draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1,
                                               unique=True)),
                         "bank_holidays": draw(st.booleans())}}
    los = st.one_of(
        st.builds(lambda v: {"dist": "fixed", "value": v}, st.floats(0.1, 20)),
        st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(0.2, 20)),
        st.builds(lambda m, c: {"dist": "lognormal", "mean": m, "sd": m * c},
                  st.floats(0.5, 20), st.floats(0.1, 2)),
    )
    services = {}
    for s in ids:
        services[s] = {
            "capacity": draw(st.one_of(st.none(), st.integers(1, 15))),
            "holds_on_transfer": draw(st.booleans()),
            "length_of_stay": draw(los),
            "admits": draw(st.sampled_from(["always", "cal"])),
            "referral": {"calendar": draw(st.sampled_from(["always", "cal"])),
                         "triage_time": draw(st.floats(0, 2)),
                         "acceptance": draw(st.floats(0, 1)),
                         "rejected_handling_hours": draw(st.floats(0, 2))},
        }
    routes = {}
    for i, s in enumerate(ids):
        targets = draw(st.lists(st.sampled_from(ids[i + 1:] + exits), min_size=1, max_size=3,
                                unique=True))
        weights = np.array(draw(st.lists(st.floats(0.05, 1), min_size=len(targets),
                                         max_size=len(targets))))
        probs = weights / weights.sum()
        probs[-1] = 1 - probs[:-1].sum()
        routes[s] = [{"to": t, "probability": float(p), "on_reject": "home",
                      **({"transfer_delay": draw(st.floats(0, 2))} if draw(st.booleans())
                         else {})}
                     for t, p in zip(targets, probs, strict=True)]
    return Model.model_validate({
        "name": "random", "start_date": "2025-03-03", "warm_up_days": draw(st.integers(0, 10)),
        "run_days": draw(st.integers(5, 60)), "calendars": calendars, "services": services,
        "exits": {e: {} for e in exits}, "routes": routes,
        "arrivals": {"in": {"service": ids[0], "per_day": draw(st.floats(0, 15))}},
        "initial_state": {ids[-1]: {"occupancy": draw(st.integers(0, 5)),
                                    "queue": draw(st.integers(0, 3))}},
    })


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.integers(0, 2**32 - 1))
def test_random_models_run_and_account_for_everyone(model, seed):
    try:
        res = simulate(model, replications=1, seed=seed)
    except DeadlockError as err:  # a legitimate outcome of blocking; it must name services
        assert err.services
        return
    rep = res.replications[0]
    f = rep.stints
    times = ["referred", "decided", "admitted", "started", "ready", "ended"]
    for a, b in itertools.pairwise(times):
        ok = ~np.isnan(f[a]) & ~np.isnan(f[b])
        assert np.all(f[b][ok] >= f[a][ok] - 1e-9), (a, b)
    assert np.all(rep.delays["end"] >= rep.delays["start"])
    s = res.stays
    assert (s["wait_days"].dropna() >= -1e-9).all()
    assert (s["delayed_days"] >= 0).all()
    k = res.kpis
    assert (k[k["metric"].str.startswith("delayed_days")]["value"] >= -1e-9).all()
    # everyone who left has an exit; everyone else is still in a stint or a referral
    left = ~np.isnan(rep.people["left"])
    assert np.all(rep.people["exit"][left] >= 0)
    somewhere = np.zeros(len(left), dtype=bool)
    somewhere[f["person"][np.isnan(f["ended"])]] = True
    somewhere[rep.referrals["person"][rep.referrals["accepted"] < 0]] = True
    assert somewhere[~left].all()
    # occupancy never exceeds capacity, except where the day-0 census put more people in
    d = res.daily
    limit = d["capacity"].astype("float").fillna(np.inf)
    for service, census in model.initial_state.items():
        here = d["service"] == service
        limit[here] = np.maximum(limit[here], census.occupancy)
    assert (d["occupancy"] <= limit).all()
