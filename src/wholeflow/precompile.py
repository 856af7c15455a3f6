"""Compile wholeflow's numba kernels before they are needed, in parallel processes.

numba compiles a kernel the first time it is called and keeps the machine code in its on-disk
cache (``cache=True``; where: :mod:`wholeflow._numba_cache`), so only the first run after an
install pays for compiling: about 7 s of CPU for the engine's event loop and 2 s for the KPI
passes on a fresh cache. numba compiles
under one lock per process, so kernels compiled in one process compile one after another;
separate processes compile side by side and share the result through the cache (each entry is
written to a temporary file and renamed into place, so processes never see half an entry).

Two ways this module uses that:

- **Alongside the kernel, automatically.** When a process starts compiling the engine's event
  loop (its cache is cold), a child process compiles the KPI passes at the same time on another
  core; by the time the first replication is simulated and its KPIs are wanted, they load from
  the cache. Nothing to call: :mod:`wholeflow.engine` arranges it on import.
- **Ahead of time**, with :func:`precompile`: a long-running program (the web app's server)
  calls ``precompile()`` as it starts; the groups not yet in the cache compile in child
  processes while the program carries on, and ``precompile(wait=True)`` before the first run
  waits for whatever is still compiling (instant once everything is cached).

Groups (``GROUPS``): ``engine`` (the event loop), ``kpis`` (the KPI passes over a run's
records), ``data`` (the event-log importer's passes). Each child compiles its group by running
the real code on a tiny input, so the compiled signatures are exactly those of real runs.
Set ``WHOLEFLOW_PRECOMPILE=0`` to start no child processes (everything then compiles on
first use, as numba does by default).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

#: The groups of kernels, and for each the compiled functions whose cache entries show that the
#: group is compiled ("module:function").
GROUPS: dict[str, tuple[str, ...]] = {
    "engine": ("wholeflow.engine.kernel:run_kernel",),
    "kpis": ("wholeflow.engine.kpis:_tally", "wholeflow.engine.kpis:_grouped_quantile",
             "wholeflow.engine.kpis:_people_tally", "wholeflow.engine.kpis:_journey_counts",
             "wholeflow.engine.staff_kpis:_repeats"),
    "data": ("wholeflow.data.episodes.event_order:_unpack",
             "wholeflow.data.episodes.stints:_pair",
             "wholeflow.data.episodes.linking:_journeys",
             "wholeflow.data.episodes.journey_rows:_same_paths"),
}

#: What the first run of a simulation needs: the groups :func:`precompile` compiles by default.
SIMULATION = ("engine", "kpis")

#: Set to "0" to start no compiling processes; set to "child" inside them.
ENV = "WHOLEFLOW_PRECOMPILE"

#: A small model whose one replication goes through the event loop's main paths: arrivals, a
#: full service with a queue, a referral triaged on a weekday calendar, rejection, a transfer
#: delay, the daily deadlock check.
TINY_MODEL: dict[str, Any] = {
    "name": "warm", "start_date": "2025-04-04", "warm_up_days": 1, "run_days": 6,
    "calendars": {"weekdays": {"days": ["mon", "tue", "wed", "thu", "fri"]}},
    "services": {
        "ward": {"capacity": 2, "length_of_stay": {"dist": "exponential", "mean": 1.0}},
        "rehab": {"capacity": 1, "length_of_stay": {"dist": "exponential", "mean": 2.0},
                  "referral": {"calendar": "weekdays", "triage_time": 0.2, "acceptance": 0.8}},
    },
    "arrivals": {"front_door": {"service": "ward", "per_day": 3.0}},
    "routes": {"ward": [{"to": "rehab", "probability": 0.5, "on_reject": "home",
                         "transfer_delay": 0.1},
                        {"to": "home", "probability": 0.5}],
               "rehab": [{"to": "home", "probability": 1.0}]},
}

#: At exit, wait this long for compiling children (their work fills the cache), then stop them.
EXIT_WAIT = 60.0

# group -> child process compiling it, started by this process
_children: dict[str, subprocess.Popen[bytes]] = {}
_children_lock = threading.Lock()  # a server may call precompile() from several threads
_owner = os.getpid()


class Compiling:
    """The child processes compiling some groups (empty when all were in the cache)."""

    def __init__(self, processes: dict[str, subprocess.Popen[bytes]]):
        self.processes = processes

    @property
    def groups(self) -> list[str]:
        """The groups being (or that were being) compiled in child processes."""
        return sorted(self.processes)

    def done(self) -> bool:
        """True when no child is still compiling."""
        return all(p.poll() is not None for p in self.processes.values())

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every child has finished (or ``timeout`` seconds); True if all did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for p in self.processes.values():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                p.wait(left)
            except subprocess.TimeoutExpired:
                return False
        return True

    def __repr__(self) -> str:
        state = "done" if self.done() else "compiling"
        return f"Compiling({self.groups}, {state})"


def precompile(groups: Iterable[str] = SIMULATION, wait: bool = False) -> Compiling:
    """Compile the kernels of ``groups`` that are not in numba's cache yet, each group in its
    own child process, and return at once (or, with ``wait=True``, when they are compiled).

    A group already being compiled by an earlier call is not started twice: call
    ``precompile()`` when a server starts and ``precompile(wait=True)`` before its first run.
    Results never depend on this: a kernel not compiled ahead compiles when first used.
    """
    wanted = list(groups)
    unknown = [g for g in wanted if g not in GROUPS]
    if unknown:
        raise ValueError(f"unknown kernel group(s) {unknown}; choose from {sorted(GROUPS)}")
    with _children_lock:
        started = {g: _start(g) for g in wanted}
    compiling = Compiling({g: p for g, p in started.items() if p is not None})
    if wait:
        compiling.wait()
    return compiling


def is_compiled(group: str) -> bool:
    """True when numba's cache holds every kernel of ``group`` for this machine."""
    try:
        return all(_cached(_dispatcher(name)) for name in GROUPS[group])
    except Exception:  # an unreadable cache counts as empty: compiling it again is safe
        return False


