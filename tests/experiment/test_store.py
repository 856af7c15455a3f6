"""Runs kept in the workspace: reused when identical, extended when more are asked, queryable."""

import json

import pandas as pd
import pytest

from wholeflow.experiment.replicate import Arm, Experiment
from wholeflow.experiment.store import RunStore, connect, model_hash, run_id


def _experiment(folder, progress=None, tables=("kpis",)):
    return Experiment(seed=3, store=RunStore(folder), tables=tables, progress=progress)


def test_an_identical_run_is_read_back_not_rerun(workspace, mmc):
    first = _experiment(workspace)
    a = first.run(Arm("baseline", mmc), 6)
    assert first.simulated == 6
    again = _experiment(workspace)
    b = again.run(Arm("baseline", mmc), 6)
    assert again.simulated == 0
    pd.testing.assert_frame_equal(a.kpis, b.kpis)


def test_more_replications_extend_the_run_and_fewer_read_its_start(workspace, mmc):
    exp = _experiment(workspace)
    small = exp.run(Arm("baseline", mmc), 4)
    big = exp.run(Arm("baseline", mmc), 9)
    assert exp.simulated == 9
    assert sorted(big.kpis["replication"].unique()) == list(range(9))
    pd.testing.assert_frame_equal(big.kpis[big.kpis["replication"] < 4].reset_index(drop=True),
                                  small.kpis)
    fewer = exp.run(Arm("baseline", mmc), 2)
    assert sorted(fewer.kpis["replication"].unique()) == [0, 1]


def test_the_manifest_says_what_was_run(workspace, mmc):
    run = _experiment(workspace).run(Arm("baseline", mmc, {"note": "none"}), 3)
    manifest = json.loads((workspace / ".wholeflow" / "runs" / run.run_id / "manifest.json")
                          .read_text())
    assert manifest["model_hash"] == model_hash(mmc)
    assert manifest["seed"] == 3 and manifest["replications"] == 3
    assert manifest["patches"] == {"note": "none"}
    assert {"wholeflow", "numpy", "numba", "python"} <= set(manifest["versions"])
    assert manifest["labels"] == ["baseline"]


def test_names_and_scenario_definitions_do_not_change_the_run(mmc):
    renamed = mmc.model_copy(update={"name": "other", "description": "same numbers"})
    assert run_id(renamed, 0) == run_id(mmc, 0)
    assert run_id(mmc, 1) != run_id(mmc, 0)
    bigger = mmc.model_copy(update={"warm_up_days": 31.0})
    assert run_id(bigger, 0) != run_id(mmc, 0)


def test_asking_for_a_table_not_kept_reruns_with_it(workspace, mmc):
    _experiment(workspace).run(Arm("baseline", mmc), 3)
    exp = _experiment(workspace, tables=("kpis", "daily"))
    res = exp.run(Arm("baseline", mmc), 3)
    assert exp.simulated == 3
    assert set(res.tables["daily"]["replication"]) == {0, 1, 2}


def test_a_stopped_run_keeps_finished_replications_and_continues(workspace, mmc):
    def stop_after_five(done: int, total: int) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _experiment(workspace, progress=stop_after_five).run(Arm("baseline", mmc), 12)
    exp = _experiment(workspace)
    resumed = exp.run(Arm("baseline", mmc), 12)
    assert exp.simulated == 7  # five were kept
    whole = Experiment(seed=3).run(Arm("baseline", mmc), 12)  # never stopped, in memory
    pd.testing.assert_frame_equal(resumed.kpis, whole.kpis)


def test_the_store_is_queryable_with_duckdb(workspace, mmc, models):
    exp = _experiment(workspace, tables=("kpis", "daily"))
    exp.run(Arm("baseline", mmc), 3)
    exp.run(Arm("13 beds", models.mmc(capacity=13)), 3)
    con = connect(workspace)
    labels = con.execute("SELECT label FROM runs ORDER BY label").fetchall()
    assert labels == [("13 beds",), ("baseline",)]
    rows = con.execute("""
        SELECT m.label, avg(k.value) FROM kpis k JOIN runs m ON k.run = m.id
        WHERE k.metric = 'mean_wait_days' AND k.service = 'ward' GROUP BY ALL ORDER BY 1
    """).fetchall()
    assert rows[0][0] == "13 beds" and rows[0][1] < rows[1][1]  # more beds, shorter waits
    days = con.execute("SELECT count(DISTINCT date) FROM daily").fetchone()
    assert days == (365,)
