"""Reading event-log files into a DuckDB staging table, one row per data row of the file.

Formats: CSV (any delimiter, detected; UTF-8 with or without a byte-order mark, UTF-16, or
Latin-1/Windows as a fallback; ``.csv.gz`` too), Parquet, Excel ``.xlsx`` and XES (``.xes``,
``.xes.gz``). Text formats are read with every column as text so that nothing is guessed or
lost on the way in: dates, empty cells and odd values are judged later, row by row, and bad rows
are quarantined with their reason. Lines that cannot even be split into the file's columns are
reported as malformed with their line number. ``NA``, ``NULL`` and ``-`` are kept as text (a
person may really be called NA); only empty cells are empty.

Every reader makes an Arrow table, registered with the connection under the raw table's name,
with one more column, :data:`ROW`: the row's position among the file's data rows (1 = the first
row after the header), which the quarantine reports as ``row``. Holding the rows in Arrow rather
than in a DuckDB table keeps their order without DuckDB's costly order-preserving insert, and
lets the later queries run in parallel and in any order. :func:`drop_raw` lets it go.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb
import numpy as np
import pyarrow as pa

from wholeflow.errors import DataError

ROW = "__wholeflow_row"
"""The column holding each row's number in the file (1 = the first data row)."""


@dataclass
class RawTable:
    """A file read into a staging table: its columns and types, rows and malformed lines.

    ``columns`` are the file's own (without :data:`ROW`), with their DuckDB types.
    """

    path: Path
    table: str
    format: str
    columns: dict[str, str]
    rows: int
    malformed: list[tuple[int, str]] = field(default_factory=list)
    """(line number, what was wrong) of lines that could not be split into columns."""
    encoding: str | None = None
    delimiter: str | None = None


def file_format(path: Path) -> str:
    """``csv``, ``parquet``, ``excel`` or ``xes`` from the file name."""
    name = path.name.lower()
    for suffix, kind in ((".xes.gz", "xes"), (".xes", "xes"), (".parquet", "parquet"),
                         (".pq", "parquet"), (".xlsx", "excel"), (".xlsm", "excel")):
        if name.endswith(suffix):
            return kind
    if name.endswith(".xls"):
        raise DataError(f"{path}: old Excel .xls files are not read; save it as .xlsx or .csv")
    return "csv"


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity used to skip a file imported before."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def read_file(con: duckdb.DuckDBPyConnection, path: Path, table: str,
              sheet: str | None = None) -> RawTable:
    """Read ``path`` into a new table ``table`` of ``con`` (every column text for text formats)."""
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path} is a folder; give the event-log files inside it")
    if path.stat().st_size == 0:
        raise DataError(f"{path} is empty: no header and no rows. Export the extract again.")
    kind = file_format(path)
    if kind == "parquet":
        raw = _read_parquet(con, path, table)
    elif kind == "excel":
        raw = _read_arrow(con, path, table, "excel", _excel_rows(path, sheet))
    elif kind == "xes":
        raw = _read_arrow(con, path, table, "xes", _xes_rows(path))
    else:
        raw = _read_csv(con, path, table)
    if not raw.columns:
        raise DataError(f"{path} has no columns: is it empty?")
    return raw


def drop_raw(con: duckdb.DuckDBPyConnection, raw: RawTable) -> None:
    """Let go of the raw rows (and with them the raw identifiers)."""
    con.unregister(raw.table)


def _register(con: duckdb.DuckDBPyConnection, table: str, arrow: pa.Table) -> dict[str, str]:
    """Register ``arrow`` with its row numbers as ``table``; returns its columns and types."""
    rows = pa.array(np.arange(1, arrow.num_rows + 1, dtype=np.int64))
    con.register(table, arrow.append_column(ROW, rows))
    described = con.execute(f'DESCRIBE SELECT * FROM "{table}"').fetchall()
    return {r[0]: r[1] for r in described if r[0] != ROW}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv_encoding(path: Path) -> str:
    with _open_maybe_gzip(path) as handle:
        start = handle.read(4)
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    return "utf-8"