def _dispatcher(name: str) -> Any:
    import importlib

    module, function = name.split(":")
    return getattr(importlib.import_module(module), function)


def _cached(dispatcher: Any) -> bool:
    """Whether the dispatcher's cache index has an entry compiled for this machine."""
    cache = getattr(dispatcher, "_cache", None)
    cache_file = getattr(cache, "_cache_file", None)
    if cache_file is None:  # caching off
        return False
    magic = dispatcher.targetctx.codegen().magic_tuple()
    return any(key[1] == magic for key in cache_file._load_index())


def _start(group: str) -> subprocess.Popen[bytes] | None:
    """The child compiling ``group`` (already running, or started now); None if not needed."""
    running = _children.get(group)
    if running is not None and os.getpid() == _owner:
        return running
    if os.environ.get(ENV) in ("0", "child") or is_compiled(group):
        return None
    env = dict(os.environ, **{ENV: "child"})
    # the child must import this very wholeflow, wherever it was imported from
    here = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "wholeflow.precompile", group], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:  # no process could be started: everything compiles on first use instead
        return None
    _children[group] = process
    return process


def _tiny_model() -> Any:
    from wholeflow.model.schema import Model

    return Model.model_validate(TINY_MODEL)


def _compile_engine() -> None:
    from wholeflow.engine import compile_model, run_replication

    run_replication(compile_model(_tiny_model()), 0, 0)


def _compile_kpis() -> None:
    # Empty records of the layouts the kernel writes: the KPI passes compile for exactly the
    # types of a real run without running (or compiling) the event loop.
    from wholeflow.engine import compile_model
    from wholeflow.engine.kpis import journey_counts, replication_kpis
    from wholeflow.engine.records import DELAY, PERSON, REFERRAL, STINT, aligned_empty
    from wholeflow.engine.replication import Replication
    from wholeflow.engine.staff_kpis import repeated_assessments

    compiled = compile_model(_tiny_model())
    rows = 8
    empty = Replication(
        seed=0, replication=0, people=aligned_empty(rows, PERSON)[:0],
        stints=aligned_empty(rows, STINT)[:0], referrals=aligned_empty(rows, REFERRAL)[:0],
        delays=aligned_empty(rows, DELAY)[:0], events=0)
    replication_kpis(compiled, empty, 0)
    journey_counts(compiled, empty)
    repeated_assessments(compiled, empty)  # a model with a workforce needs it


def _compile_data() -> None:
    # A few rows of the shipped example's event log, imported into a throwaway workspace.
    from importlib import resources

    from wholeflow.data.storage.importer import import_events

    source = resources.files("wholeflow.examples") / "bolton" / "data" / "bolton-events.csv"
    with source.open(encoding="utf-8") as f:
        head = [next(f) for _ in range(60)]
    with tempfile.TemporaryDirectory(prefix="wholeflow-precompile-") as folder:
        log = Path(folder) / "events.csv"
        log.write_text("".join(head), encoding="utf-8")
        import_events(log, workspace=folder)


_COMPILERS: dict[str, Callable[[], None]] = {
    "engine": _compile_engine, "kpis": _compile_kpis, "data": _compile_data}


def compile_group(group: str) -> None:
    """Compile ``group`` in this process (what each child process does)."""
    _COMPILERS[group]()


_listening = False


def compile_alongside_kernel() -> None:
    """From now on, when the event loop starts compiling in this process (its cache is cold),
    compile the KPI passes in a child process next to it. Called once by :mod:`wholeflow.engine`
    as it is imported; calling it again changes nothing."""
    global _listening
    if _listening:
        return
    _listening = True
    from numba.core import event

    class Listener(event.Listener):
        def on_start(self, ev: Any) -> None:
            func = getattr(ev.data.get("dispatcher"), "py_func", None)
            if (getattr(func, "__module__", None) == "wholeflow.engine.kernel"
                    and getattr(func, "__name__", None) == "run_kernel"):
                with contextlib.suppress(Exception), _children_lock:  # never fail a run
                    _start("kpis")

        def on_end(self, ev: Any) -> None:
            pass

    event.register("numba:compile", Listener())


def _reap() -> None:
    """At exit, let compiling children finish (they fill the cache), within reason."""
    if os.getpid() != _owner:
        return
    deadline = time.monotonic() + EXIT_WAIT
    for p in _children.values():
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


atexit.register(_reap)


if __name__ == "__main__":
    compile_group(sys.argv[1])
