"""Honest statistics over replications: means, t confidence intervals and paired differences.

Each replication of a model gives one value of every KPI. Replications are independent and
identically distributed, so the mean over ``n`` replications has a Student t confidence interval
``mean ± t(1 - α/2, n - 1) · sd / √n``. Two arms of an experiment (the baseline and a scenario)
run replication ``r`` on the same random numbers (common random numbers), so their difference is
estimated from the *paired* differences ``scenario_r - baseline_r``: the noise the two share
cancels and the interval is much narrower than comparing two independent means.

Values that are not numbers (a KPI with nothing to measure in a replication, e.g. the length of
stay of a service nobody left) are left out; a pair is used only when both of its values are
numbers. An interval needs at least two values; with fewer it is reported as unknown (NaN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import stdtrit

Side = Literal["two-sided", "upper", "lower"]

KEYS = ["service", "metric"]


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its confidence interval."""

    mean: float
    sd: float
    n: int
    low: float
    high: float
    confidence: float = 0.95

    @property
    def half_width(self) -> float:
        """Half the width of the interval (NaN when fewer than two values)."""
        return (self.high - self.low) / 2

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero: a clear difference."""
        return bool(self.low > 0 or self.high < 0)


def t_quantile(confidence: float, n: int, side: Side = "two-sided") -> float:
    """The Student t quantile for an interval of the given confidence from ``n`` values."""
    if n < 2:
        return math.nan
    tail = 1 - confidence
    p = 1 - tail / 2 if side == "two-sided" else 1 - tail
    # stdtrit is what scipy.stats.t.ppf computes, without importing scipy.stats (a second)
    return float(stdtrit(n - 1, p))


def estimate(values: np.ndarray | pd.Series | list[float], confidence: float = 0.95,
             side: Side = "two-sided") -> Estimate:
    """Mean, sd and t interval of one KPI over replications.

    ``side="upper"`` gives a one-sided interval ``(-inf, high]`` (the upper confidence bound),
    ``side="lower"`` gives ``[low, inf)``: used to show a target is met with a given confidence.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, 0, math.nan, math.nan, confidence)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, math.nan, 1, math.nan, math.nan, confidence)
    sd = float(x.std(ddof=1))
    half = t_quantile(confidence, n, side) * sd / math.sqrt(n)
    low = -math.inf if side == "upper" else mean - half
    high = math.inf if side == "lower" else mean + half
    return Estimate(mean, sd, n, low, high, confidence)


def paired_difference(baseline: np.ndarray | pd.Series, scenario: np.ndarray | pd.Series,
                      confidence: float = 0.95) -> Estimate:
    """The mean of ``scenario - baseline`` over paired replications, with its t interval.

    Both arrays are in replication order and of equal length; pairs with a missing value on
    either side are dropped.
    """
    a = np.asarray(baseline, dtype=float)
    b = np.asarray(scenario, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.shape} and {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    return estimate(b[keep] - a[keep], confidence)


def summarise(kpis: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per service and metric (and scenario, when the column is there): mean, sd and t interval.

    ``kpis`` is in long form (replication, service, metric, value[, scenario]). The result has
    columns ``[scenario,] service, metric, mean, sd, ci_low, ci_high, n``.
    """
    keys = (["scenario"] if "scenario" in kpis.columns else []) + KEYS
    finite = kpis[np.isfinite(kpis["value"].astype(float))]
    grouped = finite.groupby(keys, sort=False)["value"]
    out = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    n = out["n"].to_numpy()
    t = np.array([t_quantile(confidence, int(k)) for k in n])
    half = t * out["sd"].to_numpy(dtype=float) / np.sqrt(np.maximum(n, 1))
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    # every (scenario, service, metric) present in the input appears, even when all values are NaN
    full = kpis[keys].drop_duplicates()
    out = full.merge(out, on=keys, how="left")
    out["n"] = out["n"].fillna(0).astype(int)
    return out[[*keys, "mean", "sd", "ci_low", "ci_high", "n"]].reset_index(drop=True)


def paired_differences(baseline: pd.DataFrame, scenario: pd.DataFrame,
                       confidence: float = 0.95) -> pd.DataFrame:
    """Paired differences ``scenario - baseline`` for every KPI the two long tables share.

    Returns columns ``service, metric, baseline, scenario, difference, ci_low, ci_high, n``
    (``baseline`` and ``scenario`` are the means over the pairs used).
    """
    wide_a = baseline.pivot_table(index="replication", columns=KEYS, values="value",
                                  aggfunc="first", dropna=False)
    wide_b = scenario.pivot_table(index="replication", columns=KEYS, values="value",
                                  aggfunc="first", dropna=False)
    reps = wide_a.index.intersection(wide_b.index)
    order = baseline[KEYS].drop_duplicates()
    rows = []
    for service, metric in order.itertuples(index=False):
        if (service, metric) not in wide_b.columns:
            continue
        a = wide_a.loc[reps, (service, metric)].to_numpy(dtype=float)
        b = wide_b.loc[reps, (service, metric)].to_numpy(dtype=float)
        keep = np.isfinite(a) & np.isfinite(b)
        d = paired_difference(a[keep], b[keep], confidence)
        rows.append({
            "service": service, "metric": metric,
            "baseline": float(a[keep].mean()) if keep.any() else math.nan,
            "scenario": float(b[keep].mean()) if keep.any() else math.nan,
            "difference": d.mean, "ci_low": d.low, "ci_high": d.high, "n": d.n,
        })
    return pd.DataFrame(rows, columns=["service", "metric", "baseline", "scenario",
                                       "difference", "ci_low", "ci_high", "n"])
