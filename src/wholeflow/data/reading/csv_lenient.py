"""A slow, forgiving CSV reader for the files DuckDB's fast reader refuses outright.

DuckDB gives up on a whole file for a single odd line (a stray carriage return inside a field,
a half-quoted line its sniffer cannot place) and its advice (``strict_mode=false``, ``delim``)
is nothing a wholeflow user can follow. Here one bad line costs one row: the file is split into
lines on line feeds only, the delimiter is taken from the header line, and each line is split
on its own. A line with a carriage return inside it, or with more or fewer fields than the
header, is reported as malformed with its line number; every other line becomes a row. Blank
lines are not rows (as in DuckDB).

Row numbers are ``line - 1``, the same rule :mod:`~wholeflow.data.reading.readers` uses, so a row's
number tells where it is in the file and malformed lines never share a number with a row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from wholeflow.errors import DataError

DELIMITERS = (",", ";", "\t", "|")
"""Candidates for the delimiter, in order of preference when the header has as many of each."""


@dataclass
class LenientRows:
    """The rows of a text file split into columns, every cell text (empty cells are None)."""

    names: list[str]
    cells: list[list[str | None]]
    rows: list[int]
    """Each row's number (its line number - 1)."""
    malformed: list[tuple[int, str]] = field(default_factory=list)
    delimiter: str = ","


def split_text(text: str, source: str) -> LenientRows:
    """Split decoded file ``text`` into rows; ``source`` names the file in messages."""
    lines = _lines(text)
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise DataError(f"{source} holds no header row and no rows. Export the extract again.")
    header = lines[header_at].lstrip("\ufeff")
    delimiter = max(DELIMITERS, key=header.count)
    if "\r" in header:
        raise DataError(f"{source}: the header row (line {header_at + 1}) has a carriage return "
                        "inside it; fix the header in a text editor")
    names = _names(_split(header, delimiter) or [])
    out = LenientRows(names, [], [], [], delimiter)
    for index in range(header_at + 1, len(lines)):
        line, number = lines[index], index + 1
        if not line.strip():
            continue
        if "\r" in line:
            out.malformed.append((number, "a carriage return inside a field"))
            continue
        cells = _split(line, delimiter)
        if cells is None:
            out.malformed.append((number, "unbalanced quotes"))
        elif len(cells) != len(names):
            out.malformed.append((number, f"expected {len(names)} columns, found {len(cells)}"))
        else:
            out.cells.append([c if c != "" else None for c in cells])
            out.rows.append(number - 1)
    return out


def _lines(text: str) -> list[str]:
    """Lines split on line feeds (a CR before one is dropped); old Mac files split on CRs."""
    if "\n" not in text and "\r" in text:
        return text.split("\r")
    lines = text.split("\n")
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _split(line: str, delimiter: str) -> list[str] | None:
    """The fields of one line, or None when its quotes do not balance."""
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration):
        return None


def _names(fields: list[str]) -> list[str]:
    """Header names, blanks named ``columnN`` and repeats numbered, as DuckDB does."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(fields):
        name = name.strip() or f"column{i}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count}")
    return out
