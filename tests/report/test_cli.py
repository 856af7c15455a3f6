"""``wholeflow report``: a workspace in, a report (and workbook) out; errors as messages."""

import pytest

from wholeflow.cli.main import run


def ok(args):
    """Run the CLI and check it exits with code 0."""
    with pytest.raises(SystemExit) as done:
        run(args)
    assert done.value.code in (0, None)


@pytest.fixture
def workspace(tmp_path, small_results):
    from report_models import SMALL

    (tmp_path / "wholeflow.yaml").write_text(SMALL.replace("run_days: 365", "run_days: 120"))
    run_dir = tmp_path / ".wholeflow" / "runs" / "20250401-abc"
    run_dir.mkdir(parents=True)
    for name in ("kpis", "stays", "daily", "journeys", "delays", "referrals"):
        getattr(small_results, name).to_parquet(run_dir / f"{name}.parquet")
    return tmp_path


def test_report_from_a_stored_run(workspace, capsys):
    out = workspace / "shared" / "report.html"
    ok(["report", str(workspace), "--out", str(out), "--xlsx", str(workspace / "t.xlsx")])
    html = out.read_text(encoding="utf-8")
    assert "Where people go" in html and "All KPIs" in html
    assert (workspace / "t.xlsx").is_file()
    said = " ".join(capsys.readouterr().out.split())
    assert "results of run 20250401-abc" in said


def test_unknown_run_is_a_plain_error(workspace, capsys):
    with pytest.raises(SystemExit) as done:
        run(["report", str(workspace), "--run", "nope"])
    assert done.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "no stored run 'nope'" in err and "20250401-abc" in err and "Traceback" not in err


def test_bad_findings_stop_the_report_with_their_location(workspace, capsys):
    (workspace / "findings").mkdir()
    (workspace / "findings" / "day1.yaml").write_text(
        "- arrow: people\n  kind: grumble\n  source: staff\n  text: x\n")
    with pytest.raises(SystemExit) as done:
        run(["report", str(workspace)])
    assert done.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "day1.yaml:2 findings[0].kind" in err


def test_suppression_flag_and_threshold(workspace, capsys):
    ok(["report", str(workspace), "--suppress-small-numbers", "--threshold", "5"])
    assert "counts below 5 shown as <5" in " ".join(capsys.readouterr().out.split())
    assert "&lt;5" in (workspace / "report.html").read_text(encoding="utf-8")


def test_workspace_with_imported_data_suppresses_by_default(tmp_path, capsys):
    import duckdb
    import pandas as pd
    from report_models import SMALL

    (tmp_path / "wholeflow.yaml").write_text(SMALL)
    (tmp_path / ".wholeflow").mkdir()
    stays = pd.DataFrame({  # noqa: F841 - read by DuckDB below
        "person": [f"h{i}" for i in range(20)], "stint": 1, "service": "acute",
        "destination": ["home"] * 17 + ["rehab"] * 3,
        "started": pd.Timestamp("2024-04-01"), "length_of_stay": 3.0})
    con = duckdb.connect(str(tmp_path / ".wholeflow" / "store.duckdb"))
    con.execute("create table stays as select * from stays")
    con.close()
    ok(["report", str(tmp_path)])
    assert "small numbers suppressed" in capsys.readouterr().out
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "The imported data holds 20 stays of 20 people" in html
    assert "&lt;8" in html


def test_experiment_runs_are_read_from_their_parts(tmp_path, small_results, capsys):
    import json

    from report_models import SMALL

    (tmp_path / "wholeflow.yaml").write_text(SMALL.replace("run_days: 365", "run_days: 120"))
    for rid, label in (("a1b2", "baseline"), ("c3d4", "imc_weekends")):
        folder = tmp_path / ".wholeflow" / "runs" / rid
        (folder / "kpis").mkdir(parents=True)
        kpis = small_results.kpis.assign(run=rid)
        half = kpis["replication"] == 0
        kpis[half].to_parquet(folder / "kpis" / "part-000000-000000.parquet")
        kpis[~half].to_parquet(folder / "kpis" / "part-000001-000001.parquet")
        (folder / "manifest.json").write_text(json.dumps({"id": rid, "labels": [label]}))
    from wholeflow.report.workspace import load_run

    rid, results = load_run(tmp_path)
    assert rid == "a1b2"  # the baseline, whichever run is newest
    assert len(results.kpis) == len(small_results.kpis) and "run" not in results.kpis
    assert load_run(tmp_path, "imc_weekends")[0] == "c3d4"


def test_measures_of_the_workspace_become_spc_charts(tmp_path):
    import numpy as np
    import pandas as pd
    from report_models import SMALL

    (tmp_path / "wholeflow.yaml").write_text(SMALL)
    (tmp_path / "data").mkdir()
    weeks = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    los = np.r_[np.full(15, 32.0), np.full(15, 26.0)] + np.tile([1.0, -1.0, 0.5], 10)
    pd.DataFrame({"date": weeks.date, "value": los}).to_csv(tmp_path / "data" / "los.csv",
                                                           index=False)
    (tmp_path / "measures").mkdir()
    (tmp_path / "measures" / "rehab_los.yaml").write_text("""\
name: Rehab unit length of stay
definition: Mean length of stay of people leaving the rehab unit each week
source: {csv: data/los.csv}
unit: days
improvement_direction: decrease
target: 26
pdsa:
  - {id: 1, title: Trusted assessment, change: Accept the ward's assessment,
     start: 2024-04-15, owner: Flow lead, status: completed}
""")
    ok(["report", str(tmp_path)])
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Measures of improvement (SPC)" in html
    assert "Rehab unit length of stay: Mean length of stay" in html
    assert "Trusted assessment" in html  # the PDSA cycle is annotated on the chart
