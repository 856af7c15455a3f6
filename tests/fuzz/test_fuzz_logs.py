"""Fuzzing the extracts: no damaged event log ever ends in a crash, and no row is lost.

Each example takes a slice of the Bolton example's event log, damages rows (wrong delimiters,
stray quotes and carriage returns, garbage, missing or extra fields, bad dates, bytes that are
not UTF-8, NULs) and maybe the whole file (another delimiter, a renamed header column,
truncation, CRLF, a byte-order mark, gzip that is real, fake, cut short or doubled, a Parquet
file named .csv, a CSV named .parquet or .xlsx, broken XES), and imports it with the real CLI
entry point in this process. It asserts: exit code 0 or 2, never 3; no traceback or Python
warning printed; a refused file is named in the message; and in the store, for every import,
rows in = loaded + quarantined, with as many quarantine rows as quarantined rows and (for a
log of events) as many events as loaded rows. A subset imports again: a byte-different copy,
then ``--replace``.

In CI: 200 logs, 20 of them re-imported. ``WHOLEFLOW_FUZZ_EXAMPLES=10`` multiplies both (see
tests/fuzz/test_fuzz_models.py). The tally is printed at the end of the session.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from tests.fuzz.conftest import Outcome, assert_clean, cli, examples
from tests.fuzz.mutations import LOG_HEADER, LOG_ROWS, log_file


def fuzz(ci_default: int) -> settings:
    return settings(max_examples=examples(ci_default), deadline=None, derandomize=True,
                    database=None, suppress_health_check=[
                        HealthCheck.too_slow, HealthCheck.data_too_large,
                        HealthCheck.filter_too_much])


def _assert_conserved(workspace: Path) -> int:
    """Rows in = loaded + quarantined for every import in the store; returns the imports."""
    store = workspace / ".wholeflow" / "store.duckdb"
    if not store.exists():
        return 0
    con = duckdb.connect(str(store), read_only=True)
    try:
        imports = con.execute(
            "SELECT import_id, shape, rows_in, rows_loaded, rows_quarantined FROM imports"
        ).fetchall()
        for import_id, shape, rows_in, loaded, quarantined in imports:
            assert rows_in == loaded + quarantined, (import_id, rows_in, loaded, quarantined)
            (held,) = con.execute("SELECT count(*) FROM quarantine WHERE import_id = ?",
                                  [import_id]).fetchall()[0]
            assert held == quarantined
            if shape == "events":
                (events,) = con.execute("SELECT count(*) FROM events WHERE import_id = ?",
                                        [import_id]).fetchall()[0]
                assert events == loaded
        return len(imports)
    finally:
        con.close()


def _import(path: Path, workspace: Path, *extra: str, kind: str = "log import") -> Outcome:
    outcome = cli("import", str(path), "--workspace", str(workspace), *extra, kind=kind)
    assert_clean(outcome)
    if outcome.code == 2:
        assert path.name in outcome.text, outcome.text  # the refused file is named
    _assert_conserved(workspace)
    return outcome


@fuzz(200)
@given(log_file())
def test_a_damaged_log_imports_with_every_row_accounted_for(named):
    name, data = named
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        _import(path, Path(folder) / "ws")


@fuzz(20)
@given(log_file())
def test_reimporting_a_damaged_log_keeps_every_row_accounted_for(named):
    name, data = named
    with tempfile.TemporaryDirectory() as folder:
        path, workspace = Path(folder) / name, Path(folder) / "ws"
        path.write_bytes(data)
        first = _import(path, workspace, kind="log re-import")
        again = _import(path, workspace, kind="log re-import")
        if first.code == 0:
            assert "skipped" in again.text
        copy = path.with_name("copy-" + name)
        copy.write_bytes(data + (b"P999999,acute,start,2025-04-01 00:00:00\n"
                                 if name.endswith(".csv") else b""))
        _import(copy, workspace, kind="log re-import")
        _import(path, workspace, "--replace", kind="log re-import")


def test_the_undamaged_log_loads_whole(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("\n".join([LOG_HEADER, *LOG_ROWS[:300]]) + "\n")
    outcome = _import(path, tmp_path / "ws")
    assert outcome.code == 0
    assert _assert_conserved(tmp_path / "ws") == 1


def test_damaged_logs_through_a_real_subprocess(tmp_path):
    """A couple of extracts through ``python -m wholeflow`` itself, as a user runs it."""
    rows = LOG_ROWS[:50]
    cases = {
        "semi.csv": "\n".join([LOG_HEADER, rows[0].replace(",", ";"), *rows[1:]]) + "\n",
        "cr.csv": "\n".join([LOG_HEADER, rows[0][:10] + "\r" + rows[0][10:], *rows[1:]]) + "\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_bytes(text.encode())
        workspace = tmp_path / f"ws-{name}"
        done = subprocess.run([sys.executable, "-m", "wholeflow", "import", str(path),
                               "--workspace", str(workspace)],
                              capture_output=True, text=True, timeout=300)
        outcome = Outcome(done.returncode, done.stdout, done.stderr)
        assert outcome.code == 0, outcome.text
        assert_clean(outcome)
        assert _assert_conserved(workspace) == 1
