"""Compare scenarios with the baseline: paired differences with confidence intervals, in words.

``wholeflow.compare(model, ["imc_weekends", "trusted_assessor"])`` runs the baseline and each
scenario on common random numbers (replication ``r`` of every arm shares its random numbers),
then reports per KPI the mean and 95 % t interval of each arm, and the paired difference of each
scenario from the baseline with its interval and a one-sentence verdict.

The replication count is either fixed (``replications=``) or chosen by the sequential rule of
:mod:`wholeflow.experiment.precision` (``precision=0.05`` for ±5 % on the watched KPIs). The
warm-up is the model's unless overridden (``warm_up=days``, or ``"auto"`` for a pilot run cut
by MSER-5); either way MSER-5 on the baseline's daily occupancy is reported
(:mod:`wholeflow.experiment.warmup`) so a too-short warm-up shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from wholeflow.errors import ExperimentError
from wholeflow.experiment import precision as prec
from wholeflow.experiment.replicate import Arm, ArmResult, Experiment, Progress
from wholeflow.experiment.runners import Runner
from wholeflow.experiment.session import (
    ModelLike,
    open_experiment,
    resolve_model,
    scenario_arm,
    scenario_names,
    workspace_of,
)
from wholeflow.experiment.stats import paired_differences, summarise
from wholeflow.experiment.targets import Kpi, parse_kpi
from wholeflow.experiment.variants import with_warm_up
from wholeflow.experiment.warmup import WarmUp, suggest_warm_up
from wholeflow.experiment.wording import change, verdict
from wholeflow.model.schema import CapacitySchedule, Model

#: KPIs whose precision ``precision=`` controls unless told otherwise.
WATCHED = ("delayed_days@system", "mean_system_length_of_stay@system")
#: Replications of the pilot run that chooses a warm-up (``warm_up="auto"``).
PILOT_REPLICATIONS = 10
#: Days a seasonal pilot runs beyond the horizon, to compare each day with a year later.
YEAR = 365


@dataclass
class Comparison:
    """What a comparison found. Tables are pandas DataFrames.

    - ``kpis``: long form, one row per scenario, replication, service and metric.
    - ``summary``: per scenario, service and metric: mean, sd, ci_low, ci_high, n.
    - ``differences``: per scenario (not the baseline), service and metric: ``baseline`` and
      ``mean`` (the two arms' means), ``difference`` (scenario - baseline, paired), its
      ``ci_low``/``ci_high``, ``n``, ``clear`` (the interval excludes 0), ``change`` (in words,
      e.g. "falls by 1,640 a year (1,560 to 1,720)") and ``verdict`` (the whole sentence).
    - ``daily``: the daily table of every arm (with a ``scenario`` column) when kept.
    """

    model: Model
    scenarios: list[str]
    replications: int
    seed: int
    confidence: float
    kpis: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    runs: dict[str, str]
    workspace: Path | None = None
    daily: pd.DataFrame | None = None
    warm_up: WarmUp | None = None
    precision: list[prec.PrecisionCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    simulated: int = 0  # replications run by this call (the others were read from the store)

    def verdicts(self, scenario: str | None = None, clear_only: bool = False) -> list[str]:
        """The verdict sentences, for one scenario or all (``clear_only``: clear differences)."""
        d = self.differences
        if scenario is not None:
            d = d[d["scenario"] == scenario]
        if clear_only:
            d = d[d["clear"]]
        return list(d["verdict"])

    def __repr__(self) -> str:
        return (f"<Comparison {self.model.name!r}: baseline + {len(self.scenarios)} scenarios, "
                f"{self.replications} replications, seed {self.seed}>")


def compare(model: ModelLike, scenarios: Sequence[str] | None = None, *,
            replications: int = 10, precision: float | None = None,
            watch: Sequence[str] = WATCHED,
            max_replications: int = prec.MAX_REPLICATIONS, seed: int = 0,
            warm_up: float | Literal["auto"] | None = None, confidence: float = 0.95,
            workers: int | None = None, cluster: Any = None, runner: Runner | None = None,
            workspace: str | Path | None = None, store: bool = True,
            tables: Sequence[str] = ("kpis", "daily"),
            progress: Progress | None = None) -> Comparison:
    """Run the baseline and scenarios on common random numbers and compare them.

    ``model`` is a model or the path of a model file / workspace folder; ``scenarios`` defaults
    to every scenario of the model. ``precision`` (e.g. ``0.05``) chooses the replication count
    sequentially, starting from ``replications``, until the ``watch`` KPIs (``METRIC@SERVICE``)
    of every arm have t intervals within ±precision of their means (at most
    ``max_replications``). Runs go to ``<workspace>/.wholeflow/runs/`` (the model's folder by
    default) and are reused when the same experiment runs again; ``store=False`` keeps them in
    memory only. ``workers``/``cluster``/``runner`` choose where replications run (default: all
    local cores). Raises :class:`~wholeflow.errors.ExperimentError` for a request that cannot be
    honoured; Ctrl-C stops the run and keeps finished replications in the store.
    """
    base = resolve_model(model)
    names = list(scenarios) if scenarios is not None else scenario_names(base)
    arms = [Arm("baseline", base)] + [scenario_arm(base, n) for n in names]
    return compare_arms(
        arms, replications=replications, precision=precision, watch=watch,
        max_replications=max_replications, seed=seed, warm_up=warm_up, confidence=confidence,
        workers=workers, cluster=cluster, runner=runner,
        workspace=workspace_of(base, workspace) if store else None, store=store,
        tables=tables, progress=progress)


def compare_arms(arms: list[Arm], *, replications: int = 10, precision: float | None = None,
                 watch: Sequence[str] = WATCHED, max_replications: int = prec.MAX_REPLICATIONS,
                 seed: int = 0, warm_up: float | Literal["auto"] | None = None,
                 confidence: float = 0.95, workers: int | None = None, cluster: Any = None,
                 runner: Runner | None = None, workspace: str | Path | None = None,
                 store: bool = True, tables: Sequence[str] = ("kpis", "daily"),
                 progress: Progress | None = None) -> Comparison:
    """Compare prepared arms (the first is the baseline); see :func:`compare`."""
    _check_counts(replications, precision, max_replications, confidence)
    base = arms[0].model
    kept = tuple(dict.fromkeys(("kpis", *tables)))
    watched = [parse_kpi(w, base) for w in watch]
    notes: list[str] = []
    with open_experiment(base, seed=seed, workers=workers, cluster=cluster, runner=runner,
                         workspace=workspace, store=store, tables=kept,
                         progress=progress) as exp:
        arms = _with_warm_up(exp, arms, warm_up, replications, notes)
        n = replications
        while True:
            exp.expect(sum(exp.missing(a, n) for a in arms))
            results = [exp.run(a, n) for a in arms]
            if precision is None:
                checks: list[prec.PrecisionCheck] = []
                break
            checks = _precision(results, watched, precision, confidence)
            more = prec.next_count(checks, n, max_replications)
            if more == n:
                break
            n = more
    if precision is not None:
        for c in prec.unmet(checks):
            notes.append(f"{c.metric}@{c.service} in {c.arm}: ±{c.relative:.1%} after {c.n} "
                         f"replications, not the ±{precision:.1%} asked for (the cap is "
                         f"{max_replications}; raise it with max_replications)")
    return _comparison(results, seed, confidence, exp, checks, notes, workspace)


def _check_counts(replications: int, precision: float | None, max_replications: int,
                  confidence: float) -> None:
    if replications < 2:
        raise ExperimentError(f"replications must be at least 2 to give a confidence interval, "
                              f"got {replications}")
    if precision is not None and not 0 < precision < 1:
        raise ExperimentError(f"precision is a share of the mean between 0 and 1 (0.05 = ±5 %), "
                              f"got {precision}")
    if precision is not None and max_replications < replications:
        raise ExperimentError(f"max_replications ({max_replications}) is below replications "
                              f"({replications})")
    if not 0.5 <= confidence < 1:
        raise ExperimentError(f"confidence must be between 0.5 and 1 (e.g. 0.95), got {confidence}")


def _with_warm_up(exp: Experiment, arms: list[Arm], warm_up: float | str | None,
                  replications: int, notes: list[str]) -> list[Arm]:
    """The arms with the warm-up asked for: the model's, a number of days, or MSER-5's."""
    if warm_up is None:
        return arms
    if warm_up == "auto":
        days = pilot_warm_up(exp, arms[0].model, min(replications, PILOT_REPLICATIONS))
        notes.append(f"warm-up chosen by MSER-5 on a pilot run: {days.suggested_days:g} days"
                     + (" (occupancy did not settle: consider a longer run)"
                        if days.unsettled else ""))
        chosen = days.suggested_days
    elif isinstance(warm_up, int | float) and warm_up >= 0:
        chosen = float(warm_up)
    else:
        raise ExperimentError(f'warm_up must be a number of days or "auto", got {warm_up!r}')
    return [Arm(a.label, with_warm_up(a.model, chosen), {**a.patches, "warm_up_days": chosen})
            for a in arms]


def seasonal(model: Model) -> bool:
    """True when the model follows the seasons: a monthly profile or dated capacity changes."""
    for a in model.arrivals.values():
        if a.monthly_profile and len(set(a.monthly_profile.values())) > 1:
            return True
    return any(isinstance(s.capacity, CapacitySchedule) and s.capacity.by_date
               for s in model.services.values())


def pilot_warm_up(exp: Experiment, model: Model, replications: int) -> WarmUp:
    """MSER-5 on a pilot of the baseline that collects from day 0 over the whole horizon.

    A seasonal model's pilot runs a year longer and is cut where each day stops differing
    from the same day a year later.
    """
    from wholeflow.experiment.variants import dump, rebuild

    year = YEAR if seasonal(model) else 0
    data = dump(model)
    data["warm_up_days"], data["run_days"] = 0.0, model.end_day + year
    pilot = rebuild(model, data)
    exp_tables = exp.tables
    exp.tables = ("kpis", "daily")
    try:
        result = exp.run(Arm("warm-up pilot", pilot, {"warm_up_days": 0.0}), replications)
    finally:
        exp.tables = exp_tables
    return suggest_warm_up(result.tables["daily"], used_days=0.0, seasonal=bool(year),
                           year=year)


def _precision(results: list[ArmResult], watched: list[Kpi], target: float,
               confidence: float) -> list[prec.PrecisionCheck]:
    pairs = [(k.metric, k.service) for k in watched]
    checks: list[prec.PrecisionCheck] = []
    for r in results:
        checks += prec.check(r.arm.label, r.kpis, pairs, target, confidence)
    return checks


def _comparison(results: list[ArmResult], seed: int, confidence: float, exp: Experiment,
                checks: list[prec.PrecisionCheck], notes: list[str],
                workspace: str | Path | None) -> Comparison:
    base = results[0]
    model = base.arm.model
    kpis = pd.concat([r.kpis.assign(scenario=r.arm.label) for r in results], ignore_index=True)
    kpis = kpis[["scenario", "replication", "service", "metric", "value"]]
    daily = None
    if "daily" in exp.tables:
        daily = pd.concat([r.tables["daily"].assign(scenario=r.arm.label) for r in results],
                          ignore_index=True)
    diffs = [_differences(base, r, confidence, model) for r in results[1:]]
    differences = (pd.concat(diffs, ignore_index=True) if diffs
                   else pd.DataFrame(columns=[*DIFF_COLUMNS]))
    warm = None
    if "daily" in exp.tables and not base.tables["daily"].empty:
        warm = suggest_warm_up(base.tables["daily"], used_days=model.warm_up_days,
                               seasonal=seasonal(model))
    return Comparison(
        model=model, scenarios=[r.arm.label for r in results[1:]],
        replications=base.replications, seed=seed, confidence=confidence, kpis=kpis,
        summary=summarise(kpis, confidence), differences=differences,
        runs={r.arm.label: r.run_id for r in results},
        workspace=Path(workspace) if workspace is not None else None, daily=daily,
        warm_up=warm, precision=checks, notes=notes, simulated=exp.simulated)


DIFF_COLUMNS = ("scenario", "service", "metric", "baseline", "mean", "difference", "ci_low",
                "ci_high", "n", "clear", "change", "verdict")


def _differences(base: ArmResult, other: ArmResult, confidence: float,
                 model: Model) -> pd.DataFrame:
    d = paired_differences(base.kpis, other.kpis, confidence).rename(columns={"scenario": "mean"})
    d.insert(0, "scenario", other.arm.label)
    d["clear"] = (d["ci_low"] > 0) | (d["ci_high"] < 0)
    names = {sid: s.name for sid, s in model.services.items()}
    d["verdict"] = [
        verdict(m, s, diff, lo, hi, service_name=names.get(s), run_days=model.run_days)
        for s, m, diff, lo, hi in zip(d["service"], d["metric"], d["difference"], d["ci_low"],
                                      d["ci_high"], strict=True)]
    d["change"] = [change(m, s, diff, lo, hi, run_days=model.run_days)
                   for s, m, diff, lo, hi in zip(d["service"], d["metric"], d["difference"],
                                                 d["ci_low"], d["ci_high"], strict=True)]
    d["clear"] = d["clear"].fillna(False).astype(bool)
    return d[list(DIFF_COLUMNS)]

