"""One way in for diagnostics, discovery and calibration: imported or simulated tables alike.

A *source* is any of:

* a workspace folder (or its ``.wholeflow/store.duckdb`` file), or a :class:`Store`;
* an object with ``stays`` (and optionally ``referrals``, ``delays``, ``journeys``, ``daily``)
  DataFrame attributes, such as the engine's ``Results``, or a dict of such DataFrames;
* a :class:`FlowData` already opened.

:func:`open_source` gives a :class:`FlowData`: a DuckDB connection where the shared tables can
be queried by name, and the period they cover. Simulated results carry several replications;
one is analysed at a time (the first, unless ``replication`` says which), so every figure means
the same as for a single real extract. Tables a DataFrame source lacks are derived from its
stays (journeys, daily) or left empty (referrals, delays).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from wholeflow.data import journeys as build
from wholeflow.data.journeys import Window
from wholeflow.data.store import SHARED_TABLES, STORE_FILE, Store, configure, read_window
from wholeflow.errors import DataError

_EMPTY = {
    "referrals": ("replication INTEGER, person BIGINT, class VARCHAR, from_service VARCHAR, "
                  "to_service VARCHAR, referred TIMESTAMP, decided TIMESTAMP, accepted BOOLEAN"),
    "delays": ("replication INTEGER, person BIGINT, service VARCHAR, target VARCHAR, "
               'cause VARCHAR, start TIMESTAMP, "end" TIMESTAMP, days DOUBLE'),
}


@dataclass
class FlowData:
    """The shared tables of one source, queryable by name, and the period they cover."""

    con: duckdb.DuckDBPyConnection
    window: Window
    origin: str

    def df(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a query and return a DataFrame."""
        return self.con.execute(sql, params or []).df()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> FlowData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(source: Any, replication: int | None = None) -> FlowData:
    """Open any source (see the module docs) for querying."""
    if isinstance(source, FlowData):
        return source
    if isinstance(source, Store):
        return _from_store(source)
    if isinstance(source, str | Path):
        path = Path(source)
        if path.is_file() and path.suffix == ".duckdb":
            return _from_store(Store(path.parent.parent)) if path.parent.name == ".wholeflow" \
                else _from_store_file(path)
        if path.is_dir():
            return _from_store(Store(path))
        raise DataError(f"{path}: no such workspace folder or store file")
    frames = source if isinstance(source, Mapping) else {
        name: getattr(source, name) for name in SHARED_TABLES if hasattr(source, name)
    }
    if "stays" not in frames or frames["stays"] is None:
        raise DataError(
            f"cannot read {type(source).__name__}: give a workspace folder, a Store, or an "
            "object with a stays DataFrame (such as simulation results)"
        )
    return _from_frames(frames, replication, getattr(source, "model", None))


@contextmanager
def opened(source: Any, replication: int | None = None) -> Iterator[FlowData]:
    """``with opened(source) as data:`` opens any source, and closes it after if it opened it."""
    data = open_source(source, replication)
    try:
        yield data
    finally:
        if data is not source:
            data.close()


def _from_store(store: Store) -> FlowData:
    con = store.connect(read_only=True)
    return FlowData(con, _store_window(con, store.path), str(store.path))


def _from_store_file(path: Path) -> FlowData:
    con = duckdb.connect(str(path), read_only=True)
    configure(con)
    return FlowData(con, _store_window(con, path), str(path))


def _store_window(con: duckdb.DuckDBPyConnection, path: Path) -> Window:
    try:
        return read_window(con)
    except (DataError, duckdb.Error):
        raise DataError(f"{path}: the store has no loaded events yet; import an extract "
                        f"first (expected at <workspace>/{STORE_FILE})") from None


def _from_frames(frames: Mapping[str, pd.DataFrame | None], replication: int | None,
                 model: Any) -> FlowData:
    con = duckdb.connect()
    configure(con)
    stays = frames["stays"]
    assert stays is not None
    if replication is None and "replication" in stays.columns and len(stays):
        replication = int(stays["replication"].min())
    for name in SHARED_TABLES:
        frame = frames.get(name)
        if frame is None:
            continue
        if replication is not None and "replication" in frame.columns:
            frame = frame[frame["replication"] == replication]
        con.register(f"_{name}_frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}_frame")
        con.unregister(f"_{name}_frame")
    _complete(con, frames)
    window = _frames_window(con, model)
    _derive_missing(con, frames, window)
    return FlowData(con, window, "data frames")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]).fetchall()}


def _complete(con: duckdb.DuckDBPyConnection, frames: Mapping[str, Any]) -> None:
    """Add what simulated tables may lack: journey numbers, and empty optional tables."""
    for table in ("stays", "journeys"):
        if frames.get(table) is not None and "journey" not in _columns(con, table):
            con.execute(f"ALTER TABLE {table} ADD COLUMN journey INTEGER DEFAULT 1")
    for table, ddl in _EMPTY.items():
        if frames.get(table) is None:
            con.execute(f"CREATE TABLE {table} ({ddl})")


def _frames_window(con: duckdb.DuckDBPyConnection, model: Any) -> Window:
    if model is not None and getattr(model, "start_date", None) is not None:
        day0 = pd.Timestamp(model.start_date)
        return Window(day0 + pd.Timedelta(days=float(model.warm_up_days)),
                      day0 + pd.Timedelta(days=float(model.end_day)))
    row = con.execute("""
        SELECT min(coalesce(referred, started)),
               greatest(max(started), max(ended), max(ready))
        FROM stays
    """).fetchone()
    if row is None or row[0] is None:
        raise DataError("the stays table is empty: nothing to diagnose")
    return Window(pd.Timestamp(row[0]).floor("D"), pd.Timestamp(row[1]))


def _derive_missing(con: duckdb.DuckDBPyConnection, frames: Mapping[str, Any],
                    window: Window) -> None:
    if frames.get("daily") is not None and frames.get("journeys") is not None:
        return
    con.execute("""
        CREATE TEMP TABLE episodes AS
        SELECT person, service, class, referred, decided, 1 AS accepted, started, ready, ended,
               CASE WHEN ended IS NULL THEN 0 ELSE 1 END AS status
        FROM stays
    """)
    if frames.get("journeys") is None:
        build.build_journeys(con)
    if frames.get("daily") is None:
        build.build_daily(con, window)
