"""What the system map page shows about one service, from the model and a stored run.

Pure functions of the model, a run's tables (as :func:`wholeflow.report.workspace.load_run`
returns them) and the findings register; the page renders them. Numbers a year are the run's
window scaled to 365 days, the way the report's map shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from wholeflow.report.graph import DAYS_PER_YEAR, display_name
from wholeflow.report.sections import routes_table, services_table, summarise_kpis

if TYPE_CHECKING:
    from wholeflow.model.schema import Model
    from wholeflow.report.findings import Finding

#: KPIs shown for a service, in this order, with the words used on the page.
SERVICE_KPIS: dict[str, str] = {
    "utilisation": "Occupancy (share of places)",
    "mean_occupancy": "People in the service (mean)",
    "admissions": "Admissions",
    "mean_length_of_stay": "Length of stay, days (mean)",
    "mean_wait_days": "Referral to start, days (mean)",
    "mean_queue": "People waiting for a place (mean)",
    "delayed_days": "Delayed days",
    "referrals": "Referrals",
    "acceptance_rate": "Acceptance rate",
    "failure_demand_hours": "Failure demand, clinical hours",
    "cost": "Cost",
}
CAUSE_WORDS = {"triage": "waiting for triage", "closed": "referrals closed (calendar)",
               "no_capacity": "no place free", "transfer_delay": "transfer under way",
               "placement": "waiting for a placement"}


@dataclass
class ServicePanel:
    """Everything the page says about one service."""

    id: str
    name: str
    parameters: list[tuple[str, str]]
    routes: pd.DataFrame
    kpis: pd.DataFrame | None
    delays: pd.DataFrame | None
    findings: list[Finding] = field(default_factory=list)
    replications: int | None = None


def service_panel(model: Model, sid: str, results: Any = None,
                  findings: Sequence[Finding] = ()) -> ServicePanel:
    """The panel of service ``sid`` (KeyError when the model has no such service)."""
    if sid not in model.services:
        raise KeyError(sid)
    kpis = getattr(results, "kpis", None)
    reps = int(kpis["replication"].nunique()) if isinstance(kpis, pd.DataFrame) and len(
        kpis) and "replication" in kpis else None
    return ServicePanel(
        id=sid, name=display_name(model, sid), parameters=service_parameters(model, sid),
        routes=_routes_out(model, sid), kpis=service_kpis(kpis, sid),
        delays=(delays_by_cause_and_target(getattr(results, "delays", None), model, sid, reps)
                if getattr(results, "delays", None) is not None
                else delays_by_cause(kpis, model, sid)),
        findings=[f for f in findings if sid in f.services
                  or any(sid in pair for pair in f.route_pairs())],
        replications=reps)


def service_parameters(model: Model, sid: str) -> list[tuple[str, str]]:
    """The service's settings in the model, as (label, value) pairs in plain words."""
    from wholeflow.report.tabulate import format_cell, humanise

    row = services_table(model).iloc[list(model.services).index(sid)]
    svc = model.services[sid]
    pairs = [(humanise(k), format_cell(v.item() if hasattr(v, "item") else v, str(k)))
             for k, v in row.items() if k != "service"]
    triage = svc.referral.triage_time
    if triage is not None:
        pairs.insert(5, ("Triage time, days (mean)", format_cell(float(triage.mean()))))
    return pairs


def _routes_out(model: Model, sid: str) -> pd.DataFrame:
    table = routes_table(model)
    return table[table["from"] == display_name(model, sid)].drop(columns="from").reset_index(
        drop=True)


def service_kpis(kpis: pd.DataFrame | None, sid: str) -> pd.DataFrame | None:
    """The service's KPIs: mean and 95 % confidence interval over replications, as text
    (shares as percentages)."""
    if not isinstance(kpis, pd.DataFrame) or not len(kpis):
        return None
    mine = kpis[(kpis["service"] == sid) & kpis["metric"].isin(list(SERVICE_KPIS))]
    if mine.empty:
        return None
    from wholeflow.report.tabulate import format_cell

    summary = summarise_kpis(mine)
    summary["order"] = summary["metric"].map(list(SERVICE_KPIS).index)
    summary = summary.sort_values("order")
    rows = []
    for metric, mean, low, high in summary[["metric", "mean", "ci_low", "ci_high"]].itertuples(
            index=False, name=None):
        rows.append({"KPI": SERVICE_KPIS[metric], "mean": format_cell(mean, metric),
                     "95 % CI": (f"{format_cell(low, metric)} to {format_cell(high, metric)}"
                                 if low == low else "–")})
    return pd.DataFrame(rows, columns=["KPI", "mean", "95 % CI"])


def delays_by_cause_and_target(delays: pd.DataFrame | None, model: Model, sid: str,
                               replications: int | None) -> pd.DataFrame | None:
    """Delayed days a year at ``sid``, by the service waited for and the cause (mean over
    replications), largest first."""
    if not isinstance(delays, pd.DataFrame):
        return None
    mine = delays[delays["service"] == sid] if len(delays) else delays
    if mine.empty:
        return None
    reps = replications or (int(mine["replication"].nunique()) if "replication" in mine else 1)
    per_year = DAYS_PER_YEAR / model.run_days / max(reps, 1)
    grouped = mine.groupby(["target", "cause"], sort=False)["days"].sum().reset_index()
    grouped["days"] *= per_year
    grouped = grouped.sort_values("days", ascending=False)
    return pd.DataFrame({
        "waiting_for": grouped["target"].map(lambda t: display_name(model, str(t))),
        "cause": grouped["cause"].map(lambda c: CAUSE_WORDS.get(str(c), str(c))),
        "delayed_days_a_year": grouped["days"]}).reset_index(drop=True)


def delays_by_cause(kpis: pd.DataFrame | None, model: Model, sid: str) -> pd.DataFrame | None:
    """Delayed days a year at ``sid`` by cause from the KPIs, for runs that kept no delays
    table (the service waited for is not known then)."""
    if not isinstance(kpis, pd.DataFrame) or not len(kpis):
        return None
    metrics = {f"delayed_days_{c}": c for c in CAUSE_WORDS}
    mine = kpis[(kpis["service"] == sid) & kpis["metric"].isin(list(metrics))]
    if mine.empty:
        return None
    per_year = DAYS_PER_YEAR / model.run_days
    means = mine.groupby("metric")["value"].mean() * per_year
    means = means[means > 0].sort_values(ascending=False)
    if means.empty:
        return None
    return pd.DataFrame({"waiting_for": "not recorded in this run",
                         "cause": [CAUSE_WORDS[metrics[m]] for m in means.index],
                         "delayed_days_a_year": means.to_numpy()})


def map_services_table(model: Model, colours: dict[str, float], colour_words: str
                       ) -> pd.DataFrame:
    """The table behind the map's circles: every service, its places and its colour value."""
    table = services_table(model)[["service", "places"]].copy()
    table[colour_words] = [colours.get(sid, float("nan")) for sid in model.services]
    return table
