"""The "Making Data Count" special-cause rules, as NHSRplotthedots applies them.

Rules are checked within one segment, and a point that several rules catch is reported under
the first of them, in this priority order:

1. ``outside_limits``: the point is above the upper or below the lower process limit.
2. ``trend``: it belongs to ``run_length`` (7) points each strictly higher (or lower) than the
   one before; a repeated value breaks the trend.
3. ``two_of_three``: it is beyond a 2-sigma line and belongs to three consecutive points, all
   on the same side of the mean, of which at least two are beyond the 2-sigma line on that side.
   By default every point beyond the 2-sigma line counts towards the two, those beyond the
   process limits too (the Making Data Count team's 2023 reading); with
   ``two_of_three_beyond_limits=False`` only points between the 2-sigma line and the limit
   count, as NHSRplotthedots does. The readings differ only on a point between 2 and 3 sigma
   next to one beyond the limit.
4. ``shift``: it belongs to ``run_length`` (7) consecutive points on the same side of the mean;
   a point exactly on the mean breaks the shift.

Each flagged point also gets a side: +1 when the signal is high (above, or an upward trend),
−1 when low. Improvement or concern is decided later from the improvement direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from wholeflow.measure.limits import Limits

OUTSIDE = "outside_limits"
TREND = "trend"
TWO_OF_THREE = "two_of_three"
SHIFT = "shift"
LONG_RUN = "long_run"  # Anhøj: part of a run longer than allowed (see runchart.py)
RULES = (OUTSIDE, TREND, TWO_OF_THREE, SHIFT, LONG_RUN)


@dataclass(frozen=True)
class RuleHits:
    """What the rules found in one segment.

    ``rule`` and ``side`` give each point's highest-priority rule ('' for none) and its side;
    ``members`` and ``sides`` keep every rule's full catch, so that a shift interrupted by a
    point outside the limits is still described as one run of seven.
    """

    rule: np.ndarray
    side: np.ndarray
    members: dict[str, np.ndarray] = field(default_factory=dict)
    sides: dict[str, np.ndarray] = field(default_factory=dict)


def by_priority(members: dict[str, np.ndarray], sides: dict[str, np.ndarray]) -> RuleHits:
    """Label each point with the first rule (in :data:`RULES` order) that caught it."""
    n = len(next(iter(members.values())))
    rule = np.full(n, "", dtype=object)
    side = np.zeros(n, dtype=int)
    for name in RULES:
        if name not in members:
            continue
        take = members[name] & (rule == "")
        rule[take] = name
        side[take] = sides[name][take].astype(int)
    return RuleHits(rule, side, members, sides)


def mdc_rules(
    values: np.ndarray,
    limits: Limits,
    *,
    run_length: int = 7,
    two_of_three_beyond_limits: bool = True,
) -> RuleHits:
    """Apply the four MDC rules to one segment."""
    values = np.asarray(values, dtype=float)
    above_mean = np.sign(values - limits.centre)
    outside = (values > limits.upper) | (values < limits.lower)
    near = (values > limits.upper_near) | (values < limits.lower_near)
    if not two_of_three_beyond_limits:
        near &= ~outside
    trend_members, trend_side = _trend(values, run_length)
    members = {
        OUTSIDE: outside,
        TREND: trend_members,
        TWO_OF_THREE: _two_of_three(near, above_mean),
        SHIFT: _runs_of_equal(above_mean, run_length),
    }
    sides = {OUTSIDE: above_mean, TREND: trend_side, TWO_OF_THREE: above_mean,
             SHIFT: above_mean}
    return by_priority(members, sides)


def _trend(values: np.ndarray, run_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Members of strictly monotone runs of ``run_length`` points, and each member's direction.

    A point at the junction of two trends (a peak or trough) takes the direction of the trend
    it starts, as NHSRplotthedots does.
    """
    n = values.size
    steps = np.sign(np.diff(values))
    members = np.zeros(n, dtype=bool)
    for end in range(run_length - 1, n):
        window = steps[end - run_length + 1 : end]
        if window.size and (np.all(window == 1) or np.all(window == -1)):
            members[end - run_length + 1 : end + 1] = True
    direction = np.zeros(n, dtype=int)
    for i in np.flatnonzero(members):
        if i + 1 < n and members[i + 1]:
            direction[i] = int(steps[i])
        elif i > 0:
            direction[i] = int(steps[i - 1])
    return members, direction


def _two_of_three(near: np.ndarray, above_mean: np.ndarray) -> np.ndarray:
    """Near-limit points in a window of three, all one side of the mean, with ≥ 2 near it."""
    n = near.size
    in_window = np.zeros(n, dtype=bool)
    for start in range(n - 2):
        window = slice(start, start + 3)
        if near[window].sum() >= 2 and abs(above_mean[window].sum()) == 3:
            in_window[window] = True
    return in_window & near


def _runs_of_equal(above_mean: np.ndarray, run_length: int) -> np.ndarray:
    """Members of ``run_length`` consecutive points on one side of the mean (none on it)."""
    n = above_mean.size
    members = np.zeros(n, dtype=bool)
    for end in range(run_length - 1, n):
        window = above_mean[end - run_length + 1 : end + 1]
        if window[0] != 0 and np.all(window == window[0]):
            members[end - run_length + 1 : end + 1] = True
    return members
