"""Findings: the four arrows and the 4N's, with their source; add, edit, pin to a service.

Every change is written to ``findings/room.yaml`` (see :mod:`wholeflow.web.room_findings`) and
announced to every connected browser (``finding_added`` / ``finding_changed``), whose list
refreshes without a reload.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from wholeflow.errors import ModelError
from wholeflow.report.findings import ARROWS, SOURCES, Finding
from wholeflow.web import room_findings
from wholeflow.web.templating import render

router = APIRouter()


def form_context(request: Request, values: dict[str, Any] | None = None,
                 problems: dict[str, str] | None = None) -> dict[str, Any]:
    """What the finding form needs: choices, services, values and problems."""
    status = request.app.state.ws.model_status()
    services = ([(sid, s.name or sid) for sid, s in status.model.services.items()]
                if status.model is not None else [])
    return {"arrows": ARROWS, "kinds": room_findings.FORM_KINDS, "sources": SOURCES,
            "services": services, "values": values or {"services": []},
            "problems": problems or {}}


async def read_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {"arrow": form.get("arrow"), "kind": form.get("kind"), "source": form.get("source"),
            "text": str(form.get("text") or ""), "who": str(form.get("who") or ""),
            "services": [str(s) for s in form.getlist("services")]}


def load(request: Request) -> tuple[list[Finding], list[Any]]:
    """The register and the problems of its files (shown, never raised)."""
    try:
        return request.app.state.ws.findings(), []
    except ModelError as err:
        return [], err.problems


def names(request: Request) -> dict[str, str]:
    status = request.app.state.ws.model_status()
    if status.model is None:
        return {}
    return {sid: s.name or sid for sid, s in status.model.services.items()}


@router.get("/findings")
def findings_page(request: Request) -> Response:
    findings, problems = load(request)
    return render(request, "findings.html", findings=findings, file_problems=problems,
                  names=names(request), editable=room_findings.editable,
                  **form_context(request))


@router.get("/findings/list")
def findings_list(request: Request) -> Response:
    """The register grouped by arrow (refetched when a finding is added anywhere)."""
    findings, problems = load(request)
    return render(request, "_findings_list.html", findings=findings, file_problems=problems,
                  names=names(request), editable=room_findings.editable, arrows=ARROWS)


@router.post("/findings")
async def add_finding(request: Request) -> Response:
    values = await read_form(request)
    try:
        entry = room_findings.add(request.app.state.ws, values)
    except room_findings.FindingProblems as err:
        findings, problems = load(request)
        return render(request, "findings.html", status_code=422, findings=findings,
                      file_problems=problems, names=names(request),
                      editable=room_findings.editable,
                      **form_context(request, values, err.problems))
    announce(request, "finding_added", entry)
    return RedirectResponse(f"/findings?added={entry['id']}#{entry['id']}", status_code=303)


def announce(request: Request, name: str, entry: dict[str, Any]) -> None:
    request.app.state.events.publish(name, id=entry["id"], text=entry["text"],
                                     services=entry.get("services", []),
                                     arrow=entry["arrow"], kind=entry["kind"])


def _find(request: Request, finding_id: str) -> Finding:
    findings, _ = load(request)
    for f in findings:
        if f.id == finding_id:
            if not room_findings.editable(f):
                raise HTTPException(404, f"Finding {finding_id} is written in "
                                    f"{request.app.state.ws.relative(f._where[0] or '')}; "
                                    "edit it in that file.")
            return f
    raise HTTPException(404, f"There is no finding '{finding_id}'.")


@router.get("/findings/{finding_id}/edit")
def edit_form(request: Request, finding_id: str) -> Response:
    f = _find(request, finding_id)
    values = {"arrow": f.arrow, "kind": f.kind, "source": f.source, "text": f.text,
              "who": f.who, "services": f.services}
    return render(request, "finding_edit.html", finding=f, **form_context(request, values))


@router.post("/findings/{finding_id}/edit")
async def edit_finding(request: Request, finding_id: str) -> Response:
    f = _find(request, finding_id)
    values = await read_form(request)
    try:
        entry = room_findings.update(request.app.state.ws, finding_id, values)
    except room_findings.FindingProblems as err:
        return render(request, "finding_edit.html", status_code=422, finding=f,
                      **form_context(request, values, err.problems))
    if entry is None:
        raise HTTPException(404, f"There is no finding '{finding_id}'.")
    announce(request, "finding_changed", entry)
    return RedirectResponse(f"/findings#{finding_id}", status_code=303)
