"""``wholeflow spc``: files and measures in, signals printed, points CSV and HTML chart out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from wholeflow.cli.main import COMMAND_MODULES, run

DATA = Path(__file__).parent / "data"


def wholeflow(*argv: str) -> int:
    try:
        run(list(argv))
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0


@pytest.fixture
def rjz_csv(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return Path(shutil.copy(DATA / "ae_rjz_type1.csv", tmp_path / "rjz.csv"))


def test_spc_is_a_registered_command():
    assert "spc" in COMMAND_MODULES


def test_a_csv_file_is_charted_with_signals_in_plain_words(rjz_csv, capsys):
    code = wholeflow("spc", str(rjz_csv), "--date-column", "period", "--value-column",
                     "breaches", "--direction", "decrease", "--target", "4000")
    out = capsys.readouterr().out
    assert code == 0
    assert "rjz: xmr chart of 36 points, improvement direction decrease" in out
    assert "Special cause concern: 4 points above the upper process limit" in out
    assert "Latest point (2019-03-01): special cause variation: concern (high)." in out
    assert "Target 4,000: the process will hit and miss the target" in out
    points = pd.read_csv(Path("spc") / "rjz-points.csv")
    assert len(points) == 36
    assert points["upper"].iloc[0] == pytest.approx(6000.43, abs=0.01)
    html = (Path("spc") / "rjz.html").read_text(encoding="utf-8")
    assert '<script src="http' not in html
    assert "data:image\\u002fsvg+xml;base64," in html  # our icons, JSON-escaped


def test_rebase_out_and_chart_options(rjz_csv, tmp_path, capsys):
    out_dir = tmp_path / "charts"
    code = wholeflow("spc", str(rjz_csv), "--date-column", "period", "--value-column",
                     "breaches", "--denominator-column", "attendances", "--chart", "pprime",
                     "--multiply", "100", "--rebase", "2017-04-01", "--rebase", "2018-04-01",
                     "--out", str(out_dir))
    assert code == 0
    points = pd.read_csv(out_dir / "rjz-points.csv")
    assert points["segment"].unique().tolist() == [0, 1, 2]
    assert "warning:" in capsys.readouterr().out  # 12-point segments have trial limits


def test_a_measure_by_id_writes_into_the_workspace_findings(workspace, capsys):
    code = wholeflow("spc", "darley_court_los", "--workspace", str(workspace))
    out = capsys.readouterr().out
    assert code == 0
    assert "Darley Court length of stay: xmr chart of 30 points in 2 segments" in out
    findings = workspace / "findings" / "spc"
    assert (findings / "darley_court_los-points.csv").is_file()
    html = (findings / "darley_court_los.html").read_text(encoding="utf-8")
    assert "PDSA 1: Trusted assessment" in html


def test_a_measure_file_finds_its_workspace(workspace, capsys):
    code = wholeflow("spc", str(workspace / "measures" / "ready_dates.yaml"))
    assert code == 0
    assert "p chart of 30 points" in capsys.readouterr().out
    assert (workspace / "findings" / "spc" / "ready_dates.html").is_file()


@pytest.mark.parametrize(("argv", "message"), [
    (["spc", "missing.csv"], "error: no file missing.csv"),
    (["spc", "los"], "error: no measure 'los'"),
    (["spc", "rjz.csv", "--chart", "xbar"], "unknown chart 'xbar'"),
    (["spc", "rjz.csv"], "no value column 'value'"),
])
def test_user_errors_are_plain_messages_with_exit_code_2(rjz_csv, capsys, argv, message):
    assert wholeflow(*argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_broken_measure_file_reports_file_line_and_field(workspace, capsys):
    path = workspace / "measures" / "delayed_days.yaml"
    path.write_text(path.read_text().replace("improvement_direction", "direction"))
    assert wholeflow("spc", "delayed_days", "--workspace", str(workspace)) == 2
    err = capsys.readouterr().err
    assert "delayed_days.yaml:4 direction: unknown field" in err
