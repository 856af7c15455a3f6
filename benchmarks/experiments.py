"""Benchmark: 1,000 replications of the Bolton baseline on each runner.

Prints wall time and replications per second for one worker (in this process), local worker
processes, and a Dask LocalCluster with as many single-threaded worker processes, then the
speed-up from 1 to 2 workers (target >= 1.7x) and the overhead of Dask against local processes
(target <= 15 %). On a shared machine wall times depend on what else runs, so the script also
adds up the CPU time of this process and of the workers: parallel efficiency is the serial CPU
time over the runner's, and on idle cores the speed-up is about workers x efficiency. Times
include starting the runner (the pool or the cluster), since that is what a user waits for; the
runners then run the same experiment again, already up (as with ``--cluster ADDRESS``). Every
runner must give identical KPIs, which the script checks.

    python benchmarks/experiments.py                 # the Bolton example, 1,000 replications
    python benchmarks/experiments.py --replications 200 --model path/to/workspace
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

import wholeflow
from wholeflow.experiment.replicate import Arm, Experiment
from wholeflow.experiment.runners import DaskRunner, LocalRunner, SerialRunner


def bolton() -> Path:
    import wholeflow.examples

    return Path(wholeflow.examples.__file__).parent / "bolton"


def worker_cpu(runner: Any) -> float:
    """CPU seconds used so far by the runner's worker processes (0 for none)."""
    if isinstance(runner, DaskRunner):
        return sum(runner.client.run(time.process_time).values())
    pool = getattr(runner, "_pool", None)
    total = 0.0
    for process in getattr(pool, "_processes", {}).values():
        with open(f"/proc/{process.pid}/stat") as stat:  # utime, stime in clock ticks
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def timed(runner: Any, model: wholeflow.Model, replications: int,
          keep_open: bool = False) -> tuple[float, float, pd.DataFrame]:
    """Wall time, CPU time (this process and the workers, their start-up included) and KPIs
    of one run; the runner is closed afterwards unless ``keep_open``."""
    start, cpu = time.perf_counter(), time.process_time()
    before = worker_cpu(runner) if getattr(runner, "ready", True) else 0.0
    kpis = Experiment(seed=0, runner=runner).run(Arm("baseline", model), replications).kpis
    workers = worker_cpu(runner) - before
    if not keep_open:
        runner.close()
    wall = time.perf_counter() - start
    return wall, time.process_time() - cpu + workers, kpis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="workspace or model file")
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    model = wholeflow.load_model(args.model or bolton())
    n, w = args.replications, args.workers
    print(f"{model.name}: {n} replications, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start")

    # warm numba's on-disk cache so no runner pays for compiling the kernel
    Experiment(seed=0).run(Arm("baseline", model), 1)

    rows = []
    serial_s, serial_cpu, serial = timed(SerialRunner(), model, n)
    rows.append(("1 worker (this process)", serial_s, serial_cpu))
    local = LocalRunner(w)
    local_s, local_cpu, on_local = timed(local, model, n, keep_open=True)
    rows.append((f"{w} local worker processes, started for the run", local_s, local_cpu))
    dask = DaskRunner("local", workers=w)  # as `--cluster local` does; starts in the background
    dask_s, dask_cpu, on_dask = timed(dask, model, n, keep_open=True)
    rows.append((f"Dask LocalCluster, {w} workers, started for the run", dask_s, dask_cpu))
    # second runs: the pool and the cluster are up (as with `--cluster ADDRESS`)
    warm_local_s, warm_local_cpu, again_local = timed(local, model, n)
    rows.append((f"{w} local worker processes, already running", warm_local_s, warm_local_cpu))
    warm_dask_s, warm_dask_cpu, again_dask = timed(dask, model, n)
    rows.append((f"Dask cluster of {w} workers, already running", warm_dask_s, warm_dask_cpu))

    for other in (on_local, on_dask, again_local, again_dask):
        pd.testing.assert_frame_equal(serial, other)

    print("\n| runner | wall time (s) | replications / s | CPU time (s) | parallel efficiency |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, cpu in rows:
        print(f"| {name} | {seconds:.1f} | {n / seconds:.1f} | {cpu:.1f} | "
              f"{serial_cpu / cpu:.0%} |")
    print(f"\nspeed-up 1 -> {w} workers: {serial_s / local_s:.2f}x (target >= 1.7x); on "
          f"{w} idle cores the CPU times allow {w * serial_cpu / local_cpu:.2f}x")
    print(f"Dask against local processes (target <= 15 %): "
          f"{100 * (dask_s / local_s - 1):+.1f} % when both start for the run, "
          f"{100 * (warm_dask_s / warm_local_s - 1):+.1f} % when both are already running")
    print("identical KPIs on every runner: yes")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
