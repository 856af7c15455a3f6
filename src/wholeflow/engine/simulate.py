"""``wholeflow.simulate``: run replications of a model (or one of its scenarios)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, Protocol

from wholeflow.engine.compile import CompiledModel, compile_model
from wholeflow.engine.replication import Replication, run_replication
from wholeflow.engine.results import Results
from wholeflow.model.schema import Model


class Runner(Protocol):
    """Anything that maps a function over items and yields the results in input order."""

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]: ...


class SerialRunner:
    """Runs replications one after another in this process."""

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        return map(fn, items)


def _one(compiled: CompiledModel, seed: int, replication: int) -> Replication:
    return run_replication(compiled, seed, replication)


def simulate(model: Model, replications: int = 10, seed: int = 0, scenario: str | None = None,
             runner: Runner | None = None,
             progress: Callable[[int, int], None] | None = None) -> Results:
    """Simulate ``replications`` independent replications of ``model``.

    ``scenario`` names one of the model's scenarios (applied as a patch on the baseline).
    Replication ``r`` with seed ``s`` draws the same random numbers whatever the runner, so the
    same seed gives identical results serially, on many cores or on a cluster, and a scenario
    shares random numbers with the baseline wherever the two models agree.
    """
    from wholeflow.errors import ExperimentError

    if replications < 1:
        raise ExperimentError(f"replications must be at least 1, got {replications}")
    if scenario is not None:
        from wholeflow.model.scenarios import apply_scenario

        model = apply_scenario(model, scenario)
    compiled = compile_model(model)
    run = runner or SerialRunner()
    done: list[Replication] = []
    for rep in run.map(partial(_one, compiled, seed), range(replications)):
        done.append(rep)
        if progress is not None:
            progress(len(done), replications)
    return Results(model, compiled, done, scenario)
