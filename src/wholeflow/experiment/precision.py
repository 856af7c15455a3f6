"""How many replications: the sequential rule for a requested confidence-interval half-width.

Asking for "±5 %" means: keep adding replications until, for every KPI watched and in every arm
of the experiment, the half-width of the 95 % t interval is at most 5 % of the mean's size.
The rule is sequential (Law, *Simulation Modeling and Analysis*, the relative-precision
procedure): after ``n`` replications it estimates the count that would be enough,

    n* = ⌈ n · (h / (γ·|mean|))² ⌉

(``h`` the current half-width, ``γ`` the requested relative precision), runs up to ``n*`` (at
least a few more, at most the cap), and checks again with the new values, because the estimate of
the sd is itself noisy. All arms extend to the same count, so they stay paired on common random
numbers. A KPI whose every replication gives the same value has half-width 0 and is satisfied; a
KPI with mean 0 and some spread can never reach a relative precision and is reported as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wholeflow.experiment.stats import estimate

#: Replications run before the first check.
INITIAL = 10
#: Each extension adds at least this many replications.
MIN_STEP = 5
#: Never run more than this many replications per arm unless asked.
MAX_REPLICATIONS = 1000


@dataclass(frozen=True)
class PrecisionCheck:
    """The precision reached by one KPI of one arm."""

    arm: str
    service: str
    metric: str
    mean: float
    half_width: float
    n: int
    target: float  # relative precision asked for (0.05 = ±5 %)

    @property
    def relative(self) -> float:
        """Half-width as a share of the mean's size (inf when the mean is 0 and sd is not)."""
        if self.half_width == 0:
            return 0.0
        if not math.isfinite(self.half_width) or self.mean == 0:
            return math.inf
        return self.half_width / abs(self.mean)

    @property
    def met(self) -> bool:
        return self.relative <= self.target

    def needed(self) -> float:
        """Estimated replications to meet the target (inf when it cannot be met)."""
        if self.met:
            return float(self.n)
        if not math.isfinite(self.relative):
            return math.inf
        return math.ceil(self.n * (self.relative / self.target) ** 2)


def check(arm: str, kpis: pd.DataFrame, watch: list[tuple[str, str]], target: float,
          confidence: float = 0.95) -> list[PrecisionCheck]:
    """Precision of each watched ``(metric, service)`` KPI in one arm's long KPI table."""
    out = []
    for metric, service in watch:
        sel = kpis[(kpis["metric"] == metric) & (kpis["service"] == service)]["value"]
        e = estimate(sel.to_numpy(dtype=float), confidence)
        half = e.half_width if e.n > 1 else math.inf
        if e.n > 1 and e.sd == 0:
            half = 0.0
        out.append(PrecisionCheck(arm, service, metric, e.mean, half, e.n, target))
    return out


def next_count(checks: list[PrecisionCheck], current: int,
               maximum: int = MAX_REPLICATIONS) -> int:
    """The replication count to run next, or ``current`` when every check is met or at the cap.

    Checks whose mean is missing (a KPI nothing happened to), or that can never be met (a mean
    of 0 with some spread), do not drive the count.
    """
    needs = [c.needed() for c in unmet(checks)]
    needs = [n for n in needs if math.isfinite(n)]  # a mean of 0 with spread can never be met
    if not needs or current >= maximum:
        return current
    return min(maximum, max(current + MIN_STEP, int(max(needs))))


def unmet(checks: list[PrecisionCheck]) -> list[PrecisionCheck]:
    """The checks that did not reach the requested precision."""
    return [c for c in checks if np.isfinite(c.mean) and not c.met]
