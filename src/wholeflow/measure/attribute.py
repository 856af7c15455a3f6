"""Limits of p, p′ (Laney), u, u′ (Laney) and c charts, computed as qicharts2 computes them.

Every chart takes the baseline points of a segment (all of them unless a baseline length is
given) for its centre line and gives each point its own sigma from its own denominator:

- p:  centre = Σ numerators / Σ denominators, sigma_i = √(p̄(1 − p̄) / n_i); limits kept in [0, 1].
- u:  centre = Σ numerators / Σ denominators, sigma_i = √(ū / n_i); lower limit kept ≥ 0.
- c:  centre = mean count, sigma = √c̄; lower limit kept ≥ 0.
- p′ and u′ (Laney 2002): sigma_i of the p or u chart times sigma_z, the mean moving range of
  the baseline's standardised values z_i = (y_i − centre) / sigma_i divided by 1.128. This
  widens the limits when very large denominators make p and u limits implausibly tight.
"""

from __future__ import annotations

import numpy as np

from wholeflow.measure.limits import Limits, from_sigma

#: d2 for moving ranges of two: mean moving range / d2 estimates sigma.
D2 = 1.128


def attribute_limits(
    chart: str, numerator: np.ndarray, denominator: np.ndarray, *, baseline: int | None
) -> Limits:
    """Limits for one segment of a ``p``, ``pprime``, ``u``, ``uprime`` or ``c`` chart."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    base = slice(0, baseline)
    if chart == "c":
        centre = float(numerator[base].mean())
        sigma = np.full(numerator.shape, np.sqrt(centre))
        return from_sigma(centre, sigma, floor=0.0)
    centre = float(numerator[base].sum() / denominator[base].sum())
    if chart in ("p", "pprime"):
        sigma = np.sqrt(centre * (1 - centre) / denominator)
    else:
        sigma = np.sqrt(centre / denominator)
    details: dict[str, float] = {}
    if chart in ("pprime", "uprime"):
        sigma_z = laney_sigma_z(numerator[base] / denominator[base], centre, sigma[base])
        details["sigma_z"] = sigma_z
        sigma = sigma * sigma_z
    ceiling = 1.0 if chart in ("p", "pprime") else None
    return from_sigma(centre, sigma, floor=0.0, ceiling=ceiling, details=details)


def laney_sigma_z(values: np.ndarray, centre: float, sigma: np.ndarray) -> float:
    """Laney's between-subgroup factor: mean moving range of z-scores / 1.128.

    NaN when it cannot be computed (fewer than two points, or sigma 0 because every point is
    0 % or 100 %); the limits then stay NaN rather than pretending to be exact.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (values - centre) / sigma
    ranges = np.abs(np.diff(z))
    ranges = ranges[np.isfinite(ranges)]
    return float(ranges.mean() / D2) if ranges.size else float("nan")
