"""The compare, search and sensitivity commands: plain output, exit code 2 for user errors."""

import pytest

from wholeflow.cli import experiment as commands
from wholeflow.cli.main import run


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Tables as on a wide terminal, so cells are not folded across lines."""
    monkeypatch.setattr(commands.console, "width", 200)


def _cli(capsys, *args):
    code = 0
    try:
        run([str(a) for a in args])
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, " ".join(out.split()), " ".join(err.split())


def test_search_prints_the_capacity_and_what_was_tried(capsys, workspace):
    code, out, _ = _cli(capsys, "search", workspace, "--service", "ward", "--target",
                        "mean_wait_days@ward <= 0.15", "--workers", "1")
    assert code == 0
    assert "met: The smallest capacity that meets mean_wait_days@ward <= 0.15" in out
    assert "Ward 7 13 places" in out
    assert "method: bisection" in out and "capacities tried" in out


def test_a_bad_target_is_a_located_message_and_exit_code_2(capsys, workspace):
    code, out, err = _cli(capsys, "search", workspace, "--service", "ward", "--target",
                          "mean_wait_days@ward =< 0.15")
    assert code == 2
    assert "column 21: expected a comparison: <=, <, >= or >" in err
    assert "Traceback" not in err + out


def test_compare_reports_warm_up_and_where_runs_are_kept(capsys, workspace):
    code, out, _ = _cli(capsys, "compare", workspace, "-n", "3", "--workers", "1")
    assert code == 0
    assert "3 replications each, seed 0" in out
    assert "MSER-5 on daily occupancy suggests" in out
    assert "no scenarios to compare" in out
    assert ".wholeflow/runs (3 replications run now" in out


@pytest.mark.parametrize(("args", "message"), [
    (("-n", "5", "--precision", "5%"), "give --replications or --precision, not both"),
    (("--precision", "five"), 'give a percentage like 5% or a share like 0.05'),
    (("--warm-up", "soon"), 'give a number of days or "auto"'),
    (("--scenario", "weekends"), 'no scenario "weekends"'),
    (("--cluster", "tcp://127.0.0.1:9"), "cannot reach a Dask scheduler at tcp://127.0.0.1:9"),
])
def test_compare_refuses_bad_requests_plainly(capsys, workspace, args, message):
    code, _, err = _cli(capsys, "compare", workspace, *args)
    assert code == 2
    assert message in err


def test_sensitivity_prints_a_tornado(capsys, workspace):
    code, out, _ = _cli(capsys, "sensitivity", workspace, "--parameters",
                        "services.ward.capacity,arrivals.*.per_day", "--kpi",
                        "mean_wait_days@ward", "-n", "5", "--workers", "1", "--no-store")
    assert code == 0
    assert "tornado: mean_wait_days@ward" in out
    assert "services.ward.capacity" in out and "11 → 13" in out
    assert "arrivals.front_door.per_day" in out and "9 → 11" in out
    assert not (workspace / ".wholeflow").exists()  # --no-store kept nothing


def test_compare_prints_each_scenario_with_verdicts(capsys, scenario_workspace):
    code, out, _ = _cli(capsys, "compare", scenario_workspace, "-n", "10", "--workers", "1",
                        "--kpi", "mean_wait_days@ward", "--out", scenario_workspace / "out")
    assert code == 0
    assert "extra_bed vs baseline" in out and "same vs baseline" in out
    assert "mean wait from referral to start in Ward 7" in out
    assert "falls by 0.1" in out  # the extra bed
    assert "no difference (identical in every replication)" in out  # the same model
    assert (scenario_workspace / "out" / "differences.csv").exists()


def test_ctrl_c_says_what_was_kept_and_exits_130(capsys, workspace, monkeypatch):
    import wholeflow.experiment.compare as comparing

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(comparing, "compare", interrupted)
    code, out, _ = _cli(capsys, "compare", workspace)
    assert code == 130
    assert "stopped (Ctrl-C): finished replications are kept" in out
    assert "run the same command again to continue" in out
