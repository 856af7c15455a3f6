"""Ciw (an independent, well-tested queueing-network simulator) as an oracle.

The reference network of shared/benchmarks/reference-network.md, at a quarter of its size to
keep the test quick, in both engines: mean occupancy per service and delayed (blocked) bed days
in acute must agree within the statistical uncertainty of the two sets of replications.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from wholeflow.engine import simulate
from wholeflow.examples.reference import reference_network

ciw = pytest.importorskip("ciw")

SCALE = 0.25
WARM, END = 60.0, 425.0
REPS = 8


def _lognormal(mean: float, sd: float):
    s2 = math.log1p((sd / mean) ** 2)
    return ciw.dists.Lognormal(math.log(mean) - s2 / 2, math.sqrt(s2))


def ciw_replication(seed: int) -> tuple[list[float], float]:
    caps = [round(c * SCALE) for c in (400, 220, 130, 95)]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=40 * SCALE), None, None, None],
        service_distributions=[_lognormal(5, 4), _lognormal(25, 12), _lognormal(20, 10),
                               ciw.dists.Exponential(rate=1 / 14)],
        number_of_servers=caps,
        queue_capacities=[float("inf"), 0, 0, 0],  # units: no waiting room -> acute blocks
        routing=[[0.0, 0.2, 0.15, 0.15], [0.0] * 4, [0.0] * 4, [0.0] * 4],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(END + 150)  # let stays that span the window's end finish
    occupancy = [0.0] * 4
    delayed = 0.0
    for r in sim.get_all_records():
        if r.record_type != "service":
            continue
        i = r.node - 1
        a, b = max(r.service_start_date, WARM), min(r.exit_date, END)
        occupancy[i] += max(0.0, b - a)
        if i == 0:
            a, b = max(r.service_end_date, WARM), min(r.exit_date, END)
            delayed += max(0.0, b - a)
    return [o / (END - WARM) for o in occupancy], delayed


def agree(ours: np.ndarray, theirs: np.ndarray) -> None:
    se = math.sqrt(ours.var(ddof=1) / len(ours) + theirs.var(ddof=1) / len(theirs))
    assert abs(ours.mean() - theirs.mean()) <= 4 * se, (ours.mean(), theirs.mean(), se)


@pytest.mark.slow
def test_reference_network_agrees_with_ciw():
    ours = simulate(reference_network(SCALE), replications=REPS, seed=99)
    theirs = [ciw_replication(1000 + r) for r in range(REPS)]
    occupancy = np.array([t[0] for t in theirs])
    for i, service in enumerate(("acute", "unit_a", "unit_b", "imc")):
        agree(ours.kpi("mean_occupancy", service), occupancy[:, i])
    agree(ours.kpi("delayed_days", "acute"), np.array([t[1] for t in theirs]))
