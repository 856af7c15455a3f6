"""Reading event-log files into a DuckDB staging table, one row per data row of the file.

Formats: CSV (any delimiter, detected; UTF-8 with or without a byte-order mark, UTF-16, or
Latin-1/Windows as a fallback; ``.csv.gz`` too), Parquet, Excel ``.xlsx`` and XES (``.xes``,
``.xes.gz``). Text formats are read with every column as text so that nothing is guessed or
lost on the way in: dates, empty cells and odd values are judged later, row by row, and bad rows
are quarantined with their reason. Lines that cannot even be split into the file's columns are
reported as malformed with their line number, and the rows around them keep their place
(row = line - 1 for files of one line per row). A file DuckDB refuses outright (a stray
carriage return inside a field) is read line by line by
:mod:`~wholeflow.data.reading.csv_lenient`, one bad line one quarantined row. A file that is
not what its name says (a ``.gz`` that is not
gzip, a Parquet file named ``.csv``) is refused naming what it seems to be. ``NA``, ``NULL``
and ``-`` are kept as text (a person may really be called NA); only empty cells are empty.

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
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb
import numpy as np
import pyarrow as pa

from wholeflow.data.reading.csv_lenient import split_text
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
    _check_compression(path)
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


def _register(con: duckdb.DuckDBPyConnection, table: str, arrow: pa.Table,
              numbers: np.ndarray | None = None) -> dict[str, str]:
    """Register ``arrow`` with its row numbers (1, 2, ... unless given) as ``table``; returns
    its columns and types."""
    if numbers is None:
        numbers = np.arange(1, arrow.num_rows + 1, dtype=np.int64)
    con.register(table, arrow.append_column(ROW, pa.array(numbers)))
    described = con.execute(f'DESCRIBE SELECT * FROM "{table}"').fetchall()
    return {r[0]: r[1] for r in described if r[0] != ROW}


def malformed_row(line: int) -> int:
    """The row number a malformed line is quarantined under: its line number - 1, its place
    among the data rows when each row is one line. Rows read well are numbered around these
    (see :func:`_numbers_around`), so no two rows of a file ever share a number."""
    return line - 1


def _numbers_around(count: int, malformed: list[tuple[int, str]]) -> np.ndarray:
    """Numbers for ``count`` rows read well, in order: 1, 2, ... skipping those of the
    malformed lines, so that each row keeps its place in the file."""
    numbers = np.arange(1, count + len(malformed) + 1, dtype=np.int64)
    if not malformed:
        return numbers
    taken = np.array(sorted({malformed_row(line) for line, _ in malformed}), dtype=np.int64)
    keep = np.ones(len(numbers), dtype=bool)
    inside = taken[(taken >= 1) & (taken <= len(numbers))]
    keep[inside - 1] = False
    return numbers[keep][:count]


_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (save it as .xlsx or .csv)"),
    (b"%PDF", "a PDF document"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ", "xz-compressed data"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
)


def what_it_seems(path: Path) -> str:
    """What the file's first bytes say it is, in words ("plain text", "a Parquet file", ...)."""
    try:
        with path.open("rb") as handle:
            start = handle.read(4096)
    except OSError:
        return "unreadable"
    for magic, words in _MAGIC:
        if start.startswith(magic):
            return words
    text = start.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xml", b"<log")):
        return "an XML file (XES event logs are XML)"
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16 text"
    controls = sum(start.count(bytes([c])) for c in (*range(0, 9), *range(14, 32)))
    if controls > max(len(start) // 20, 8):  # a stray NUL in a row is a bad row, not binary
        return "binary data, not text"
    return "plain text (CSV files are)"


def _check_compression(path: Path) -> None:
    """A ``.gz`` file must be gzip-compressed: say what it seems to be when it is not."""
    if not path.name.lower().endswith(".gz"):
        return
    with path.open("rb") as handle:
        if handle.read(2) == b"\x1f\x8b":
            return
    plain = path.name[:-3]
    raise DataError(f"{path} is named .gz but is not gzip-compressed: it seems to be "
                    f"{what_it_seems(path)}. Rename it to {plain} or compress it with gzip.")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv_encoding(path: Path) -> str:
    try:
        with _open_maybe_gzip(path) as handle:
            start = handle.read(4)
    except (OSError, EOFError, zlib.error) as err:
        raise _damaged_gzip(path, err) from None
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    return "utf-8"


def _damaged_gzip(path: Path, err: BaseException) -> DataError:
    return DataError(f"{path}: the gzip data is damaged or cut short ({err or type(err).__name__}"
                     "); compress the extract again")


def _open_maybe_gzip(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> RawTable:
    _check_text(path)
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
    except duckdb.Error:
        # one odd line (a stray carriage return, a quote the sniffer cannot place) makes
        # DuckDB refuse the whole file: read it line by line instead, one bad line one row
        for name in (rejects, scans):
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
        return _read_lenient(con, path, table, encoding)
    malformed = [
        (int(line), f"{kind}: {message}")
        for line, kind, message in con.execute(
            f'SELECT line, min(error_type), min(error_message) FROM "{rejects}" '
            "GROUP BY line ORDER BY line"
        ).fetchall()
    ]
    sniffed = con.execute(f'SELECT min(delimiter) FROM "{scans}"').fetchall()
    for name in (rejects, scans):
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
    numbers = _numbers_around(arrow.num_rows, malformed)
    return RawTable(path, table, "csv", _register(con, table, arrow, numbers), arrow.num_rows,
                    malformed, encoding, sniffed[0][0] if sniffed else None)


def _check_text(path: Path) -> None:
    """A file read as CSV must look like text: name what it seems to be when it does not."""
    if path.name.lower().endswith(".gz"):
        return  # checked by _check_compression; the text inside is judged by reading it
    seems = what_it_seems(path)
    if seems.startswith(("binary", "a ", "an ")):
        raise DataError(f"{path} could not be read as CSV: it seems to be {seems}. Give a CSV, "
                        "Parquet, Excel .xlsx or XES file, named by its kind.")


def _read_lenient(con: duckdb.DuckDBPyConnection, path: Path, table: str,
                  encoding: str) -> RawTable:
    """``path`` read by :func:`~wholeflow.data.reading.csv_lenient.split_text`."""
    try:
        with _open_maybe_gzip(path) as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as err:
        raise _damaged_gzip(path, err) from None
    if encoding == "utf-16":
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise DataError(f"{path}: starts as UTF-16 text but is not ({err.reason} at byte "
                            f"{err.start}); save it again as UTF-8 CSV") from None
        encoding_used = "utf-16"
    else:
        try:
            text, encoding_used = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, encoding_used = data.decode("latin-1"), "latin-1"
    split = split_text(text, str(path))
    columns = {name: pa.array([row[i] for row in split.cells], pa.string())
               for i, name in enumerate(split.names)}
    arrow = pa.table(columns) if columns else pa.table({})
    numbers = np.array(split.rows, dtype=np.int64)
    return RawTable(path, table, "csv", _register(con, table, arrow, numbers), len(split.rows),
                    split.malformed, encoding_used, split.delimiter)


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> RawTable:
    try:
        con.execute("SET preserve_insertion_order = true")
        arrow = con.sql(f"SELECT * FROM read_parquet({_quote(str(path))})").to_arrow_table()
    except duckdb.Error as err:
        raise DataError(f"{path}: could not be read as Parquet ({err}); it seems to be "
                        f"{what_it_seems(path)}") from None
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
        raise DataError(f"{path}: could not be read as an Excel workbook ({err}); it seems to "
                        f"be {what_it_seems(path)}") from None
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
            raise DataError(f"{path}: not a readable XES file ({err}); it seems to be "
                            f"{what_it_seems(path)}") from None
        except (OSError, EOFError, zlib.error) as err:
            raise _damaged_gzip(path, err) from None
