"""The engine against queueing theory, with tolerances derived from the replications' spread.

Each check compares a replication mean with its theoretical value and allows four standard
errors (a 1-in-15,000 miss for a correct engine); seeds are fixed, so results are repeatable.
"""

from __future__ import annotations

import math

import numpy as np
import pytest


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load a = lambda/mu."""
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def within(values: np.ndarray, theory: float, extra: float = 0.0) -> None:
    se = values.std(ddof=1) / np.sqrt(len(values))
    assert abs(values.mean() - theory) <= 4 * se + extra, (values.mean(), theory, se)


def test_mmc_mean_wait_matches_erlang_c(run):
    lam, mean_los, c = 4.0, 1.0, 5
    res = run(f"""
    services:
      ward: {{capacity: {c}, length_of_stay: {{dist: exponential, mean: {mean_los}}}}}
    arrivals:
      emergency: {{service: ward, per_day: {lam}}}
    routes:
      ward: [{{to: home, probability: 1}}]
    """, replications=8, seed=11, warm_up_days=100, run_days=3000)
    wq = erlang_c(c, lam * mean_los) / (c / mean_los - lam)
    within(res.kpi("mean_wait_days", "ward"), wq)
    within(res.kpi("mean_occupancy", "ward"), lam * mean_los)
    # queue length by Little's law: Lq = lambda * Wq
    within(res.kpi("mean_queue", "ward"), lam * wq)


def test_mm_infinity_occupancy_is_poisson(run):
    lam, mean_los = 20.0, 3.0
    res = run(f"""
    services:
      caseload: {{length_of_stay: {{dist: exponential, mean: {mean_los}}}}}
    arrivals:
      referrals: {{service: caseload, per_day: {lam}}}
    routes:
      caseload: [{{to: home, probability: 1}}]
    """, replications=6, seed=5, warm_up_days=30, run_days=2000)
    within(res.kpi("mean_occupancy", "caseload"), lam * mean_los)
    census = res.daily["occupancy"].to_numpy()
    # M/M/inf: occupancy is Poisson, so its variance equals its mean (within sampling error
    # of a correlated daily series: 10 %)
    assert census.var() == pytest.approx(lam * mean_los, rel=0.10)
    assert np.isnan(res.kpi("utilisation", "caseload")).all()


def test_littles_law_on_every_service_of_the_reference_network(reference_results):
    k = reference_results.kpis
    span = 365.0
    for service in reference_results.compiled.services:
        occ = reference_results.kpi("mean_occupancy", service)
        adm = reference_results.kpi("admissions", service)
        los = reference_results.kpi("mean_length_of_stay", service)
        # L = lambda W per replication; edge effects of a one-year window are < 2 %
        assert occ == pytest.approx(adm / span * los, rel=0.02), service
    assert len(k) > 0


def test_conservation_every_person_is_accounted_for(reference_results):
    for rep in reference_results.replications:
        left = rep.people["left"]
        gone = ~np.isnan(left)
        assert np.all(rep.people["exit"][gone] >= 0)  # everyone who left has an exit
        still = np.flatnonzero(~gone)
        open_stint = np.isnan(rep.stints["ended"])
        undecided = rep.referrals["person"][rep.referrals["accepted"] < 0]
        somewhere = np.zeros(len(left), dtype=bool)
        somewhere[rep.stints["person"][open_stint]] = True
        somewhere[undecided] = True
        assert somewhere[still].all()  # everyone still in the system is in a stint or triage
        assert not somewhere[gone].any()  # and no one who left is still anywhere
    k = reference_results.kpis.set_index(["replication", "service", "metric"])["value"]
    for r in reference_results.replications:
        arrived = len(r.people)  # started empty: everyone arrived
        left = np.sum(~np.isnan(r.people["left"]))
        assert arrived == left + k[(r.replication, "system", "in_system_at_end")]


def test_fifo_release_from_blocking(reference_results):
    # blocked people are released first-blocked, first-out: at each unit, places are reserved
    # in the order referrals were accepted (one priority level, no transfer delays)
    s = reference_results.stays
    for unit in ("unit_a", "unit_b", "imc"):
        for _, g in s[(s["service"] == unit) & s["admitted"].notna()].groupby("replication"):
            g = g.sort_values(["admitted", "queued"])
            assert g["queued"].is_monotonic_increasing, unit


def test_littles_law_on_every_service_of_the_bolton_example():
    # L = lambda W on each service of the shipped example, averaged over replications. The
    # window is a year and stays average under 40 days, so the edge effect (stays cut by the
    # window's ends) is a few per cent of W at most; 3 % is the allowance.
    import wholeflow
    from wholeflow.cli.demo import example_folder

    model = wholeflow.load_model(example_folder("bolton"))
    res = wholeflow.simulate(model, replications=4, seed=3)
    for service in model.services:
        occupancy = res.kpi("mean_occupancy", service).mean()
        arrivals_rate = res.kpi("admissions", service) / model.run_days
        little = (arrivals_rate * res.kpi("mean_length_of_stay", service)).mean()
        assert little == pytest.approx(occupancy, rel=0.03), service
    # and conservation: everyone who arrived has left or is still in the system
    k = res.kpis.set_index(["replication", "service", "metric"])["value"]
    for rep in res.replications:
        left = int(np.sum(~np.isnan(rep.people["left"])))
        assert len(rep.people) == left + k[(rep.replication, "system", "in_system_at_end")]
