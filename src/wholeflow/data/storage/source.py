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

from wholeflow.data.episodes import journeys as build
from wholeflow.data.episodes.journeys import Window, days_sql
from wholeflow.data.storage.store import SHARED_TABLES, STORE_FILE, Store, configure, read_window
from wholeflow.errors import DataError

_EMPTY = {
    "referrals": ("replication INTEGER, person BIGINT, class VARCHAR, from_service VARCHAR, "
                  "to_service VARCHAR, referred TIMESTAMP, decided TIMESTAMP, accepted BOOLEAN"),
    "delays": ("replication INTEGER, person BIGINT, service VARCHAR, target VARCHAR, "
               'cause VARCHAR, start TIMESTAMP, "end" TIMESTAMP, days DOUBLE'),
    # imported data only (see wholeflow.data.episodes.journeys): no limit, so no end taken as
    # missing
    "open_limits": ("service VARCHAR, closed_stays BIGINT, p95_closed_days DOUBLE, "
                    "open_limit_days DOUBLE, rule VARCHAR"),
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
            return _from_store_file(path)
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
    return _from_store_file(store.path, str(store.workspace))


def _from_store_file(path: Path, workspace: str | None = None) -> FlowData:
    """The store's tables as views of an in-memory connection (the store is only read)."""
    if not path.exists():
        raise DataError(
            f"{workspace or path}: no event store yet ({path} is missing). Import an extract "
            f"first: wholeflow import FILE --workspace {workspace or '<workspace>'}")
    con = duckdb.connect()
    configure(con)
    try:
        con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS store (READ_ONLY)")
    except duckdb.Error as err:
        raise DataError(f"{path}: cannot open the store ({err}). Is another wholeflow command "
                        "writing to it?") from None
    present = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'store'").fetchall()}
    if "stays" not in present:
        raise DataError(f"{path}: the store has no loaded events yet; import an extract "
                        f"first (expected at <workspace>/{STORE_FILE})")
    for name in SHARED_TABLES:
        if name in present:
            _shared_view(con, name, f"store.{name}")
    if "open_limits" in present:
        con.execute("CREATE VIEW open_limits AS SELECT * FROM store.open_limits")
    _complete(con, present)
    try:
        window = read_window(con, "store")
    except (DataError, duckdb.Error):
        window = _frames_window(con, None)
    _derive_missing(con, present, window)
    return FlowData(con, window, str(path))


def _from_frames(frames: Mapping[str, pd.DataFrame | None], replication: int | None,
                 model: Any) -> FlowData:
    con = duckdb.connect()
    configure(con)
    stays = frames["stays"]
    assert stays is not None
    if replication is None and "replication" in stays.columns and len(stays):
        replication = int(stays["replication"].min())
    present = set()
    for name in SHARED_TABLES:
        frame = frames.get(name)
        if frame is None:
            continue
        if replication is not None and "replication" in frame.columns:
            frame = frame[frame["replication"] == replication]
        con.register(f"_{name}_frame", frame)
        con.execute(f"CREATE TABLE _{name}_source AS SELECT * FROM _{name}_frame")
        con.unregister(f"_{name}_frame")
        _shared_view(con, name, f"_{name}_source")
        present.add(name)
    _complete(con, present)
    window = _frames_window(con, model)
    _derive_missing(con, present, window)
    return FlowData(con, window, "data frames")


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


#: What a stays table without a column gets in its place (tables made by hand, or by an
#: engine that has no notion of journeys).
_STAY_DEFAULTS = {
    "replication": "0", "class": "CAST(NULL AS VARCHAR)",
    "stint": "CAST(row_number() OVER (PARTITION BY person ORDER BY started) AS INTEGER)",
    "referred": "CAST(NULL AS TIMESTAMP)", "decided": "CAST(NULL AS TIMESTAMP)",
    "accepted": "TRUE", "queued": "CAST(NULL AS TIMESTAMP)", "admitted": "started",
    "ready": "CAST(NULL AS TIMESTAMP)", "ended": "CAST(NULL AS TIMESTAMP)",
    "destination": "CAST(NULL AS VARCHAR)", "delayed_days": "0.0",
    "delay_cause": "CAST(NULL AS VARCHAR)", "delay_target": "CAST(NULL AS VARCHAR)",
    "length_of_stay": "CAST(NULL AS DOUBLE)", "wait_days": "CAST(NULL AS DOUBLE)",
    "assessments": "0", "cost": "CAST(NULL AS DOUBLE)", "journey": "1",
    "end_missing": "FALSE",
}
_STAY_REQUIRED = ("person", "service", "started")


def _shared_view(con: duckdb.DuckDBPyConnection, name: str, source: str) -> None:
    """A view ``name`` of ``source``, with the columns the diagnostics read filled in."""
    columns = _columns(con, source)
    extra = []
    if name == "stays":
        missing = [c for c in _STAY_REQUIRED if c not in columns]
        if missing:
            raise DataError(f"{source}: the stays table has no {', '.join(missing)} column; "
                            f"it needs at least {', '.join(_STAY_REQUIRED)}")
        defaults = dict(_STAY_DEFAULTS)
        if "ended" in columns:
            defaults["length_of_stay"] = days_sql("ended", "started")
        if "referred" in columns:
            defaults["wait_days"] = days_sql("started", "referred")
        extra = [f"{sql} AS {col}" for col, sql in defaults.items() if col not in columns]
    elif name == "journeys" and "journey" not in columns:
        extra = ["1 AS journey"]
    select = ", ".join(["*", *extra])
    con.execute(f"CREATE VIEW {name} AS SELECT {select} FROM {source}")


def _complete(con: duckdb.DuckDBPyConnection, present: set[str]) -> None:
    """Empty referrals and delays tables where the source has none."""
    for table, ddl in _EMPTY.items():
        if table not in present:
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


def _derive_missing(con: duckdb.DuckDBPyConnection, present: set[str], window: Window) -> None:
    """Journeys and the daily census, from the stays, where the source has none."""
    if {"daily", "journeys"} <= present:
        return
    con.execute("""
        CREATE TEMP TABLE episodes AS
        SELECT person, service, class, referred, decided, 1 AS accepted, started, ready, ended,
               CASE WHEN ended IS NULL THEN 0 ELSE 1 END AS status
        FROM stays
    """)
    if "journeys" not in present:
        build.build_journeys(con)
    if "daily" not in present:
        build.build_daily(con, window)
