"""Sections about what happened: simulated flows, queues and delays, imported-data diagnostics,
scenario comparisons, sensitivity and SPC measures.

Every chart comes with the table it was drawn from. With a suppression ``threshold``, counts
from 1 to ``threshold - 1`` are removed from chart data and shown as ``<8`` in tables.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wholeflow.report import charts, comparisons, flows
from wholeflow.report import suppress as sup
from wholeflow.report.diagnostic_charts import diagnostic_chart, readable_table
from wholeflow.report.document import Bullets, Figure, Section, Table, Text
from wholeflow.report.sections import service_names
from wholeflow.report.tabulate import humanise

if TYPE_CHECKING:
    from wholeflow.model.schema import Model


@dataclass
class MeasureChart:
    """One measure for the report: its name, SPC result, definition and PDSA cycles."""

    name: str
    result: Any
    definition: str = ""
    pdsa: Any = None


def _frame(obj: Any, name: str) -> pd.DataFrame | None:
    df = getattr(obj, name, None)
    return df if isinstance(df, pd.DataFrame) and len(df) else None


def flows_section(results: Any, model: Model, threshold: int | None) -> Section | None:
    """Journeys: Sankey, variants and how many times people told their story."""
    stays, journeys = _frame(results, "stays"), _frame(results, "journeys")
    if stays is None and journeys is None:
        return None
    blocks: list[Any] = []
    if stays is not None and {"person", "service"} <= set(stays.columns):
        links = flows.journey_links(stays)
        if threshold is not None:
            links = links[~links["people"].map(lambda v: sup.is_small(v, threshold))]
        table = links.assign(
            source=links["source"].map(lambda n: flows._node_label(n, model)),
            target=links["target"].map(lambda n: flows._node_label(n, model)))
        blocks.append(Figure(flows.sankey_figure(links, model),
                             table.rename(columns={"source": "from", "target": "to"}),
                             "People on each step of their journeys",
                             note=_suppressed_note(threshold, "links")))
    if journeys is not None and "path" in journeys:
        variants = flows.journey_variants(journeys)
        if threshold is not None:
            variants = variants[~variants["people"].map(lambda v: sup.is_small(v, threshold))]
        blocks.append(Figure(flows.variants_figure(variants, model), variants,
                             "The most common journeys"))
    if journeys is not None and "assessments" in journeys:
        fig = flows.story_figure(journeys)
        # the number of times is a category, never suppressed: its column name says it is
        # not a count; the table shows small numbers of people as "<8" beside it
        counts = pd.DataFrame({"assessments_per_journey": fig.data[0].x,
                               "people": list(fig.data[0].y)})
        if threshold is not None:
            _mask_bars(fig, threshold)
        blocks.append(Figure(fig, counts, "People by assessments per journey"))
    return Section("flows", "Where people go", blocks) if blocks else None


def _suppressed_note(threshold: int | None, what: str) -> str:
    if threshold is None:
        return ""
    return f"{what.capitalize()} with fewer than {threshold} people are not shown."


def _mask_bars(fig: Any, threshold: int) -> None:
    """Blank bars whose height is a small count (nothing drawn, nothing in the hover)."""
    for trace in fig.data:
        if trace.type == "bar" and trace.y is not None:
            trace.y = sup.mask_small(trace.y, threshold)


def queues_section(results: Any, model: Model, threshold: int | None) -> Section | None:
    """Occupancy and queues over time, delayed days by cause, waits by weekday, LOS."""
    names = service_names(model)
    blocks: list[Any] = []
    daily = _frame(results, "daily")
    if daily is not None:
        fig = charts.occupancy_figure(daily, names=names)
        occ = daily.groupby("service").agg(
            mean_occupancy=("occupancy", "mean"),
            peak_occupancy=("occupancy", "max"),
            capacity=("capacity", "max") if "capacity" in daily else ("occupancy", "size"),
            mean_queue=("queue", "mean") if "queue" in daily else ("occupancy", "size"),
        ).reset_index()
        occ["service"] = occ["service"].map(lambda s: names.get(s, s))
        blocks.append(Figure(fig, occ, "Occupancy and queue by service"))
    by_cause = _delays(results)
    if by_cause is not None and by_cause["days"].sum() > 0:
        table = by_cause.pivot_table(index="service", columns="cause", values="days",
                                     aggfunc="sum", fill_value=0.0).reset_index()
        table["service"] = table["service"].map(lambda s: names.get(s, s))
        blocks.append(Figure(charts.delayed_days_figure(by_cause, names), table,
                             "Delayed days by service and cause (per run)"))
    stays = _frame(results, "stays")
    if stays is not None and {"referred", "wait_days"} <= set(stays.columns):
        waits = charts.waits_by_weekday(stays)
        if len(waits):
            blocks.append(_waits_block(waits, names, threshold))
    if stays is not None and "length_of_stay" in stays:
        los = charts.length_of_stay_summary(stays)
        if threshold is not None:
            los = los[~los["stays"].map(lambda v: sup.is_small(v, threshold))]
        if len(los):
            blocks.append(Figure(charts.length_of_stay_figure(los, names),
                                 los.assign(service=los["service"].map(lambda s: names.get(s, s))),
                                 "Length of stay by service (days)"))
    if not blocks:
        return None
    return Section("queues", "Occupancy, queues and delays", blocks)


def _waits_block(waits: pd.DataFrame, names: dict[str, str], threshold: int | None) -> Figure:
    if threshold is not None:  # a median of fewer than 8 referrals is not shown
        small = waits["referrals"].map(lambda v: sup.is_small(v, threshold))
        waits = waits.assign(median_wait_days=waits["median_wait_days"].where(~small),
                             p90_wait_days=waits["p90_wait_days"].where(~small))
    table = waits.assign(service=waits["service"].map(lambda s: names.get(s, s)))
    return Figure(charts.waits_figure(waits, names), table,
                  "Referral-to-start waits by weekday of referral (days)")


def _delays(results: Any) -> pd.DataFrame | None:
    kpis = _frame(results, "kpis")
    if kpis is not None:
        by_cause = charts.delays_by_cause(kpis)
        if len(by_cause):
            return by_cause
    delays = _frame(results, "delays")
    if delays is not None and {"service", "cause", "days"} <= set(delays.columns):
        return charts.delays_from_table(delays)
    return None


def diagnostics_section(diagnostics: Mapping[str, Any], model: Model | None,
                        threshold: int | None) -> Section | None:
    """Every diagnostic table present, with a chart for the ones we know how to draw."""
    # Row-level tables (one row per person or stay) are inputs, never printed.
    tables = {k: v for k, v in diagnostics.items()
              if isinstance(v, pd.DataFrame) and "person" not in v.columns}
    if not tables:
        return None
    names = service_names(model) if model is not None else {}
    blocks: list[Any] = [Text([
        "Measured from the imported event log. "
        + (f"Counts from 1 to {threshold - 1} are shown as <{threshold}."
           if threshold is not None else "")])]
    for key, df in tables.items():
        fig = diagnostic_chart(key, df, names, model, threshold)
        title = humanise(key)
        table = readable_table(key, df)
        if fig is not None:
            blocks.append(Figure(fig, table, title))
        else:
            blocks.append(Table(table, title, title))
    return Section("diagnostics", "What the data shows", blocks)


def scenarios_section(comparison: pd.DataFrame | None, sensitivity: pd.DataFrame | None,
                      model: Model) -> Section | None:
    """Scenario results in plain words, the forest plot and the tornado charts."""
    names = service_names(model)
    blocks: list[Any] = []
    if comparison is not None and len(comparison):
        for key, part in comparison.groupby("scenario", sort=False):
            scenario = str(key)
            desc = model.scenarios[scenario].description if scenario in model.scenarios else ""
            clear = part[(part["ci_low"] > 0) | (part["ci_high"] < 0)]
            base = clear["baseline_mean"].abs().replace(0, np.nan)
            clear = clear.assign(size=(clear["difference"] / base).abs()).sort_values(
                "size", ascending=False)
            items = [f"{names.get(str(r.service), str(r.service))}: {r.verdict}"
                     for r in clear.head(8).itertuples()]
            if not items:
                items = ["No clear difference from the baseline on any KPI."]
            blocks.append(Bullets(items, f"{scenario}" + (f": {desc}" if desc else "")))
        table = comparisons.relative_differences(comparison).drop(columns=["clear"])
        blocks.append(Figure(comparisons.forest_plot(comparison, names), table,
                             "Differences from the baseline with 95 % confidence intervals"))
    if sensitivity is not None and len(sensitivity):
        for metric in list(dict.fromkeys(sensitivity["metric"]))[:4]:
            part = sensitivity[sensitivity["metric"] == metric]
            blocks.append(Figure(comparisons.tornado_figure(sensitivity, str(metric)), part,
                                 f"Sensitivity of {str(metric).replace('_', ' ')}"))
    if not blocks:
        return None
    return Section("scenarios", "Scenarios: what would change", blocks, intro=(
        "Each scenario was run on the same random numbers as the baseline. A difference is "
        "called clear when its 95 % confidence interval does not include zero."))


def measures_section(measures: Mapping[str, Any] | list[MeasureChart] | None,
                     threshold: int | None) -> Section | None:
    """SPC charts of the measures, when the SPC module is installed; otherwise nothing."""
    if not measures:
        return None
    try:
        spc_figure = importlib.import_module("wholeflow.measure").spc_figure
    except (ImportError, AttributeError):
        return None
    items = (measures if isinstance(measures, list) else
             [MeasureChart(k, v) for k, v in measures.items()])
    blocks: list[Any] = []
    for m in items:
        fig = spc_figure(m.result, title=m.name, pdsa=m.pdsa)
        points = getattr(m.result, "points", pd.DataFrame())
        if threshold is not None and looks_like_counts(points):
            _mask_values(fig, points["value"], threshold)
            points = sup.suppress_table(points, threshold, columns=["value"])
        signals = list(getattr(m.result, "signals", []) or [])
        fig.update_layout(meta={"alt": f"SPC chart of {m.name}, one point per period. "
                                + " ".join(str(s) for s in signals)})
        if m.definition:
            blocks.append(Text([f"{m.name}: {m.definition}"]))
        blocks.append(Figure(fig, points, f"{m.name}: points and limits"))
        if signals:
            blocks.append(Bullets([str(s) for s in signals], f"{m.name}: signals"))
    return Section("measures", "Measures of improvement (SPC)", blocks) if blocks else None


def looks_like_counts(points: Any) -> bool:
    """A measure of whole numbers (breaches a week, people waiting) is a count."""
    if not isinstance(points, pd.DataFrame) or "value" not in points:
        return False
    values = pd.to_numeric(points["value"], errors="coerce").dropna()
    return bool(len(values)) and bool((values == values.round()).all())


def _mask_values(fig: Any, values: pd.Series, threshold: int) -> None:
    """Blank small counts in the trace that plots the measure's values (not its limits)."""
    target = np.asarray(pd.to_numeric(values, errors="coerce"), dtype=float)
    for trace in fig.data:
        y = getattr(trace, "y", None)
        if y is None or len(y) != len(target):
            continue
        try:
            same = np.allclose(np.asarray(y, dtype=float), target, equal_nan=True)
        except (TypeError, ValueError):
            continue
        if same:
            trace.y = sup.mask_small(y, threshold)
