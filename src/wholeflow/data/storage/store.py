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

Only one command may write the store at a time (DuckDB locks the file). A command that finds it
busy waits for it, saying so once on stderr, for up to :data:`LOCK_WAIT_SECONDS` (or
``WHOLEFLOW_LOCK_WAIT`` seconds from the environment), then gives up with a plain message. An
import marks the store while it runs (:data:`IMPORT_MARK`); a mark left by an import that was
killed tells the next command to open the store to clean up first (:meth:`Store.tidy`): the
events it wrote but never recorded are deleted, the write-ahead log is checkpointed into the
file and the import's temporary folder removed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from wholeflow.data.checking.labels import SCHEMA as LABELS_SCHEMA
from wholeflow.data.checking.labels import event_name_sql
from wholeflow.data.episodes.journeys import Window
from wholeflow.errors import DataError

STORE_FILE = Path(".wholeflow") / "store.duckdb"
IMPORT_MARK = Path(".wholeflow") / "import-running"
"""Written (with the importing process's id) while an import runs; removed when it ends."""
LOCK_WAIT_SECONDS = 60.0
"""How long a command waits for another to finish with the store before giving up."""

_T = TypeVar("_T")
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
    # fetchall, not fetchone: an unfinished result blocks the connection's next call
    rows = con.execute(
        "SELECT data_type FROM duckdb_columns() WHERE database_name = ? "
        "AND table_name = 'events' AND column_name = 'service'", [database]).fetchall()
    return bool(rows) and rows[0][0] == "VARCHAR"



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
        if self.exists() and killed_import(self.workspace):
            self.tidy()
        con = wait_for_lock(self.path, lambda: duckdb.connect(str(self.path),
                                                             read_only=read_only))
        configure(con)
        return con

    def tidy(self) -> None:
        """Clean up after an import that was killed: delete the events it wrote but never
        recorded, checkpoint the write-ahead log into the file, remove its temporary folder
        and its mark."""
        con = wait_for_lock(self.path, lambda: duckdb.connect(str(self.path)))
        try:
            tables = _tables(con)
            if {"events", "imports"} <= tables:
                con.execute("DELETE FROM events WHERE import_id NOT IN "
                            "(SELECT import_id FROM imports)")
            if {"quarantine", "imports"} <= tables:
                con.execute("DELETE FROM quarantine WHERE import_id NOT IN "
                            "(SELECT import_id FROM imports)")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        import shutil

        shutil.rmtree(self.workspace / ".wholeflow" / "tmp", ignore_errors=True)
        (self.workspace / IMPORT_MARK).unlink(missing_ok=True)

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


def mark_import(workspace: Path) -> Path:
    """Mark the store as being written by this process's import; returns the mark."""
    mark = workspace / IMPORT_MARK
    mark.parent.mkdir(parents=True, exist_ok=True)
    mark.write_text(str(os.getpid()), encoding="utf-8")
    return mark


def unmark_import(workspace: Path) -> None:
    """Remove this process's import mark (another process's is left alone)."""
    mark = workspace / IMPORT_MARK
    try:
        if mark.read_text(encoding="utf-8").strip() == str(os.getpid()):
            mark.unlink()
    except OSError:
        pass


def killed_import(workspace: Path) -> bool:
    """Whether an import's mark is left by a process that no longer runs."""
    mark = workspace / IMPORT_MARK
    try:
        pid = int(mark.read_text(encoding="utf-8").strip() or "0")
    except (OSError, ValueError):
        return mark.exists()
    if pid == os.getpid() or pid <= 0:
        return pid <= 0
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, but another user's
        return False
    return False


def lock_wait_seconds() -> float:
    """:data:`LOCK_WAIT_SECONDS`, or ``WHOLEFLOW_LOCK_WAIT`` from the environment."""
    try:
        return max(float(os.environ.get("WHOLEFLOW_LOCK_WAIT", LOCK_WAIT_SECONDS)), 0.0)
    except ValueError:
        return LOCK_WAIT_SECONDS


def _is_lock_error(err: duckdb.Error) -> bool:
    return "lock" in str(err).lower()


def wait_for_lock(path: Path, open_: Callable[[], _T], wait: float | None = None,
                  clock: Callable[[], float] = time.monotonic,
                  pause: Callable[[float], None] = time.sleep) -> _T:
    """``open_()``, retried while another process holds the store's lock, for up to ``wait``
    seconds (:func:`lock_wait_seconds` by default); a message on stderr says it is waiting.

    Raises :class:`DataError` when the wait runs out or the store cannot be opened at all.
    """
    limit = lock_wait_seconds() if wait is None else wait
    started, delay, told = clock(), 0.05, False
    while True:
        try:
            return open_()
        except duckdb.Error as err:
            if not _is_lock_error(err):
                raise DataError(f"{path}: cannot open the store ({err}). Is it a wholeflow "
                                "store? Move it aside and import the extracts again.") from None
            waited = clock() - started
            if waited >= limit:
                raise DataError(f"{path}: another wholeflow command is still using the store "
                                f"after {waited:.0f} s of waiting. Let it finish (or stop it) "
                                "and try again; WHOLEFLOW_LOCK_WAIT sets how many seconds to "
                                "wait.") from None
            if not told:
                sys.stderr.write(f"waiting for another wholeflow command to finish with "
                                 f"{path} (up to {limit:.0f} s)...\n")
                told = True
            pause(min(delay, max(limit - waited, 0.0)))
            delay = min(delay * 2, 1.0)


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
