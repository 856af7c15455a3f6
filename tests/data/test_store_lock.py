"""A busy store is waited for (with a message and a time limit); a killed import's leftovers
are cleaned when the store next opens (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import duckdb
import pytest

from wholeflow.data.storage import store as store_module
from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import IMPORT_MARK, Store, wait_for_lock
from wholeflow.errors import DataError

LOG = "person,service,event,timestamp\n" + "\n".join(
    f"P{i},acute,{e},2025-05-0{d} 10:00:00" for i in range(20) for e, d in (("start", 1),
                                                                            ("end", 3))) + "\n"


class _Clock:
    """A clock that moves only when the code under test pauses: no real sleeping."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def _busy(times: int):
    calls = {"n": 0}

    def open_() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise duckdb.IOException('IO Error: Could not set lock on file "x": Conflicting lock')
        return "opened"
    return open_


def test_a_busy_store_is_waited_for_with_one_message(capsys, tmp_path):
    clock = _Clock()
    got = wait_for_lock(tmp_path / "store.duckdb", _busy(4), wait=60, clock=clock,
                        pause=clock.pause)
    assert got == "opened" and len(clock.pauses) == 4
    assert clock.pauses == sorted(clock.pauses)  # backing off
    err = capsys.readouterr().err
    assert err.count("waiting for another wholeflow command") == 1 and "60 s" in err


def test_the_wait_has_a_time_limit_and_a_plain_message(tmp_path):
    clock = _Clock()
    with pytest.raises(DataError) as err:
        wait_for_lock(tmp_path / "store.duckdb", _busy(10**9), wait=5, clock=clock,
                      pause=clock.pause)
    assert clock.now == pytest.approx(5)
    assert "still using the store" in str(err.value) and "WHOLEFLOW_LOCK_WAIT" in str(err.value)


def test_a_store_that_is_not_duckdb_is_a_plain_message(tmp_path):
    path = tmp_path / "store.duckdb"
    path.write_text("not a database")
    with pytest.raises(DataError, match="cannot open the store"):
        wait_for_lock(path, lambda: duckdb.connect(str(path)), wait=0)


HOLDER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    sys.stdin.readline()
    con.close()
""")


def test_a_second_import_waits_for_the_first_and_then_runs(tmp_path, workspace, monkeypatch):
    log = tmp_path / "log.csv"
    log.write_text(LOG)
    import_events(log, workspace)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(Store(workspace).path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        monkeypatch.setenv("WHOLEFLOW_LOCK_WAIT", "0")
        with pytest.raises(DataError, match="still using the store"):
            import_events(log, workspace, replace=True)
        monkeypatch.setenv("WHOLEFLOW_LOCK_WAIT", "120")
        waiting = threading.Event()
        told: list[str] = []

        class _Stderr:
            def write(self, text: str) -> None:
                told.append(text)
                waiting.set()

        monkeypatch.setattr(store_module.sys, "stderr", _Stderr())
        result: dict[str, object] = {}
        second = threading.Thread(target=lambda: result.update(
            report=import_events(log, workspace, replace=True)))
        second.start()
        assert waiting.wait(timeout=120)  # the second import found the store busy and waits
        assert "waiting for another wholeflow command" in told[0]
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        second.join(timeout=120)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
    report = result["report"]
    assert report.rows_loaded == 40  # type: ignore[attr-defined]


KILLED = textwrap.dedent("""
    import os, signal, sys
    from wholeflow.data.storage import importer

    def die(*args, **kwargs):  # the events are committed; the import is not yet recorded
        os.kill(os.getpid(), signal.SIGKILL)

    importer._write = die
    importer.import_events(sys.argv[1], sys.argv[2], replace=True)
""")


def test_a_killed_import_is_cleaned_up_when_the_store_next_opens(tmp_path, workspace):
    log = tmp_path / "log.csv"
    log.write_text(LOG)
    import_events(log, workspace)
    other = tmp_path / "other.csv"
    other.write_text(LOG.replace("P", "Q"))
    done = subprocess.run([sys.executable, "-c", KILLED, str(other), str(workspace)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == -9, done.stderr
    assert (workspace / IMPORT_MARK).exists()
    raw = duckdb.connect(str(Store(workspace).path), read_only=True)
    try:
        orphans = raw.execute("SELECT count(*) FROM events WHERE import_id NOT IN "
                              "(SELECT import_id FROM imports)").fetchall()[0][0]
    finally:
        raw.close()
    assert orphans == 40  # the leftovers the issue saw: rows no import records
    store = Store(workspace)
    assert len(store.read("events")) == 40
    assert not (workspace / IMPORT_MARK).exists()
    assert not Path(str(store.path) + ".wal").exists()
    raw = duckdb.connect(str(store.path), read_only=True)
    try:
        assert raw.execute("SELECT count(*) FROM events").fetchall()[0][0] == 40
    finally:
        raw.close()
