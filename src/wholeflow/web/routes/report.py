"""Report (``/report``): download the HTML report and the Excel workbook.

Both are made by :func:`wholeflow.report.workspace.report_workspace`, exactly as
``wholeflow report`` makes them, from the run chosen on the page (the one the map and replay
show by default: the newest baseline) and everything else the workspace holds: findings,
measures and imported data.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from wholeflow.web.templating import render
from wholeflow.web.views.common import run_choices, stored_run

router = APIRouter()

SUPPRESS = {"auto": None, "on": True, "off": False}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/report")
def report_page(request: Request, run: str | None = None, suppress: str = "auto") -> Response:
    """What the report and workbook will hold, and the two downloads."""
    ws = request.app.state.ws
    model = ws.model()
    runs = run_choices(ws.root)
    _suppress(suppress)
    if run and run not in runs:
        _unknown(run, runs)
    return render(request, "report.html", model=model, runs=runs, run=run or "",
                  newest=stored_run(ws.root, None)[0] if runs and not run else None,
                  measures=_measure_names(ws),
                  suppress=suppress, findings=len(ws.findings()),
                  has_data=ws.has_data(),
                  query=_query(run, suppress))


def _measure_names(ws: Any) -> list[str]:
    """The measures' names (their file names when the register has problems)."""
    from wholeflow.errors import ModelError
    from wholeflow.measure import load_measures

    try:
        return [m.name for m in load_measures(ws.root).values()]
    except ModelError:
        return sorted(p.stem for p in ws.measures_dir.glob("*.yaml"))


def _query(run: str | None, suppress: str) -> str:
    from urllib.parse import urlencode

    params = {"suppress": suppress}
    if run:
        params["run"] = run
    return urlencode(params)


def _suppress(value: str) -> bool | None:
    if value not in SUPPRESS:
        raise HTTPException(400, f"Small-number suppression: '{value}' is not one of auto, on "
                                 "or off.")
    return SUPPRESS[value]


def _unknown(run: str, runs: list[str]) -> None:
    known = ", ".join(runs[:10]) or "none yet"
    raise HTTPException(404, f"There is no stored run called '{run}'. Runs kept in this "
                             f"workspace: {known}.")


def _make(request: Request, run: str | None, suppress: str, workbook: bool) -> bytes:
    from wholeflow.report.workspace import report_workspace

    ws = request.app.state.ws
    ws.model()  # a broken model: its located problems, not a half-made report
    flag = _suppress(suppress)
    if run and run not in run_choices(ws.root):
        _unknown(run, run_choices(ws.root))
    with tempfile.TemporaryDirectory() as tmp:
        html, xlsx = Path(tmp) / "report.html", Path(tmp) / "workbook.xlsx"
        report_workspace(ws.root, run=run or None, out=html, xlsx=xlsx if workbook else None,
                         suppress_small_numbers=flag)
        return (xlsx if workbook else html).read_bytes()


def _download(body: bytes, name: str, media: str) -> Response:
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _name(request: Request, run: str | None, suffix: str) -> str:
    import re

    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", request.app.state.ws.root.name).strip("-") or "report"
    return f"{stem}{'-' + run if run else ''}{suffix}"


@router.get("/report/download.html")
def download_html(request: Request, run: str | None = None, suppress: str = "auto") -> Any:
    """The self-contained HTML report."""
    return _download(_make(request, run, suppress, False), _name(request, run, "-report.html"),
                     "text/html; charset=utf-8")


@router.get("/report/download.xlsx")
def download_xlsx(request: Request, run: str | None = None, suppress: str = "auto") -> Any:
    """The Excel workbook of the same tables."""
    return _download(_make(request, run, suppress, True), _name(request, run, "-workbook.xlsx"),
                     XLSX)
