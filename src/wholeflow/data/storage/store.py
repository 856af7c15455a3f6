"""The workspace's event store: one DuckDB file, ``<workspace>/.wholeflow/store.duckdb``.

Tables:

============  ======================================================================
``events``    every loaded event (pseudonymised), with the import and row it came from;
              service, class, destination and activity as codes, the event type as its
              position in ``EVENTS`` (:meth:`Store.read` gives the names). Only events
              of imports recorded in ``imports`` count (an import writes its events
              first, then records itself)
``labels``    the names the codes of ``events`` stand for (:mod:`~wholeflow.data.checking.labels`)
``quarantine`` every row not loaded, with its reason (person pseudonymised, no raw id)
``imports``   one row per imported file: hash, rows in / loaded / quarantined
``stays``     the shared tables of :mod:`wholeflow.tables`, rebuilt from ``events`` after
``referrals`` every import, so that diagnostics run on imported and simulated data alike
``delays``
``journeys``
``daily``
``meta``      key/value facts: the extract's first and last times, when built
============  ======================================================================

An import writes its events in one transaction and everything else, including the record of
the import that makes those events count, in a second; a failure part-way leaves the store as
it was.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from wholeflow.data.checking.labels import SCHEMA as LABELS_SCHEMA
from wholeflow.data.checking.labels import event_name_sql
from wholeflow.data.episodes.journeys import Window
from wholeflow.errors import DataError

STORE_FILE = Path(".wholeflow") / "store.duckdb"
SHARED_TABLES = ("stays", "referrals", "delays", "journeys", "daily")

SCHEMA = """
CREATE TABLE IF NOT EXISTS {db}.imports (
    import_id INTEGER, file VARCHAR, file_hash VARCHAR, imported_at TIMESTAMP, shape VARCHAR,
    format VARCHAR, mapping VARCHAR, rows_in BIGINT, rows_loaded BIGINT,
    rows_quarantined BIGINT, persons BIGINT, other_events BIGINT);
CREATE TABLE IF NOT EXISTS {db}.events (
    import_id INTEGER, "row" BIGINT, person BIGINT, class INTEGER, service INTEGER,
    event TINYINT, "timestamp" TIMESTAMP, destination INTEGER, hint TIMESTAMP,
    activity INTEGER);
CREATE TABLE IF NOT EXISTS {db}.quarantine (
    import_id INTEGER, file VARCHAR, "row" BIGINT, reason VARCHAR, detail VARCHAR,
    person BIGINT, "values" VARCHAR);
CREATE TABLE IF NOT EXISTS {db}.meta (key VARCHAR, value VARCHAR);
""" + LABELS_SCHEMA

_CODED = ("class", "service", "destination", "activity")


def events_sql(database: str | None = None) -> str:
    """A query of the ``events`` table with names in place of codes."""
    prefix = f"{database}." if database else ""
    joins = " ".join(
        f"LEFT JOIN {prefix}labels l_{c} ON l_{c}.kind = '{c}' AND l_{c}.code = e.{c}"
        for c in _CODED)
    return (f'SELECT e.import_id, e."row", e.person, l_class.name AS class, '
            f"l_service.name AS service, {event_name_sql('e.event')} AS event, "
            f'e."timestamp", l_destination.name AS destination, e.hint, '
            f"l_activity.name AS activity FROM {prefix}events e {joins} "
            f"WHERE e.import_id IN (SELECT import_id FROM {prefix}imports) "
            'ORDER BY e.import_id, e."row", e."timestamp"')


def legacy_events(con: duckdb.DuckDBPyConnection, database: str) -> bool:
    """Whether ``database`` has an ``events`` table with names rather than codes (made by
    wholeflow before labels were introduced; the next import converts it)."""
    row = con.execute(
        "SELECT data_type FROM duckdb_columns() WHERE database_name = ? "
        "AND table_name = 'events' AND column_name = 'service'", [database]).fetchone()
    return row is not None and row[0] == "VARCHAR"



def configure(con: duckdb.DuckDBPyConnection, memory_limit: str = "2GB") -> None:
    """Quiet, memory-bounded settings for every connection wholeflow opens."""
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = true")


class Store:
    """A workspace's DuckDB store (which may not exist yet)."""

    def __init__(self, workspace: str | Path = "."):
        self.workspace = Path(workspace)
        self.path = self.workspace / STORE_FILE

    def __repr__(self) -> str:
        return f"Store({str(self.workspace)!r})"

    def exists(self) -> bool:
        return self.path.exists()

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        """Open the store; read-only unless writing. Raises DataError when there is none."""
        if read_only and not self.exists():
            raise DataError(
                f"{self.workspace}: no event store yet ({self.path} is missing). "
                "Import an extract first: wholeflow import FILE --workspace "
                f"{self.workspace}"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as err:
            raise DataError(f"{self.path}: cannot open the store ({err}). Is another wholeflow "
                            "command using it?") from None
        configure(con)
        return con

    def read(self, table: str) -> pd.DataFrame:
        """One table of the store as a DataFrame."""
        with self.connect() as con:
            tables = _tables(con)
            if table not in tables:
                raise DataError(f"{self.path} has no table {table!r}; import an extract first")
            if table == "events" and "labels" in tables:
                return con.execute(events_sql()).df()
            order = ' ORDER BY import_id, "row"' if table == "quarantine" else ""
            return con.execute(f'SELECT * FROM "{table}"{order}').df()

    def quarantine(self) -> pd.DataFrame:
        """Rows not loaded, with file, row, reason and the (pseudonymised) values, in the order
        of the imports and of the rows in each file."""
        return self.read("quarantine")

    def imports(self) -> pd.DataFrame:
        return self.read("imports")

    def window(self) -> Window:
        """The period the loaded extracts cover."""
        with self.connect() as con:
            return read_window(con)

    def export_quarantine(self, path: str | Path) -> int:
        """Write the quarantine to CSV (or Parquet by suffix); returns the number of rows."""
        out = Path(path)
        with self.connect() as con:
            kind = "PARQUET" if out.suffix.lower() in {".parquet", ".pq"} else "CSV, HEADER"
            con.execute(f"COPY (SELECT * FROM quarantine ORDER BY import_id, \"row\") "
                        f"TO '{_sql_text(out)}' (FORMAT {kind})")
            row = con.execute("SELECT count(*) FROM quarantine").fetchone()
        return int(row[0]) if row else 0


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def _tables(con: duckdb.DuckDBPyConnection, database: str | None = None) -> set[str]:
    query = "SELECT table_name FROM duckdb_tables()"
    if database:
        return {r[0] for r in con.execute(query + " WHERE database_name = ?",
                                          [database]).fetchall()}
    return {r[0] for r in con.execute(query).fetchall()}


def ensure_schema(con: duckdb.DuckDBPyConnection, database: str) -> None:
    """Create the store's own tables in ``database`` when they are missing."""
    con.execute(SCHEMA.format(db=database))


def read_window(con: duckdb.DuckDBPyConnection, database: str | None = None) -> Window:
    prefix = f"{database}." if database else ""
    rows = dict(con.execute(f"SELECT key, value FROM {prefix}meta").fetchall())
    if "extract_start" not in rows:
        raise DataError("the store has no loaded events yet")
    return Window(pd.Timestamp(rows["extract_start"]), pd.Timestamp(rows["extract_end"]))
