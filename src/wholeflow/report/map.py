"""The system map: the whole system on one page.

Services are circles sized by their places and coloured by how full they are (or by their delayed
days); routes are arrows whose width is the people a year who travel them; arrival streams enter
on the left and exits leave on the right (:mod:`wholeflow.report.layout`). Referral calendars and
acceptance rates are written under each service, and findings from the register appear as
numbered badges beside the service or route they are about.

Everything drawn is also in the figure's data, so tests (and screen readers, through the report's
table fallback) can check it: the ``services`` trace holds one point per service with its id in
``customdata``, the ``routes`` trace one point per edge with ``[from, to, people a year]``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from wholeflow.report.graph import DAYS_PER_YEAR, Edge, SystemGraph, system_graph
from wholeflow.report.layout import Layout, layered_layout
from wholeflow.report.suppress import is_small
from wholeflow.report.theme import (
    DELAY_SCALE,
    NHS_BLUE,
    NHS_DARK_GREY,
    NHS_ORANGE,
    OCCUPANCY_SCALE,
    style,
)

if TYPE_CHECKING:
    import pandas as pd

    from wholeflow.model.schema import Model
    from wholeflow.report.findings import Finding

ColourBy = Literal["occupancy", "delayed_days", "failure_demand"]
COLOUR_BY: tuple[str, ...] = ("occupancy", "delayed_days", "failure_demand")

MIN_NODE, MAX_NODE, UNLIMITED_NODE = 20.0, 58.0, 30.0
MAX_EDGE_WIDTH = 12.0
ROW_PX = 125
LINE_PX = 15  # height of one 12 px label line
NOMINAL_WIDTH = 1070  # px: the report's chart width, used to stop arrows at a circle's rim
EDGE_GREY = "rgba(118,134,146,0.55)"
ARROW_GREY = "#5C6F7C"
NO_VALUE = "#AEB7BD"  # services with nothing to colour by (no places, no results)
KIND_COLOURS = {"no_no": "#DA291C", "niggle": "#ED8B00", "nugget": "#009639",
                "nice_if": "#00A9CE", "root_cause": "#330072"}


def system_map(
    model: Model,
    results: Any = None,
    colour_by: ColourBy = "occupancy",
    findings: Sequence[Finding] | None = None,
    stays: pd.DataFrame | None = None,
    threshold: int | None = None,
) -> go.Figure:
    """Draw ``model`` as a map; volumes and colours from ``results`` (or ``stays``) when given.

    ``colour_by`` is ``occupancy`` (mean occupancy as a share of places; without results the
    expected occupancy, demand × length of stay ÷ places, before any queue), ``delayed_days``
    (delayed days a year, results only) or ``failure_demand`` (clinical hours a year spent on
    rejected referrals, results only). ``stays`` may be an imported stays table instead of
    simulation results. With ``threshold``, routes carrying fewer than that many people in
    the data show no number (small-number suppression).
    """
    if colour_by not in COLOUR_BY:
        from wholeflow.errors import WholeflowError

        raise WholeflowError(f"system map: colour_by must be one of {', '.join(COLOUR_BY)}, "
                             f"got {colour_by!r}")
    stays = getattr(results, "stays", None) if stays is None else stays
    referrals = getattr(results, "referrals", None)
    years = model.run_days / DAYS_PER_YEAR if results is not None else None
    graph = system_graph(model, stays, referrals, years)
    if threshold is not None:
        for e in graph.edges:
            if is_small(e.count, threshold):
                e.per_year = math.nan  # drawn thin, labelled "<8"
    layout = _layout(graph)
    colours, colour_title = service_colours(model, graph, results, colour_by)
    fig = go.Figure()
    widths = _edge_widths(graph.edges)
    sizes = _node_sizes(graph)
    labels = _labels(graph, layout, sizes, colours, colour_by)
    lines = max((a["text"].count("<br>") + 1 for a in labels), default=1)
    row_px = max(ROW_PX, LINE_PX * lines + 60)  # room for the tallest label between rows
    height = max(480, row_px * layout.widest + 170)
    pad = (LINE_PX * lines + MAX_NODE / 2 + 12) / row_px
    x_range = [-0.42, len(layout.layers) - 0.58]
    y_range = [min(layout.y.values(), default=0) - max(0.6, pad * 0.6),
               max(layout.y.values(), default=0) + max(0.75, pad)]
    frame = _frame(x_range, y_range, height)
    for edge, width in zip(graph.edges, widths, strict=True):
        _draw_edge(fig, edge, width, layout, frame, sizes)
    fig.add_trace(_route_points(graph, layout, threshold or 8))
    fig.add_trace(_node_trace(graph, layout, sizes, "arrival"))
    fig.add_trace(_service_trace(graph, layout, sizes, colours, colour_by, colour_title))
    fig.add_trace(_node_trace(graph, layout, sizes, "exit"))
    bar = _colour_bar(colours, colour_by, colour_title)
    if bar is not None:
        fig.add_trace(bar)
    if findings:
        fig.add_trace(_findings_trace(findings, layout))
    source = ("simulated" if results is not None else
              "observed" if stays is not None else "expected from the model")
    style(
        fig,
        f"System map: {model.name}",
        map_alt_text(model, graph, colours, colour_by),
        height=height,
        showlegend=False,
        hovermode="closest",
        margin={"l": 10, "r": 90, "t": 60, "b": 50},
        xaxis={"visible": False, "range": x_range, "fixedrange": True},
        yaxis={"visible": False, "range": y_range, "fixedrange": True},
        annotations=[*labels, _key_note(source, colour_by)],
    )
    return fig


def _layout(graph: SystemGraph) -> Layout:
    ids = [n.id for n in graph.nodes]
    firsts = [n.id for n in graph.nodes if n.kind == "arrival"]
    lasts = [n.id for n in graph.nodes if n.kind == "exit"]
    edges = [(e.source, e.target) for e in graph.edges]
    return layered_layout(ids, edges, first=firsts, last=lasts)


def service_colours(
    model: Model, graph: SystemGraph, results: Any, colour_by: ColourBy
) -> tuple[dict[str, float], str]:
    """Colour value per service and the colour bar's title."""
    means = kpi_means(getattr(results, "kpis", None))
    out: dict[str, float] = {}
    if colour_by in ("delayed_days", "failure_demand"):
        metric = "delayed_days" if colour_by == "delayed_days" else "failure_demand_hours"
        per_year = DAYS_PER_YEAR / model.run_days
        for sid in model.services:
            out[sid] = means.get((sid, metric), math.nan) * per_year
        return out, ("Delayed days<br>a year" if colour_by == "delayed_days"
                     else "Failure demand<br>hours a year")
    for node in graph.nodes:
        if node.kind != "service":
            continue
        util = means.get((node.id, "utilisation"), math.nan)
        if math.isnan(util) and node.capacity:
            util = means.get((node.id, "mean_occupancy"), math.nan) / node.capacity
        if results is None and math.isnan(util):
            util = expected_occupancy(model, graph, node.id)
        out[node.id] = util
    title = "Occupancy" if results is not None else "Expected<br>occupancy"
    return out, title


