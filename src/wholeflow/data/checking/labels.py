"""Small integer codes for the names that repeat in an event log.

Services, patient classes, destinations and activity names repeat millions of times in a large
extract, so the store's ``events`` table keeps a code for each and the table ``labels`` (kind,
code, name) says which name a code stands for. Codes are given in order of first sight and
never change, so events of earlier imports keep theirs. Event types are coded by their position
in :data:`~wholeflow.data.reading.vocabulary.EVENTS` and need no table.

The importer works on codes from staging to pairing (sorting and comparing integers is much
cheaper than text), and :meth:`wholeflow.data.storage.store.Store.read` turns them back into names.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from wholeflow.data.reading.vocabulary import EVENTS
from wholeflow.errors import DataError

KINDS = ("service", "class", "destination", "activity")
MAX_CODES = 1 << 20
"""More different names than this in one column: the column is most likely the wrong one."""

SCHEMA = "CREATE TABLE IF NOT EXISTS {db}.labels (kind VARCHAR, code INTEGER, name VARCHAR);"


def sql_text(text: str) -> str:
    """``text`` as a quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _sql_list(names: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(sql_text(n) for n in names) + "]"


def event_code_sql(name: str) -> str:
    """The code of event type ``name`` as a SQL literal."""
    return f"CAST({EVENTS.index(name)} AS TINYINT)"


def event_name_sql(code: str) -> str:
    """SQL turning an event code expression back into the event type's name."""
    return f"{_sql_list(EVENTS)}[{code} + 1]"


class Labels:
    """The codes of one store, growing as an import meets new names."""

    def __init__(self, stored: dict[str, list[str]] | None = None):
        self.names: dict[str, list[str]] = {k: list((stored or {}).get(k, [])) for k in KINDS}
        self._codes = {k: {n: i for i, n in enumerate(v)} for k, v in self.names.items()}
        self._stored = {k: len(v) for k, v in self.names.items()}

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, database: str = "store") -> Labels:
        """The labels of ``database`` (none when it has no ``labels`` table yet)."""
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?",
            [database]).fetchall()}
        stored: dict[str, list[str]] = {k: [] for k in KINDS}
        if "labels" in tables:
            for kind, name in con.execute(
                    f"SELECT kind, name FROM {database}.labels ORDER BY kind, code").fetchall():
                stored.setdefault(kind, []).append(name)
        return cls(stored)

    def code(self, kind: str, name: str | None) -> int | None:
        """The code of ``name`` (a new one the first time it is seen); None for None."""
        if name is None:
            return None
        codes = self._codes[kind]
        found = codes.get(name)
        if found is not None:
            return found
        if len(codes) >= MAX_CODES:
            raise DataError(f"more than {MAX_CODES:,} different {kind} names: is the {kind} "
                            f"column the right one? (map another with --map COLUMN={kind})")
        codes[name] = len(codes)
        self.names[kind].append(name)
        return codes[name]

    def _rows(self, new_only: bool) -> pa.Table:
        """(kind, code, name) of every label, or of those not yet in the store."""
        rows = [(kind, code, names[code]) for kind, names in self.names.items()
                for code in range(self._stored[kind] if new_only else 0, len(names))]
        return pa.table({
            "kind": pa.array([r[0] for r in rows], pa.string()),
            "code": pa.array([r[1] for r in rows], pa.int32()),
            "name": pa.array([r[2] for r in rows], pa.string()),
        })

    def write_new(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        """Append the labels not yet in the store to ``table``."""
        new = self._rows(new_only=True)
        if new.num_rows:
            con.register("new_labels_arrow", new)
            con.execute(f"INSERT INTO {table} SELECT * FROM new_labels_arrow")
            con.unregister("new_labels_arrow")

    def ranks(self, kind: str) -> np.ndarray:
        """For each code, the position of its name in alphabetical order (for tie-breaks)."""
        names = self.names[kind]
        ranks = np.empty(len(names), np.int64)
        ranks[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        return ranks

    def name_sql(self, kind: str, code: str) -> str:
        """SQL turning a code expression of ``kind`` back into its name (NULL for NULL)."""
        if not self.names[kind]:
            return "CAST(NULL AS VARCHAR)"
        return f"{_sql_list(self.names[kind])}[{code} + 1]"

    def register(self, con: duckdb.DuckDBPyConnection, table: str = "labels") -> None:
        """All labels as the temporary table ``table`` (kind, code, name)."""
        con.register(f"{table}_arrow", self._rows(new_only=False))
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table}_arrow")
        con.unregister(f"{table}_arrow")
