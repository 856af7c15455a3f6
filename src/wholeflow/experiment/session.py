"""What every experiment needs before it runs: the model, its workspace, a runner and a store.

``compare``, ``search_capacity`` and ``sensitivity`` take the same options: a model (or the path
of a model file or workspace folder), ``seed``, where to run (``workers``, ``cluster`` or a
ready ``runner``), where to keep runs (``workspace``, ``store``) and a ``progress`` callback.
:func:`open_experiment` turns them into an :class:`~wholeflow.experiment.replicate.Experiment`
and closes what it opened (worker processes, a LocalCluster) when the experiment ends, however
it ends.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wholeflow.errors import ExperimentError
from wholeflow.experiment.replicate import Arm, Experiment, Progress
from wholeflow.experiment.runners import Runner, make_runner
from wholeflow.experiment.store import RunStore
from wholeflow.model.schema import Model

ModelLike = Model | str | Path


def resolve_model(model: ModelLike) -> Model:
    """A model object, loading it when given a path."""
    if isinstance(model, Model):
        return model
    from wholeflow.model import load_model

    return load_model(model)


def workspace_of(model: Model, workspace: str | Path | None) -> Path | None:
    """Where runs are kept: the given folder, else the folder of the model file, else nowhere."""
    if workspace is not None:
        return Path(workspace)
    if model.source and Path(model.source).exists():
        path = Path(model.source)
        return path if path.is_dir() else path.parent
    return None


@contextmanager
def open_experiment(model: Model, *, seed: int = 0, workers: int | None = None,
                    cluster: Any = None, runner: Runner | None = None,
                    workspace: str | Path | None = None, store: bool = True,
                    tables: tuple[str, ...] = ("kpis",),
                    progress: Progress | None = None) -> Iterator[Experiment]:
    """An experiment on the requested runner and store; its runner is closed on the way out."""
    folder = workspace_of(model, workspace) if store else None
    runs = RunStore(folder, memory=folder is None)
    own = runner is None
    active: Any = make_runner(workers, cluster) if runner is None else runner
    try:
        yield Experiment(seed, active, runs, tables, progress)
    finally:
        if own:
            active.close()


def scenario_names(model: Model) -> list[str]:
    """The scenarios of a model (its own and those of its workspace's ``scenarios/`` folder)."""
    try:
        from wholeflow.model.scenarios import list_scenarios
    except ImportError:  # pragma: no cover - scenarios land with the model package
        return list(model.scenarios)
    return list(list_scenarios(model))


def scenario_arm(model: Model, name: str) -> Arm:
    """The arm for a named scenario: the model with the scenario's patch applied."""
    known = scenario_names(model)
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        listing = ", ".join(known) if known else "none: add them under scenarios: in the model"
        raise ExperimentError(f'no scenario "{name}" in {model.source or "the model"}{hint}; '
                              f"scenarios are {listing}")
    from wholeflow.model.scenarios import apply_scenario

    patched = apply_scenario(model, name)
    spec = model.scenarios.get(name)
    patches = spec.model_dump(mode="json", exclude={"description"}) if spec is not None else {}
    return Arm(name, patched, patches)