def expected_occupancy(model: Model, graph: SystemGraph, sid: str) -> float:
    """Demand × mean length of stay ÷ places: how full the service would be with no queue."""
    cap = graph.node(sid).capacity
    if not cap:
        return math.nan
    per_day = sum(e.per_year for e in graph.edges if e.target == sid) / DAYS_PER_YEAR
    return per_day * model.services[sid].length_of_stay.mean() / cap


def kpi_means(kpis: pd.DataFrame | None) -> dict[tuple[str, str], float]:
    """Mean over replications of each (service, metric) in a long KPI table."""
    if kpis is None or not len(kpis):
        return {}
    grouped = kpis.groupby(["service", "metric"])["value"].mean().reset_index()
    return {(str(s), str(m)): float(v) for s, m, v in grouped.itertuples(index=False, name=None)}


def _edge_widths(edges: list[Edge]) -> list[float]:
    volumes = [e.per_year for e in edges if np.isfinite(e.per_year) and e.per_year > 0]
    top = max(volumes, default=1.0)
    return [
        1.0 + (MAX_EDGE_WIDTH - 1.0) * math.sqrt(e.per_year / top)
        if np.isfinite(e.per_year) and e.per_year > 0 else 1.0
        for e in edges
    ]


def _node_sizes(graph: SystemGraph) -> dict[str, float]:
    caps = [n.capacity for n in graph.nodes if n.kind == "service" and n.capacity]
    top = max(caps, default=1)
    sizes = {}
    for n in graph.nodes:
        if n.kind != "service":
            sizes[n.id] = 18.0
        elif n.capacity:
            sizes[n.id] = MIN_NODE + (MAX_NODE - MIN_NODE) * math.sqrt(n.capacity / top)
        else:
            sizes[n.id] = UNLIMITED_NODE
    return sizes


