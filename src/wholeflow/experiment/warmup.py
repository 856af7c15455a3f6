"""Warm-up length from daily occupancy: the MSER-5 truncation rule.

A run that starts empty (or from a census that is not typical) spends its first days drifting
towards its steady state; results that include those days are biased. MSER-5 (White, 1997;
"marginal standard error rule" on batches of 5) picks how many leading observations to delete:
cut the series into batch means of 5, and for each candidate truncation ``d`` (in batches) compute

    MSER(d) = Σ_{j>d} (Z_j - mean(Z_{d+1..k}))² / (k - d)²

which is (up to a constant) the squared standard error of the mean of what is left. The rule
chooses the ``d`` with the smallest value, searching only the first half of the series (a
minimum later than that means the series never settled: the run is too short to tell).

We apply it to the daily midnight occupancy of each service, averaged over replications, and
take the largest truncation over services: the warm-up must be long enough for every service.
On a series that is already steady MSER-5 still cuts a few batches by chance, so a cut counts
only when it matters: when deleting those days moves the mean occupancy by more than one
standard error of the mean that remains (estimated from the batch means). Otherwise the
suggestion is the warm-up already used.

A *seasonal* model (arrivals with a monthly profile, or capacity that changes on dates) has no
steady state: its occupancy follows the seasons, and MSER-5 on one year of it would mistake
winter for a start-up transient. For such a model the report says so instead of guessing; a pilot
run (``warm_up="auto"``) then covers the warm-up plus a whole extra year and applies MSER-5 to
the difference between each day and the same day a year later, which has mean zero once the
start-up bias is gone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

BATCH = 5


@dataclass(frozen=True)
class Truncation:
    """Where MSER-5 cuts one series."""

    observations: int  # leading observations to delete (a multiple of 5)
    settled: bool  # False when the minimum fell in the second half: the run is too short
    length: int  # observations in the series
    material: bool = True  # deleting them moves the mean by more than its standard error


def mser5(series: np.ndarray | pd.Series | list[float], batch: int = BATCH) -> Truncation:
    """The MSER-``batch`` truncation point of one output series (observations, not batches)."""
    y = np.asarray(series, dtype=float)
    y = y[np.isfinite(y)]
    k = len(y) // batch
    if k < 2:
        return Truncation(0, False, len(y))
    z = y[: k * batch].reshape(k, batch).mean(axis=1)
    # sums of the tail z[d:], for d = 0..k-1, from the end
    tail_sum = np.cumsum(z[::-1])[::-1]
    tail_sq = np.cumsum((z * z)[::-1])[::-1]
    remaining = np.arange(k, 0, -1, dtype=float)  # k - d
    sse = tail_sq - tail_sum**2 / remaining
    stat = np.maximum(sse, 0.0) / remaining**2
    half = k // 2
    d = int(np.argmin(stat[: half + 1]))
    settled = d < half
    rest = z[d:]
    standard_error = rest.std(ddof=1) / np.sqrt(len(rest)) if len(rest) > 1 else 0.0
    shift = abs(y.mean() - y[d * batch:].mean())
    return Truncation(d * batch, settled, len(y), bool(d > 0 and shift > standard_error))


@dataclass(frozen=True)
class WarmUp:
    """A warm-up suggestion from daily occupancy, per service and overall."""

    used_days: float  # the warm-up of the runs analysed
    suggested_days: float  # used_days plus the longest MSER-5 truncation over services
    by_service: dict[str, float] = field(default_factory=dict)  # MSER-5 cut per service (days)
    unsettled: tuple[str, ...] = ()  # services whose occupancy never settled in the run
    seasonal: bool = False  # the model follows the seasons: MSER-5 on one year cannot tell

    @property
    def longer_needed(self) -> bool:
        """True when MSER-5 would cut more than the warm-up already does."""
        return self.suggested_days > self.used_days

    def words(self) -> str:
        """One line for people: what was used, what MSER-5 suggests, what to do about it."""
        if self.seasonal:
            return (f"warm-up {self.used_days:g} days; MSER-5 not applied: with a monthly "
                    "profile or dated capacity changes, occupancy follows the seasons and has "
                    "no steady state to detect in one year (--warm-up auto compares each day "
                    "with the same day a year later instead)")
        text = f"warm-up {self.used_days:g} days; MSER-5 on daily occupancy suggests "
        text += f"{self.suggested_days:g} days"
        if not self.longer_needed and not self.unsettled:
            return text + " (the warm-up is long enough)"
        if self.unsettled:
            text += (f" (occupancy of {', '.join(self.unsettled)} did not settle within the "
                     "run: a longer run or warm-up is needed)")
        elif self.longer_needed:
            worst = max(self.by_service, key=lambda s: self.by_service[s])
            text += f" ({worst} settles last); rerun with --warm-up {self.suggested_days:g}"
        return text


def suggest_warm_up(daily: pd.DataFrame, used_days: float = 0.0, column: str = "occupancy",
                    seasonal: bool = False, year: int = 0) -> WarmUp:
    """Suggest a warm-up from a ``daily`` table (rows per replication, service and day).

    The table's first day is taken to be the end of the warm-up already used (``used_days``);
    each service's occupancy is averaged over replications day by day and cut by MSER-5. For a
    ``seasonal`` model nothing is suggested unless ``year`` (days in a year, 365) is given: then
    each day is compared with the same day ``year`` days later and the differences are cut.
    """
    if daily.empty or (seasonal and not year):
        return WarmUp(used_days, used_days, seasonal=seasonal)
    mean = (daily.groupby(["service", "date"], sort=False)[column].mean()
            .sort_index(level="date", sort_remaining=False))
    by_service: dict[str, float] = {}
    unsettled = []
    extra = 0.0
    for service, series in mean.groupby(level="service", sort=False):
        y = series.to_numpy(dtype=float)
        if year:
            y = y[:-year] - y[year:] if len(y) > year else y[:0]
        cut = mser5(y)
        by_service[str(service)] = float(cut.observations)
        if not cut.settled:
            unsettled.append(str(service))
        if cut.material:
            extra = max(extra, float(cut.observations))
    return WarmUp(used_days, float(math.ceil(used_days + extra)), by_service, tuple(unsettled))
