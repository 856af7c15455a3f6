"""The command line: exit codes, messages, files written; no traceback ever reaches a user."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from wholeflow.cli import main

TINY = textwrap.dedent("""
    name: tiny
    start_date: 2025-01-06
    warm_up_days: 5
    run_days: 20
    services:
      ward: {capacity: 4, length_of_stay: {dist: exponential, mean: 2}}
    arrivals:
      in: {service: ward, per_day: 1.5}
    routes:
      ward: [{to: home, probability: 1}]
""")


def cli(*args: str) -> tuple[int, str]:
    """Run the CLI in this process; return (exit code, everything printed)."""
    proc = subprocess.run([sys.executable, "-m", "wholeflow", *args], capture_output=True,
                          text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_help_lists_the_commands():
    code, out = cli("--help")
    assert code == 0
    for command in ("validate", "schema", "run"):
        assert command in out


def test_run_writes_every_table(tmp_path: Path):
    model = tmp_path / "tiny.yaml"
    model.write_text(TINY)
    code, out = cli("run", str(model), "-n", "2", "--seed", "3", "--out", str(tmp_path / "out"))
    assert code == 0, out
    assert "ward" in out and "95 %" in out
    for name in ("kpis", "stays", "referrals", "delays", "journeys", "daily"):
        assert (tmp_path / "out" / f"{name}.parquet").exists()
        assert (tmp_path / "out" / f"{name}.csv").exists()
    kpis = pd.read_parquet(tmp_path / "out" / "kpis.parquet")
    assert set(kpis["replication"]) == {0, 1}
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert {"mean", "ci_low", "ci_high"} <= set(summary.columns)


def test_invalid_model_exits_2_with_a_located_message(tmp_path: Path):
    model = tmp_path / "bad.yaml"
    model.write_text(TINY.replace("capacity: 4", "capacity: -4"))
    code, out = cli("run", str(model))
    assert code == 2
    assert "bad.yaml:7" in out and "capacity" in out
    assert "Traceback" not in out


def test_missing_file_exits_2_without_traceback(tmp_path: Path):
    code, out = cli("run", str(tmp_path / "nowhere.yaml"))
    assert code == 2
    assert "Traceback" not in out


def test_a_bug_prints_an_apology_not_a_traceback(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(main.tempfile, "gettempdir", lambda: str(tmp_path))

    @main.app.command("explode")
    def explode() -> None:
        raise RuntimeError("boom")

    with pytest.raises(SystemExit) as ex:
        main.run(["explode"])
    assert ex.value.code == 3
    err = capsys.readouterr().err
    assert "internal error" in err and "boom" in err and "Traceback" not in err
    assert "RuntimeError: boom" in (tmp_path / "wholeflow-error.log").read_text()


def test_unknown_option_is_a_usage_error_with_exit_2():
    code, out = cli("run", "--no-such-option")
    assert code == 2
    assert "Traceback" not in out


def test_demo_runs_the_bolton_example_end_to_end(tmp_path: Path):
    out = tmp_path / "demo"
    code, text = cli("demo", "--out", str(out), "--replications", "2", "--workers", "1")
    assert code == 0, text
    assert "imc_weekends" in text and "95 % CI" in text and "report.html" in text
    assert (out / "wholeflow.yaml").exists() and (out / "report.html").exists()
    comparison = pd.read_csv(out / "comparison.csv")
    assert set(comparison["scenario"]) == {"imc_weekends", "trusted_assessor",
                                           "darley_court_improvements", "direct_referrals",
                                           "referrals_by_admin"}
    # a second run reuses the folder (and the stored runs) instead of refusing it
    code, text = cli("demo", "--out", str(out), "--replications", "2", "--workers", "1")
    assert code == 0, text


def test_demo_refuses_to_overwrite_a_folder_it_did_not_make(tmp_path: Path):
    (tmp_path / "mine.txt").write_text("precious")
    code, text = cli("demo", "--out", str(tmp_path))
    assert code == 2 and "not a wholeflow demo folder" in text
    assert (tmp_path / "mine.txt").read_text() == "precious"
