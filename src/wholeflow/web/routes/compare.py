"""Compare: scenarios against the baseline on common random numbers, in words, a table and a
forest plot; capacity search and sensitivity launched from here, each with live progress.

Results are the run queue's jobs (:mod:`wholeflow.web.runs`): ``/compare?job=<id>`` shows one —
its progress while it runs, its result once finished (kept across server restarts).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from wholeflow.web.routes.scenarios import replications_of
from wholeflow.web.templating import render

router = APIRouter()

#: The measures shown first: (metric, service, label).
HEADLINES = [
    ("delayed_days", "acute", "Acute delayed days"),
    ("delayed_days", "system", "All delayed days"),
    ("mean_system_length_of_stay", "system", "System length of stay (days)"),
    ("assessments_per_journey", "system", "Assessments per journey"),
    ("failure_demand_hours", "system", "Failure demand (clinical hours)"),
    ("cost", "system", "Cost"),
]


HEADLINE_KEYS = {(m, s) for m, s, _ in HEADLINES}


def _names(request: Request) -> dict[str, str]:
    status = request.app.state.ws.model_status()
    if status.model is None:
        return {}
    return {sid: s.name or sid for sid, s in status.model.services.items()}


def _fmt(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if pd.isna(v):
        return "–"
    if round(v, 2) == 0:
        v = 0.0  # never "-0.00"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"


def headline_rows(differences: pd.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per scenario and headline measure, formatted for the table."""
    rows = []
    for scenario in differences["scenario"].unique():
        d = differences[differences["scenario"] == scenario]
        for metric, service, label in HEADLINES:
            r = d[(d["metric"] == metric) & (d["service"] == service)]
            if r.empty:
                continue
            x = r.iloc[0]
            rows.append({"scenario": scenario, "label": label, "baseline": _fmt(x["baseline"]),
                         "mean": _fmt(x["mean"]), "difference": _fmt(x["difference"]),
                         "ci": f"{_fmt(x['ci_low'])} to {_fmt(x['ci_high'])}",
                         "clear": bool(x["clear"]), "verdict": x["verdict"],
                         "metric": metric, "service": service})
    return rows


@router.get("/compare")
def compare_page(request: Request, job: str | None = None) -> Response:
    runs = request.app.state.runs
    status = request.app.state.ws.model_status()
    context: dict[str, Any] = {"status": status, "jobs": runs.jobs()[:10]}
    if status.model is not None:
        context.update(scenarios=list(status.model.scenarios),
                       services=[(sid, s.name or sid) for sid, s in
                                 status.model.services.items()])
    if job is None:
        return render(request, "compare.html", job=None, **context)
    found = runs.get(job)
    if found is None:
        raise HTTPException(404, f"There is no run '{job}'. It may belong to another "
                            "workspace; start a new comparison below.")
    context["job"] = found
    if found.status == "finished":
        context.update(_result(request, found))
    return render(request, "compare.html", **context)


def _result(request: Request, job: Any) -> dict[str, Any]:
    from wholeflow.report.comparisons import forest_plot, tornado_figure
    from wholeflow.report.html import figure_html

    runs, names = request.app.state.runs, _names(request)
    if job.kind == "compare":
        diff = runs.table(job, "differences")
        if diff is None or diff.empty:
            return {"result_missing": True}
        shown = diff[[(m, s) in HEADLINE_KEYS or m == "delayed_days"
                      for m, s in zip(diff["metric"], diff["service"], strict=True)]]
        return {"rows": headline_rows(diff, names),
                "all_rows": diff.to_dict("records"),
                "figure": figure_html(forest_plot(_renamed(shown), names), "forest"),
                "verdicts": _verdicts(diff)}
    if job.kind == "search":
        table = runs.table(job, "evaluations")
        return {"evaluations": table.to_dict("records") if table is not None else [],
                "columns": list(table.columns) if table is not None else []}
    table = runs.table(job, "table")
    if table is None or table.empty:
        return {"result_missing": True}
    return {"sensitivity": table.to_dict("records"), "columns": list(table.columns),
            "figure": figure_html(tornado_figure(table), "tornado")}


def _renamed(diff: pd.DataFrame) -> pd.DataFrame:
    from wholeflow.report.comparisons import comparison_table

    table = comparison_table(diff)
    return diff if table is None else table


def _verdicts(diff: pd.DataFrame, most: int = 6) -> list[str]:
    """Clear differences in words: the headline measures first, in their order."""
    order = {(m, s): i for i, (m, s, _) in enumerate(HEADLINES)}
    clear = diff[diff["clear"]].copy()
    clear["_order"] = [order.get((m, s), len(order)) for m, s in
                       zip(clear["metric"], clear["service"], strict=True)]
    return list(clear.sort_values("_order", kind="stable")["verdict"])[:most]


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    data["scenarios"] = [str(s) for s in form.getlist("scenarios")]
    data["services"] = [str(s) for s in form.getlist("services")]
    return data


def _seed(data: dict[str, Any]) -> int:
    try:
        return int(data.get("seed") or 0)
    except ValueError:
        raise HTTPException(422, "The seed must be a whole number.") from None


@router.post("/compare")
async def start_compare(request: Request) -> Response:
    model = request.app.state.ws.model()
    data = await _form(request)
    chosen = data["scenarios"]
    unknown = [s for s in chosen if s not in model.scenarios]
    if not chosen or unknown:
        raise HTTPException(422, f"Choose at least one scenario of this workspace"
                            f"{' (unknown: ' + ', '.join(unknown) + ')' if unknown else ''}.")
    n = replications_of(data)
    job = request.app.state.runs.submit(
        "compare", f"{', '.join(chosen)} against the baseline ({n} replications)",
        {"scenarios": chosen, "replications": n, "seed": _seed(data)})
    return RedirectResponse(f"/compare?job={job.id}", status_code=303)


@router.post("/compare/search")
async def start_search(request: Request) -> Response:
    from wholeflow.experiment.targets import parse_target

    model = request.app.state.ws.model()
    data = await _form(request)
    services = data["services"]
    if not services or any(s not in model.services for s in services):
        raise HTTPException(422, "Choose at least one service of the model to search over.")
    target = (data.get("target") or "").strip()
    parse_target(target, model)  # a bad target is a located 400 page, before queueing
    n = replications_of(data)
    job = request.app.state.runs.submit(
        "search", f"capacity of {', '.join(services)} for {target}",
        {"target": target, "services": services, "replications": n, "seed": _seed(data),
         "scenario": data.get("scenario") or None})
    return RedirectResponse(f"/compare?job={job.id}", status_code=303)


@router.post("/compare/sensitivity")
async def start_sensitivity(request: Request) -> Response:
    request.app.state.ws.model()
    data = await _form(request)
    try:
        change = float(data.get("change") or 10) / 100
    except ValueError:
        raise HTTPException(422, "The change must be a percentage, for example 10.") from None
    if not 0 < change < 1:
        raise HTTPException(422, "The change must be between 0 and 100 %.")
    n = replications_of(data)
    job = request.app.state.runs.submit(
        "sensitivity", f"sensitivity ±{change:.0%} ({n} replications)",
        {"change": change, "replications": n, "seed": _seed(data)})
    return RedirectResponse(f"/compare?job={job.id}", status_code=303)
