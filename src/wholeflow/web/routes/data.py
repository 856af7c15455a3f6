"""Data (``/data``): upload an event log, map its columns, import it, see what was loaded.

1. Upload a CSV, Parquet, Excel or XES file (``POST /data/upload``); it is kept in the
   workspace under ``data/uploads/``.
2. Check the column mapping (``/data/map``): the columns wholeflow recognises are filled in;
   an event log with activity names gets an activity-map editor.
3. Import (``POST /data/import``) with :func:`wholeflow.import_events`: the report says rows in =
   loaded + quarantined, by reason, and the quarantine can be downloaded as CSV.
4. The page shows the diagnostics of everything imported (:func:`wholeflow.diagnose`) as
   charts with their tables.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from wholeflow.errors import DataError, WholeflowError
from wholeflow.web.templating import render
from wholeflow.web.views.common import figure_json, files_stamp, memo, nhs_table
from wholeflow.web.views.data import (
    FIELD_WORDS,
    UPLOADS,
    activity_map_from_form,
    diagnostic_blocks,
    preview,
    report_tables,
    upload_name,
)

router = APIRouter()

EVENT_WORDS = {"referral": "referral sent", "referral_accepted": "referral accepted",
               "referral_rejected": "referral rejected", "start": "start (admission)",
               "assessment": "assessment", "ready": "ready to move on", "end": "end (discharge)",
               "other": "other (kept, not part of a stay)"}


@router.get("/data")
def data_page(request: Request) -> Response:
    """Upload form, what is loaded, and the diagnostics."""
    return render(request, "data.html", **_loaded(request))


def _loaded(request: Request) -> dict[str, Any]:
    """What the store holds: imports, quarantine by reason, diagnostics (empty when none);
    kept until the store or the model changes."""
    ws = request.app.state.ws
    if not ws.has_data():
        return {"has_data": False}
    key = ("data", str(ws.root),
           files_stamp(ws.store_file, ws.store_file.with_name(ws.store_file.name + ".wal"),
                       ws.model_file))
    try:
        return memo(key, lambda: _store_contents(ws))
    except WholeflowError as err:  # e.g. the store is busy: said, and not remembered
        return {"has_data": True, "store_problem": str(err)}


def _store_contents(ws: Any) -> dict[str, Any]:
    import pandas as pd

    from wholeflow.data.diagnosis.diagnostics import diagnose
    from wholeflow.data.storage.store import Store
    from wholeflow.report.suppress import DEFAULT_THRESHOLD

    store = Store(ws.root)
    imports = store.imports()
    quarantine = store.quarantine()
    tables = diagnose(ws.root)
    summary = pd.DataFrame({
        "file": imports["file"].map(lambda f: Path(str(f)).name),
        "imported_at": imports["imported_at"], "rows_in": imports["rows_in"],
        "rows_loaded": imports["rows_loaded"], "rows_quarantined": imports["rows_quarantined"]})
    reasons = (quarantine.groupby("reason").size().sort_values(ascending=False)
               .rename("rows").reset_index()) if len(quarantine) else None
    blocks = diagnostic_blocks(tables, ws.model_status().model, DEFAULT_THRESHOLD)
    for b in blocks:
        if b.figure is not None and len(b.figure.data) > 3 and all(
                t.type == "scatter" for t in b.figure.data):
            # many lines: the legend goes under the chart, where it cannot cover the title
            b.figure.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.18,
                                           "x": 0, "xanchor": "left"})
    return {
        "has_data": True,
        "imports_table": nhs_table(summary, "Files imported into this workspace",
                                   table_id="imports"),
        "quarantined": len(quarantine),
        "reasons_table": nhs_table(reasons, "Quarantined rows by reason"),
        "diagnostics": [{"key": b.key, "title": b.title,
                         "figure": figure_json(b.figure) if b.figure is not None else None,
                         "alt": (b.figure.layout.meta or {}).get("alt", b.title)
                         if b.figure is not None else "",
                         "table": nhs_table(b.table, b.title, threshold=DEFAULT_THRESHOLD)}
                        for b in blocks],
        "threshold": DEFAULT_THRESHOLD,
    }


@router.post("/data/upload")
async def upload(request: Request) -> Response:
    """Keep the uploaded file in ``data/uploads/`` and go on to its column mapping."""
    ws = request.app.state.ws
    form = await request.form()
    item = form.get("file")
    try:
        if not isinstance(item, UploadFile):
            raise DataError("Choose a file to upload: a CSV, Parquet, Excel (.xlsx) or XES "
                            "event log.")
        name = upload_name(item.filename)
        target = ws.path(UPLOADS / name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            shutil.copyfileobj(item.file, out)
        if target.stat().st_size == 0:
            target.unlink()
            raise DataError(f"{name} is empty: export the extract again and upload that.")
    except DataError as err:
        return render(request, "data.html", status_code=400, upload_error=str(err),
                      **_loaded(request))
    return RedirectResponse(f"/data/map?file={name}", status_code=303)


def _upload(request: Request, name: str) -> Path:
    ws = request.app.state.ws
    path = ws.path(UPLOADS / Path(name).name) if name else None
    if path is None or not path.is_file():
        raise HTTPException(404, f"There is no uploaded file called '{name}'. Upload it again "
                                 "on the Data page.")
    return path  # type: ignore[no-any-return]


@router.get("/data/map")
def mapping_page(request: Request, file: str = "") -> Response:
    """The column mapping of an uploaded file, recognised columns filled in."""
    path = _upload(request, file)
    return _mapping(request, path, {}, None, 200)


def _mapping(request: Request, path: Path, chosen: dict[str, Any], error: str | None,
             status: int) -> Response:
    try:
        found = preview(path)
    except DataError as err:
        return render(request, "data_map.html", status_code=400, file=path.name,
                      read_error=str(err))
    model = request.app.state.ws.model_status().model
    return render(
        request, "data_map.html", status_code=status, file=path.name, preview=found,
        preview_table=nhs_table(found.rows, f"The first rows of {path.name}",
                                table_id="preview", raw_headers=True),
        fields=FIELD_WORDS, events=EVENT_WORDS, chosen=chosen, error=error,
        services=list(model.services) if model is not None else [])


@router.post("/data/import")
async def run_import(request: Request) -> Response:
    """Import the uploaded file with the mapping chosen, and show the import report."""
    from wholeflow.data.reading.mapping import mapping_path
    from wholeflow.data.storage.importer import import_events

    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    path = _upload(request, fields.get("file", ""))
    columns = {f: fields[f"column_{f}"] for f in FIELD_WORDS if fields.get(f"column_{f}")}
    shape = fields.get("shape") or None
    try:
        amap = activity_map_from_form(fields)
        if shape not in (None, "events", "stays"):
            raise DataError(f"Shape: '{shape}' is not one of events or stays.")
        order = fields.get("date_order") or "dmy"
        if order not in ("dmy", "mdy", "ymd"):
            raise DataError(f"Date order: '{order}' is not one of dmy, mdy or ymd.")
        save_as = fields.get("save_as", "").strip() or None
        if save_as:  # a bad name is refused before anything is imported
            mapping_path(request.app.state.ws.root, save_as)
        report = import_events(path, request.app.state.ws.root, columns=columns,
                               activity_map=amap or None, shape=shape,  # type: ignore[arg-type]
                               date_order=order,  # type: ignore[arg-type]
                               replace=bool(fields.get("replace")),
                               save_mapping_as=save_as)
    except DataError as err:
        return _mapping(request, path, fields, str(err), 400)
    files, reasons = report_tables(report)
    return render(request, "data_report.html", report=report,
                  files_table=nhs_table(files, "Rows of each file", table_id="import-files"),
                  reasons_table=nhs_table(reasons, "Quarantined rows by reason",
                                          table_id="import-reasons")
                  if len(reasons) else None)


@router.get("/data/quarantine.csv")
def quarantine_csv(request: Request) -> Response:
    """Every quarantined row, with file, row, reason and the (pseudonymised) values."""
    from wholeflow.data.storage.store import Store

    ws = request.app.state.ws
    if not ws.has_data():
        raise HTTPException(404, "No data has been imported into this workspace yet, so "
                                 "nothing is quarantined.")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "quarantine.csv"
        Store(ws.root).export_quarantine(out)
        body = out.read_bytes()
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="quarantine.csv"'})
