"""Sections about the model itself: summary, model and assumptions, the map, findings, KPIs.

Each builder returns a :class:`~wholeflow.report.document.Section` (or None when it has nothing
to say). Sections about data, results and experiments live in
:mod:`wholeflow.report.sections_results`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wholeflow.report.document import (
    Bullets,
    Card,
    Cards,
    Figure,
    FindingGroup,
    Section,
    Table,
    Text,
)
from wholeflow.report.findings import ARROWS, Finding, findings_table
from wholeflow.report.graph import calendar_words, display_name, fixed_capacity, system_graph
from wholeflow.report.map import system_map
from wholeflow.report.suppress import is_small, label

if TYPE_CHECKING:
    from wholeflow.model.schema import Model


def service_names(model: Model) -> dict[str, str]:
    """Display name of every service and exit, by id."""
    return {i: display_name(model, i) for i in [*model.services, *model.exits]}


def summary_section(
    model: Model, results: Any, comparison: pd.DataFrame | None, replications: int | None,
    observed: Any = None, threshold: int | None = None,
) -> Section:
    """Headline numbers and what the report is about."""
    # the description's first line is the page's subtitle; the rest is said here
    more = model.description.strip().split("\n", 1)[1:] if model.description else []
    text = [" ".join(more[0].split())] if more and more[0].strip() else []
    facts = (f"{model.name} has {len(model.services)} services, {len(model.arrivals)} arrival "
             f"stream{'s' if len(model.arrivals) != 1 else ''} and {len(model.exits)} exits.")
    if results is not None:
        facts += (f" Results are from {replications or 'several'} simulated replications of "
                  f"{model.run_days:g} days from {model.start_date:%-d %B %Y}, after a warm-up "
                  f"of {model.warm_up_days:g} days.")
    text.append(facts)
    stays = getattr(observed, "stays", None)
    if results is None and isinstance(stays, pd.DataFrame) and len(stays):
        text.append(_data_words(stays, threshold))
    cards = _headline_cards(model, results)
    blocks: list[Any] = [Text(text)]
    if cards:
        blocks.append(Cards(cards))
    if comparison is not None and len(comparison):
        clear = _clear_verdicts(comparison, limit=5)
        if clear:
            blocks.append(Bullets(clear, "What the scenarios change most"))
    return Section("summary", "Summary", blocks)


def _data_words(stays: pd.DataFrame, threshold: int | None) -> str:
    """'The imported data holds 1,234 stays of 567 people, from 1 Apr 2024 to 31 Mar 2025.'"""
    def count(n: int) -> str:
        return label(threshold) if threshold is not None and is_small(n, threshold) else f"{n:,}"

    people = stays["person"].nunique() if "person" in stays else len(stays)
    text = f"The imported data holds {count(len(stays))} stays of {count(people)} people"
    if "started" in stays and stays["started"].notna().any():
        first, last = pd.to_datetime(stays["started"]).min(), pd.to_datetime(stays["started"]).max()
        text += f", starting from {first:%-d %b %Y} to {last:%-d %b %Y}"
    return text + ". Maps and charts below are drawn from it."


def _headline_cards(model: Model, results: Any) -> list[Card]:
    kpis = getattr(results, "kpis", None)
    if kpis is None or not len(kpis):
        return []
    means = kpis[kpis["service"] == "system"].groupby("metric")["value"].mean()
    per_year = 365.0 / model.run_days
    cards = []
    spec = [
        ("arrivals", "People into the system a year", per_year, "{:,.0f}", ""),
        ("mean_system_length_of_stay", "Days in the system, on average", 1.0, "{:,.1f}",
         "arrival to leaving"),
        ("delayed_days", "Delayed days a year", per_year, "{:,.0f}",
         "days ready to move on but still in a place"),
        ("assessments_per_journey", "Times people tell their story", 1.0, "{:,.1f}",
         "assessments per journey"),
        ("information_breaks_per_journey", "Handovers across record systems", 1.0, "{:,.1f}",
         "per journey"),
    ]
    for metric, title, scale, fmt, note in spec:
        if metric in means and np.isfinite(means[metric]):
            cards.append(Card(title, fmt.format(means[metric] * scale), note))
    return cards


def _clear_verdicts(comparison: pd.DataFrame, limit: int) -> list[str]:
    df = comparison.copy()
    df["clear"] = (df["ci_low"] > 0) | (df["ci_high"] < 0)
    base = df["baseline_mean"].abs().replace(0, np.nan)
    df["size"] = (df["difference"] / base).abs()
    df = df[df["clear"]].sort_values("size", ascending=False).head(limit)
    return [f"{r.scenario}: {r.verdict}" for r in df.itertuples()]


def model_section(model: Model, scenario_names: Sequence[str] = ()) -> Section:
    """What the model says, in tables: services, arrivals, routes, run settings, assumptions."""
    blocks: list[Any] = [Text([
        f"The model starts on {model.start_date:%-d %B %Y}, counts results over "
        f"{model.run_days:g} days after a warm-up of {model.warm_up_days:g} days "
        "(the warm-up lets queues build up to their usual level before anything is counted)."
    ])]
    blocks.append(Table(services_table(model), "Services", "Services"))
    if model.arrivals:
        blocks.append(Table(arrivals_table(model), "New arrivals into the system", "Arrivals"))
    blocks.append(Table(routes_table(model), "Routes: where people go next", "Routes"))
    blocks.append(Bullets(assumptions(model), "Assumptions"))
    if model.scenarios:
        sc = pd.DataFrame([{"scenario": k, "description": v.description or "–",
                            "changes": "; ".join(f"{p} = {x}" for p, x in v.changes.items())}
                           for k, v in model.scenarios.items()])
        blocks.append(Table(sc, "Scenarios in the model", "Scenarios"))
    return Section("model", "Model and assumptions", blocks)


def services_table(model: Model) -> pd.DataFrame:
    rows = []
    for sid, svc in model.services.items():
        cap = fixed_capacity(svc)
        rows.append({
            "service": display_name(model, sid),
            "places": cap if cap is not None else "no limit",
            "length_of_stay_days": f"{svc.length_of_stay.mean():.1f} ({svc.length_of_stay.dist})",
            "admits": calendar_words(model, svc.admits),
            "referrals_looked_at": calendar_words(model, svc.referral.calendar),
            "acceptance": svc.referral.acceptance,
            "hours_per_rejected_referral": svc.referral.rejected_handling_hours,
            "assessments_on_entry": svc.assessments,
            "holds_place_while_waiting": svc.holds_on_transfer,
            "record_system": svc.record_system or "–",
            "funder": (svc.funder or "–").replace("_", " "),
            "cost_per_day": svc.cost_per_day,
        })
    return pd.DataFrame(rows)


def arrivals_table(model: Model) -> pd.DataFrame:
    return pd.DataFrame([{
        "stream": aid.replace("_", " "), "into": display_name(model, a.service),
        "per_day": a.per_day,
        "weekday_profile": "yes" if a.weekday_profile else "flat",
        "class_mix": ", ".join(f"{k} {v:.0%}" for k, v in (a.class_mix or {}).items()) or "–",
    } for aid, a in model.arrivals.items()])


def routes_table(model: Model) -> pd.DataFrame:
    rows = []
    for sid, routes in model.routes.items():
        sets = routes.items() if isinstance(routes, dict) else [("all", routes)]
        for klass, rs in sets:
            for r in rs:
                rows.append({
                    "from": display_name(model, sid), "class": klass,
                    "to": display_name(model, r.to), "share": r.probability,
                    "if_rejected": display_name(model, r.on_reject) if r.on_reject else "–",
                    "transfer_delay_days": r.transfer_delay.mean() if r.transfer_delay else 0.0,
                })
    return pd.DataFrame(rows, columns=["from", "class", "to", "share", "if_rejected",
                                       "transfer_delay_days"])


def assumptions(model: Model) -> list[str]:
    """The modelling assumptions a reader should know, in plain words."""
    out = [
        "New arrivals come at random (a Poisson process) at the rates in the arrivals table.",
        "Length of stay runs from starting at a service to being ready to move on; any time "
        "after that, waiting for the next service, is counted as delayed days.",
        "A referral is looked at only when the receiving service's referral calendar is open; "
        "a rejected referral costs the receiving service the hours shown and the person goes "
        "where the route says.",
        "People wait for a free place in order of arrival within their class.",
    ]
    holds = [display_name(model, s) for s, v in model.services.items() if v.holds_on_transfer]
    if holds:
        out.append("People waiting to move on keep their place at: " + ", ".join(holds) + ".")
    out.append("Each replication uses its own random numbers; scenarios reuse the baseline's "
               "numbers wherever the model is the same, so differences are not noise from "
               "different draws.")
    return out


def map_section(
    model: Model,
    results: Any,
    findings: Sequence[Finding] | None,
    stays: pd.DataFrame | None,
    threshold: int | None,
) -> Section:
    """The system map, with its edges and services as the table fallback."""
    fig = system_map(model, results, findings=findings, stays=stays, threshold=threshold)
    graph = system_graph(model, getattr(results, "stays", None) if stays is None else stays,
                         getattr(results, "referrals", None),
                         model.run_days / 365.0 if results is not None else None)
    names = service_names(model)
    names.update({n.id: n.label for n in graph.nodes})
    edges = pd.DataFrame([{
        "from": names.get(e.source, e.source), "to": names.get(e.target, e.target),
        "people_a_year": (label(threshold) if threshold is not None and is_small(e.count, threshold)
                          else e.per_year),
        "route_share": e.probability if e.kind == "route" else np.nan,
        "rejected_referrals_a_year": e.rejected_per_year,
    } for e in graph.edges])
    intro = ("Every service, route, arrival stream and exit. Services are sized by their places; "
             "arrows by the people a year who use them. Hover over a service or route for "
             "details.")
    blocks: list[Any] = [Figure(fig, edges, "Routes on the map, with people a year", note=intro)]
    delays = _delayed_days_a_year(model, results)
    if delays is not None:
        waits = system_map(model, results, colour_by="delayed_days", threshold=threshold)
        waits.update_layout(title={"text": f"Where people wait to move on: {model.name}"})
        blocks.append(Figure(waits, delays, "Delayed days a year by service", note=(
            "The same map coloured by delayed days: days people spend in a place after they "
            "are ready to move on, waiting for the next service.")))
    return Section("map", "The system on one page", blocks)


def _delayed_days_a_year(model: Model, results: Any) -> pd.DataFrame | None:
    kpis = getattr(results, "kpis", None)
    if not isinstance(kpis, pd.DataFrame) or not len(kpis):
        return None
    rows = kpis[(kpis["metric"] == "delayed_days") & (kpis["service"] != "system")]
    if rows.empty or rows["value"].sum() <= 0:
        return None
    per_year = rows.groupby("service")["value"].mean() * 365.0 / model.run_days
    names = service_names(model)
    return pd.DataFrame({"service": [names.get(str(s), str(s)) for s in per_year.index],
                         "delayed_days_a_year": per_year.to_numpy()}).sort_values(
        "delayed_days_a_year", ascending=False)


def findings_section(findings: Sequence[Finding], model: Model) -> Section | None:
    """The findings register grouped by the four arrows."""
    if not findings:
        return None
    groups = []
    for arrow in ARROWS:
        items = [f for f in findings if f.arrow == arrow]
        if items:
            groups.append(FindingGroup(ARROWS[arrow], items, service_names(model)))
    kinds = pd.Series([f.kind_label for f in findings]).value_counts()
    summary = ", ".join(f"{n} {str(k).lower()}{'s' if n != 1 else ''}"
                        for k, n in kinds.items())
    return Section("findings", "Findings", [
        Text([f"{len(findings)} findings from lived experience, staff and data: {summary}. "
              "They are grouped by the four arrows of the whole-system flow diagnostic; "
              "numbered squares on the map show which services and routes they are about."]),
        *groups,
        Table(findings_table(list(findings), service_names(model)), "All findings",
              "The register as a table"),
    ])


def kpi_summary(results: Any) -> pd.DataFrame | None:
    """Per service and KPI: mean, SD and 95 % CI over replications (from ``results``)."""
    if results is None:
        return None
    summary = getattr(results, "summary", None)
    if callable(summary):
        try:
            return summary()
        except Exception:  # a partial results object: fall back to the KPI table
            pass
    kpis = getattr(results, "kpis", None)
    if kpis is None or not len(kpis):
        return None
    return summarise_kpis(kpis)


def summarise_kpis(kpis: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD and t-based 95 % confidence interval of each KPI over replications."""
    from scipy.special import stdtrit  # the t quantile, as scipy.stats.t.ppf computes it

    g = kpis.groupby(["service", "metric"], sort=False)["value"]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.size()}).reset_index()
    half = stdtrit((out["n"] - 1).clip(lower=1), 0.975) * out["sd"] / np.sqrt(out["n"])
    half = half.where(out["n"] > 1)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out[["service", "metric", "mean", "sd", "ci_low", "ci_high", "n"]]


def kpi_section(results: Any, model: Model) -> Section | None:
    """Every KPI with its 95 % confidence interval."""
    summary = kpi_summary(results)
    if summary is None or not len(summary):
        return None
    names = service_names(model)
    table = summary.copy()
    table["service"] = table["service"].map(lambda s: names.get(s, s))
    table["metric"] = table["metric"].map(lambda m: str(m).replace("_", " "))
    table = table.rename(columns={"metric": "KPI", "n": "replications"})
    return Section("kpis", "All KPIs with 95 % confidence intervals", [
        Text(["Means over replications with 95 % confidence intervals (t distribution). "
              "Counts and delayed days are over the whole run."]),
        Table(table, "KPIs by service"),
    ])