def edge_curve(
    x0: float, y0: float, x1: float, y1: float, bend: float, n: int = 24
) -> tuple[np.ndarray, np.ndarray]:
    """Points of a quadratic Bézier from (x0, y0) to (x1, y1) bulging ``bend`` to the left."""
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy) or 1.0
    cx, cy = mx - dy / length * bend, my + dx / length * bend
    t = np.linspace(0.0, 1.0, n)
    xs = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1
    ys = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1
    return xs, ys


def _bend(edge: Edge, layout: Layout) -> float:
    x0, x1 = layout.x[edge.source], layout.x[edge.target]
    if (edge.source, edge.target) in layout.back_edges or x1 <= x0:
        return 0.45  # backwards or within a layer: arc over the others
    if x1 - x0 > 1:
        return 0.25 if layout.y[edge.target] <= layout.y[edge.source] else -0.25
    return 0.0


def _draw_edge(
    fig: go.Figure, edge: Edge, width: float, layout: Layout, frame: _Frame,
    sizes: dict[str, float],
) -> None:
    """A curve from source to the rim of the target, ending in an arrowhead."""
    xs, ys = edge_curve(layout.x[edge.source], layout.y[edge.source], layout.x[edge.target],
                        layout.y[edge.target], _bend(edge, layout), n=40)
    xs, ys = frame.clip_end(xs, ys, sizes.get(edge.target, 18.0) / 2 + 3)
    colour = NHS_ORANGE if edge.kind == "reroute" else EDGE_GREY
    head = max(9.0, min(2.2 * width, 20.0))
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines+markers", hoverinfo="skip", showlegend=False,
        name=f"{edge.source} > {edge.target}",
        line={"width": width, "color": colour, "dash": "dash" if edge.kind == "reroute" else None},
        marker={"symbol": "arrow", "angleref": "previous",
                "color": NHS_ORANGE if edge.kind == "reroute" else ARROW_GREY,
                "size": [0.0] * (len(xs) - 1) + [head], "line": {"width": 0}},
    ))


@dataclass(frozen=True)
class _Frame:
    """Data units per pixel at the map's nominal size, to stop arrows at a circle's rim."""

    x_per_px: float
    y_per_px: float

    def clip_end(self, xs: np.ndarray, ys: np.ndarray, radius_px: float
                 ) -> tuple[np.ndarray, np.ndarray]:
        px = (xs - xs[-1]) / self.x_per_px
        py = (ys - ys[-1]) / self.y_per_px
        outside = np.flatnonzero(np.hypot(px, py) >= radius_px)
        keep = int(outside[-1]) + 1 if len(outside) else 1
        return xs[:keep], ys[:keep]


