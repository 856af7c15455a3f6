"""Draw an :class:`SpcResult` as an interactive plotly chart, the "Making Data Count" way.

The chart shows the values joined by a grey line, each point coloured by its type (grey common
cause, blue improvement, orange concern, purple neither), the centre line and dashed process
limits of each segment (broken at every rebase), the target as a red dashed line, PDSA cycles as
labelled vertical lines at their start dates, and our variation and assurance icons in the top
right corner. The report and the web app use this same function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from wholeflow.measure.icons import COLOURS, ICON_WORDS, icon_data_uri
from wholeflow.measure.series import label
from wholeflow.measure.signals import number

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go


class SpcChart(Protocol):
    """What drawing needs of a chart: :class:`~wholeflow.measure.result.SpcResult` has it.

    Drawing reads a result but does not import its module, so ``result`` may import this one
    (for :meth:`SpcResult.figure`) without a circle.
    """

    chart: str
    improvement_direction: str
    target: float | None
    points: pd.DataFrame
    variation_icon: str
    assurance_icon: str | None

_CHART_NAMES = {"xmr": "XmR chart", "run": "run chart", "p": "p chart", "pprime": "p′ chart",
                "u": "u chart", "uprime": "u′ chart", "c": "c chart"}
_POINT_NAMES = {
    "common_cause": "common cause",
    "special_cause_improvement": "special cause: improvement",
    "special_cause_concern": "special cause: concern",
    "special_cause_neutral_high": "special cause: neither (high)",
    "special_cause_neutral_low": "special cause: neither (low)",
}
_LINE = "#4D4D4D"
_TARGET = "#C0392B"
_PDSA = "#2E7D32"


def spc_figure(
    result: SpcChart,
    title: str | None = None,
    pdsa: Iterable[Any] | None = None,
    *,
    y_title: str | None = None,
    show_icons: bool = True,
    show_near_limits: bool = False,
) -> go.Figure:
    """Build the chart of ``result``.

    Args:
        result: what :func:`wholeflow.spc` returned.
        title: the chart title (default: the chart type).
        pdsa: PDSA cycles to mark: :class:`~wholeflow.measure.register.PdsaCycle` objects or
            mappings with ``id``, ``title`` and ``start`` (and optionally ``change``, ``owner``,
            ``status``).
        y_title: the y axis title (for example the measure's unit).
        show_icons: draw the variation and assurance icons in the top right corner.
        show_near_limits: also draw the 2-sigma lines.
    """
    import plotly.graph_objects as go

    points = result.points
    figure = go.Figure()
    figure.add_trace(go.Scatter(
        x=_with_breaks(points, "date"), y=_with_breaks(points, "value"), mode="lines",
        line={"color": "#A6A6A6", "width": 1.5}, hoverinfo="skip", showlegend=False,
    ))
    _add_lines(figure, result, show_near_limits)
    _add_points(figure, points)
    if result.target is not None:
        figure.add_hline(y=result.target, line={"color": _TARGET, "dash": "dash", "width": 1.5})
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=(
            f"target {number(result.target)}"), line={"color": _TARGET, "dash": "dash"}))
    for cycle in pdsa or ():
        _add_pdsa(figure, _cycle_fields(cycle))
    subtitle = (f"{_CHART_NAMES[result.chart]} · improvement: {result.improvement_direction}"
                f" · {ICON_WORDS[result.variation_icon]}")
    figure.update_layout(
        title={"text": f"{title or _CHART_NAMES[result.chart].capitalize()}<br>"
                       f"<sup>{subtitle}</sup>", "x": 0.01},
        template="plotly_white", hovermode="closest", margin={"t": 110, "r": 30},
        legend={"orientation": "h", "y": -0.15}, yaxis_title=y_title,
    )
    if show_icons:
        _add_icons(figure, result)
    return figure


def _with_breaks(points: pd.DataFrame, column: str) -> list[Any]:
    """A column's values with a None between segments, so lines break at every rebase."""
    values: list[Any] = []
    for _, segment in points.groupby("segment", sort=True):
        if values:
            values.append(None)
        values += [None if pd.isna(v) else v for v in segment[column]]
    return values


def _add_lines(figure: go.Figure, result: SpcChart, show_near_limits: bool) -> None:
    import plotly.graph_objects as go

    points = result.points
    x = _with_breaks(points, "date")
    lines: list[tuple[str, str | None, str, float]] = [
        ("centre", "median" if result.chart == "run" else "mean", "solid", 2.0)]
    if result.chart != "run":
        lines += [("upper", "process limits", "dash", 1.5), ("lower", None, "dash", 1.5)]
        if show_near_limits:
            lines += [("upper_near", "2-sigma lines", "dot", 1), ("lower_near", None, "dot", 1)]
    for column, name, dash, width in lines:
        figure.add_trace(go.Scatter(
            x=x, y=_with_breaks(points, column), mode="lines", name=name or column,
            showlegend=name is not None, legendgroup=dash, line={
                "color": _LINE, "dash": dash, "width": width, "shape": "hvh"},
            hovertemplate=f"{column.replace('_', ' ')}: %{{y:.4g}}<extra></extra>",
        ))


def _add_points(figure: go.Figure, points: pd.DataFrame) -> None:
    import plotly.graph_objects as go

    for kind, rows in points.groupby("point_type", sort=False):
        text = [
            f"{label(date)}<br>value: {number(float(value))}<br>{_POINT_NAMES[str(kind)]}"
            + (f" ({str(rule).replace('_', ' ')})" if rule else "")
            for date, value, rule in zip(rows["date"], rows["value"], rows["rule"], strict=True)
        ]
        figure.add_trace(go.Scatter(
            x=rows["date"], y=rows["value"], mode="markers", name=_POINT_NAMES[str(kind)],
            marker={"color": COLOURS[str(kind)], "size": 8,
                    "line": {"color": "white", "width": 1}},
            text=text, hovertemplate="%{text}<extra></extra>",
        ))


def _cycle_fields(cycle: Any) -> dict[str, Any]:
    fields = ("id", "title", "change", "start", "owner", "status")
    if isinstance(cycle, Mapping):
        return {f: cycle.get(f) for f in fields}
    return {f: getattr(cycle, f, None) for f in fields}


def _add_pdsa(figure: go.Figure, cycle: dict[str, Any]) -> None:
    start = cycle["start"]
    x = pd.Timestamp(start) if not isinstance(start, int) else start
    figure.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper",
                     line={"color": _PDSA, "dash": "dot", "width": 1.5})
    hover = "<br>".join(f"{key}: {cycle[key]}" for key in ("change", "owner", "status")
                        if cycle.get(key))
    figure.add_annotation(
        x=x, y=1.0, yref="paper", yanchor="bottom", showarrow=False, textangle=0,
        text=f"PDSA {cycle['id']}: {cycle['title']}" if cycle.get("title") else
        f"PDSA {cycle['id']}", font={"color": _PDSA, "size": 11}, hovertext=hover or None,
        bgcolor="rgba(255,255,255,0.8)",
    )


def _add_icons(figure: go.Figure, result: SpcChart) -> None:
    icons = [result.variation_icon]
    if result.assurance_icon is not None:
        icons.append(result.assurance_icon)
    for position, name in enumerate(reversed(icons)):
        figure.add_layout_image(
            source=icon_data_uri(name), xref="paper", yref="paper", x=1.0 - 0.075 * position,
            y=1.02, sizex=0.07, sizey=0.2, xanchor="right", yanchor="bottom", layer="above",
        )
