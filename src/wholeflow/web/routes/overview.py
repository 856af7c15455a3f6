"""Overview: the model in a few lines, its problems located, and what the workspace holds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from wholeflow.web.templating import render

router = APIRouter()


@router.get("/")
def overview(request: Request) -> Response:
    """Model summary (or its problems), data loaded, runs done, findings count."""
    ws = request.app.state.ws
    status = ws.model_status()
    model = status.model
    summary = None
    if model is not None:
        summary = {
            "name": model.name, "description": getattr(model, "description", "") or "",
            "services": [(sid, s) for sid, s in model.services.items()],
            "scenarios": list(model.scenarios),
            "start_date": model.start_date, "run_days": model.run_days,
            "warm_up_days": model.warm_up_days,
        }
    findings, findings_problems = [], []
    try:
        findings = ws.findings()
    except Exception as err:  # a broken findings file is shown, not raised
        findings_problems = list(getattr(err, "problems", []))
    return render(request, "overview.html", status=status, summary=summary,
                  runs=ws.run_manifests(), findings=findings,
                  findings_problems=findings_problems, data=ws.data_summary())