def _frame(x_range: list[float], y_range: list[float], height: float) -> _Frame:
    plot_w = NOMINAL_WIDTH - 100
    plot_h = height - 120
    return _Frame((x_range[1] - x_range[0]) / plot_w, (y_range[1] - y_range[0]) / plot_h)


def _route_points(graph: SystemGraph, layout: Layout, threshold: int) -> go.Scatter:
    xs, ys, texts, hovers, data = [], [], [], [], []
    show_text = len(graph.edges) <= 45
    for e in graph.edges:
        cx, cy = edge_curve(layout.x[e.source], layout.y[e.source], layout.x[e.target],
                            layout.y[e.target], _bend(e, layout), n=3)
        xs.append(float(cx[1]))
        ys.append(float(cy[1]))
        small = e.count > 0 and not np.isfinite(e.per_year)
        volume = (f"{e.per_year:,.0f} a year" if np.isfinite(e.per_year) else
                  f"fewer than {threshold} people in the data" if small else "volume unknown")
        text = f"{e.per_year:,.0f}" if np.isfinite(e.per_year) else f"<{threshold}" if small else ""
        texts.append(text if show_text else "")
        hover = f"{graph.node(e.source).label} → {graph.node(e.target).label}: {volume}"
        if e.kind == "route" and e.probability:
            hover += f"<br>route share {e.probability:.0%}"
        if e.kind == "reroute":
            hover += "<br>re-routed after a rejected referral"
        if e.rejected_per_year:
            hover += f"<br>{e.rejected_per_year:,.0f} referrals a year rejected"
        hovers.append(hover)
        data.append([e.source, e.target, e.per_year if np.isfinite(e.per_year) else None,
                     e.rejected_per_year])
    return go.Scatter(
        x=xs, y=ys, mode="markers+text" if show_text else "markers", name="routes",
        text=texts, textposition="middle center", textfont={"size": 10, "color": NHS_DARK_GREY},
        marker={"size": 8, "color": "rgba(255,255,255,0.85)", "line": {"width": 0}},
        hovertext=hovers, hoverinfo="text", customdata=data, showlegend=False,
    )


def _node_trace(
    graph: SystemGraph, layout: Layout, sizes: dict[str, float], kind: str
) -> go.Scatter:
    nodes = [n for n in graph.nodes if n.kind == kind]
    return go.Scatter(
        x=[layout.x[n.id] for n in nodes], y=[layout.y[n.id] for n in nodes],
        mode="markers", name="arrivals" if kind == "arrival" else "exits",
        marker={"size": [sizes[n.id] for n in nodes],
                "symbol": "triangle-right" if kind == "arrival" else "square",
                "color": NHS_BLUE if kind == "arrival" else NHS_DARK_GREY},
        customdata=[n.id for n in nodes], hovertext=[n.label for n in nodes], hoverinfo="text",
    )


def _service_trace(
    graph: SystemGraph,
    layout: Layout,
    sizes: dict[str, float],
    colours: dict[str, float],
    colour_by: ColourBy,
    colour_title: str,
) -> go.Scatter:
    nodes = [n for n in graph.nodes if n.kind == "service"]
    values = [colours.get(n.id, math.nan) for n in nodes]
    hovers = []
    for n, v in zip(nodes, values, strict=True):
        shown = _colour_words(v, colour_by)
        hovers.append(f"<b>{n.label}</b><br>" + "<br>".join(n.details) + (
            f"<br>{shown}" if shown else ""))
    scale = OCCUPANCY_SCALE if colour_by == "occupancy" else DELAY_SCALE
    finite = [v for v in values if np.isfinite(v)]
    cmax = 1.0 if colour_by == "occupancy" else max(finite, default=1.0) or 1.0
    fills = [sample_colorscale(scale, [min(max(v / cmax, 0.0), 1.0)])[0] if np.isfinite(v)
             else NO_VALUE for v in values]
    return go.Scatter(
        x=[layout.x[n.id] for n in nodes], y=[layout.y[n.id] for n in nodes],
        mode="markers", name="services",
        marker={"size": [sizes[n.id] for n in nodes], "color": fills, "opacity": 1.0,
                "line": {"width": 1.5, "color": "#5C6F7C"}},
        customdata=[[n.id, v] for n, v in zip(nodes, values, strict=True)],
        hovertext=hovers, hoverinfo="text",
    )


