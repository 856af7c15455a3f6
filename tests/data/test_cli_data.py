"""The data commands: import, diagnose, calibrate, check-fit, example-data."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from wholeflow.cli.main import run
from wholeflow.data.storage.store import Store


def cli(args: list[str], capsys) -> tuple[int, str, str]:
    try:
        run(args)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def events(tmp_path):
    rows = ["person,service,event,timestamp"]
    for k in range(60):
        day = 1 + k % 28
        rows += [f"p{k},acute,start,2024-01-{day:02d} 10:00",
                 f"p{k},acute,end,2024-01-{day:02d} 10:00".replace("-01-", "-02-")]
    rows += ["p99,acute,start,31/02/2024"]
    path = tmp_path / "events.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_import_prints_the_balance_and_reasons(events, workspace, capsys):
    code, out, _ = cli(["import", str(events), "-w", str(workspace)], capsys)
    assert code == 0
    assert "121" in out and "120" in out and "unparseable date" in out
    code, out, _ = cli(["import", str(events), "-w", str(workspace)], capsys)
    assert code == 0 and "already imported" in out
    assert len(Store(workspace).read("events")) == 120


def test_import_errors_are_plain_messages_with_exit_code_2(tmp_path, workspace, capsys):
    path = tmp_path / "odd.csv"
    path.write_text("PatientID,When\n1,2024-01-01\n", encoding="utf-8")
    code, out, err = cli(["import", str(path), "-w", str(workspace)], capsys)
    assert code == 2
    assert "--map" in err and "Traceback" not in err + out
    code, _, err = cli(["import", str(path), "-w", str(workspace), "--map", "PatientID=person",
                        "--map", "When=timestamp"], capsys)
    assert code == 2 and "service, event" in err


def test_map_option_fixes_the_columns_and_quarantine_export(tmp_path, workspace, capsys):
    path = tmp_path / "odd.csv"
    path.write_text("PatientID,Unit,What,When\n1,acute,start,2024-01-01\n1,acute,fly,"
                    "2024-01-02\n", encoding="utf-8")
    export = tmp_path / "q.csv"
    code, out, _ = cli(["import", str(path), "-w", str(workspace), "-m", "PatientID=person",
                        "-m", "What=event", "-m", "When=timestamp", "--quarantine-csv",
                        str(export)], capsys)
    assert code == 0, out
    assert pd.read_csv(export)["reason"].tolist() == ["unknown_event"]


def test_diagnose_calibrate_and_check_fit(events, workspace, tmp_path, capsys):
    cli(["import", str(events), "-w", str(workspace)], capsys)
    code, out, _ = cli(["diagnose", str(workspace), "--handling-hours", "0.5"], capsys)
    assert code == 0 and "midnight census" in out and "14 tables written" in out
    assert (workspace / "diagnostics" / "stranded.csv").exists()
    model = tmp_path / "model.yaml"
    code, out, _ = cli(["calibrate", str(workspace), "--out", str(model)], capsys)
    assert code == 0 and "ok" in out
    data = yaml.safe_load(model.read_text(encoding="utf-8"))
    assert set(data["services"]) == {"acute"}
    code, out, _ = cli(["check-fit", str(workspace), "--model", str(model), "-n", "2"], capsys)
    assert code == 0 and "observed vs simulated" in out


def test_diagnose_without_data_says_how_to_import(workspace, capsys):
    code, _, err = cli(["diagnose", str(workspace)], capsys)
    assert code == 2 and "wholeflow import" in err


def test_example_data_simulates_a_model_into_an_event_log(tmp_path, known, capsys):
    model = tmp_path / "m.yaml"
    model.write_text(known.model(30).model_dump_json(by_alias=True), encoding="utf-8")
    out = tmp_path / "log.csv"
    code, text, _ = cli(["example-data", "--people", "150", "--model", str(model), "--out",
                         str(out)], capsys)
    assert code == 0, text
    log = pd.read_csv(out)
    assert log["person"].nunique() == 150
    assert {"referral", "start", "end"} <= set(log["event"])


def test_example_data_defaults_to_the_bolton_example(tmp_path, capsys):
    out = tmp_path / "bolton.parquet"
    code, text, _ = cli(["example-data", "--people", "200", "--seed", "1", "--out", str(out)],
                        capsys)
    assert code == 0, text
    log = pd.read_parquet(out)
    assert log["person"].nunique() == 200
    assert {"acute", "imc_at_home"} <= set(log["service"])
    assert "referral_rejected" in set(log["event"])


def test_the_reading_commands_take_the_workspace_as_import_does_too(events, workspace, tmp_path,
                                                                   capsys):
    assert cli(["import", str(events), "-w", str(workspace)], capsys)[0] == 0
    by_argument, by_option = tmp_path / "a", tmp_path / "b"
    code, out, _ = cli(["diagnose", str(workspace), "--out", str(by_argument)], capsys)
    assert code == 0
    code, out, _ = cli(["diagnose", "-w", str(workspace), "--out", str(by_option)], capsys)
    assert code == 0
    assert sorted(p.name for p in by_option.iterdir()) == sorted(
        p.name for p in by_argument.iterdir())
    code, out, err = cli(["calibrate", str(tmp_path), "--workspace", str(workspace), "--out",
                          str(tmp_path / "m.yaml")], capsys)
    assert code == 2 and "two workspaces given" in err and "Traceback" not in err + out
