"""XmR (individuals) chart limits, computed as NHSRplotthedots computes them.

The centre is the mean of the baseline points; the limits are ``mean ± 2.66 × mean moving
range`` (2.66 = 3 / d2, d2 = 1.128) and the near-limit lines ``mean ± (2/3) × 2.66 × mean moving
range``. With screening on (Nelson 1982; NHSRplotthedots' default) moving ranges at or above
3.267 × their mean are dropped once and the mean moving range is recomputed from the rest.
The "Making Data Count" Excel tools do not screen: pass ``screen=False`` to match them.
"""

from __future__ import annotations

import numpy as np

from wholeflow.measure.limits import Limits, from_sigma

#: Multiplier from mean moving range to 3 sigma (3 / 1.128).
LIMIT_FACTOR = 2.66
#: Upper range limit factor (D4 for n = 2): moving ranges at or above this × mean are screened.
SCREEN_FACTOR = 3.267


def mean_moving_range(values: np.ndarray, *, screen: bool) -> tuple[float, int]:
    """Mean of the moving ranges of ``values`` and how many were screened out.

    If every moving range is zero (a constant series) nothing is screened and the mean is 0.
    """
    ranges = np.abs(np.diff(np.asarray(values, dtype=float)))
    if ranges.size == 0:
        return float("nan"), 0
    mean = float(ranges.mean())
    if not screen or mean == 0:
        return mean, 0
    kept = ranges[ranges < SCREEN_FACTOR * mean]
    return float(kept.mean()), int(ranges.size - kept.size)


def xmr_limits(values: np.ndarray, *, baseline: int | None, screen: bool) -> Limits:
    """Limits for one segment; ``baseline`` = how many leading points fix them (None = all)."""
    values = np.asarray(values, dtype=float)
    base = values[:baseline] if baseline is not None else values
    mean = float(base.mean())
    amr, screened = mean_moving_range(base, screen=screen)
    sigma = np.full(values.shape, LIMIT_FACTOR * amr / 3)
    details = {"mean_moving_range": amr, "screened_moving_ranges": float(screened)}
    return from_sigma(mean, sigma, details=details)
