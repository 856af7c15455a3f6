"""Scenarios: list, create, copy and edit through forms; run them against the baseline.

Scenarios written in ``wholeflow.yaml`` are shown read-only (the app never rewrites the model
file and its comments): copy one to get an editable ``scenarios/<name>.yaml``. Running a
scenario queues a comparison with the baseline on common random numbers (the run queue,
:mod:`wholeflow.web.runs`), whose progress every connected page sees.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from wholeflow.errors import ModelError
from wholeflow.web import scenario_forms as sf
from wholeflow.web.templating import render
from wholeflow.web.workspace_files import check_name

router = APIRouter()
DEFAULT_REPLICATIONS = 20
MAX_REPLICATIONS = 500


def _model(request: Request) -> Any:
    return request.app.state.ws.model()  # ModelError -> located 422 page


def _known(request: Request, name: str) -> Any:
    model = _model(request)
    if name not in model.scenarios:
        raise HTTPException(404, f"There is no scenario '{name}'. The scenarios are: "
                            f"{', '.join(model.scenarios) or 'none yet'}.")
    return model


def _in_file(request: Request, name: str) -> bool:
    return check_name(name) is None and sf.scenario_file(request.app.state.ws, name).is_file()


@router.get("/scenarios")
def scenarios(request: Request) -> Response:
    ws = request.app.state.ws
    status = ws.model_status()
    rows = []
    if status.model is not None:
        for name, s in status.model.scenarios.items():
            rows.append({"name": name, "description": s.description,
                         "changes": len(s.changes) + len(s.remove),
                         "file": _in_file(request, name)})
    return render(request, "scenarios.html", status=status, rows=rows,
                  replications=DEFAULT_REPLICATIONS)


def _form(request: Request, template: str, model: Any, *, name: str = "", description: str = "",
          fields: list[sf.FormField] | None = None, problems: list[Any] | None = None,
          errors: dict[str, str] | None = None, status_code: int = 200, **kw: Any) -> Response:
    fields = fields if fields is not None else sf.fields_of(model)
    groups: dict[str, list[sf.FormField]] = {}
    for f in fields:
        groups.setdefault(f.group, []).append(f)
    summary = {f.id: f"{f.group}, {f.label}: {f.problem}" for f in fields if f.problem}
    summary.update(errors or {})
    return render(request, template, status_code=status_code, name=name,
                  description=description, groups=groups, problems=problems or [],
                  summary=summary, errors=errors or {}, **kw)


@router.get("/scenarios/new")
def new_form(request: Request) -> Response:
    return _form(request, "scenario_edit.html", _model(request), new=True)


async def _submitted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


@router.post("/scenarios/new")
async def create(request: Request) -> Response:
    model = _model(request)
    data = await _submitted(request)
    name = data.get("name", "").strip()
    errors: dict[str, str] = {}
    problem = check_name(name)
    if problem:
        errors["name"] = f"Scenario name: {problem}"
    elif name in model.scenarios:
        errors["name"] = f"Scenario name: '{name}' is already used; choose another"
    outcome = sf.build(model, name or "new_scenario", data.get("description", ""), data,
                       None, None)
    if errors or not outcome.ok:
        return _form(request, "scenario_edit.html", model, name=name,
                     description=data.get("description", ""), fields=outcome.fields,
                     problems=outcome.problems, errors=errors, status_code=422, new=True)
    try:
        sf.write(request.app.state.ws, name, outcome.scenario or {}, new=True)
    except FileExistsError:
        return _form(request, "scenario_edit.html", model, name=name,
                     description=data.get("description", ""), fields=outcome.fields,
                     errors={"name": f"Scenario name: '{name}' is already used"},
                     status_code=422, new=True)
    request.app.state.events.publish("scenario_saved", name=name)
    return RedirectResponse(f"/scenarios?saved={name}#{name}", status_code=303)


@router.get("/scenarios/{name}/edit")
def edit_form(request: Request, name: str) -> Response:
    from wholeflow.model import apply_scenario

    model = _known(request, name)
    if not _in_file(request, name):
        return render(request, "scenario_readonly.html", name=name,
                      scenario=model.scenarios[name], status_code=200)
    try:
        shown = apply_scenario(model, name)
        fields = sf.fields_of(model, shown)
        problems: list[Any] = []
    except ModelError as err:  # the file as it is has problems: show them, edit from baseline
        fields, problems = sf.fields_of(model), err.problems
    return _form(request, "scenario_edit.html", model, name=name,
                 description=model.scenarios[name].description, fields=fields,
                 problems=problems, new=False)


@router.post("/scenarios/{name}/edit")
async def save(request: Request, name: str) -> Response:
    from wholeflow.model import apply_scenario

    model = _known(request, name)
    if not _in_file(request, name):
        raise HTTPException(404, f"Scenario '{name}' is written in wholeflow.yaml; copy it "
                            "to edit it here.")
    data = await _submitted(request)
    existing = sf.read_existing(request.app.state.ws, name)
    try:
        shown = apply_scenario(model, name)
    except ModelError:
        shown = None
    outcome = sf.build(model, name, data.get("description", ""), data, existing, shown)
    if not outcome.ok:
        return _form(request, "scenario_edit.html", model, name=name,
                     description=data.get("description", ""), fields=outcome.fields,
                     problems=outcome.problems, status_code=422, new=False)
    sf.write(request.app.state.ws, name, outcome.scenario or {}, new=False)
    request.app.state.events.publish("scenario_saved", name=name)
    return RedirectResponse(f"/scenarios?saved={name}#{name}", status_code=303)


@router.post("/scenarios/{name}/copy")
async def copy(request: Request, name: str) -> Response:
    model = _known(request, name)
    data = await _submitted(request)
    new = data.get("new_name", "").strip() or f"{name}_copy"
    problem = check_name(new)
    if problem or new in model.scenarios:
        raise HTTPException(422, f"The copy's name '{new}' cannot be used: "
                            f"{problem or 'it is already taken'}. Go back and choose another.")
    s = model.scenarios[name]
    entry: dict[str, Any] = {"description": s.description.strip(), "changes": dict(s.changes)}
    if s.remove:
        entry["remove"] = list(s.remove)
    try:
        sf.write(request.app.state.ws, new, entry, new=True)
    except FileExistsError:
        raise HTTPException(422, f"'{new}' is already taken; choose another name.") from None
    request.app.state.events.publish("scenario_saved", name=new)
    return RedirectResponse(f"/scenarios/{new}/edit", status_code=303)


def replications_of(data: dict[str, str]) -> int:
    text = data.get("replications", "") or str(DEFAULT_REPLICATIONS)
    try:
        n = int(text)
    except ValueError:
        raise HTTPException(422, "Replications must be a whole number (for example 20).") \
            from None
    if not 2 <= n <= MAX_REPLICATIONS:
        raise HTTPException(422, f"Replications must be from 2 to {MAX_REPLICATIONS}.")
    return n


@router.post("/scenarios/{name}/run")
async def run(request: Request, name: str) -> Response:
    """Queue a comparison of this scenario with the baseline; open its result page."""
    from wholeflow.model import apply_scenario

    model = _known(request, name)
    apply_scenario(model, name)  # a scenario with problems is shown, not queued
    data = await _submitted(request)
    n = replications_of(data)
    job = request.app.state.runs.submit(
        "compare", f"{name} against the baseline ({n} replications)",
        {"scenarios": [name], "replications": n, "seed": int(data.get("seed") or 0)})
    return RedirectResponse(f"/compare?job={job.id}", status_code=303)
