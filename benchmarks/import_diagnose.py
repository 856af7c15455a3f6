"""Benchmark: import a 10-million-event log, add a month's extract to it, run every diagnostic.

The log is a year of a large integrated care system (two acute hospitals, community beds,
step-down, intermediate care and re-ablement at home, district nursing, social care packages,
a mental health ward), drawn from a model with :func:`wholeflow.data.synthetic.logs.sample_tables`
and written as CSV and as Parquet. Each phase runs in its own process so that its wall time and
peak memory (maximum resident set size) are its own.

    python benchmarks/import_diagnose.py                  # 10 million events
    python benchmarks/import_diagnose.py --events 1e6     # a quicker look
    python benchmarks/import_diagnose.py --rounds 3       # medians of 3 imports of each

Wall times on a shared machine vary by 10-20 % from run to run; ``--rounds`` repeats each
import (into a fresh workspace) and reports the median wall and CPU times and the largest peak.

The monthly extract: the log is cut at the time before which 99 % of its events fall; the
first part is imported into a store, and the last 1 % (a later extract, as a team loads every
month) is then imported into it and timed. Only the people that extract touches are paired
again (those with new events and those still open), so its time should not grow with the store.

Targets on a 2-core machine: import >= 1 million events per second, every diagnostic together
< 60 s, peak memory < 4 GB; adding a 1 % extract to a 10-million-event store <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

EVENTS_PER_JOURNEY = 8.7  # of the model below, measured: arrivals per day scale with --events

MODEL = """
name: a large integrated care system
start_date: 2024-04-01
run_days: 365
classes: {{general: {{}}, frail: {{}}}}
exits: {{home: {{}}, care_home: {{}}, died: {{}}, out_of_area: {{}}}}
services:
  acute_north:
    length_of_stay: {{dist: lognormal, mean: 4.5, sd: 5}}
    length_of_stay_by_class: {{frail: {{dist: lognormal, mean: 9, sd: 8}}}}
    assessments: 2
  acute_south:
    length_of_stay: {{dist: lognormal, mean: 5, sd: 5}}
    length_of_stay_by_class: {{frail: {{dist: lognormal, mean: 10, sd: 8}}}}
    assessments: 2
  community_beds:
    length_of_stay: {{dist: gamma, mean: 24, sd: 12}}
    referral: {{acceptance: 0.6, triage_time: {{dist: exponential, mean: 1.0}}}}
    assessments: 2
  step_down:
    length_of_stay: {{dist: gamma, mean: 14, sd: 7}}
    referral: {{acceptance: 0.8, triage_time: {{dist: exponential, mean: 0.5}}}}
    assessments: 1
  imc_home:
    holds_on_transfer: false
    length_of_stay: {{dist: exponential, mean: 14}}
    referral: {{acceptance: 0.8, triage_time: {{dist: exponential, mean: 0.7}}}}
    assessments: 1
  reablement:
    holds_on_transfer: false
    length_of_stay: {{dist: gamma, mean: 21, sd: 10}}
    referral: {{acceptance: 0.9, triage_time: {{dist: exponential, mean: 1.5}}}}
    assessments: 1
  district_nursing:
    holds_on_transfer: false
    length_of_stay: {{dist: weibull, shape: 0.9, scale: 30}}
  social_care:
    holds_on_transfer: false
    length_of_stay: {{dist: lognormal, mean: 60, sd: 50}}
    referral: {{acceptance: 0.85, triage_time: {{dist: exponential, mean: 3}}}}
    assessments: 1
  mental_health_ward:
    length_of_stay: {{dist: lognormal, mean: 30, sd: 25}}
    assessments: 2
arrivals:
  north: {{service: acute_north, per_day: {north}, class_mix: {{general: 0.75, frail: 0.25}},
          weekday_profile: {{mon: 1.2, tue: 1.05, wed: 1, thu: 1, fri: 1.05, sat: 0.8,
                            sun: 0.9}}}}
  south: {{service: acute_south, per_day: {south}, class_mix: {{general: 0.7, frail: 0.3}}}}
  gp: {{service: district_nursing, per_day: {gp}, class_mix: {{general: 0.6, frail: 0.4}}}}
  crisis: {{service: mental_health_ward, per_day: {crisis}, class_mix: {{general: 1.0}}}}
