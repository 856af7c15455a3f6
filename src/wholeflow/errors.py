"""Errors raised by wholeflow.

Every error a user can cause derives from :class:`WholeflowError`; the CLI turns these into
a plain message and exit code 2, never a traceback::

    WholeflowError
    ├── ModelError            a model or scenario file is wrong (carries every Problem found)
    ├── DataError             an event log cannot be read at all (bad rows are quarantined instead)
    ├── SimulationError       a run could not finish
    │   ├── DeadlockError     people wait on each other in a circle of full services
    │   └── EventBudgetError  the run exceeded its event budget (a runaway model)
    ├── ExperimentError       a scenario, target or runner request cannot be honoured
    └── MissingExtraError     an optional dependency group is not installed
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or suspicious) in a model file, located as precisely as we can."""

    path: str
    message: str
    file: str | None = None
    line: int | None = None
    fix: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file or "<model>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        text = f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        if self.fix:
            text += f" ({self.fix})"
        if self.severity == "warning":
            text = "warning: " + text
        return text


class WholeflowError(Exception):
    """Root of every error a user can cause. ``str(err)`` is a complete, readable message."""


class ModelError(WholeflowError):
    """A model, scenario or other YAML file is invalid. ``problems`` lists everything found,
    not just the first; ``subject`` names what was read ("the model", "the findings")."""

    def __init__(self, problems: list[Problem], subject: str = "the model"):
        self.problems = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity == "warning"]
        self.subject = subject
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in {subject}:"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class DataError(WholeflowError):
    """An event log or data file cannot be read at all."""


class SimulationError(WholeflowError):
    """A simulation run could not finish."""


class DeadlockError(SimulationError):
    """People wait on each other in a circle of full services: no one can ever move again."""

    def __init__(self, services: list[str], day: float):
        self.services = services
        self.day = day
        super().__init__(
            f"deadlock on day {day:.0f}: services {', '.join(services)} are full and every "
            "person in them is waiting for a place in another of them, so no one can ever move. "
            "Give one of them more capacity, set holds_on_transfer: false on one, or add a route "
            "out of the circle."
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # rebuilt from its own arguments, so it crosses process boundaries intact
        return (DeadlockError, (self.services, self.day))


class EventBudgetError(SimulationError):
    """The run used more events than its budget: most likely a runaway loop in the model."""


class ExperimentError(WholeflowError):
    """A scenario, target, search or runner request cannot be honoured."""


class MissingExtraError(WholeflowError):
    """An optional feature needs an extra that is not installed."""

    def __init__(self, feature: str, extra: str):
        super().__init__(
            f"{feature} needs the '{extra}' extra: pip install 'wholeflow[{extra}]'"
        )
