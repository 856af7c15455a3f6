"""Centre line, process limits and near-limit (2-sigma) lines of one chart segment."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Limits:
    """Per-point lines of one segment (arrays as long as the segment).

    ``lower``/``upper`` are the process (3-sigma) limits and ``lower_near``/``upper_near`` the
    2-sigma lines the "two of three" rule looks beyond. Run charts have a centre only (the
    limits are NaN). ``details`` holds figures worth reporting (mean moving range, Laney's
    sigma_z, ...).
    """

    centre: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower_near: np.ndarray
    upper_near: np.ndarray
    details: dict[str, float] = field(default_factory=dict)


def from_sigma(
    centre: float,
    sigma: np.ndarray,
    *,
    floor: float | None = None,
    ceiling: float | None = None,
    details: dict[str, float] | None = None,
) -> Limits:
    """Limits at ``centre ± 3 sigma`` and near lines at ``± 2 sigma``, clamped to a range.

    Clamping is how qicharts2 keeps a proportion's limits within [0, 1] and a count's lower
    limit at or above 0; NaN or infinite lines stay as they are.
    """
    sigma = np.asarray(sigma, dtype=float)
    centres = np.full(sigma.shape, centre, dtype=float)

    def clamp(line: np.ndarray) -> np.ndarray:
        line = line.copy()
        finite = np.isfinite(line)
        if floor is not None:
            line[finite & (line < floor)] = floor
        if ceiling is not None:
            line[finite & (line > ceiling)] = ceiling
        return line

    return Limits(
        centre=centres,
        lower=clamp(centres - 3 * sigma),
        upper=clamp(centres + 3 * sigma),
        lower_near=clamp(centres - 2 * sigma),
        upper_near=clamp(centres + 2 * sigma),
        details=details or {},
    )


def centre_only(centre: float, n: int, details: dict[str, float] | None = None) -> Limits:
    """A run chart's lines: a centre and no limits."""
    none = np.full(n, np.nan)
    return Limits(np.full(n, centre, dtype=float), none, none, none.copy(), none.copy(),
                  details or {})
