"""Replay (``/replay``): an animated 28-day window of a stored run or of imported data.

People are dots on the map, moving between services and exits; people ready to move on but
still holding a place (delayed) and people waiting to start are drawn apart, with a day clock
and play, pause, step and speed controls (buttons and keys). The frames come from the
``stays`` table (:func:`wholeflow.web.views.replay.replay_frames`): nothing is simulated again.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from markupsafe import Markup

from wholeflow.errors import WholeflowError
from wholeflow.web.templating import render
from wholeflow.web.views.common import (
    files_stamp,
    has_table,
    memo,
    nhs_table,
    run_choices,
    runs_stamp,
    stored_run,
)
from wholeflow.web.views.replay import (
    STATE_WORDS,
    WINDOW_DAYS,
    daily_counts,
    data_span,
    place_layout,
    replay_frames,
    route_pairs,
)

router = APIRouter()

DATA = "data"


@router.get("/replay")
def replay_page(request: Request, source: str | None = None, replication: str = "0",
                start: str | None = None) -> Response:
    """The replay of ``source`` (a stored run's id, or ``data`` for imported data)."""
    ws = request.app.state.ws
    runs = [r for r in run_choices(ws.root) if has_table(ws.root, r, "stays")]
    has_data = ws.has_data()
    if not source:
        source = runs[0] if runs else DATA if has_data else None
    if source is None:
        return render(request, "replay.html", empty=True, runs=runs, has_data=has_data)
    model = ws.model_status().model
    stamp = (files_stamp(ws.store_file, ws.store_file.with_name(ws.store_file.name + ".wal"))
             if source == DATA else runs_stamp(ws.root))
    key = ("replay", str(ws.root), source, replication, start, stamp,
           files_stamp(ws.model_file, ws.scenarios_dir))
    window = memo(key, lambda: _window(request, source, replication, start, model))
    return render(request, "replay.html", empty=False, runs=runs, has_data=has_data,
                  source=source, states=STATE_WORDS, days=WINDOW_DAYS, **window)


def _window(request: Request, source: str, replication: str, start: str | None,
            model: Any) -> dict[str, Any]:
    """The frames of the window asked for, and the table behind them."""
    stays, first_day, rep = _stays(request, source, replication, model)
    span = data_span(stays)
    if span is None:
        raise HTTPException(400, "There are no stays to replay in this source.")
    lo = max(first_day, span[0].normalize()) if first_day is not None else span[0].normalize()
    hi = max(lo, (span[1] - pd.Timedelta(days=WINDOW_DAYS)).normalize())
    begin = _start(start, lo, hi)
    places = place_layout(stays, model)
    replay = replay_frames(stays, begin, places=[p.id for p in places])
    labels = {p.id: p.label for p in places}
    services = [p.id for p in places if p.kind == "service"]
    data = replay.to_json()
    data["placeInfo"] = [{"id": p.id, "label": p.label, "kind": p.kind, "x": p.x, "y": p.y}
                         for p in places]
    data["routes"] = route_pairs(stays, model, [p.id for p in places])
    text = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return {
        "replication": rep, "start": begin.date().isoformat(), "first": lo.date().isoformat(),
        "last": hi.date().isoformat(), "frames": Markup(text), "people": len(replay.people),
        "table": nhs_table(daily_counts(replay, labels, services),
                           "People at the start of each day of the window, by service",
                           max_rows=400, table_id="replay-table"),
        "source_words": ("imported data" if source == DATA else
                         f"stored run {source}, replication {rep}"),
    }


def _stays(request: Request, source: str, replication: str, model: Any
           ) -> tuple[pd.DataFrame, pd.Timestamp | None, int]:
    """The stays of the source, the first day worth showing, and the replication shown."""
    ws = request.app.state.ws
    if source == DATA:
        from wholeflow.data.storage.store import Store

        if not ws.has_data():
            raise HTTPException(404, "No data has been imported into this workspace yet. "
                                     "Import an extract on the Data page first.")
        try:
            return Store(ws.root).read("stays"), None, 0
        except WholeflowError as err:
            raise HTTPException(400, f"The event store cannot be read: {err}") from None
    try:
        _, results = stored_run(ws.root, source)
    except WholeflowError:
        known = ", ".join(run_choices(ws.root)[:10]) or "none yet"
        raise HTTPException(404, f"There is no stored run called '{source}'. Runs kept in this "
                                 f"workspace: {known}.") from None
    stays = getattr(results, "stays", None)
    if stays is None or not len(stays):
        raise HTTPException(404, f"The stored run '{source}' kept no stays table to replay.")
    try:
        rep = int(replication)
    except ValueError:
        raise HTTPException(400, f"Replication: '{replication}' is not a whole number; "
                                 "give 0 for the first replication.") from None
    reps = sorted(int(r) for r in stays["replication"].unique()) if "replication" in stays \
        else [0]
    if rep not in reps:
        raise HTTPException(400, f"Replication: the run '{source}' has replications "
                                 f"{reps[0]} to {reps[-1]}; {rep} is not one of them.")
    if "replication" in stays:
        stays = stays[stays["replication"] == rep]
    first = None
    if model is not None:  # after the warm-up, when the run's numbers start to count
        first = pd.Timestamp(model.start_date) + pd.Timedelta(days=model.warm_up_days)
    return stays, first, rep


def _start(text: str | None, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.Timestamp:
    if not text:
        return lo
    try:
        when = pd.Timestamp(dt.date.fromisoformat(text.strip()))
    except ValueError:
        raise HTTPException(400, f"Start: '{text}' is not a date; write it as YYYY-MM-DD, "
                                 f"for example {lo.date().isoformat()}.") from None
    if not lo <= when <= hi:
        raise HTTPException(400, f"Start: {when.date().isoformat()} is outside the data; "
                                 f"choose a date from {lo.date().isoformat()} to "
                                 f"{hi.date().isoformat()} (the window is {WINDOW_DAYS} days).")
    return when
