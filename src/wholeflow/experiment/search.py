"""Capacity search: the smallest capacity, or the cheapest mix of capacities, that meets a target.

A target (see :mod:`wholeflow.experiment.targets`) such as ``delayed_days@acute <= 100`` is *met
with 95 % confidence* by a capacity when the one-sided 95 % t bound of the KPI's mean over
replications is on the right side of the threshold. Every capacity tried runs on the same
replications (common random numbers), so the comparisons between capacities are sharp.

**One service — bisection.** Assuming the KPI moves one way as capacity grows (delays and waits
do not rise when places are added), the capacities that meet the target form a range
``[c*, ∞)``. We test the current capacity; if it fails we double it until it meets (or until
more places stop changing the KPI at all — then the target cannot be reached by this service's
capacity), and then bisect between the largest failing and the smallest meeting capacity. Each
test is sequential: a capacity whose interval straddles the threshold gets more replications
(doubling, up to ``max_replications``); still undecided, it counts as not meeting (we only claim
what we can show). With common random numbers the upper bound is (nearly) monotone in capacity
too, so the answer is wrong only if the test at ``c* - 1`` is wrong: at most 5 % of the time.

**Several services — cost-ordered feasibility screening.** For a cheapest mix given a cost per
place we use a constrained ranking-and-selection procedure on common random numbers:

1. find a feasible corner ``u`` by doubling every capacity until the target is met;
2. bound each service below: ``l_i`` = bisection on service ``i`` with the others at ``u``
   (with fewer than ``l_i`` places the target fails even with the others generous);
3. screen the grid ``∏ [l_i, u_i]`` in order of cost (then total places): skip a mix that has
   no more of every service than a mix already shown not to meet; test the others with the
   one-sided bound at a Bonferroni-adjusted level ``α / K`` (``K`` the grid size), so the chance
   that *any* screened mix is wrongly declared to meet the target is at most ``α``. The first
   mix declared to meet it is the cheapest one that does (with confidence ``1 - α``).

An unreachable target is reported as such, with the best mix found and its KPI interval.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from wholeflow.errors import ExperimentError, SimulationError
from wholeflow.experiment.replicate import Arm, Experiment, Progress
from wholeflow.experiment.runners import Runner
from wholeflow.experiment.session import (
    ModelLike,
    open_experiment,
    resolve_model,
    scenario_arm,
    workspace_of,
)
from wholeflow.experiment.stats import estimate, paired_difference
from wholeflow.experiment.targets import Target, parse_target
from wholeflow.experiment.variants import flat_capacity, with_capacity
from wholeflow.experiment.wording import describe, kpi_words, level, level_decimals, number
from wholeflow.model.schema import Model

#: Largest grid of mixes screened before asking for a narrower search.
MAX_GRID = 2_000

BISECTION = ("bisection on capacity with sequential one-sided t tests on common random numbers")
SCREENING = ("cost-ordered feasibility screening of a bounded grid (constrained ranking and "
             "selection with Bonferroni-adjusted one-sided t tests on common random numbers)")

Decision = Literal["meets", "fails", "unsure"]


@dataclass(frozen=True)
class Evaluation:
    """One mix of capacities tried, and what its replications showed."""

    capacities: tuple[int, ...]
    mean: float
    low: float  # one-sided lower bound of the KPI's mean
    high: float  # one-sided upper bound
    n: int
    decision: Decision
    confidence: float
    cost: float
    values: tuple[float, ...] = ()
    error: str | None = None

    @property
    def meets(self) -> bool:
        return self.decision == "meets"


@dataclass
class CapacitySearch:
    """The outcome of a capacity search.

    ``met`` says whether the target can be met; ``capacities`` is the answer (or the best mix
    found when it cannot), ``best`` its evaluation, ``evaluations`` every mix tried (a
    DataFrame), ``method`` the procedure used and ``message`` the outcome in words.
    """

    target: Target
    services: list[str]
    met: bool
    capacities: dict[str, int]
    best: Evaluation
    evaluations: pd.DataFrame
    method: str
    message: str
    confidence: float
    seed: int
    cost_per_place: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        caps = ", ".join(f"{s}={c}" for s, c in self.capacities.items())
        return f"<CapacitySearch {self.target}: {'met' if self.met else 'not met'} at {caps}>"


def search_capacity(model: ModelLike, target: str, services: str | Sequence[str], *,
                    cost_per_place: Mapping[str, float] | None = None,
                    confidence: float = 0.95, replications: int = 20,
                    max_replications: int = 160,
                    max_capacity: int | Mapping[str, int] | None = None,
                    scenario: str | None = None, seed: int = 0, workers: int | None = None,
                    cluster: Any = None, runner: Runner | None = None,
                    workspace: str | Path | None = None, store: bool = True,
                    progress: Progress | None = None) -> CapacitySearch:
    """Find the smallest capacity of a service (or the cheapest mix over several services)
    meeting ``target`` (e.g. ``"delayed_days@acute <= 100"``) with the given confidence.

    ``services`` is one service id or several; for several, ``cost_per_place`` gives the cost of
    one place of each (default: its ``cost_per_day`` x 365, or 1 each when no costs are set, so
    the fewest places win). The search starts from the model's capacities (``scenario`` applies a
    named scenario first) and goes no higher than ``max_capacity`` (default: 4 x the start, at
    least start + 20). Each capacity tried gets ``replications`` replications, more (up to
    ``max_replications``) when its interval straddles the threshold. Runner and store options as
    in :func:`wholeflow.compare`. Runs of every capacity tried are kept and reused.
    """
    base = resolve_model(model)
    if scenario is not None:
        base = scenario_arm(base, scenario).model
    names = [services] if isinstance(services, str) else list(services)
    _check_request(base, names, replications, max_replications, confidence)
    goal = parse_target(target, base)
    costs = _costs(base, names, cost_per_place)
    folder = workspace_of(resolve_model(model), workspace) if store else None
    with open_experiment(base, seed=seed, workers=workers, cluster=cluster, runner=runner,
                         workspace=folder, store=store, progress=progress) as exp:
        search = _Search(exp, base, goal, names, costs, confidence, replications,
                         max_replications)
        start = search.starting_point()
        limits = _limits(names, start, max_capacity)
        if len(names) == 1:
            return search.single(start, limits)
        return search.mix(start, limits)


def _check_request(model: Model, names: list[str], replications: int, max_replications: int,
                   confidence: float) -> None:
    if not names:
        raise ExperimentError("name at least one service to search over")
    for s in names:
        if s not in model.services:
            raise ExperimentError(f'no service "{s}" in the model; services are '
                                  f"{', '.join(model.services)}")
    if len(set(names)) != len(names):
        raise ExperimentError(f"a service is named twice in {', '.join(names)}")
    if replications < 2 or max_replications < replications:
        raise ExperimentError(f"need 2 <= replications <= max_replications, got {replications} "
                              f"and {max_replications}")
    if not 0.5 <= confidence < 1:
        raise ExperimentError(f"confidence must be between 0.5 and 1 (e.g. 0.95), got {confidence}")


def _costs(model: Model, names: list[str], given: Mapping[str, float] | None) -> dict[str, float]:
    if given:
        missing = [s for s in names if s not in given]
        unknown = [s for s in given if s not in names]
        if missing or unknown:
            raise ExperimentError(
                "cost per place must be given for exactly the services searched "
                f"({', '.join(names)})"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not searched: {', '.join(unknown)}" if unknown else ""))
        if any(v <= 0 for v in given.values()):
            raise ExperimentError("every cost per place must be more than 0")
        return {s: float(given[s]) for s in names}
    yearly = {s: model.services[s].cost_per_day * 365 for s in names}
    if all(v > 0 for v in yearly.values()):
        return yearly
    return dict.fromkeys(names, 1.0)


def _limits(names: list[str], start: dict[str, int],
            given: int | Mapping[str, int] | None) -> dict[str, int]:
    out = {}
    for s in names:
        if given is None:
            out[s] = max(4 * start[s], start[s] + 20)
        else:
            out[s] = int(given if isinstance(given, int) else given.get(s, 4 * start[s]))
        if out[s] < 1:
            raise ExperimentError(f"max capacity of {s} must be at least 1, got {out[s]}")
    return out


class _Search:
    """The state of one search: the experiment, the target and every evaluation so far."""

    def __init__(self, exp: Experiment, model: Model, target: Target, names: list[str],
                 costs: dict[str, float], confidence: float, replications: int,
                 max_replications: int):
        self.exp, self.model, self.target, self.names = exp, model, target, names
        self.costs, self.confidence = costs, confidence
        self.replications, self.max_replications = replications, max_replications
        self.tried: dict[tuple[tuple[int, ...], float], Evaluation] = {}
        self.plateau: tuple[tuple[int, ...], tuple[int, ...]] | None = None  # no gain between

    # --- evaluating one mix -------------------------------------------------------------------

    def starting_point(self) -> dict[str, int]:
        """The model's capacities; an unlimited service starts at its mean occupancy."""
        start: dict[str, int] = {}
        for s in self.names:
            cap = flat_capacity(self.model, s)
            if cap is None:
                res = self.exp.run(Arm("search: unlimited", self.model), self.replications)
                occupancy = estimate(res.kpi("mean_occupancy", s).to_numpy()).mean
                cap = max(1, math.ceil(occupancy)) if math.isfinite(occupancy) else 1
            start[s] = max(1, cap)
        return start

    def evaluate(self, caps: tuple[int, ...], confidence: float | None = None) -> Evaluation:
        """Replicate one mix until the target is decided (or the replication cap is reached)."""
        level = confidence if confidence is not None else self.confidence
        key = (caps, level)
        if key in self.tried:
            return self.tried[key]
        variant = with_capacity(self.model, dict(zip(self.names, caps, strict=True)))
        label = "search: " + ", ".join(f"{s}={c}" for s, c in zip(self.names, caps, strict=True))
        cost = sum(self.costs[s] * c for s, c in zip(self.names, caps, strict=True))
        n = self.replications
        while True:
            try:
                result = self.exp.run(Arm(label, variant.model, variant.patches), n)
            except SimulationError as err:
                ev = Evaluation(caps, math.nan, math.nan, math.nan, n, "fails", level, cost,
                                error=str(err))
                break
            values = result.kpi(self.target.kpi.metric, self.target.kpi.service).to_numpy()
            upper = estimate(values, level, "upper")
            lower = estimate(values, level, "lower")
            decision = self.target.decide(upper, lower)
            ev = Evaluation(caps, upper.mean, lower.low, upper.high, upper.n, decision, level,
                            cost, tuple(float(v) for v in values))
            if decision != "unsure" or n >= self.max_replications:
                break
            n = min(self.max_replications, 2 * n)
        self.tried[key] = ev
        return ev

    def stops_helping(self, before: Evaluation, after: Evaluation) -> bool:
        """True when more places left the KPI unchanged (paired interval covers 0)."""
        if before.error or after.error or len(before.values) != len(after.values):
            return False
        d = paired_difference(np.asarray(before.values), np.asarray(after.values),
                              self.confidence)
        if d.n > 1 and not d.excludes_zero:
            self.plateau = (before.capacities, after.capacities)
            return True
        return False

    # --- one service ----------------------------------------------------------------------------

    def bisect(self, index: int, fixed: tuple[int, ...], high_ok: int | None,
               low_fail: int, limit: int) -> tuple[int | None, list[Evaluation]]:
        """Smallest capacity of service ``index`` meeting the target, others as in ``fixed``.

        ``high_ok`` is a capacity known to meet (or None to find one by doubling from
        ``low_fail + 1``); ``low_fail`` one known (or assumed, 0) to fail.
        """
        def at(c: int) -> tuple[int, ...]:
            return (*fixed[:index], c, *fixed[index + 1:])

        seen: list[Evaluation] = []
        if high_ok is None:
            c = max(1, fixed[index])
            previous: Evaluation | None = None
            while True:
                ev = self.evaluate(at(c))
                seen.append(ev)
                if ev.meets:
                    high_ok = c
                    break
                low_fail = c
                if c >= limit or (previous is not None and self.stops_helping(previous, ev)):
                    return None, seen
                previous = ev
                c = min(limit, max(c + 1, 2 * c))
        while high_ok - low_fail > 1:
            mid = (high_ok + low_fail) // 2
            ev = self.evaluate(at(mid))
            seen.append(ev)
            if ev.meets:
                high_ok = mid
            else:
                low_fail = mid
        return high_ok, seen

    def single(self, start: dict[str, int], limits: dict[str, int]) -> CapacitySearch:
        s = self.names[0]
        answer, _ = self.bisect(0, (start[s],), None, 0, limits[s])
        if answer is None:
            return self._outcome(None, BISECTION, limits)
        return self._outcome((answer,), BISECTION, limits)

    # --- several services ----------------------------------------------------------------------

    def mix(self, start: dict[str, int], limits: dict[str, int]) -> CapacitySearch:
        corner = self._feasible_corner(tuple(start[s] for s in self.names),
                                       tuple(limits[s] for s in self.names))
        if corner is None:
            return self._outcome(None, SCREENING, limits)
        lows = []
        for i in range(len(self.names)):
            low, _ = self.bisect(i, corner, corner[i], 0, corner[i])
            lows.append(low if low is not None else corner[i])
        grid = list(itertools.product(*(range(lo, hi + 1) for lo, hi in zip(lows, corner,
                                                                              strict=True))))
        if len(grid) > MAX_GRID:
            raise ExperimentError(
                f"{len(grid):,} mixes to screen (more than {MAX_GRID:,}): search fewer services "
                "at once, or set max_capacity closer to what you expect")
        level = 1 - (1 - self.confidence) / len(grid)
        grid.sort(key=lambda m: (self._cost(m), sum(m), m))
        failing: list[tuple[int, ...]] = []
        for mix in grid:
            if any(all(a <= b for a, b in zip(mix, f, strict=True)) for f in failing):
                continue
            ev = self.evaluate(mix, level)
            if ev.meets:
                return self._outcome(mix, SCREENING, limits, level)
            failing.append(mix)
        return self._outcome(None, SCREENING, limits, level)

    def _feasible_corner(self, start: tuple[int, ...],
                         limits: tuple[int, ...]) -> tuple[int, ...] | None:
        mix = start
        previous: Evaluation | None = None
        while True:
            ev = self.evaluate(mix)
            if ev.meets:
                return mix
            if mix == limits or (previous is not None and self.stops_helping(previous, ev)):
                return None
            previous = ev
            mix = tuple(min(lim, max(c + 1, 2 * c)) for c, lim in zip(mix, limits, strict=True))

    def _cost(self, mix: tuple[int, ...]) -> float:
        return sum(self.costs[s] * c for s, c in zip(self.names, mix, strict=True))

    # --- the outcome ----------------------------------------------------------------------------

    def _outcome(self, answer: tuple[int, ...] | None, method: str, limits: dict[str, int],
                 level: float | None = None) -> CapacitySearch:
        evaluations = self._table()
        best = self.evaluate(answer, level) if answer is not None else self._best()
        caps = dict(zip(self.names, best.capacities, strict=True))
        message = self._message(answer is not None, best, limits, method)
        return CapacitySearch(self.target, self.names, answer is not None, caps, best,
                              evaluations, method, message, self.confidence, self.exp.seed,
                              self.costs if len(self.names) > 1 else {})

    def _best(self) -> Evaluation:
        done = [e for e in self.tried.values() if math.isfinite(e.mean)]
        if not done:
            return next(iter(self.tried.values()))
        sign = 1 if self.target.below else -1
        return min(done, key=lambda e: (sign * e.mean, e.cost, e.capacities))

    def _table(self) -> pd.DataFrame:
        rows = []
        for ev in self.tried.values():
            row: dict[str, Any] = dict(zip(self.names, ev.capacities, strict=True))
            row.update(cost=ev.cost, mean=ev.mean, lower_bound=ev.low, upper_bound=ev.high,
                       n=ev.n, confidence=ev.confidence, decision=ev.decision, error=ev.error)
            rows.append(row)
        return pd.DataFrame(rows)

    def _message(self, met: bool, best: Evaluation, limits: dict[str, int], method: str) -> str:
        t = self.target
        names = {sid: s.name or sid for sid, s in self.model.services.items()}
        what = describe(t.kpi.metric, t.kpi.service, names.get(t.kpi.service))
        mix = ", ".join(f"{names[s]} {c} places"
                        for s, c in zip(self.names, best.capacities, strict=True))
        bound = best.high if t.below else best.low
        side = "upper" if t.below else "lower"
        words = kpi_words(t.kpi.metric, t.kpi.service)
        places = level_decimals(best.mean, words) if math.isfinite(best.mean) else 0
        shown = (f"{what} {level(best.mean, words, places)} on average over {best.n} "
                 f"replications, {side} {best.confidence:.1%} bound "
                 f"{level(bound, words, places)}")
        goal = f"{t} with {self.confidence:.0%} confidence"
        if met and len(self.names) == 1:
            return f"The smallest capacity that meets {goal} is {mix}: {shown}."
        if met:
            cost = number(best.cost, 0)
            return f"The cheapest mix that meets {goal} is {mix} (cost {cost}): {shown}."
        if best.error:
            return (f"The target {goal} cannot be met: every capacity tried failed to run "
                    f"({best.error}).")
        which = " and ".join(names[s] for s in self.names)
        if self.plateau is not None:
            before, after = (", ".join(map(str, caps)) for caps in self.plateau)
            why = (f"going from {before} to {after} places made no clear difference to {what}, "
                   "so capacity there is not what holds it back")
        else:
            why = "tried up to " + ", ".join(f"{limits[s]} places of {names[s]}"
                                             for s in self.names)
        return (f"The target {goal} cannot be reached by changing the capacity of {which}: "
                f"{why}. Best found: {mix}: {shown}.")