def _colour_bar(
    colours: dict[str, float], colour_by: ColourBy, colour_title: str
) -> go.Scatter | None:
    """An invisible trace that only draws the colour bar of the services' fill."""
    finite = [v for v in colours.values() if np.isfinite(v)]
    if not finite:
        return None
    cmax = 1.0 if colour_by == "occupancy" else max(finite) or 1.0
    return go.Scatter(
        x=[None], y=[None], mode="markers", name="colour scale", hoverinfo="skip",
        marker={"color": [0.0], "colorscale": (OCCUPANCY_SCALE if colour_by == "occupancy"
                                               else DELAY_SCALE),
                "cmin": 0.0, "cmax": cmax, "showscale": True,
                "colorbar": {"title": {"text": colour_title, "font": {"size": 12}},
                             "thickness": 12, "len": 0.4,
                             "tickformat": ".0%" if colour_by == "occupancy" else ",.0f",
                             "x": 1.01, "xanchor": "left", "y": 1.0, "yanchor": "top"}},
    )


def _labels(graph: SystemGraph, layout: Layout, sizes: dict[str, float],
            colours: dict[str, float], colour_by: ColourBy) -> list[dict[str, Any]]:
    """Name and facts of every node on a white card: above services and arrival streams,
    below exits; wrapped to the width of a column so neighbours do not overlap."""
    width = _wrap_width(len(layout.layers))
    out = []
    for n in graph.nodes:
        shown = ""
        if n.kind == "service":
            shown = _colour_words(colours.get(n.id, math.nan), colour_by, short=True)
        lines = label_lines(n.label, n.details if n.kind != "service" else
                            [" · ".join(n.details[:2]), *n.details[2:]], width, shown)
        below = n.kind == "exit"
        out.append({
            "x": layout.x[n.id], "y": layout.y[n.id], "xref": "x", "yref": "y",
            "text": "<br>".join(lines), "showarrow": False, "xanchor": "center",
            "yanchor": "top" if below else "bottom",
            "yshift": -(sizes[n.id] / 2 + 2) if below else sizes[n.id] / 2 + 2,
            "bgcolor": "rgba(255,255,255,0.85)", "borderpad": 2,
            "font": {"size": 12, "color": "#212B32"}, "align": "center",
        })
    return out


def _wrap_width(columns: int) -> int:
    """Characters per label line that fit one column of the map (about 6.5 px a character)."""
    column_px = (NOMINAL_WIDTH - 130) / max(columns - 0.2, 1.0)
    return int(min(max(column_px * 0.92 / 6.0, 14), 34))


def label_lines(label: str, details: Sequence[str], width: int, shown: str = "") -> list[str]:
    """``Darley Court (nursing-led beds)`` -> bold name, the aside smaller, then the facts."""
    name, _, aside = label.partition(" (")
    lines = [f"<b>{line}</b>" for line in textwrap.wrap(name, width) or [name]]
    if shown:
        lines[-1] += f" <i>{shown}</i>"
    if aside:
        lines += [f'<span style="font-size:11px">{line}</span>'
                  for line in textwrap.wrap(aside.rstrip(")"), width)]
    for detail in details:
        lines += textwrap.wrap(detail, width)
    return lines


