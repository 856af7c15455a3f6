"""Hypothesis strategies that damage the Bolton example model and its event log.

Models are damaged in two layers: the data (a key deleted, renamed or retyped; a number made
extreme, infinite or NaN) and the text (bad type tags, anchors and aliases, alias bombs,
truncation, stray quotes, tabs, carriage returns, bytes that are not UTF-8, control
characters). Logs are damaged row by row (wrong delimiters, stray quotes and carriage returns,
garbage, missing or extra fields, bad dates) and as files (truncated, another delimiter, a
header renamed, compressed wrongly or twice, given the wrong name).
"""

from __future__ import annotations

import gzip
import io
from importlib import resources
from typing import Any

import yaml
from hypothesis import strategies as st

_BOLTON = resources.files("wholeflow.examples") / "bolton"
MODEL_TEXT = (_BOLTON / "wholeflow.yaml").read_text(encoding="utf-8")
MODEL_DATA = yaml.safe_load(MODEL_TEXT)
LOG_LINES = (_BOLTON / "data" / "bolton-events.csv").read_text(encoding="utf-8").splitlines()
LOG_HEADER, LOG_ROWS = LOG_LINES[0], LOG_LINES[1:]

EXTREMES: list[Any] = [
    float("inf"), float("-inf"), float("nan"), 1.0e308, -1, 0, 1.0e-300, 2**63, 10**15,
    1e-12, "1e-12", 0.5, 10**6, -(2**63), 36525, 1.0e-6, True, None, "", "x" * 300,
]
RETYPED: list[Any] = [None, True, "text", 3, 2.5, [], {}, [1, "a"], {"dist": "gamma"},
                      {"dist": "nope", "mean": 1}, "2025-13-45", "9999-12-01"]
TAGS = ["!!int abc", "!!timestamp 2025-13-45", "!!float x", "!!bool maybe", "!!binary zz!",
        "!!python/object:os.system ls", "!custom 3", "!!str", "!!null 3", "!!map [1]",
        "!!seq {a: 1}", "!!timestamp 9999-99-99"]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


PATHS = _paths(MODEL_DATA)


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


@st.composite
def data_mutation(draw: st.DrawFn, data: Any) -> Any:
    """``data`` with one key deleted, renamed or retyped, or one number made extreme."""
    paths = _paths(data)
    if not paths:
        return data
    path = draw(st.sampled_from(paths))
    parent, key = _parent(data, path), path[-1]
    action = draw(st.sampled_from(["delete", "rename", "retype", "extreme", "extreme"]))
    if action == "delete":
        if isinstance(parent, dict):
            del parent[key]
        else:
            parent.pop(key)
    elif action == "rename" and isinstance(parent, dict):
        new = draw(st.one_of(st.text(min_size=0, max_size=12), st.sampled_from(
            ["capcity", "length_of_stay", "None", "~", "1", "a.b", "*", "default", "always"])))
        parent[new] = parent.pop(key)
    elif action == "retype":
        parent[key] = _copy(draw(st.sampled_from(RETYPED)))
    else:
        parent[key] = draw(st.sampled_from(EXTREMES))
    return data


def model_data(runnable: bool = False) -> st.SearchStrategy[Any]:
    """The Bolton model's data with one to three data mutations (a short run when
    ``runnable``)."""

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        data = _copy(MODEL_DATA)
        if runnable:
            data.update(run_days=3, warm_up_days=0)
        for _ in range(draw(st.integers(1, 3))):
            data = draw(data_mutation(data))
        return data
    return build()


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _lines_of(text: str) -> list[str]:
    return text.split("\n")