routes:
  acute_north:
    - {{to: home, probability: 0.58}}
    - {{to: community_beds, probability: 0.08, on_reject: step_down}}
    - {{to: step_down, probability: 0.05, on_reject: home}}
    - {{to: imc_home, probability: 0.1, on_reject: home}}
    - {{to: reablement, probability: 0.1, on_reject: home}}
    - {{to: social_care, probability: 0.05, on_reject: home}}
    - {{to: died, probability: 0.03}}
    - {{to: out_of_area, probability: 0.01}}
  acute_south:
    - {{to: home, probability: 0.6}}
    - {{to: community_beds, probability: 0.1, on_reject: imc_home}}
    - {{to: imc_home, probability: 0.12, on_reject: home}}
    - {{to: reablement, probability: 0.1, on_reject: home}}
    - {{to: care_home, probability: 0.05}}
    - {{to: died, probability: 0.03}}
  community_beds:
    - {{to: home, probability: 0.5}}
    - {{to: reablement, probability: 0.25, on_reject: home}}
    - {{to: social_care, probability: 0.15, on_reject: home}}
    - {{to: care_home, probability: 0.1}}
  step_down:
    - {{to: home, probability: 0.7}}
    - {{to: reablement, probability: 0.3, on_reject: home}}
  imc_home:
    - {{to: home, probability: 0.85}}
    - {{to: social_care, probability: 0.1, on_reject: home}}
    - {{to: acute_north, probability: 0.05}}
  reablement:
    - {{to: home, probability: 0.8}}
    - {{to: social_care, probability: 0.2, on_reject: home}}
  district_nursing:
    - {{to: home, probability: 0.9}}
    - {{to: acute_south, probability: 0.1}}
  social_care:
    - {{to: home, probability: 0.7}}
    - {{to: care_home, probability: 0.2}}
    - {{to: died, probability: 0.1}}
  mental_health_ward:
    - {{to: home, probability: 0.8}}
    - {{to: social_care, probability: 0.2, on_reject: home}}
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds used by this process, all threads (wall time on idle cores, roughly x2)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def generate(folder: Path, events: float) -> dict[str, float]:
    """Draw the log and write it as CSV and Parquet."""
    import duckdb
    import pandas as pd

    from wholeflow.data.synthetic.logs import event_log, sample_tables
    from wholeflow.model import parse_model

    per_day = events / EVENTS_PER_JOURNEY / 365
    model = parse_model(MODEL.format(north=round(per_day * 0.45, 2),
                                     south=round(per_day * 0.35, 2),
                                     gp=round(per_day * 0.15, 2),
                                     crisis=round(per_day * 0.05, 2)))
    start = time.perf_counter()
    stays, referrals = sample_tables(model, seed=2024)
    log = event_log(stays, referrals, until=pd.Timestamp("2025-04-01"))
    con = duckdb.connect()
    con.register("log", log)
    con.execute(f"COPY log TO '{folder / 'events.csv'}' (HEADER, TIMESTAMPFORMAT "
                "'%Y-%m-%d %H:%M:%S')")
    con.execute(f"COPY log TO '{folder / 'events.parquet'}' (FORMAT PARQUET)")
    cut = log["timestamp"].quantile(0.99)
    for name, part in (("base", "<="), ("extract", ">")):
        con.execute(f"COPY (SELECT * FROM log WHERE timestamp {part} TIMESTAMP '{cut}') "
                    f"TO '{folder / (name + '.parquet')}' (FORMAT PARQUET)")
    return {"seconds": time.perf_counter() - start, "events": float(len(log)),
            "people": float(log["person"].nunique()), "peak_mb": _peak_mb()}


def base_phase(folder: Path) -> dict[str, Any]:
    from wholeflow.data.storage.importer import import_events

    report = import_events(folder / "base.parquet", folder / "ws_base")
    return {"events": float(report.rows_in)}


def increment_phase(folder: Path) -> dict[str, Any]:
    """Add the last 1 % of the log to a copy of the store of the first 99 % (made once, by
    the phase ``base``, in a process of its own: the peak memory is the extract's)."""
    from wholeflow.data.storage.importer import import_events

    shutil.rmtree(folder / "ws_round", ignore_errors=True)
    shutil.copytree(folder / "ws_base", folder / "ws_round")
    try:
        start, cpu = time.perf_counter(), _cpu_s()
        report = import_events(folder / "extract.parquet", folder / "ws_round")
        seconds, cpu = time.perf_counter() - start, _cpu_s() - cpu
    finally:
        shutil.rmtree(folder / "ws_round", ignore_errors=True)
    assert report.rows_in == report.rows_loaded + report.rows_quarantined
    return {"seconds": seconds, "events": float(report.rows_in), "peak_mb": _peak_mb(),
            "cpu_s": cpu, "quarantined": float(report.rows_quarantined),
            "steps": {name: [t.wall, t.cpu] for name, t in report.steps.items()}}


def import_phase(folder: Path, kind: str) -> dict[str, Any]:
    from wholeflow.data.storage.importer import import_events

    workspace = folder / f"ws_{kind}"
    shutil.rmtree(workspace, ignore_errors=True)  # each round imports afresh
    start = time.perf_counter()
    report = import_events(folder / f"events.{kind}", workspace)
    seconds = time.perf_counter() - start
    assert report.rows_in == report.rows_loaded + report.rows_quarantined
    return {"seconds": seconds, "events": float(report.rows_in),
            "quarantined": float(report.rows_quarantined), "peak_mb": _peak_mb(),
            "cpu_s": _cpu_s(),
            "steps": {name: [t.wall, t.cpu] for name, t in report.steps.items()}}


