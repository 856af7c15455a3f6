"""Same seed, same results; different seed, different results; buffer sizes never matter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wholeflow.engine import compile_model, replication, run_replication, simulate
from wholeflow.examples.reference import reference_network


def test_same_seed_gives_identical_tables():
    m = reference_network(0.5)
    a = simulate(m, replications=2, seed=7)
    b = simulate(m, replications=2, seed=7)
    for name in ("kpis", "stays", "referrals", "delays", "journeys", "daily"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_different_seeds_give_different_tables():
    m = reference_network(0.5)
    a = simulate(m, replications=1, seed=7)
    b = simulate(m, replications=1, seed=8)
    assert not a.kpis["value"].equals(b.kpis["value"])
    assert len(a.stays) != len(b.stays) or not a.stays["started"].equals(b.stays["started"])


def assert_records_equal(a: np.ndarray, b: np.ndarray) -> None:
    """Record arrays equal field by field (NaN equal to NaN: a time that never happened)."""
    assert a.dtype == b.dtype and len(a) == len(b)
    for name in a.dtype.names:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_replication_order_and_count_do_not_change_a_replication():
    m = reference_network(0.5)
    three = simulate(m, replications=3, seed=1)
    cm = compile_model(m)
    alone = run_replication(cm, 1, 2)
    assert_records_equal(three.replications[2].stints, alone.stints)


def test_random_buffer_sizes_never_change_results(monkeypatch):
    cm = compile_model(reference_network(0.5))
    roomy = run_replication(cm, 3, 0)
    original = replication._Buffers.__init__

    def tiny(self, cm, seed, rep):  # start every stream with 8 numbers: many regrowths
        original(self, cm, seed, rep)
        self.sizes = [8] * len(self.sizes)
        self.parts = [self._draw(i) for i in range(len(self.sizes))]

    monkeypatch.setattr(replication._Buffers, "__init__", tiny)
    cramped = run_replication(cm, 3, 0)
    assert_records_equal(roomy.stints, cramped.stints)
    assert_records_equal(roomy.delays, cramped.delays)


def test_a_scenario_that_changes_nothing_shares_every_random_number():
    # common random numbers: an identical model under another name gives identical KPIs
    m = reference_network(0.5)
    twin = m.model_copy(update={"name": "twin"})
    a = simulate(m, replications=2, seed=4).kpis
    b = simulate(twin, replications=2, seed=4).kpis
    pd.testing.assert_frame_equal(a, b)


def test_changing_one_service_keeps_the_arrivals_of_the_others():
    m = reference_network(0.5)
    bigger = m.model_copy(deep=True)
    bigger.services["unit_a"].capacity = 200
    a = simulate(m, replications=1, seed=4)
    b = simulate(bigger, replications=1, seed=4)
    arr_a = a.journeys["arrived"].sort_values().to_numpy()
    arr_b = b.journeys["arrived"].sort_values().to_numpy()
    np.testing.assert_array_equal(arr_a[:100], arr_b[:100])
