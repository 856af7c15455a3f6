"""Measures (``/measures``): SPC charts with Making Data Count icons, and this week's value.

Each measure of the workspace's register (``measures/*.yaml``) is charted with its own
settings (:func:`wholeflow.measure_spc`, :func:`wholeflow.spc_figure`): the points coloured by
what they show, the limits, the target, PDSA cycles marked at their start, and the variation
and assurance icons, with the table of points behind the chart. A measure kept in a CSV file
takes a new period's value from a form (``POST /measures/{id}/values``); the value is added
to that file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from wholeflow.errors import WholeflowError
from wholeflow.web.templating import render
from wholeflow.web.views.common import figure_json, files_stamp, memo, nhs_table
from wholeflow.web.views.measures import (
    ValueProblem,
    add_value,
    csv_path,
    icon,
    new_value_form,
    pdsa_table,
    points_table,
)

router = APIRouter()


def _measures(request: Request) -> dict[str, Any]:
    from wholeflow.measure import load_measures

    return load_measures(request.app.state.ws.root)  # ModelError: a located 422 page


def _card(request: Request, measure: Any, error: ValueProblem | None = None,
          entered: dict[str, str] | None = None) -> dict[str, Any]:
    root = request.app.state.ws.root
    card: dict[str, Any] = {"m": measure, "error": error, "entered": entered or {},
                            "file": None, "pdsa": nhs_table(pdsa_table(measure),
                                                            f"PDSA cycles of {measure.name}",
                                                            hide_caption=True)}
    path = csv_path(measure, root)
    if path is not None:
        card["file"] = request.app.state.ws.relative(path)
    ws = request.app.state.ws
    source = path if path is not None else ws.store_file
    key = ("measure", str(root), measure.id, files_stamp(Path(measure.file), source))
    try:
        drawn = memo(key, lambda: _chart(measure, root))
    except WholeflowError as err:
        card["problem"] = str(err)
        card["form"] = new_value_form(measure, None)
        return card
    card.update(problem=None, **drawn)
    return card


def _chart(measure: Any, root: Path) -> dict[str, Any]:
    """The measure's chart, icons and points (kept until its files change)."""
    from wholeflow.measure import measure_series, measure_spc

    series = measure_series(measure, root)
    result = measure_spc(measure, root)
    fig = result.figure(title=measure.name, pdsa=measure.pdsa, y_title=measure.unit)
    return {
        "result": result, "figure": figure_json(fig),
        "alt": (fig.layout.meta or {}).get("alt") if isinstance(fig.layout.meta, dict) else None,
        "variation": icon(result.variation_icon), "assurance": icon(result.assurance_icon),
        "table": nhs_table(points_table(result.points, measure.unit),
                           f"Points of {measure.name}", table_id=f"points-{measure.id}"),
        "latest": result.points.iloc[-1], "form": new_value_form(measure, series)}


@router.get("/measures")
def measures_page(request: Request, added: str | None = None) -> Response:
    """Every measure's chart, icons, points and PDSA cycles."""
    measures = _measures(request)
    cards = [_card(request, m) for m in measures.values()]
    done = measures[added].name if added in measures else None
    return render(request, "measures.html", cards=cards, added=done)


@router.post("/measures/{mid}/values")
async def add_measure_value(request: Request, mid: str) -> Response:
    """Add one period's value to the measure's CSV file."""
    measures = _measures(request)
    if mid not in measures:
        known = ", ".join(measures) or "none"
        raise HTTPException(404, f"There is no measure '{mid}' in this workspace. "
                                 f"Measures: {known}.")
    form = await request.form()
    entered = {k: str(form.get(k) or "") for k in ("date", "value", "denominator")}
    measure = measures[mid]
    try:
        add_value(measure, request.app.state.ws.root, entered["date"], entered["value"],
                  entered["denominator"])
    except ValueProblem as problem:
        cards = [_card(request, m, problem if m.id == mid else None,
                       entered if m.id == mid else None) for m in measures.values()]
        return render(request, "measures.html", status_code=400, cards=cards,
                      error_measure=mid, problem=problem)
    return RedirectResponse(f"/measures?added={mid}#measure-{mid}", status_code=303)
