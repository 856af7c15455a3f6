"""Runs: the queue of comparisons, searches and sensitivity analyses, with live progress."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from wholeflow.web.templating import render

router = APIRouter()


@router.get("/runs")
def runs_page(request: Request) -> Response:
    return render(request, "runs.html", jobs=request.app.state.runs.jobs())


@router.get("/runs/list")
def runs_list(request: Request) -> Response:
    """The queue as a fragment (refetched on every run event)."""
    return render(request, "_runs_list.html", jobs=request.app.state.runs.jobs()[:10])


@router.get("/runs/{job_id}/progress")
def progress(request: Request, job_id: str) -> Response:
    job = request.app.state.runs.get(job_id)
    if job is None:
        raise HTTPException(404, f"There is no run '{job_id}'.")
    response = render(request, "_job_progress.html", job=job)
    if not job.active:  # the result page takes over once the run is over
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/runs/{job_id}/cancel")
def cancel(request: Request, job_id: str) -> Response:
    runs = request.app.state.runs
    if runs.get(job_id) is None:
        raise HTTPException(404, f"There is no run '{job_id}'.")
    runs.cancel(job_id)
    return RedirectResponse(f"/compare?job={job_id}", status_code=303)