@st.composite
def text_mutation(draw: st.DrawFn, text: str) -> bytes:
    """``text`` damaged as a file: tags, aliases, truncation, stray characters, bad bytes."""
    lines = _lines_of(text)
    at = draw(st.integers(0, max(len(lines) - 1, 0)))
    line = lines[at] if lines else ""
    action = draw(st.sampled_from([
        "tag", "anchor_alias", "undefined_alias", "bomb", "merge_bomb", "truncate",
        "quote", "tab", "cr", "latin1", "control", "bom", "duplicate_line", "delete_line",
        "deep", "colon",
    ]))
    if action == "tag" and ": " in line:
        key = line.split(": ", 1)[0]
        lines[at] = f"{key}: {draw(st.sampled_from(TAGS))}"
    elif action == "anchor_alias" and ": " in line:
        target = draw(st.integers(0, len(lines) - 1))
        if ": " in lines[target]:
            key, value = lines[target].split(": ", 1)
            lines[target] = f"{key}: &a1 {value}" if value.strip() else lines[target]
            head = line.split(": ", 1)[0]
            lines[at] = f"{head}: *a1"
    elif action == "undefined_alias" and ": " in line:
        lines[at] = line.split(": ", 1)[0] + ": *nowhere"
    elif action == "bomb":
        levels = draw(st.integers(2, 9))
        bomb = ["x_bomb:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
            f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
        lines += bomb
    elif action == "merge_bomb":
        levels = draw(st.integers(2, 50))
        lines += ["x_merge:", "  m0: &m0 {k0: 1}"] + [
            f"  m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: 1}}" for i in range(1, levels)]
    elif action == "truncate":
        cut = draw(st.integers(0, len(text)))
        return text[:cut].encode("utf-8")
    elif action == "quote":
        pos = draw(st.integers(0, len(line)))
        lines[at] = line[:pos] + draw(st.sampled_from(['"', "'", "`", "{", "[", "]"])) + \
            line[pos:]
    elif action == "tab":
        lines[at] = "\t" + line
    elif action == "cr":
        pos = draw(st.integers(0, len(line)))
        lines[at] = line[:pos] + "\r" + line[pos:]
    elif action == "latin1":
        encoded = ("\n".join(lines)).encode("utf-8")
        pos = draw(st.integers(0, len(encoded)))
        return encoded[:pos] + b"\xe9\xff" + encoded[pos:]
    elif action == "control":
        pos = draw(st.integers(0, len(line)))
        lines[at] = line[:pos] + draw(st.sampled_from(["\x00", "\x07", "\x1b", "\ufffe"])) + \
            line[pos:]
    elif action == "bom":
        return b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8")
    elif action == "duplicate_line":
        lines.insert(at, line)
    elif action == "delete_line" and lines:
        lines.pop(at)
    elif action == "deep":
        depth = draw(st.integers(50, 3000))
        lines.append("x_deep: " + "[" * depth + "]" * depth)
    elif action == "colon":
        lines[at] = line + ": :"
    return "\n".join(lines).encode("utf-8")


def model_file(runnable: bool = False) -> st.SearchStrategy[bytes]:
    """Bytes of a damaged model file: data mutations, then (usually) a text mutation."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        text = dump(draw(model_data(runnable))) if draw(st.booleans()) else (
            MODEL_TEXT.replace("run_days: 365", "run_days: 3").replace(
                "warm_up_days: 60", "warm_up_days: 0") if runnable else MODEL_TEXT)
        if draw(st.integers(0, 3)) == 0:
            return text.encode("utf-8")
        return draw(text_mutation(text))
    return build()


# -- event logs -------------------------------------------------------------------------------

ROW_DAMAGE = ["semicolons", "quote", "cr", "garbage", "missing", "extra", "bad_date",
              "empty_field", "latin1", "nul", "blank", "long", "tab"]


@st.composite
def log_rows(draw: st.DrawFn) -> list[str]:
    """A slice of the example log (whole people, so most rows pair) with damaged rows."""
    start = draw(st.integers(0, len(LOG_ROWS) - 150))
    rows = LOG_ROWS[start:start + draw(st.integers(5, 120))]
    for _ in range(draw(st.integers(0, 6))):
        if not rows:
            break
        at = draw(st.integers(0, len(rows) - 1))
        row = rows[at]
        kind = draw(st.sampled_from(ROW_DAMAGE))
        pos = draw(st.integers(0, len(row)))
        if kind == "semicolons":
            row = row.replace(",", ";")
        elif kind == "quote":
            row = row[:pos] + '"' + row[pos:]
        elif kind == "cr":
            row = row[:pos] + "\r" + row[pos:]
        elif kind == "garbage":
            row = draw(st.text(max_size=40).filter(lambda t: "\n" not in t))
        elif kind == "missing":
            row = ",".join(row.split(",")[:-2])
        elif kind == "extra":
            row = row + ",extra,fields"
        elif kind == "bad_date" and row.count(",") >= 3:
            parts = row.split(",")
            parts[3] = draw(st.sampled_from(["2025-13-45", "yesterday", "", "31/02/2025",
                                             "9999-12-31 25:61:00", "1066-10-14"]))
            row = ",".join(parts)
        elif kind == "empty_field":
            parts = row.split(",")
            parts[draw(st.integers(0, len(parts) - 1))] = ""
            row = ",".join(parts)
        elif kind == "latin1":
            row = row[:pos] + "\udce9" + row[pos:]  # written as a lone byte 0xE9
        elif kind == "nul":
            row = row[:pos] + "\x00" + row[pos:]
        elif kind == "blank":
            row = ""
        elif kind == "long":
            row = row + "x" * draw(st.integers(1000, 20000))
        elif kind == "tab":
            row = row.replace(",", "\t")
        rows[at] = row
    return rows


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


@st.composite
def log_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file name, bytes) of a damaged extract: its rows damaged, then maybe the whole file."""
    header = LOG_HEADER
    rows = draw(log_rows())
    action = draw(st.sampled_from(["none", "none", "none", "delimiter", "header",
                                   "truncate", "crlf", "gzip", "fake_gzip", "truncated_gzip",
                                   "double_gzip", "bom", "quoted", "parquet_named_csv",
                                   "csv_named_parquet", "csv_named_xlsx", "xes_garbage"]))
    if action == "delimiter":
        sep = draw(st.sampled_from([";", "\t", "|"]))
        header, rows = header.replace(",", sep), [r.replace(",", sep) for r in rows]
    elif action == "header":
        names = header.split(",")
        at = draw(st.integers(0, len(names) - 1))
        names[at] = draw(st.sampled_from(["", "person", "Person ID", "timestamp", "x"]))
        header = ",".join(names)
    text = "\n".join([header, *rows]) + "\n"
    data = _encode(text)
    if action == "truncate":
        return "log.csv", data[:draw(st.integers(0, len(data)))]
    if action == "crlf":
        return "log.csv", data.replace(b"\n", b"\r\n")
    if action == "bom":
        return "log.csv", b"\xef\xbb\xbf" + data
    if action == "quoted":
        quoted = "\n".join('"' + line.replace(",", '","') + '"' for line in [header, *rows])
        return "log.csv", _encode(quoted + "\n")
    if action == "gzip":
        return "log.csv.gz", gzip.compress(data)
    if action == "fake_gzip":
        return "log.csv.gz", data
    if action == "truncated_gzip":
        packed = gzip.compress(data)
        return "log.csv.gz", packed[:draw(st.integers(0, len(packed)))]
    if action == "double_gzip":
        return "log.csv.gz", gzip.compress(gzip.compress(data))
    if action == "parquet_named_csv":
        return "log.csv", _parquet(header, rows)
    if action == "csv_named_parquet":
        return "log.parquet", data
    if action == "csv_named_xlsx":
        return "log.xlsx", data
    if action == "xes_garbage":
        return "log.xes", b"<?xml version='1.0'?><log><trace><event>" + data[:200]
    return "log.csv", data


def _parquet(header: str, rows: list[str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = header.split(",")
    cells = [r.encode("utf-8", "replace").decode("utf-8").split(",") for r in rows]
    table = pa.table({n: [c[i] if i < len(c) else None for c in cells]
                      for i, n in enumerate(names)})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
