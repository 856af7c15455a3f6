"""Run charts and the Anhøj rules, as qicharts2 applies them.

The centre line of a run chart is the median of the baseline points. Points exactly on the
centre line are ignored: they neither break nor extend a run. With ``n`` useful points (those
off the centre line) there is a signal of non-random variation when

- the longest run (consecutive points on one side) is longer than ``round(log2(n)) + 3``, or
- the number of crossings (useful neighbours on opposite sides) is below the 5th percentile of
  Binomial(n − 1, ½).

(Anhøj & Olesen 2014, PLoS ONE 9(11): e113825; Anhøj 2015, PLoS ONE 10(3): e0121349.)
The same rules serve control charts when ``rules="anhoej"``, with the mean as centre line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.special import bdtr

from wholeflow.measure.limits import Limits, centre_only


def anhoej_thresholds(n_useful: int) -> tuple[int, int]:
    """(longest run allowed, fewest crossings expected) for ``n_useful`` useful points."""
    if n_useful < 1:
        raise ValueError("the Anhøj rules need at least one useful point")
    longest = int(np.round(np.log2(n_useful))) + 3
    # the 5th percentile of Binomial(n_useful - 1, 0.5), as scipy.stats.binom.ppf gives it:
    # the fewest crossings k whose cumulative probability reaches 0.05
    k = np.arange(n_useful)
    crossings = int(np.argmax(bdtr(k, n_useful - 1, 0.5) >= 0.05))
    return longest, crossings


@dataclass(frozen=True)
class RunsAnalysis:
    """The Anhøj runs analysis of one segment (fields named as in qicharts2's summary)."""

    n_obs: int
    n_useful: int
    longest_run: int
    longest_run_max: int
    n_crossings: int
    n_crossings_min: int

    @property
    def long_run(self) -> bool:
        return self.n_useful > 0 and self.longest_run > self.longest_run_max

    @property
    def few_crossings(self) -> bool:
        return self.n_useful > 0 and self.n_crossings < self.n_crossings_min

    @property
    def signal(self) -> bool:
        return self.long_run or self.few_crossings


def runs_analysis(values: np.ndarray, centre: np.ndarray) -> tuple[RunsAnalysis, np.ndarray]:
    """Analyse runs about ``centre``; also return each point's run-signal side.

    The side array is +1 (or −1) for points in a run above (below) the centre that is longer
    than allowed, else 0; points on the centre line inside such a run get 0.
    """
    values = np.asarray(values, dtype=float)
    side = np.sign(values - np.asarray(centre, dtype=float))
    useful = np.flatnonzero(np.isfinite(side) & (side != 0))
    flagged = np.zeros(values.shape, dtype=int)
    if useful.size == 0:
        return RunsAnalysis(values.size, 0, 0, 0, 0, 0), flagged
    longest_max, crossings_min = anhoej_thresholds(int(useful.size))
    runs = _runs(side[useful])
    for start, stop in runs:
        if stop - start > longest_max:
            flagged[useful[start:stop]] = int(side[useful[start]])
    analysis = RunsAnalysis(
        n_obs=int(values.size),
        n_useful=int(useful.size),
        longest_run=max(stop - start for start, stop in runs),
        longest_run_max=longest_max,
        n_crossings=len(runs) - 1,
        n_crossings_min=crossings_min,
    )
    return analysis, flagged


def _runs(signs: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the runs of equal signs."""
    breaks = np.flatnonzero(np.diff(signs) != 0) + 1
    edges = [0, *breaks.tolist(), signs.size]
    return list(itertools.pairwise(edges))


def run_chart_limits(values: np.ndarray, *, baseline: int | None) -> Limits:
    """A run chart's centre line: the median of the baseline points."""
    values = np.asarray(values, dtype=float)
    base = values[:baseline] if baseline is not None else values
    return centre_only(float(np.median(base)), values.size)
