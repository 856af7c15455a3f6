"""Does a fitted distribution agree with the data it came from? A verdict, with its reasons.

A maximum-likelihood fit can go badly wrong and still be "best by AIC": a lognormal fitted to
emergency stays of a few hours plus a handful still open after a year has a mean of millions of
days. So every fit the calibrator would write is set beside its data:

* **mean, median and 90th percentile**, fitted against observed. The observed figures are those
  of the completed durations; when more than :data:`CENSORED_SHARE` of them are still open
  (censored), median and p90 come from the Kaplan-Meier estimate instead (which counts open ones
  as "at least this long"), and the mean is not compared (the open ones have no mean yet);
* the **Kolmogorov-Smirnov distance** between the fitted and the empirical (Kaplan-Meier)
  distribution functions.

Each comparison is *ok*, *check* or *bad*; the verdict is the worst of them: **ok**, **check**
(written, with a warning) or **refused** (any bad figure: the calibrator then tries the next
family by AIC, and falls back to the empirical distribution when none passes).

=====================  ==============================  ======================================
figure                 ok                              bad (refused)
=====================  ==============================  ======================================
mean, median, p90      fitted/observed in 0.8 - 1.25   outside 0.5 - 2
KS distance            <= max(0.1, 1.36/sqrt(n))       > max(0.25, 2.72/sqrt(n))
=====================  ==============================  ======================================

Between the two: *check*. 1.36/sqrt(n) is the 5 % critical value of the KS test, so small
samples are not refused for the noise of their own size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from wholeflow.data.calibration.fit import Fit

OK, CHECK, REFUSED = "ok", "check", "refused"
CENSORED_SHARE = 0.05
"""Above this share of open durations, the mean is not compared and median and p90 come from
the Kaplan-Meier estimate."""
RATIO_OK = (0.8, 1.25)
RATIO_BAD = (0.5, 2.0)
#: Points of the empirical distribution written when no family fits (0 and 1 included).
EMPIRICAL_POINTS = tuple(round(p, 2) for p in np.linspace(0.0, 1.0, 21))


@dataclass(frozen=True)
class Observed:
    """Summary figures of the durations a fit came from (nan: not known)."""

    mean: float
    median: float
    p90: float
    n: int
    n_censored: int
    note: str
    """What was compared and how (for the evidence)."""


@dataclass(frozen=True)
class FitCheck:
    """A fit's figures beside the observed ones, and the verdict."""

    verdict: str
    reasons: tuple[str, ...]
    """Why it is not ok (empty when ok)."""
    mean: float
    median: float
    p90: float
    observed: Observed

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def observed(days: np.ndarray, censored: np.ndarray) -> Observed:
    """Mean, median and p90 of ``days`` (``censored``: still open, at least that long)."""
    days = np.maximum(np.asarray(days, float), 0.0)
    censored = np.asarray(censored, bool)
    done = days[~censored]
    n, n_open = len(days), int(censored.sum())
    if not len(done):
        return Observed(math.nan, math.nan, math.nan, n, n_open, "no completed durations")
    if n_open <= CENSORED_SHARE * n:
        return Observed(float(done.mean()), float(np.median(done)),
                        float(np.quantile(done, 0.9)), n, n_open,
                        f"{len(done):,} completed durations")
    km = stats.ecdf(stats.CensoredData(uncensored=done, right=days[censored]))
    return Observed(math.nan, _km_quantile(km, 0.5), _km_quantile(km, 0.9), n, n_open,
                    f"Kaplan-Meier of {len(done):,} completed and {n_open:,} open durations "
                    "(mean not compared: open ones have none yet)")


def _km_quantile(km: stats._survival.ECDFResult, p: float) -> float:
    """The Kaplan-Meier ``p`` quantile (nan when the estimate never reaches it)."""
    reached = np.flatnonzero(km.cdf.probabilities >= p - 1e-12)
    return float(km.cdf.quantiles[reached[0]]) if reached.size else math.nan


def check(fit: Fit, seen: Observed) -> FitCheck:
    """The verdict on ``fit`` against the data it came from (see the module docs)."""
    frozen = fit.frozen()
    fitted = {"mean": fit.mean, "median": float(frozen.median()),
              "p90": float(frozen.ppf(0.9))}
    worst, reasons = OK, []
    for name, value in fitted.items():
        target = getattr(seen, name)
        if not (math.isfinite(target) and target > 0):
            continue
        grade = _grade_ratio(value / target)
        if grade != OK:
            reasons.append(f"fitted {name} {_days(value)} against {_days(target)} observed")
            worst = _worse(worst, grade)
    root_n = math.sqrt(max(fit.n, 1))
    if fit.ks_distance > max(0.25, 2.72 / root_n):
        grade = REFUSED
    elif fit.ks_distance > max(0.1, 1.36 / root_n):
        grade = CHECK
    else:
        grade = OK
    if grade != OK:
        reasons.append(f"KS distance {fit.ks_distance:.2f}")
        worst = _worse(worst, grade)
    return FitCheck(worst, tuple(reasons), fitted["mean"], fitted["median"], fitted["p90"],
                    seen)


def _grade_ratio(ratio: float) -> str:
    if not math.isfinite(ratio) or not RATIO_BAD[0] <= ratio <= RATIO_BAD[1]:
        return REFUSED
    return OK if RATIO_OK[0] <= ratio <= RATIO_OK[1] else CHECK


def _worse(a: str, b: str) -> str:
    order = (OK, CHECK, REFUSED)
    return a if order.index(a) >= order.index(b) else b


def _days(value: float) -> str:
    return f"{value:.3g} days" if abs(value) < 1e6 else f"{value:.2e} days"


def empirical(days: np.ndarray, censored: np.ndarray) -> dict[str, object] | None:
    """The completed durations as an empirical distribution (quantiles at 5 % steps), or
    None when there are none."""
    done = np.maximum(np.asarray(days, float)[~np.asarray(censored, bool)], 0.0)
    if not len(done):
        return None
    values = np.quantile(done, EMPIRICAL_POINTS)
    values = np.maximum.accumulate(values)  # rounding must not make them decrease
    return {"dist": "empirical",
            "quantiles": {float(p): _round(float(v)) for p, v in
                          zip(EMPIRICAL_POINTS, values, strict=True)}}


def _round(value: float) -> float:
    return float(f"{value:.4g}") if value else 0.0
