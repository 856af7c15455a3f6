"""System map (``/map``): the report's map, interactive.

Click a service on the map, or choose it from the list beside it (the list works with the
keyboard and without JavaScript), to see its settings, its KPIs with 95 % confidence intervals
from a stored run, its delayed days by cause and by the service waited for, and the findings
pinned to it. The map can be coloured by occupancy, delayed days or failure demand. Everything
drawn is also in a table on the page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from wholeflow.errors import WholeflowError
from wholeflow.web.templating import render
from wholeflow.web.views.common import (
    figure_json,
    files_stamp,
    has_table,
    memo,
    nhs_table,
    run_choices,
    runs_stamp,
    stored_run,
)
from wholeflow.web.views.system_map import map_services_table, service_panel

router = APIRouter()

COLOURS = {"occupancy": "Occupancy", "delayed_days": "Delayed days",
           "failure_demand": "Failure demand"}


def _colour(colour: str | None) -> str:
    if colour in (None, ""):
        return "occupancy"
    if colour not in COLOURS:
        choices = ", ".join(COLOURS.values()).lower()
        raise HTTPException(400, f"Colour by '{colour}' is not one of: {choices}. "
                                 "Choose one from the list.")
    return str(colour)


def load_results(request: Request, run: str | None) -> tuple[str | None, Any]:
    """The stored run asked for (default: the newest baseline); 404 in plain words if unknown."""
    ws = request.app.state.ws
    try:
        run_id, results = stored_run(ws.root, run or None)
    except WholeflowError:
        known = ", ".join(run_choices(ws.root)[:10]) or "none yet"
        raise HTTPException(404, f"There is no stored run called '{run}'. Runs kept in this "
                                 f"workspace: {known}.") from None
    if results is not None and getattr(results, "kpis", None) is None:
        results = None
    return run_id, results


def _map_context(request: Request, colour: str, run: str | None) -> dict[str, Any]:
    ws = request.app.state.ws
    model = ws.model()
    run_id, results = load_results(request, run)
    key = ("map", str(ws.root), colour, run_id, runs_stamp(ws.root),
           files_stamp(ws.model_file, ws.scenarios_dir, ws.findings_dir))
    drawn = memo(key, lambda: _draw(ws, model, results, colour))
    return {"model": model, "run_id": run_id, "results": results, "colour": colour,
            "colours": COLOURS, "runs": run_choices(ws.root), **drawn,
            "replayable": bool(run_id) and has_table(ws.root, str(run_id), "stays")}


def _draw(ws: Any, model: Any, results: Any, colour: str) -> dict[str, Any]:
    """The map, its words and its tables (kept until the model, findings or runs change)."""
    import pandas as pd

    from wholeflow.report.graph import system_graph
    from wholeflow.report.map import map_alt_text, service_colours, system_map
    from wholeflow.report.sections import service_names

    findings = ws.findings()
    fig = system_map(model, results, colour_by=colour, findings=findings)  # type: ignore[arg-type]
    fig.update_layout(title=None, margin={"t": 20})
    graph = system_graph(model, getattr(results, "stays", None),
                         getattr(results, "referrals", None),
                         model.run_days / 365.0 if results is not None else None)
    colours, title = service_colours(model, graph, results, colour)  # type: ignore[arg-type]
    words = title.replace("<br>", " ")
    names = service_names(model)
    names.update({n.id: n.label for n in graph.nodes})
    routes = pd.DataFrame([{
        "from": names.get(e.source, e.source), "to": names.get(e.target, e.target),
        "people_a_year": e.per_year,
        "rejected_referrals_a_year": e.rejected_per_year} for e in graph.edges])
    return {
        "figure": figure_json(fig),
        "alt": map_alt_text(model, graph, colours, colour),  # type: ignore[arg-type]
        "services_table": nhs_table(map_services_table(model, colours, words),
                                    f"Services on the map, with {words.lower()}",
                                    table_id="map-services"),
        "routes_table": nhs_table(routes, "Routes on the map, with people a year"),
        "pinned": len(findings), "no_values": all(v != v for v in colours.values()),
        "names": {sid: names.get(sid, sid) for sid in model.services},
    }


def _query(colour: str, run_id: str | None) -> str:
    from urllib.parse import urlencode

    params = {"colour": colour}
    if run_id:
        params["run"] = run_id
    return urlencode(params)


@router.get("/map")
def map_page(request: Request, colour: str | None = None, run: str | None = None,
             service: str | None = None) -> Response:
    """The map, the service list and (when one is chosen) the service's panel."""
    context = _map_context(request, _colour(colour), run)
    panel = None
    if service:
        panel = _panel(request, context["model"], service, context["results"])
    return render(request, "map.html", panel=panel, service=service,
                  query=_query(context["colour"], run), **context)


@router.get("/map/figure")
def map_figure(request: Request, colour: str | None = None, run: str | None = None) -> Response:
    """The map alone (htmx swaps it in when a finding is added or a run finishes)."""
    context = _map_context(request, _colour(colour), run)
    return render(request, "map_figure.html", **context)


@router.get("/map/service/{sid}")
def service_fragment(request: Request, sid: str, run: str | None = None) -> Response:
    """One service's panel (htmx swaps it in beside the map)."""
    model = request.app.state.ws.model()
    _, results = load_results(request, run)
    return render(request, "map_service.html",
                  panel=_panel(request, model, sid, results), run=run or "")


def _panel(request: Request, model: Any, sid: str, results: Any) -> dict[str, Any]:
    if sid not in model.services:
        known = ", ".join(model.services)
        raise HTTPException(404, f"The model has no service '{sid}'. Its services are: {known}.")
    info = service_panel(model, sid, results, request.app.state.ws.findings())
    return {
        "info": info,
        "kpis": nhs_table(info.kpis, f"KPIs of {info.name}, means with 95 % confidence "
                                     "intervals", table_id="service-kpis", hide_caption=True),
        "delays": nhs_table(info.delays, f"Delayed days a year at {info.name}, by the service "
                                         "waited for and the cause", table_id="service-delays",
                         hide_caption=True),
        "routes": nhs_table(info.routes, f"Routes out of {info.name}"),
    }