def diagnose_phase(folder: Path) -> dict[str, float]:
    from wholeflow.data.diagnosis.diagnostics import diagnose
    from wholeflow.data.diagnosis.discovery import discover

    start = time.perf_counter()
    tables = diagnose(folder / "ws_csv", handling_hours=1.0)
    discover(folder / "ws_csv")
    return {"seconds": time.perf_counter() - start, "tables": float(len(tables) + 3),
            "peak_mb": _peak_mb(), "cpu_s": _cpu_s()}


def _child(phase: str, folder: Path, extra: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--folder", str(folder),
                          "--events", extra], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Median wall and CPU time of several imports (in all and per step), the largest peak,
    and every wall time."""
    steps = {name: [statistics.median(r["steps"][name][i] for r in rounds) for i in (0, 1)]
             for name in rounds[0]["steps"]}
    return {"seconds": statistics.median(r["seconds"] for r in rounds),
            "events": rounds[0]["events"],
            "cpu_s": statistics.median(r["cpu_s"] for r in rounds),
            "peak_mb": max(r["peak_mb"] for r in rounds),
            "walls": [r["seconds"] for r in rounds], "steps": steps}


def _print_steps(csv: dict[str, Any], parquet: dict[str, Any]) -> None:
    """Where the import's time goes: wall and CPU seconds of each step (medians). CPU is the
    whole process's while the step ran: the event rows are written beside pairing, so those
    two share theirs."""
    print("\n| import step | CSV wall | CSV CPU | Parquet wall | Parquet CPU |")
    print("|---|---:|---:|---:|---:|")
    for name, (wall, cpu) in csv["steps"].items():
        pwall, pcpu = parquet["steps"].get(name, [float("nan")] * 2)
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {pwall:.2f} s | {pcpu:.2f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="1e7", help="events in the log (default 1e7)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="imports of each format; medians are reported (default 1)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        folder = Path(args.folder)
        result = (generate(folder, float(args.events)) if args.phase == "generate" else
                  import_phase(folder, args.phase) if args.phase in ("csv", "parquet") else
                  increment_phase(folder) if args.phase == "increment" else
                  base_phase(folder) if args.phase == "base" else
                  diagnose_phase(folder))
        print(json.dumps(result))
        return
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="wholeflow-bench-") as tmp:
        folder = Path(tmp)
        gen = _child("generate", folder, args.events)
        csv_mb = (folder / "events.csv").stat().st_size / 1e6
        csv = _median([_child("csv", folder, args.events) for _ in range(args.rounds)])
        parquet = _median([_child("parquet", folder, args.events)
                           for _ in range(args.rounds)])
        diag = _child("diagnose", folder, args.events)
        _child("base", folder, args.events)
        increment = _median([_child("increment", folder, args.events)
                             for _ in range(args.rounds)])
    n = gen["events"]
    print(f"log: {n:,.0f} events of {gen['people']:,.0f} people, a year "
          f"(CSV {csv_mb:,.0f} MB; drawn in {gen['seconds']:.0f} s); {os.cpu_count()} cores, "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after\n")
    if args.rounds > 1:
        print(f"imports: median of {args.rounds} rounds (wall times "
              f"{', '.join(f'{w:.1f}' for w in csv['walls'])} s for CSV, "
              f"{', '.join(f'{w:.1f}' for w in parquet['walls'])} s for Parquet)\n")
    print("| step | wall time | CPU time | rate (wall) | peak memory | target |")
    print("|---|---|---|---|---|---|")
    for label, r in (("import CSV", csv), ("import Parquet", parquet)):
        print(f"| {label} | {r['seconds']:.1f} s | {r['cpu_s']:.1f} s | "
              f"{n / r['seconds'] / 1e6:.2f} M events/s | {r['peak_mb'] / 1024:.2f} GB | "
              ">= 1 M events/s, < 4 GB |")
    print(f"| all diagnostics ({diag['tables']:.0f} tables) | {diag['seconds']:.1f} s | "
          f"{diag['cpu_s']:.1f} s | - | {diag['peak_mb'] / 1024:.2f} GB | < 60 s, < 4 GB |")
    added = increment["events"]
    print(f"| add a 1 % extract ({added:,.0f} events, Parquet) to the store of the other "
          f"{n - added:,.0f} | {increment['seconds']:.2f} s | {increment['cpu_s']:.2f} s | - | "
          f"{increment['peak_mb'] / 1024:.2f} GB | <= 1.5 s (10 M events) |")
    _print_steps(csv, parquet)
    print("\n| step of adding the extract | wall | CPU |")
    print("|---|---:|---:|")
    for name, (wall, cpu) in increment["steps"].items():
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s |")


if __name__ == "__main__":
    main()
