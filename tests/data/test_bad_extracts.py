"""Bad extracts cost the bad rows only: the reproductions of issue 16's reader defects.

Every import here must end with rows in = loaded + quarantined, per file, on the first
import, a re-import of a byte-different copy and ``replace=True``; a file that cannot be read
at all gets a plain message naming it and saying what it seems to be.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import Store
from wholeflow.errors import DataError

HEADER = "person,service,event,timestamp\n"
GOOD = [
    "P1,acute,start,2025-05-07 10:00:00",
    "P1,acute,ready,2025-05-08 10:00:00",
    "P1,acute,end,2025-05-09 10:00:00",
    "P2,acute,start,2025-05-07 11:00:00",
    "P2,acute,end,2025-05-10 11:00:00",
]


def balanced(report) -> bool:
    return all(f.rows_in == f.rows_loaded + f.rows_quarantined for f in report.files) and (
        report.rows_in == report.rows_loaded + report.rows_quarantined)


def reasons(workspace: Path) -> list[tuple[int, str]]:
    q = Store(workspace).quarantine()
    return sorted(zip(q["row"].astype(int), q["reason"], strict=True))


def test_a_first_row_with_another_delimiter_costs_that_row_only(tmp_path, workspace):
    # the reproduction: it ended in "3 rows read but 0 loaded and 2 quarantined"
    path = tmp_path / "semi.csv"
    path.write_text(HEADER + "P000426;acute;ready;2025-05-07 17:03:33\n"
                    "P000417,reablement,assessment,2025-05-07 19:26:02\n"
                    "P000417,reablement,assessment,2025-05-07 19:27:02\n")
    report = import_events(path, workspace)
    assert balanced(report) and report.rows_in == 3
    rows = reasons(workspace)
    assert (1, "malformed_row") in rows
    assert len({row for row, _ in rows}) == report.rows_quarantined


def test_malformed_and_good_rows_never_share_a_row_number(tmp_path, workspace):
    lines = list(GOOD)
    lines.insert(0, "P9;acute;start;2025-05-07 09:00:00")
    lines.insert(3, "P9,acute,start,2025-05-07 09:00:00,extra")
    path = tmp_path / "mixed.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    report = import_events(path, workspace)
    assert balanced(report)
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (7, 5, 2)
    assert reasons(workspace) == [(1, "malformed_row"), (4, "malformed_row")]
    events = Store(workspace).read("events")
    assert sorted(events["row"].astype(int)) == [2, 3, 5, 6, 7]  # line number - 1


def test_a_stray_carriage_return_costs_one_row_not_the_file(tmp_path, workspace):
    lines = list(GOOD)
    lines[1] = "P1,acute,ready,2025-05-08 1\r0:00:00"
    path = tmp_path / "cr.csv"
    path.write_bytes((HEADER + "\n".join(lines) + "\n").encode())
    report = import_events(path, workspace)
    assert balanced(report)
    assert (report.rows_in, report.rows_quarantined) == (5, 1)
    q = Store(workspace).quarantine()
    assert q["reason"].tolist() == ["malformed_row"]
    assert "carriage return" in q["detail"].iloc[0] and "line 3" in q["detail"].iloc[0]


def test_a_stray_carriage_return_in_a_large_file_costs_one_row(tmp_path, workspace):
    # DuckDB refuses past its sniffing sample too ("invalid state")
    lines = [f"P{i},acute,start,2025-05-07 10:00:00" for i in range(30_000)]
    lines[25_000] = "P25000,acute,start,2025-05-07 1\r0:00:00"
    lines[700] = 'P700,acute,"start,2025-05-07 10:00:00'
    path = tmp_path / "big.csv"
    path.write_bytes((HEADER + "\n".join(lines) + "\n").encode())
    report = import_events(path, workspace)
    assert balanced(report) and report.rows_in == 30_000
    assert report.by_reason.get("malformed_row") == 2


def test_a_gz_file_that_is_not_gzip_is_named_with_what_it_seems(tmp_path, workspace):
    path = tmp_path / "log.csv.gz"
    path.write_text(HEADER + "\n".join(GOOD) + "\n")
    with pytest.raises(DataError) as err:
        import_events(path, workspace)
    message = str(err.value)
    assert "log.csv.gz" in message and "not gzip" in message and "plain text" in message


def test_a_truncated_gzip_file_gets_a_plain_message(tmp_path, workspace):
    data = gzip.compress((HEADER + "\n".join(GOOD * 200) + "\n").encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    try:
        report = import_events(path, workspace)
    except DataError as err:
        assert "cut.csv.gz" in str(err)
    else:  # DuckDB may read what is there: then every row read is accounted for
        assert balanced(report)


@pytest.mark.parametrize(("name", "content", "seems"), [
    ("log.xlsx", b"person,service\n1,acute\n", "plain text"),
    ("log.parquet", b"person,service\n1,acute\n", "plain text"),
    ("log.xes", b"PK\x03\x04garbage", "ZIP"),
    ("log.csv", b"PAR1\x00\x00\x15\x04garbage\x00\x00", "Parquet"),
])
def test_a_file_of_another_kind_is_named_with_what_it_seems(tmp_path, workspace, name,
                                                            content, seems):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        import_events(path, workspace)
    assert name in str(err.value) and seems in str(err.value)


def _excel(path: Path, rows: list[str]) -> Path:
    frame = pd.DataFrame([r.split(",") for r in rows],
                         columns=HEADER.strip().split(","))
    frame.to_excel(path, index=False)
    return path


def _xes(path: Path, rows: list[str]) -> Path:
    events = "".join(
        f'<trace><string key="concept:name" value="{p}"/><event>'
        f'<string key="org:resource" value="{s}"/><string key="concept:name" value="{e}"/>'
        f'<date key="time:timestamp" value="{t.replace(" ", "T")}"/></event></trace>'
        for p, s, e, t in (r.split(",") for r in rows))
    path.write_text(f'<?xml version="1.0"?><log xes.version="1.0">{events}</log>')
    return path


@pytest.mark.parametrize("kind", ["csv", "gzip", "parquet", "excel", "xes"])
def test_every_format_conserves_rows_on_import_reimport_and_replace(tmp_path, workspace, kind):
    rows = [*GOOD, "P3,acute,fly,2025-05-07 10:00:00", "P4,acute,start,not a date"]
    if kind == "csv":
        path = tmp_path / "log.csv"
        path.write_text(HEADER + "\n".join(rows) + "\n")
    elif kind == "gzip":
        path = tmp_path / "log.csv.gz"
        path.write_bytes(gzip.compress((HEADER + "\n".join(rows) + "\n").encode()))
    elif kind == "parquet":
        path = tmp_path / "log.parquet"
        pd.DataFrame([r.split(",") for r in rows],
                     columns=HEADER.strip().split(",")).to_parquet(path)
    elif kind == "excel":
        path = _excel(tmp_path / "log.xlsx", rows)
    else:
        path = _xes(tmp_path / "log.xes", rows)
    options = {"columns": {"person": "case:concept:name", "service": "org:resource",
                           "event": "concept:name", "timestamp": "time:timestamp"}
               } if kind == "xes" else {}
    first = import_events(path, workspace, **options)
    assert balanced(first) and first.rows_in == 7 and first.rows_quarantined == 2
    again = import_events(path, workspace, **options)
    assert again.files[0].skipped and again.rows_in == 0
    replaced = import_events(path, workspace, replace=True, **options)
    assert balanced(replaced) and replaced.rows_in == 7
    store = Store(workspace)
    assert len(store.imports()) == 1
    assert len(store.read("events")) == replaced.rows_loaded


def test_a_byte_different_copy_of_a_messy_file_is_reimported_with_rows_conserved(
        tmp_path, workspace):
    messy = HEADER + "P000426;acute;ready;2025-05-07 17:03:33\n" + "\n".join(GOOD) + "\n"
    first = tmp_path / "a.csv"
    first.write_text(messy)
    copy = tmp_path / "b.csv"
    copy.write_text(messy + "garbage\x01,,,\n")
    assert balanced(import_events(first, workspace))
    report = import_events(copy, workspace)
    assert balanced(report) and report.rows_in == 7


def test_a_stray_nul_in_one_row_costs_that_row_not_the_file(tmp_path, workspace):
    lines = list(GOOD)
    lines[1] = "P1,acute,ready,2025-05-08\x00 10:00:00"
    path = tmp_path / "nul.csv"
    path.write_bytes((HEADER + "\n".join(lines) + "\n").encode())
    report = import_events(path, workspace)
    assert balanced(report)
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (5, 4, 1)
    assert report.by_reason == {"unparseable_date": 1}
