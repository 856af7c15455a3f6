"""Which assumptions matter most: one-at-a-time sensitivity, shown as a tornado table.

Each numeric parameter (or each one named) is moved down and up by the same share (``change=0.1``
for ±10 %) while everything else stays at the baseline, and each variant runs on the baseline's
common random numbers. For every KPI watched the table gives the paired change from the baseline
at the low and at the high value, each with its confidence interval, and the *swing* (the gap
between the two changes). Sorted by swing, the rows form a tornado: the widest bars at the top
are the assumptions worth checking first.

One-at-a-time analysis shows each parameter's effect around the baseline; it does not show how
parameters interact. Parameter paths and how each kind of value is scaled are described in
:mod:`wholeflow.experiment.variants`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wholeflow.errors import ExperimentError, SimulationError
from wholeflow.experiment.replicate import Arm, ArmResult, Progress
from wholeflow.experiment.runners import Runner
from wholeflow.experiment.session import (
    ModelLike,
    open_experiment,
    resolve_model,
    scenario_arm,
    workspace_of,
)
from wholeflow.experiment.stats import paired_difference
from wholeflow.experiment.targets import Kpi, parse_kpi
from wholeflow.experiment.variants import default_parameters, expand, scaled

WATCHED = ("delayed_days@system", "mean_system_length_of_stay@system")

COLUMNS = ("kpi", "parameter", "low_value", "high_value", "baseline", "low_change",
           "low_ci_low", "low_ci_high", "high_change", "high_ci_low", "high_ci_high", "swing",
           "note")


@dataclass
class Sensitivity:
    """A one-at-a-time sensitivity analysis.

    ``table`` has one row per KPI and parameter (columns :data:`COLUMNS`), sorted by KPI and
    then by swing, largest first. ``low_value``/``high_value`` are the parameter's values tried
    (a distribution shows its mean); ``low_change``/``high_change`` the paired changes of the KPI
    from the baseline with their intervals.
    """

    table: pd.DataFrame
    change: float
    kpis: list[Kpi]
    parameters: list[str]
    replications: int
    seed: int
    confidence: float
    notes: list[str] = field(default_factory=list)

    def tornado(self, kpi: str | None = None) -> pd.DataFrame:
        """The rows for one KPI (``METRIC@SERVICE``; default the first watched), widest first."""
        name = kpi or str(self.kpis[0])
        if "@" not in name:
            name += "@system"
        rows = self.table[self.table["kpi"] == name]
        if rows.empty:
            raise ExperimentError(f'KPI "{name}" was not watched; watched: '
                                  f"{', '.join(str(k) for k in self.kpis)}")
        return rows.reset_index(drop=True)

    def __repr__(self) -> str:
        return (f"<Sensitivity ±{self.change:.0%}: {len(self.parameters)} parameters, "
                f"{len(self.kpis)} KPIs, {self.replications} replications>")


def sensitivity(model: ModelLike, parameters: Sequence[str] | None = None, *,
                change: float = 0.10, kpis: Sequence[str] = WATCHED, replications: int = 20,
                scenario: str | None = None, seed: int = 0, confidence: float = 0.95,
                workers: int | None = None, cluster: Any = None, runner: Runner | None = None,
                workspace: str | Path | None = None, store: bool = True,
                progress: Progress | None = None) -> Sensitivity:
    """Move each parameter by ±``change`` (0.10 = ±10 %) in turn and measure the KPIs' changes.

    ``parameters`` are dotted model paths, ``*`` for every id (``services.*.length_of_stay``);
    default: arrival rates, lengths of stay, finite capacities, acceptance below 1 and non-zero
    triage times. ``kpis`` are ``METRIC@SERVICE`` selectors. ``scenario`` analyses a named
    scenario instead of the baseline. Runner and store options as in :func:`wholeflow.compare`.
    """
    base = resolve_model(model)
    if scenario is not None:
        base = scenario_arm(base, scenario).model
    if not 0 < change < 1:
        raise ExperimentError(f"change is a share between 0 and 1 (0.1 = ±10 %), got {change}")
    if replications < 2:
        raise ExperimentError(f"replications must be at least 2, got {replications}")
    watched = [parse_kpi(k, base) for k in kpis]
    paths = expand(base, list(parameters)) if parameters else default_parameters(base)
    if not paths:
        raise ExperimentError("the model has no numeric parameters to vary; name some with "
                              "parameters=")
    arms = [Arm("baseline" if scenario is None else scenario, base)]
    shown: dict[str, tuple[Any, Any, Any]] = {}
    for path in paths:
        low, old, lo_value = scaled(base, path, 1 - change)
        high, _, hi_value = scaled(base, path, 1 + change)
        arms += [Arm(f"{path} -{change:.0%}", low.model, low.patches),
                 Arm(f"{path} +{change:.0%}", high.model, high.patches)]
        shown[path] = (lo_value, old, hi_value)
    folder = workspace_of(resolve_model(model), workspace) if store else None
    notes: list[str] = []
    with open_experiment(base, seed=seed, workers=workers, cluster=cluster, runner=runner,
                         workspace=folder, store=store, progress=progress) as exp:
        exp.expect(sum(exp.missing(a, replications) for a in arms))
        results: dict[str, ArmResult | str] = {}
        for arm in arms:
            try:
                results[arm.label] = exp.run(arm, replications)
            except SimulationError as err:
                results[arm.label] = str(err)
                notes.append(f"{arm.label}: the run failed ({err})")
    baseline = results[arms[0].label]
    if isinstance(baseline, str):
        raise ExperimentError(f"the baseline itself fails to run: {baseline}")
    rows = []
    for kpi in watched:
        for path in paths:
            rows.append(_row(kpi, path, shown[path], baseline, results, change, confidence))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["_order"] = table["swing"].fillna(-1.0)
    table = (table.sort_values(["kpi", "_order"], ascending=[True, False], kind="stable")
             .drop(columns="_order").reset_index(drop=True))
    order = {str(k): i for i, k in enumerate(watched)}
    table = table.sort_values("kpi", key=lambda s: s.map(order), kind="stable")
    return Sensitivity(table.reset_index(drop=True), change, watched, paths, replications, seed,
                       confidence, notes)


def _row(kpi: Kpi, path: str, values: tuple[Any, Any, Any], baseline: ArmResult,
         results: dict[str, ArmResult | str], change: float,
         confidence: float) -> dict[str, Any]:
    base_values = baseline.kpi(kpi.metric, kpi.service)
    row: dict[str, Any] = {"kpi": str(kpi), "parameter": path, "low_value": values[0],
                           "high_value": values[2], "baseline": float(base_values.mean()),
                           "note": ""}
    notes = []
    for side, sign in (("low", "-"), ("high", "+")):
        res = results[f"{path} {sign}{change:.0%}"]
        if isinstance(res, str):
            row.update({f"{side}_change": math.nan, f"{side}_ci_low": math.nan,
                        f"{side}_ci_high": math.nan})
            notes.append(f"{side} value failed to run")
            continue
        other = res.kpi(kpi.metric, kpi.service).reindex(base_values.index)
        d = paired_difference(base_values.to_numpy(), other.to_numpy(), confidence)
        row.update({f"{side}_change": d.mean, f"{side}_ci_low": d.low, f"{side}_ci_high": d.high})
    for side, value in (("low", values[0]), ("high", values[2])):
        if value == values[1]:
            notes.append(f"the {side} value is at a limit and did not move")
    row["swing"] = abs(row["high_change"] - row["low_change"])
    row["note"] = "; ".join(notes)
    return row

