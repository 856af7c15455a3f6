"""Benchmark: the reference network in wholeflow, Ciw and SimPy, side by side in one process.

    python benchmarks/reference_network.py [--scales 1 10 100] [--repeats 5] [--ciw-max-scale 10]

Prints, per scale, the median wall time of one replication (after compilation) for each engine,
the events per replication, and the ratios to wholeflow. The model is described in
shared/benchmarks/reference-network.md: 425 days, 60-day warm-up, start empty; acute (400 beds)
sends 50 % home, 20 % to unit A (220), 15 % to unit B (130), 15 % to IMC at home (95); units
have no waiting room, so acute blocks. "Scale k" multiplies arrivals and capacities by k.

Ciw takes about 2 s per replication at scale 1 and grows with scale, so by default it runs at
scales up to --ciw-max-scale only (pass a larger value if you have the time).
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

WARM, END = 60.0, 425.0
CAPS = (400, 220, 130, 95)


def median_time(fn: Callable[[int], object], repeats: int) -> tuple[float, object]:
    times, out = [], None
    for r in range(repeats):
        t = time.perf_counter()
        out = fn(r)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


# ------------------------------------------------------------------ wholeflow
def wholeflow_engine(scale: float):
    from wholeflow.engine import compile_model, run_replication
    from wholeflow.engine.kpis import replication_kpis
    from wholeflow.examples.reference import reference_network

    cm = compile_model(reference_network(scale))
    run_replication(cm, 0, 0)  # compile (or load the cached kernel) outside the timing

    def one(r: int):
        rep = run_replication(cm, 1, r)
        services, metrics, values = replication_kpis(cm, rep, rep.n_initial)
        return rep.events, dict(zip(zip(services, metrics, strict=True), values, strict=True))

    return one


# ------------------------------------------------------------------ SimPy
def simpy_engine(scale: float):
    import simpy

    caps = [round(c * scale) for c in CAPS]
    rate = 40 * scale

    def lognormal(rng, mean, sd):
        s2 = math.log1p((sd / mean) ** 2)
        return rng.lognormvariate(math.log(mean) - s2 / 2, math.sqrt(s2))

    def one(seed: int):
        import random

        rng = random.Random(seed)
        env = simpy.Environment()
        beds = [simpy.Resource(env, capacity=c) for c in caps]
        occ_area = [0.0] * 4
        delayed = [0.0]
        left = [0]

        def stay(a, b):
            lo, hi = max(a, WARM), min(b, END)
            return max(0.0, hi - lo)

        def patient(env):
            acute_req = beds[0].request()
            yield acute_req
            start = env.now
            yield env.timeout(lognormal(rng, 5, 4))
            ready = env.now
            u = rng.random()
            unit = 1 if u < 0.2 else 2 if u < 0.35 else 3 if u < 0.5 else None
            if unit is not None:
                req = beds[unit].request()  # FIFO: first blocked, first released
                yield req
            end = env.now
            beds[0].release(acute_req)
            occ_area[0] += stay(start, end)
            delayed[0] += stay(ready, end)
            if unit is not None:
                los = (lognormal(rng, 25, 12) if unit == 1 else lognormal(rng, 20, 10)
                       if unit == 2 else rng.expovariate(1 / 14))
                yield env.timeout(los)
                beds[unit].release(req)
                occ_area[unit] += stay(end, env.now)
            if WARM <= env.now < END:
                left[0] += 1

        def arrivals(env):
            while True:
                yield env.timeout(rng.expovariate(rate))
                env.process(patient(env))

        env.process(arrivals(env))
        env.run(until=END)
        return None, {"occupancy": [a / (END - WARM) for a in occ_area],
                      "delayed": delayed[0], "left": left[0]}

    return one


# ------------------------------------------------------------------ Ciw
def ciw_engine(scale: float):
    import ciw

    caps = [round(c * scale) for c in CAPS]

    def lognormal(mean, sd):
        s2 = math.log1p((sd / mean) ** 2)
        return ciw.dists.Lognormal(math.log(mean) - s2 / 2, math.sqrt(s2))

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=40 * scale), None, None, None],
        service_distributions=[lognormal(5, 4), lognormal(25, 12), lognormal(20, 10),
                               ciw.dists.Exponential(rate=1 / 14)],
        number_of_servers=caps,
        queue_capacities=[float("inf"), 0, 0, 0],
        routing=[[0.0, 0.2, 0.15, 0.15], [0.0] * 4, [0.0] * 4, [0.0] * 4],
    )

    def one(seed: int):
        ciw.seed(seed)
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(END)
        return None, {"records": len(sim.get_all_records())}

    return one


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ciw-max-scale", type=float, default=10)
    ap.add_argument("--simpy-max-scale", type=float, default=100)
    args = ap.parse_args()
    print(f"reference network, {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, median of {args.repeats} replications")
    header = (f"{'scale':>6} {'events':>10} {'wholeflow s':>12} {'SimPy s':>9} {'Ciw s':>8} "
              f"{'SimPy/wf':>9} {'Ciw/wf':>8} {'us/event':>9}")
    print(header)
    print("-" * len(header))
    rows = []
    for scale in args.scales:
        wf_time, (events, kpis) = median_time(wholeflow_engine(scale), args.repeats)
        sp_time = ciw_time = float("nan")
        if scale <= args.simpy_max_scale:
            sp_time, _ = median_time(simpy_engine(scale), args.repeats)
        if scale <= args.ciw_max_scale:
            ciw_time, _ = median_time(ciw_engine(scale), max(1, args.repeats if scale <= 1 else 3)
                                      if scale > 1 else args.repeats)
        rows.append((scale, events, wf_time, sp_time, ciw_time))
        print(f"{scale:>6g} {events:>10,} {wf_time:>12.4f} {sp_time:>9.3f} {ciw_time:>8.2f} "
              f"{sp_time / wf_time:>9.0f} {ciw_time / wf_time:>8.0f} "
              f"{1e6 * wf_time / events:>9.3f}", flush=True)
        occ = [kpis[(s, "mean_occupancy")] for s in ("acute", "unit_a", "unit_b", "imc")]
        print(f"{'':>6} wholeflow check: occupancy {np.round(occ, 1).tolist()}, "
              f"delayed acute days {kpis[('acute', 'delayed_days')]:,.0f}, "
              f"left {kpis[('system', 'departures')]:,.0f}")
    if len(rows) > 1:
        (s0, e0, t0, *_), (s1, e1, t1, *_) = rows[0], rows[-1]
        growth = (t1 / t0) / ((e1 * math.log(e1)) / (e0 * math.log(e0)))
        print(f"time growth from scale {s0:g} to {s1:g} relative to events x log(events): "
              f"{growth:.2f} (<= 1 means no faster than n log n)")


if __name__ == "__main__":
    main()