def _open_maybe_gzip(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> RawTable:
    encoding = _csv_encoding(path)
    raw = _try_csv(con, path, table, encoding)
    if encoding == "utf-8" and any("INVALID ENCODING" in what for _, what in raw.malformed):
        # not UTF-8: most likely a Windows (Latin-1) export from Excel
        raw = _try_csv(con, path, table, "latin-1")
    return raw


def _try_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str, encoding: str) -> RawTable:
    rejects, scans = f"{table}_rejects", f"{table}_scans"
    for name in (rejects, scans):
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
    options = (
        f"header = true, all_varchar = true, store_rejects = true, "
        f"rejects_table = {_quote(rejects)}, rejects_scan = {_quote(scans)}, "
        f"encoding = {_quote(encoding)}, null_padding = false"
    )
    try:
        con.execute("SET preserve_insertion_order = true")  # rows in the file's order
        arrow = con.sql(f"SELECT * FROM read_csv({_quote(str(path))}, {options})"
                        ).to_arrow_table()
    except duckdb.Error as err:
        raise DataError(f"{path}: could not be read as CSV ({err}). Is it a text file with a "
                        "header row?") from None
    malformed = [
        (int(line), f"{kind}: {message}")
        for line, kind, message in con.execute(
            f'SELECT line, min(error_type), min(error_message) FROM "{rejects}" '
            "GROUP BY line ORDER BY line"
        ).fetchall()
    ]
    sniffed = con.execute(f'SELECT min(delimiter) FROM "{scans}"').fetchone()
    for name in (rejects, scans):
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
    return RawTable(path, table, "csv", _register(con, table, arrow), arrow.num_rows, malformed,
                    encoding, sniffed[0] if sniffed else None)


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> RawTable:
    try:
        con.execute("SET preserve_insertion_order = true")
        arrow = con.sql(f"SELECT * FROM read_parquet({_quote(str(path))})").to_arrow_table()
    except duckdb.Error as err:
        raise DataError(f"{path}: could not be read as Parquet ({err})") from None
    return RawTable(path, table, "parquet", _register(con, table, arrow), arrow.num_rows)


def _read_arrow(con: duckdb.DuckDBPyConnection, path: Path, table: str, kind: str,
                rows: Iterator[dict[str, str | None]]) -> RawTable:
    records = list(rows)
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns = {name: pa.array([r.get(name) for r in records], pa.string()) for name in names}
    if not columns:
        return RawTable(path, table, kind, {}, 0)
    return RawTable(path, table, kind, _register(con, table, pa.table(columns)), len(records))


def _cell_text(value: Any) -> str | None:
    """An Excel cell as text: dates in ISO form, whole numbers without '.0', empty as None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _excel_rows(path: Path, sheet: str | None) -> Iterator[dict[str, str | None]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a damaged file
        raise DataError(f"{path}: could not be read as an Excel workbook ({err})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise DataError(f"{path} has no sheet {sheet!r}; its sheets are "
                            f"{', '.join(book.sheetnames)}")
        rows = book[sheet].iter_rows(values_only=True) if sheet else \
            book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        names = _unique_names([_cell_text(h) or f"column{i + 1}" for i, h in enumerate(header)])
        for values in rows:
            texts = [_cell_text(v) for v in values]
            if any(t is not None for t in texts):
                yield dict(zip(names, texts, strict=False))
    finally:
        book.close()


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count}")
    return out


_XES_VALUE_TAGS = {"string", "date", "int", "float", "boolean", "id"}


def _xes_rows(path: Path) -> Iterator[dict[str, str | None]]:
    """One row per event, with the trace's attributes prefixed ``case:`` (as pm4py does)."""
    trace: dict[str, str | None] = {}
    event: dict[str, str | None] | None = None
    depth = 0
    with _open_maybe_gzip(path) as handle:
        try:
            for action, element in ET.iterparse(handle, events=("start", "end")):
                tag = element.tag.rsplit("}", 1)[-1]
                if action == "start":
                    depth += 1
                    if tag == "trace":
                        trace = {}
                    elif tag == "event":
                        event = {}
                    continue
                depth -= 1
                if tag in _XES_VALUE_TAGS and "key" in element.attrib:
                    key, value = element.attrib["key"], element.attrib.get("value")
                    if event is not None:
                        event.setdefault(key, value)
                    elif depth == 2:  # an attribute of the trace itself
                        trace["case:" + key] = value
                elif tag == "event" and event is not None:
                    yield {**trace, **event}
                    event = None
                    element.clear()
                elif tag == "trace":
                    element.clear()
        except ET.ParseError as err:
            raise DataError(f"{path}: not a readable XES file ({err})") from None
