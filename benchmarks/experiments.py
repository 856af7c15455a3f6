"""Benchmark: 1,000 replications of the Bolton baseline on each runner.

Prints wall time and replications per second for one worker (in this process), local worker
processes, and a Dask LocalCluster with as many single-threaded worker processes, then the
speed-up from 1 to 2 workers (target >= 1.7x) and the overhead of Dask against local processes
(target <= 15 %). On a shared machine wall times depend on what else runs, so the script also
adds up the CPU time of this process and of the workers: parallel efficiency is the serial CPU
time over the runner's, and on idle cores the speed-up is about workers x efficiency. Times
include starting the runner (the pool or the cluster), since that is what a user waits for; the
cluster's start-up is also shown on its own. Every runner must give identical KPIs, which the
script checks.

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


def timed(runner: Any, model: wholeflow.Model,
          replications: int) -> tuple[float, float, pd.DataFrame]:
    """Wall time, CPU time (this process and workers) and KPIs of one run."""
    start, cpu = time.perf_counter(), time.process_time()
    with runner:
        before = worker_cpu(runner)
        kpis = Experiment(seed=0, runner=runner).run(Arm("baseline", model), replications).kpis
        workers = worker_cpu(runner) - before
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
    local_s, local_cpu, local = timed(LocalRunner(w), model, n)
    rows.append((f"{w} local worker processes", local_s, local_cpu))
    start = time.perf_counter()
    dask = DaskRunner("local", workers=w)  # as `--cluster local` does
    cluster_start = time.perf_counter() - start
    run_s, dask_cpu, on_dask = timed(dask, model, n)
    dask_s = cluster_start + run_s
    rows.append((f"Dask LocalCluster, {w} workers", dask_s, dask_cpu))

    for other in (local, on_dask):
        pd.testing.assert_frame_equal(serial, other)

    print("\n| runner | wall time (s) | replications / s | CPU time (s) | parallel efficiency |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, cpu in rows:
        print(f"| {name} | {seconds:.1f} | {n / seconds:.1f} | {cpu:.1f} | "
              f"{serial_cpu / cpu:.0%} |")
    print(f"\nspeed-up 1 -> {w} workers: {serial_s / local_s:.2f}x (target >= 1.7x); on "
          f"{w} idle cores the CPU times allow {w * serial_cpu / local_cpu:.2f}x")
    print(f"Dask against local processes: {100 * (dask_s / local_s - 1):+.1f} % "
          f"(target <= 15 %); cluster start-up {cluster_start:.1f} s of it, "
          f"{100 * (run_s / local_s - 1):+.1f} % without it")
    print("identical KPIs on every runner: yes")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
