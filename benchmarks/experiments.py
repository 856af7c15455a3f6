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
    python benchmarks/experiments.py --rounds 3       # medians of three rounds
"""

from __future__ import annotations

import argparse
import os
import statistics
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


def one_round(model: wholeflow.Model, n: int, w: int) -> list[tuple[str, float, float]]:
    """(runner, wall, CPU) for each runner, each started for the run and then already up."""
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
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="workspace or model file")
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat every runner this many times and report medians (wall "
                             "times on a shared machine move by 10-20 %% from run to run)")
    args = parser.parse_args()
    model = wholeflow.load_model(args.model or bolton())
    n, w = args.replications, args.workers
    print(f"{model.name}: {n} replications, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start")

    # warm numba's on-disk cache so no runner pays for compiling the kernel
    Experiment(seed=0).run(Arm("baseline", model), 1)

    rounds = [one_round(model, n, w) for _ in range(args.rounds)]
    names = [name for name, _, _ in rounds[0]]
    wall = {name: [r[i][1] for r in rounds] for i, name in enumerate(names)}
    cpu = {name: [r[i][2] for r in rounds] for i, name in enumerate(names)}
    serial, local, dask, warm_local, warm_dask = names

    def ratio(a: str, b: str) -> list[float]:
        return [x / y for x, y in zip(wall[a], wall[b], strict=True)]

    def med(values: list[float]) -> float:
        return statistics.median(values)

    def each(values: list[float], fmt: str) -> str:
        return "" if len(values) == 1 else " (" + ", ".join(format(v, fmt) for v in values) + ")"

    if args.rounds > 1:
        print(f"\nmedians of {args.rounds} rounds (each round runs every runner once)")
    print("\n| runner | wall time (s) | replications / s | CPU time (s) | parallel efficiency |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        print(f"| {name} | {med(wall[name]):.1f} | {n / med(wall[name]):.1f} | "
              f"{med(cpu[name]):.1f} | {med(cpu[serial]) / med(cpu[name]):.0%} |")
    speed = ratio(serial, local)
    cold = [100 * (x - 1) for x in ratio(dask, local)]
    warm = [100 * (x - 1) for x in ratio(warm_dask, warm_local)]
    print(f"\nspeed-up 1 -> {w} workers: {med(speed):.2f}x{each(speed, '.2f')} (target >= 1.7x)")
    print(f"Dask against local processes (target <= 15 %): {med(cold):+.1f} %{each(cold, '+.1f')}"
          f" when both start for the run, {med(warm):+.1f} %{each(warm, '+.1f')} when both are "
          "already running")
    print("identical KPIs on every runner: yes")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
