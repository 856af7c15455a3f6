"""t intervals and paired differences against hand-computed values."""

import math

import numpy as np
import pandas as pd
import pytest

from wholeflow.experiment.stats import (
    estimate,
    paired_difference,
    paired_differences,
    summarise,
    t_quantile,
)


def test_t_interval_of_one_to_five():
    e = estimate([1, 2, 3, 4, 5])
    # mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445
    assert e.mean == 3
    assert e.sd == pytest.approx(math.sqrt(2.5))
    assert e.half_width == pytest.approx(2.776445 * math.sqrt(2.5) / math.sqrt(5), rel=1e-6)
    assert e.n == 5


def test_one_sided_bounds_use_the_one_sided_quantile():
    up = estimate([1, 2, 3, 4, 5], side="upper")
    low = estimate([1, 2, 3, 4, 5], side="lower")
    t = t_quantile(0.95, 5, "upper")
    assert t == pytest.approx(2.131847, rel=1e-6)
    assert up.high == pytest.approx(3 + t * math.sqrt(2.5 / 5))
    assert up.low == -math.inf
    assert low.low == pytest.approx(3 - t * math.sqrt(2.5 / 5))
    assert low.high == math.inf


def test_missing_values_are_left_out_and_one_value_has_no_interval():
    assert estimate([1.0, math.nan, 3.0]).n == 2
    one = estimate([4.0, math.nan])
    assert one.mean == 4 and math.isnan(one.low) and math.isnan(one.half_width)
    assert estimate([]).n == 0


def test_paired_difference_cancels_shared_noise():
    rng = np.random.default_rng(1)
    shared = rng.normal(100, 20, 30)
    base, scen = shared, shared - 5 + rng.normal(0, 0.1, 30)
    d = paired_difference(base, scen)
    assert d.high < 0 and d.excludes_zero
    assert d.mean == pytest.approx(-5, abs=0.1)
    assert d.half_width < 0.1  # independent arms would give about 10


def test_identical_arms_differ_by_exactly_zero():
    d = paired_difference([1.0, 5.0, 2.0], [1.0, 5.0, 2.0])
    assert (d.mean, d.low, d.high) == (0, 0, 0)
    assert not d.excludes_zero


def test_paired_difference_needs_equal_lengths():
    with pytest.raises(ValueError, match="equal lengths"):
        paired_difference([1.0, 2.0], [1.0])


def _long(values: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    rows = [(r, s, m, v) for (s, m), vs in values.items() for r, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["replication", "service", "metric", "value"])


def test_summarise_gives_every_kpi_even_without_values():
    k = _long({("ward", "admissions"): [10, 12, 14], ("ward", "acceptance_rate"): [math.nan] * 3})
    s = summarise(k)
    adm = s[s["metric"] == "admissions"].iloc[0]
    assert adm["mean"] == 12 and adm["n"] == 3
    assert adm["ci_high"] - adm["ci_low"] == pytest.approx(2 * 4.302653 * 2 / math.sqrt(3))
    acc = s[s["metric"] == "acceptance_rate"].iloc[0]
    assert acc["n"] == 0 and math.isnan(acc["mean"])


def test_paired_differences_per_kpi():
    a = _long({("ward", "admissions"): [10, 12, 14], ("system", "cost"): [1, 1, 1]})
    b = _long({("ward", "admissions"): [11, 13, 15], ("system", "cost"): [1, 1, 1]})
    d = paired_differences(a, b).set_index(["service", "metric"])
    assert d.loc[("ward", "admissions"), "difference"] == 1
    assert d.loc[("ward", "admissions"), "ci_low"] == 1  # every pair differs by exactly 1
    assert d.loc[("system", "cost"), "difference"] == 0
    assert d.loc[("ward", "admissions"), "baseline"] == 12
    assert d.loc[("ward", "admissions"), "scenario"] == 13
