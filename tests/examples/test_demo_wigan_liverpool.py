"""``wholeflow demo wigan`` and ``wholeflow demo liverpool`` run end to end through the CLI."""

from __future__ import annotations

import pandas as pd
import pytest

from wholeflow.cli.main import run
from wholeflow.examples import shipped_examples
from wholeflow.model import load_model


def _cli(*args: str) -> int:
    try:
        run(list(args))
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0


@pytest.mark.parametrize("name", ["wigan", "liverpool"])
def test_demo_runs_the_example_into_a_folder(name, tmp_path, capsys):
    out = tmp_path / name
    code = _cli("demo", name, "--out", str(out), "-n", "2", "--workers", "1", "--seed", "3")
    printed = capsys.readouterr()
    assert code == 0, printed.err
    model = load_model(out)
    assert model.name in printed.out
    assert (out / "report.html").stat().st_size > 10_000
    compared = pd.read_csv(out / "comparison.csv")
    assert set(compared["scenario"]) == set(model.scenarios)
    cohort = f"cohort.{next(iter(model.cohorts))}"
    assert (compared["service"] == cohort).any()  # the cohort's KPIs are compared too
    for folder in ("findings", "measures", "data"):
        assert any((out / folder).iterdir())


def test_examples_lists_wigan_and_liverpool(capsys):
    assert _cli("examples") == 0
    lines = capsys.readouterr().out.splitlines()
    assert {"wigan", "liverpool"} <= {line.split()[0] for line in lines if line.strip()}
    assert {"wigan", "liverpool"} <= set(shipped_examples())
