"""Benchmark: what the workforce, placements, named waits and cohorts cost, and what they do
not cost a model without them.

    python benchmarks/workforce.py [--repeats 30] [--model PATH ...]

Prints the median and fastest wall time and the median CPU time of one replication (after
compilation, KPIs included) of the reference network at scales 1 and 10, of Bolton as it was
before these sections (a frozen copy kept with the tests) and of every --model given (e.g. the
shipped Bolton example, which has a workforce). Run it once with this checkout's src on
PYTHONPATH and once with an older one's to compare the two side by side; the frozen Bolton and
the reference network load in both.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FROZEN = ROOT / "tests" / "engine" / "data" / "bolton_frozen.yaml"


def per_replication(model, repeats: int  # type: ignore[no-untyped-def]
                    ) -> tuple[float, float, float, int]:
    from wholeflow.engine import compile_model, run_replication
    from wholeflow.engine.kpis import replication_kpis

    cm = compile_model(model)
    run_replication(cm, 0, 0)  # compile (or load the cached kernel) outside the timing
    times, cpu, events = [], [], 0
    for r in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        rep = run_replication(cm, 1, r)
        replication_kpis(cm, rep, rep.n_initial)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        events = rep.events
    return statistics.median(times), min(times), statistics.median(cpu), events


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--model", nargs="*", default=[])
    args = ap.parse_args()
    import wholeflow
    from wholeflow.examples.reference import reference_network

    cases = [("reference network, scale 1", reference_network(1)),
             ("reference network, scale 10", reference_network(10)),
             ("Bolton before the four arrows (frozen)", wholeflow.load_model(FROZEN))]
    cases += [(m, wholeflow.load_model(m)) for m in args.model]
    print(f"wholeflow from {Path(wholeflow.__file__).parent}")
    print("| model | events | median s | fastest s | median CPU s |")
    print("|---|---:|---:|---:|---:|")
    for name, model in cases:
        median, fastest, cpu, events = per_replication(model, args.repeats)
        print(f"| {name} | {events:,} | {median:.4f} | {fastest:.4f} | {cpu:.4f} |")


if __name__ == "__main__":
    main()
