"""Every runner gives identical results; failures and lost clusters are reported clearly."""

from functools import partial

import pandas as pd
import pytest

from wholeflow.engine import compile_model
from wholeflow.errors import ExperimentError, SimulationError
from wholeflow.experiment.replicate import replicate
from wholeflow.experiment.runners import DaskRunner, LocalRunner, SerialRunner, chunks

TABLES = ("kpis", "daily", "stays")


def _tables(runner, model, n=6):
    fn = partial(replicate, model, compile_model(model), 42, TABLES)
    parts = list(runner.map(fn, range(n)))
    return {t: pd.concat([p[t] for p in parts], ignore_index=True) for t in TABLES}


def test_chunks_keep_order_and_share_the_work():
    parts = chunks(list(range(10)), workers=2)
    assert [x for p in parts for x in p] == list(range(10))
    assert len(parts) >= 2 * 2 or len(parts) == 10
    assert len(chunks(list(range(1000)), workers=2)) >= 1000 // 25
    assert chunks([], 2) == []


def test_serial_local_processes_and_dask_give_identical_tables(mmc):
    distributed = pytest.importorskip("distributed")
    serial = _tables(SerialRunner(), mmc)
    with LocalRunner(workers=2, pool_worth=0) as local:
        on_pool = _tables(local, mmc)
        assert local.started  # the pool really ran them
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = _tables(DaskRunner(client), mmc)
    for name in TABLES:
        pd.testing.assert_frame_equal(serial[name], on_pool[name])
        pd.testing.assert_frame_equal(serial[name], on_dask[name])
    assert serial["kpis"]["replication"].nunique() == 6


def test_a_small_run_does_not_start_a_pool(mmc):
    with LocalRunner(workers=2) as local:
        _tables(local, mmc, n=3)
        assert not local.started


def test_a_failing_replication_raises_its_error_from_a_worker(mmc):
    tiny_budget = mmc.model_copy(update={"max_events": 10})
    with LocalRunner(workers=2, pool_worth=0) as local, pytest.raises(SimulationError):
        _tables(local, tiny_budget, n=4)


def test_an_unreachable_cluster_is_a_clear_error():
    with pytest.raises(ExperimentError) as err:
        DaskRunner("tcp://127.0.0.1:9", timeout=1)
    message = str(err.value)
    assert "cannot reach a Dask scheduler at tcp://127.0.0.1:9 within 1 s" in message
    assert "--cluster local" in message and "nothing was run" in message


def test_workers_must_be_positive():
    with pytest.raises(ExperimentError, match="workers must be at least 1"):
        LocalRunner(workers=0)


def test_the_runners_plug_into_simulate(mmc):
    import wholeflow

    serial = wholeflow.simulate(mmc, replications=5, seed=7)
    seen = []
    with LocalRunner(workers=2, pool_worth=0) as local:
        pooled = wholeflow.simulate(mmc, replications=5, seed=7, runner=local,
                                    progress=lambda done, total: seen.append((done, total)))
    pd.testing.assert_frame_equal(serial.kpis, pooled.kpis)
    assert seen[-1] == (5, 5)
