"""Benchmark: the first answer after a fresh install, when numba has everything to compile.

    python benchmarks/cold_start.py                  # this checkout
    python benchmarks/cold_start.py --before main    # ... side by side with a git ref

For each source tree ("after" is this checkout's ``src``; ``--before REF`` adds that git ref's)
each cold measurement gets a fresh install: a new copy of the package in a temporary folder,
byte-compiled as pip does when it installs (not timed), and an empty user cache folder
(``XDG_CACHE_HOME``; ``NUMBA_CACHE_DIR`` is unset), so nothing compiled earlier is found. It
times, each in a new process:

- ``wholeflow demo`` (10 replications an arm): when its first comparison table appears (the
  first answer a newcomer reads) and when it finishes;
- the first run in a fresh process: ``wholeflow.simulate`` of the Bolton example, 20
  replications, and its KPI summary (what the web app does when a scenario is run);
- the same run again, now on a warm cache (start-up and simulating only: unchanged speed);
- the same run after a second fresh install of the same code, with the user's cache kept (a new
  virtual environment, a reinstall): warm where the cache survives installation;
- ``precompile(wait=True)`` on an empty cache: how long a server that compiles at start needs
  before its first run is warm (``after`` only: the function is new);
- the compile time of each wholeflow kernel, in one process with nothing compiled ahead.

Times are wall clock, CPU (user + system of the process and of every child it waited for) and
main CPU (the process alone: on a machine with a core free for its children, about the wall
time). The machine may be shared: CPU times are the steadier figures; the load average is
printed.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs a command's code and, at exit, prints this process's own CPU time (its children's not
# included): on a machine with a free core for the children, about the wall time.
LAUNCH = """
import atexit, runpy, sys, time
atexit.register(lambda: print("MAIN-CPU", time.process_time(), flush=True))
if sys.argv[1] == "-m":
    sys.argv = sys.argv[2:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    exec(compile(sys.argv[1], "<benchmark>", "exec"), {"__name__": "__main__"})
"""

FIRST_RUN = """
import wholeflow
from wholeflow.cli.demo import example_folder
results = wholeflow.simulate(wholeflow.load_model(example_folder()), replications=20, seed=1)
results.summary()
"""

PRECOMPILE = """
from wholeflow.precompile import precompile
precompile(wait=True)
"""

# Times each wholeflow function numba compiles, outermost only (a kernel's helpers compile
# inside it), with nothing compiled ahead.
PER_FUNCTION = """
import json, time
from numba.core import event
times, stack = {}, []
class Listener(event.Listener):
    def on_start(self, ev):
        stack.append((ev.data["dispatcher"].py_func, time.process_time()))
    def on_end(self, ev):
        f, t0 = stack.pop()
        name = f.__module__.rsplit(".", 1)[-1] + "." + f.__name__
        if not stack and f.__module__.startswith("wholeflow"):
            times[name] = times.get(name, 0.0) + time.process_time() - t0
event.register("numba:compile", Listener())
import wholeflow
from wholeflow.cli.demo import example_folder
from wholeflow.engine.kpis import journey_counts
results = wholeflow.simulate(wholeflow.load_model(example_folder()), replications=1, seed=1)
results.summary()
journey_counts(results.compiled, results.replications[0])
print(json.dumps(times))
"""


def install(tree: Path, into: Path) -> Path:
    """A fresh copy of the package (as a wheel install would lay it out), byte-compiled."""
    site = into / "site"
    shutil.copytree(tree / "wholeflow", site / "wholeflow",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"))
    compileall.compile_dir(str(site), quiet=1)
    return site


def tree_at(ref: str, into: Path) -> Path:
    """The ``src`` folder of git ref ``ref``, extracted (no checkout of this worktree)."""
    data = subprocess.run(["git", "archive", "--format=tar", ref, "src"], cwd=ROOT,
                          capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


class Timed:
    """Run a command; wall time, CPU of the finished process tree, and when a line appeared."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, mark: str | None = None):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        self.first: float | None = None
        lines = []
        with subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as p:
            assert p.stdout is not None
            for line in p.stdout:
                lines.append(line)
                if mark is not None and self.first is None and line.startswith(mark):
                    self.first = time.perf_counter() - start
        self.wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        self.output = "".join(lines)
        self.main_cpu = next((float(line.split()[1]) for line in lines
                              if line.startswith("MAIN-CPU")), float("nan"))
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{self.output[-3000:]}")


def first_scenario() -> str:
    """The title line of the demo's first comparison table starts with the scenario's name."""
    sys.path.insert(0, str(ROOT / "src"))
    from wholeflow.cli.demo import example_folder
    from wholeflow.model import load_model
    from wholeflow.model.scenarios import list_scenarios

    return list_scenarios(load_model(example_folder()))[0] + ":"


def measure(label: str, tree: Path, work: Path) -> dict[str, tuple[float, float, float] | None]:
    base = dict(os.environ, COLUMNS="100")
    base.pop("NUMBA_CACHE_DIR", None)  # numba's and wholeflow's own cache places, as installed
    py = sys.executable
    out: dict[str, tuple[float, float, float] | None] = {}
    copies = iter(range(100))

    def fresh(user_cache: str | None = None) -> dict[str, str]:
        """A fresh install (its own copy, so an empty __pycache__) and, unless one is given, an
        empty user cache folder."""
        n = next(copies)
        site = install(tree, work / label / f"install-{n}")
        return dict(base, PYTHONPATH=str(site),
                    XDG_CACHE_HOME=user_cache or str(work / label / f"user-cache-{n}"))

    demo = Timed([py, "-c", LAUNCH, "-m", "wholeflow", "demo", "--out", str(work / label / "demo")],
                 fresh(), work, mark=first_scenario())
    out["demo: first comparison shown"] = (demo.first or float("nan"), float("nan"),
                                             float("nan"))
    out["demo: finished"] = (demo.wall, demo.cpu, demo.main_cpu)
    env = fresh()
    run = Timed([py, "-c", LAUNCH, FIRST_RUN], env, work)
    out["first run: Bolton, 20 replications"] = (run.wall, run.cpu, run.main_cpu)
    again = Timed([py, "-c", LAUNCH, FIRST_RUN], env, work)
    out["the same run again, warm cache"] = (again.wall, again.cpu, again.main_cpu)
    reinstall = Timed([py, "-c", LAUNCH, FIRST_RUN], fresh(env["XDG_CACHE_HOME"]), work)
    out["first run after a second install"] = (reinstall.wall, reinstall.cpu, reinstall.main_cpu)
    env = fresh()
    if (Path(env["PYTHONPATH"]) / "wholeflow" / "precompile.py").exists():
        pre = Timed([py, "-c", LAUNCH, PRECOMPILE], env, work)
        out["server start: precompile(wait=True)"] = (pre.wall, pre.cpu, pre.main_cpu)
    else:
        out["server start: precompile(wait=True)"] = None
    per = Timed([py, "-c", PER_FUNCTION], dict(fresh(), WHOLEFLOW_PRECOMPILE="0"), work)
    out["functions"] = json.loads(per.output.strip().splitlines()[-1])  # type: ignore[assignment]
    return out


def cell(value: tuple[float, float, float] | None) -> str:
    if value is None:
        return f"{'n/a':>26}"
    return "".join(f"{'' if v != v else f'{v:.1f}':>9}" for v in value)  # NaN: not measured


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="git ref to compare with (its src/, extracted)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="wholeflow-cold-") as folder:
        work = Path(folder)
        trees = {}
        if args.before:
            trees[f"before ({args.before})"] = tree_at(args.before, work / "before-src")
        trees["after (this checkout)"] = ROOT / "src"
        print(f"cold start, {os.cpu_count()} cores, load average at start "
              f"{os.getloadavg()[0]:.1f}; times in seconds, wall and CPU (user + system)")
        results = {label: measure(label.split()[0], tree, work) for label, tree in trees.items()}
    labels = list(results)
    print(f"\n{'':<38}" + "".join(f"{lab:>31}" for lab in labels))
    print(f"{'':<38}" + f"{'':>5}{'wall':>9}{'CPU':>9}{'main CPU':>9}" * len(labels))
    for row in results[labels[-1]]:
        if row == "functions":
            continue
        print(f"{row:<38}" + "".join(f"{'':>5}{cell(results[lab][row])}" for lab in labels))
    print("CPU: the process and every child it waited for; main CPU: the process alone")
    print("\ncompile time of each kernel, CPU seconds, one process, nothing compiled ahead")
    names = list(dict.fromkeys(n for lab in labels for n in results[lab]["functions"]))  # type: ignore[union-attr]
    for name in names:
        values = [results[lab]["functions"].get(name) for lab in labels]  # type: ignore[union-attr]
        print(f"{name:<38}" + "".join(f"{'':>23}{v:>8.2f}" if v is not None else f"{'-':>31}"
                                      for v in values))
    totals = [sum(results[lab]["functions"].values()) for lab in labels]  # type: ignore[union-attr]
    print(f"{'total':<38}" + "".join(f"{'':>23}{t:>8.2f}" for t in totals))
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
