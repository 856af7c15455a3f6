"""MSER-5 cuts a known transient and leaves a steady series alone."""

import numpy as np
import pandas as pd

from wholeflow.experiment.warmup import mser5, suggest_warm_up


def test_mser5_cuts_past_a_step_transient():
    rng = np.random.default_rng(7)
    y = np.r_[rng.normal(15, 1, 100), rng.normal(10, 1, 400)]
    cut = mser5(y)
    assert 100 <= cut.observations <= 115
    assert cut.observations % 5 == 0
    assert cut.settled and cut.material


def test_mser5_cuts_past_a_decaying_transient():
    rng = np.random.default_rng(3)
    t = np.arange(600)
    y = 10 + 20 * np.exp(-t / 15) + rng.normal(0, 1, 600)
    cut = mser5(y)
    # the transient is below a tenth of the noise (0.1) after 15 * ln(200) = 80 days
    assert 40 <= cut.observations <= 150
    assert cut.material


def test_a_steady_series_needs_no_warm_up():
    rng = np.random.default_rng(11)
    cut = mser5(rng.normal(10, 1, 500))
    assert not cut.material  # whatever it cuts moves the mean by less than its standard error
    assert cut.observations < 250


def test_a_series_that_never_settles_is_reported():
    cut = mser5(np.linspace(100, 0, 400))  # still falling at the end
    assert not cut.settled


def test_too_short_a_series_cuts_nothing():
    assert mser5([1.0, 2.0, 3.0]).observations == 0


def _daily(series: dict[str, np.ndarray], replications: int = 3) -> pd.DataFrame:
    rows = []
    for r in range(replications):
        for service, y in series.items():
            dates = pd.date_range("2025-05-01", periods=len(y))
            rows.append(pd.DataFrame({"replication": r, "service": service, "date": dates,
                                      "occupancy": y}))
    return pd.concat(rows, ignore_index=True)


def test_suggestion_takes_the_slowest_service_and_adds_the_warm_up_used():
    rng = np.random.default_rng(5)
    slow = np.r_[np.full(60, 30.0), np.full(300, 20.0)] + rng.normal(0, 1, 360)
    steady = rng.normal(8, 1, 360)
    w = suggest_warm_up(_daily({"steady": steady, "slow": slow}), used_days=30)
    assert w.longer_needed
    assert 90 <= w.suggested_days <= 105
    assert w.by_service["slow"] >= 60
    assert "slow settles last" in w.words()
    assert "--warm-up" in w.words()


def test_a_long_enough_warm_up_is_confirmed():
    rng = np.random.default_rng(2)
    w = suggest_warm_up(_daily({"ward": rng.normal(8, 1, 360)}), used_days=60)
    assert w.suggested_days == 60 and not w.longer_needed
    assert "long enough" in w.words()
