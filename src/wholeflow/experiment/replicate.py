"""Run the arms of an experiment on common random numbers, keeping every finished replication.

An *arm* is one model to replicate: the baseline, a scenario, or a variant made by a capacity
search or a sensitivity analysis. Every arm runs replications ``0 .. n-1`` with the same seed, so
replication ``r`` of every arm draws the same random numbers wherever the models agree (common
random numbers): their paired differences are free of the noise they share.

:class:`Experiment` finds an arm's stored run (see :mod:`wholeflow.experiment.store`), runs only
the replications missing, and writes them to the store every :data:`FLUSH_EVERY` replications
and whenever the run stops — also when it stops because of Ctrl-C or a lost cluster — so
finished work is never lost and an identical rerun picks up where it stopped.

The function sent to workers, :func:`replicate`, runs one replication and turns it into the
requested tables there, so building tables runs in parallel too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd

from wholeflow.experiment.runners import Runner, SerialRunner
from wholeflow.experiment.store import Run, RunStore
from wholeflow.model.schema import Model

#: Write finished replications to the store at least this often.
FLUSH_EVERY = 50

Progress = Callable[[int, int], None]


def replicate(model: Model, compiled: Any, seed: int, tables: tuple[str, ...],
              replication: int) -> dict[str, pd.DataFrame]:
    """Run replication ``replication`` and return the requested tables (runs in a worker)."""
    from wholeflow.engine import Results, run_replication

    results = Results(model, compiled, [run_replication(compiled, seed, replication)])
    return {name: getattr(results, name) for name in tables}


@dataclass(frozen=True)
class Arm:
    """One model to replicate, with a label and the patch that made it from the baseline."""

    label: str
    model: Model
    patches: dict[str, Any] = field(default_factory=dict)


@dataclass
class ArmResult:
    """The first ``replications`` replications of one arm."""

    arm: Arm
    run_id: str
    replications: int
    tables: dict[str, pd.DataFrame]

    @property
    def kpis(self) -> pd.DataFrame:
        return self.tables["kpis"]

    def kpi(self, metric: str, service: str = "system") -> pd.Series:
        """One KPI's values indexed by replication."""
        k = self.kpis
        sel = k[(k["metric"] == metric) & (k["service"] == service)]
        return sel.set_index("replication")["value"].astype(float).sort_index()


class Experiment:
    """Replicates arms on common random numbers through a runner, keeping results in a store."""

    def __init__(self, seed: int = 0, runner: Runner | None = None,
                 store: RunStore | None = None, tables: tuple[str, ...] = ("kpis",),
                 progress: Progress | None = None):
        self.seed = seed
        self.runner: Runner = runner if runner is not None else SerialRunner()
        self.store = store if store is not None else RunStore(memory=True)
        self.tables = tuple(dict.fromkeys(("kpis", *tables)))
        self.progress = progress
        self.done = 0
        self.planned = 0
        self.simulated = 0  # replications actually run (not read back from the store)

    def _open(self, arm: Arm) -> Run:
        run = self.store.open(arm.model, self.seed, arm.label, arm.patches, self.tables)
        if not set(self.tables) <= set(run.tables):
            run.reset(tuple(dict.fromkeys((*run.tables, *self.tables))))
        return run

    def missing(self, arm: Arm, replications: int) -> int:
        """Replications of ``arm`` that would have to run to have ``replications``."""
        return max(0, replications - self._open(arm).replications)

    def expect(self, replications: int) -> None:
        """Tell the progress display that this many more replications are coming."""
        self.planned += replications
        self._report()

    def run(self, arm: Arm, replications: int) -> ArmResult:
        """The first ``replications`` replications of ``arm``, running only those not stored."""
        run = self._open(arm)
        if run.replications < replications:
            self._simulate(arm, run, replications)
        tables = {name: run.load(name, replications) for name in self.tables}
        return ArmResult(arm, run.id, replications, tables)

    def _simulate(self, arm: Arm, run: Run, replications: int) -> None:
        from wholeflow.engine import compile_model

        first = run.replications
        extra = replications - first
        if self.done + extra > self.planned:
            self.planned = self.done + extra
        compiled = compile_model(arm.model)
        fn = partial(replicate, arm.model, compiled, self.seed, run.tables)
        buffer: list[dict[str, pd.DataFrame]] = []
        try:
            for tables in self.runner.map(fn, range(first, replications)):
                buffer.append(tables)
                self.simulated += 1
                self.done += 1
                self._report()
                if len(buffer) >= FLUSH_EVERY:
                    _flush(run, buffer)
        finally:
            _flush(run, buffer)

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.planned)


def _flush(run: Run, buffer: list[dict[str, pd.DataFrame]]) -> None:
    """Append the buffered replications to the run, then empty the buffer."""
    if not buffer:
        return
    first = run.replications
    last = first + len(buffer) - 1
    tables = {name: pd.concat([b[name] for b in buffer], ignore_index=True)
              for name in run.tables}
    run.append(tables, first, last)
    buffer.clear()