def _colour_words(value: float, colour_by: ColourBy, short: bool = False) -> str:
    if not np.isfinite(value):
        return ""
    if colour_by == "occupancy":
        return f"{value:.0%} full" if short else f"occupancy {value:.0%} of places"
    if colour_by == "failure_demand":
        return (f"{value:,.0f} h failure demand" if short else
                f"{value:,.0f} clinical hours a year on rejected referrals")
    return f"{value:,.0f} delayed days" if short else f"{value:,.0f} delayed days a year"


def _findings_trace(findings: Sequence[Finding], layout: Layout) -> go.Scatter:
    """One badge per service or route with findings: the count, coloured by the worst kind."""
    groups: dict[tuple[float, float], list[Finding]] = {}
    for f in findings:
        for sid in f.services:
            if sid in layout.x:
                groups.setdefault((layout.x[sid] + 0.16, layout.y[sid] + 0.05), []).append(f)
        for src, dst in f.route_pairs():
            if src in layout.x and dst in layout.x:
                mid = ((layout.x[src] + layout.x[dst]) / 2, (layout.y[src] + layout.y[dst]) / 2)
                groups.setdefault((mid[0], mid[1] + 0.14), []).append(f)
    order = list(KIND_COLOURS)
    xs, ys, texts, hovers, colours = [], [], [], [], []
    for (x, y), items in groups.items():
        worst = min(items, key=lambda f: order.index(f.kind) if f.kind in order else 99)
        xs.append(x)
        ys.append(y)
        texts.append(str(len(items)))
        colours.append(KIND_COLOURS.get(worst.kind, NHS_DARK_GREY))
        hovers.append("<br>".join(f"{f.kind_label}: {f.text}" for f in items))
    return go.Scatter(
        x=xs, y=ys, mode="markers+text", name="findings", text=texts,
        textfont={"color": "white", "size": 11}, textposition="middle center",
        marker={"symbol": "square", "size": 18, "color": colours,
                "line": {"width": 1, "color": "white"}},
        hovertext=hovers, hoverinfo="text", showlegend=False,
    )


def _key_note(source: str, colour_by: ColourBy) -> dict[str, Any]:
    colour = {"occupancy": "how full it is", "delayed_days": "its delayed days",
              "failure_demand": "its failure demand"}[colour_by]
    return {
        "text": (f"Circle size: places · colour: {colour} · arrow width: people a year "
                 f"({source}) · dashed: re-routed after a rejected referral · "
                 "numbered squares: findings"),
        "xref": "paper", "yref": "paper", "x": 0, "y": -0.02, "yanchor": "top",
        "showarrow": False, "font": {"size": 11, "color": NHS_DARK_GREY}, "align": "left",
    }


def map_alt_text(
    model: Model, graph: SystemGraph, colours: dict[str, float], colour_by: ColourBy
) -> str:
    """A sentence or three describing the map for people who cannot see it."""
    services = [n for n in graph.nodes if n.kind == "service"]
    n_arr = sum(1 for n in graph.nodes if n.kind == "arrival")
    n_exit = sum(1 for n in graph.nodes if n.kind == "exit")
    text = (f"System map of {model.name}: {len(services)} services, from {n_arr} arrival "
            f"stream{'s' if n_arr != 1 else ''} on the left to {n_exit} exit"
            f"{'s' if n_exit != 1 else ''} on the right.")
    busiest = max((e for e in graph.edges if np.isfinite(e.per_year)),
                  key=lambda e: e.per_year, default=None)
    if busiest is not None:
        text += (f" The busiest route is {graph.node(busiest.source).label} to "
                 f"{graph.node(busiest.target).label}, {busiest.per_year:,.0f} people a year.")
    finite = {k: v for k, v in colours.items() if np.isfinite(v)}
    if finite:
        top = max(finite, key=lambda k: finite[k])
        words = _colour_words(finite[top], colour_by)
        text += f" {graph.node(top).label} stands out: {words}."
    text += " The table below lists every service and route."
    return text
