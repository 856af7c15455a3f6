"""The sequential rule asks for more replications until the half-width is small enough."""

import math

import numpy as np
import pandas as pd

from wholeflow.experiment.precision import MIN_STEP, PrecisionCheck, check, next_count, unmet


def _kpis(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"replication": range(len(values)), "service": "system",
                         "metric": "delayed_days", "value": values})


def test_check_measures_relative_half_width():
    rng = np.random.default_rng(0)
    c = check("baseline", _kpis(list(rng.normal(100, 10, 10))), [("delayed_days", "system")],
              0.05)[0]
    assert c.n == 10
    assert c.relative == c.half_width / abs(c.mean)
    assert 0.03 < c.relative < 0.12


def test_next_count_projects_the_count_needed():
    c = PrecisionCheck("baseline", "system", "delayed_days", 100.0, 10.0, 10, 0.05)
    # ±10 % now, ±5 % wanted: about four times the replications
    assert c.needed() == 40
    assert next_count([c], 10) == 40
    assert next_count([c], 10, maximum=25) == 25


def test_met_checks_stop_and_small_gaps_step_at_least_a_few():
    met = PrecisionCheck("a", "system", "x", 100.0, 4.0, 10, 0.05)
    nearly = PrecisionCheck("a", "system", "y", 100.0, 5.1, 10, 0.05)
    assert next_count([met], 10) == 10
    assert next_count([met, nearly], 10) == 10 + MIN_STEP
    assert unmet([met, nearly]) == [nearly]


def test_constant_kpis_are_met_and_missing_ones_ignored():
    zero = check("a", _kpis([0.0] * 10), [("delayed_days", "system")], 0.05)[0]
    assert zero.half_width == 0 and zero.met
    missing = PrecisionCheck("a", "system", "x", math.nan, math.nan, 0, 0.05)
    assert next_count([zero, missing], 10) == 10
