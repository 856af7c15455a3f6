"""The one result type of every SPC chart: :class:`SpcResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wholeflow.measure.figure import spc_figure

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from wholeflow.measure.register import PdsaCycle

#: Columns of :attr:`SpcResult.points`, in order, with their meaning.
POINT_COLUMNS: dict[str, str] = {
    "date": "the period (a timestamp; or 1, 2, ... when the input had no dates)",
    "value": "the plotted value (numerator / denominator when there is a denominator), "
             "times the chart's multiplier",
    "numerator": "the count or measurement given for the period",
    "denominator": "the denominator given for the period (empty when none)",
    "centre": "centre line: mean (XmR, p, u, c charts) or median (run chart)",
    "lower": "lower process limit (3 sigma); empty on run charts",
    "upper": "upper process limit (3 sigma); empty on run charts",
    "lower_near": "lower 2-sigma line (the 'two of three' rule looks beyond it)",
    "upper_near": "upper 2-sigma line",
    "rule": "the special-cause rule that caught the point: outside_limits, trend, "
            "two_of_three, shift or long_run (empty for common cause)",
    "side": "+1 when the signal is high (above, rising), -1 when low, 0 for common cause",
    "point_type": "common_cause, special_cause_improvement, special_cause_concern, "
                  "special_cause_neutral_high or special_cause_neutral_low",
    "segment": "0 for the first stretch of the chart, 1 after the first rebase, ...",
    "baseline": "true when the point is one of those that fix its segment's lines",
}


@dataclass
class SpcResult:
    """An SPC chart's numbers, verdicts and caveats.

    Attributes:
        chart: ``xmr``, ``run``, ``p``, ``pprime``, ``u``, ``uprime`` or ``c``.
        improvement_direction: ``increase``, ``decrease`` or ``neutral``.
        target: the target, in the chart's units (None when there is none).
        points: one row per point, columns as in :data:`POINT_COLUMNS`.
        segments: one row per segment (between rebases): start, end, n, centre, limits at the
            segment's last point, baseline length, whether the limits are trial limits, and the
            chart's own figures (mean moving range, Laney's sigma_z, runs analysis).
        variation_icon: the latest point's variation icon (see :mod:`wholeflow.measure.icons`).
        assurance_icon: ``pass``, ``fail``, ``hit_and_miss`` or None.
        signals: what the chart says, in plain words, one sentence each.
        warnings: caveats about the data or the limits (trial limits, gaps, dropped points).
        options: the options the chart was made with.
    """

    chart: str
    improvement_direction: str
    target: float | None
    points: pd.DataFrame
    segments: pd.DataFrame
    variation_icon: str
    assurance_icon: str | None
    signals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def latest(self) -> pd.Series:
        """The latest point's row."""
        return self.points.iloc[-1]

    def figure(
        self, title: str | None = None, pdsa: list[PdsaCycle] | None = None, **kwargs: Any
    ) -> go.Figure:
        """The interactive chart (see :func:`wholeflow.measure.figure.spc_figure`)."""
        return spc_figure(self, title=title, pdsa=pdsa, **kwargs)

    def write_points(self, path: str | Path) -> Path:
        """Write the points table as CSV (dates as YYYY-MM-DD) and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.points.to_csv(path, index=False, date_format="%Y-%m-%d")
        return path

    def __repr__(self) -> str:
        assurance = f", assurance={self.assurance_icon!r}" if self.assurance_icon else ""
        return (
            f"SpcResult(chart={self.chart!r}, points={len(self.points)}, "
            f"segments={len(self.segments)}, variation={self.variation_icon!r}{assurance}, "
            f"signals={len(self.signals)}, warnings={len(self.warnings)})"
        )
