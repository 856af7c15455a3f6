"""KPI selectors and targets, written the way people say them.

A **KPI selector** names one KPI of one service: ``METRIC@SERVICE``, e.g. ``delayed_days@acute``;
without ``@SERVICE`` it means the whole system (``delayed_days`` = ``delayed_days@system``).

A **target** is a selector, a comparison and a number, optionally per year::

    delayed_days@acute <= 100
    mean_wait_days@imc_at_home < 2.5
    acceptance_rate@darley_court >= 0.6
    delayed_days@acute <= 100 a year        (also "per year", "/year")

Comparisons: ``<=``, ``<``, ``>=``, ``>`` (``≤`` and ``≥`` work too); numbers may use thousands
separators (``1,000``). "A year" scales the KPI, which is a total over the collection window, to
365 days: with a 182.5-day window, ``<= 100 a year`` means ``<= 50`` over the window.

A target is **met with confidence** ``1 - α`` when the one-sided ``1 - α`` confidence bound of the
KPI's mean lies on the right side of the number: for ``<=`` the upper bound is at most the
number, for ``>=`` the lower bound is at least the number. That is the meaning of "delayed days in
acute ≤ 100 a year, with 95 % confidence".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from wholeflow.errors import ExperimentError
from wholeflow.experiment.stats import Estimate
from wholeflow.model.schema import Model
from wholeflow.tables import DELAY_CAUSES

SERVICE_KPIS: tuple[str, ...] = (
    "mean_occupancy", "utilisation", "admissions", "discharges", "mean_length_of_stay",
    "p90_length_of_stay", "mean_wait_days", "mean_queue", "delayed_days",
    *(f"delayed_days_{c}" for c in DELAY_CAUSES), "referrals", "rejected_referrals",
    "acceptance_rate", "failure_demand_hours", "cost",
)
SYSTEM_KPIS: tuple[str, ...] = (
    "arrivals", "departures", "in_system_at_end", "mean_system_length_of_stay", "delayed_days",
    "cost", "assessments_per_journey", "handovers_per_journey", "information_breaks_per_journey",
)

TARGET_SYNTAX = 'METRIC@SERVICE <= NUMBER, e.g. "delayed_days@acute <= 100"'

_SELECTOR = re.compile(
    r"\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*(?:@\s*(?P<service>[A-Za-z0-9_\-.]+))?\s*")
_OPERATOR = re.compile(r"(<=|>=|≤|≥|<|>)\s*")
_NUMBER = re.compile(r"(?P<number>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)\s*")
_PER_YEAR = re.compile(r"(?:a|per|/)\s*year\s*$", re.IGNORECASE)

Operator = Literal["<=", "<", ">=", ">"]


@dataclass(frozen=True)
class Kpi:
    """One KPI of one service (``service == "system"`` for the whole system)."""

    metric: str
    service: str = "system"

    def __str__(self) -> str:
        return f"{self.metric}@{self.service}"


@dataclass(frozen=True)
class Target:
    """A KPI, a comparison and a threshold (per collection window, already scaled)."""

    kpi: Kpi
    operator: Operator
    value: float
    text: str = ""
    per_year: bool = False

    @property
    def below(self) -> bool:
        """True for ``<=`` / ``<`` targets: smaller KPI values are better."""
        return self.operator in ("<=", "<")

    def met_by(self, x: float) -> bool:
        """Whether a single value satisfies the comparison."""
        return {"<=": x <= self.value, "<": x < self.value,
                ">=": x >= self.value, ">": x > self.value}[self.operator]

    def decide(self, upper: Estimate, lower: Estimate) -> Literal["meets", "fails", "unsure"]:
        """Decide from the one-sided upper and lower bounds of the KPI's mean.

        ``meets``: the bound on the wrong side is still on the right side of the threshold;
        ``fails``: even the bound on the good side misses; ``unsure``: more replications needed.
        """
        if upper.n < 2:
            return "unsure"
        bad, good = (upper.high, lower.low) if self.below else (lower.low, upper.high)
        if self.met_by(bad):
            return "meets"
        if not self.met_by(good):
            return "fails"
        return "unsure"

    def __str__(self) -> str:
        return self.text or f"{self.kpi} {self.operator} {self.value:g}"


def parse_kpi(text: str, model: Model | None = None) -> Kpi:
    """Read ``METRIC@SERVICE`` (or ``METRIC`` for the system), checking names against ``model``."""
    m = _SELECTOR.fullmatch(text)
    if not m:
        raise ExperimentError(f'KPI "{text}": write it as METRIC@SERVICE, e.g. '
                              '"delayed_days@acute", or METRIC alone for the whole system')
    kpi = Kpi(m["metric"], m["service"] or "system")
    check_kpi(kpi, model, text)
    return kpi


def parse_target(text: str, model: Model | None = None, run_days: float | None = None) -> Target:
    """Read a target such as ``"delayed_days@acute <= 100"``; errors point at the column."""
    pos = 0
    m = _SELECTOR.match(text, pos)
    if not m or not m["metric"]:
        _fail(text, pos, "expected a KPI name such as delayed_days@acute")
    assert m is not None
    kpi = Kpi(m["metric"], m["service"] or "system")
    pos = m.end()
    op = _OPERATOR.match(text, pos)
    if not op:
        _fail(text, pos, "expected a comparison: <=, <, >= or >")
    assert op is not None
    pos = op.end()
    num = _NUMBER.match(text, pos)
    if not num:
        _fail(text, pos, "expected a number")
    assert num is not None
    pos = num.end()
    rest = text[pos:]
    per_year = False
    if rest.strip():
        if not _PER_YEAR.fullmatch(rest):
            _fail(text, pos, 'unexpected text; only "a year" may follow the number')
        per_year = True
    check_kpi(kpi, model, text)
    value = float(num["number"].replace(",", ""))
    if per_year:
        days = run_days if run_days is not None else (model.run_days if model else 365.0)
        value = value * days / 365.0
    operator = {"≤": "<=", "≥": ">="}.get(op.group(1), op.group(1))
    return Target(kpi, operator, value, text.strip(), per_year)  # type: ignore[arg-type]


def check_kpi(kpi: Kpi, model: Model | None, text: str) -> None:
    """Raise a located ExperimentError when the metric or the service does not exist."""
    if kpi.service == "system":
        known = list(SYSTEM_KPIS)
        if model is not None:
            known += [f"cost_{s.funder}" for s in model.services.values() if s.funder]
    elif kpi.service.startswith(("staff.", "cohort.")) and model is not None:
        known = _arrow_group_kpis(kpi, model, text)
    else:
        known = list(SERVICE_KPIS)
        if model is not None and kpi.service not in model.services:
            raise ExperimentError(
                f'"{text}": no service "{kpi.service}" in the model'
                f"{_did_you_mean(kpi.service, [*model.services, 'system'])}; services are "
                f"{', '.join(model.services)} (or system)")
        if model is not None:
            known += _arrow_service_kpis(kpi.service, model)
    if kpi.metric not in known:
        where = "the whole system" if kpi.service == "system" else "a service"
        raise ExperimentError(
            f'"{text}": "{kpi.metric}" is not a KPI of {where}'
            f"{_did_you_mean(kpi.metric, known)}; KPIs are {', '.join(known)}")


def _arrow_service_kpis(service: str, model: Model) -> list[str]:
    """A service's KPIs from the model's named waits, limited exits and workforce."""
    from wholeflow.engine.staff_kpis import SERVICE_STAFF_CATALOGUE

    reasons = {reason for rs in model.routes.values()
               for routes in ([rs] if isinstance(rs, list) else list(rs.values()))
               for r in routes for reason in r.waits}
    if any(e.capacity or e.placements_per_week or e.placements_per_month
           for e in model.exits.values()):
        reasons.add("placement")
    extra = [f"delayed_days_{c}" for c in sorted(reasons)]
    if model.services[service].workforce is not None:
        extra += list(SERVICE_STAFF_CATALOGUE)
    return extra


def _arrow_group_kpis(kpi: Kpi, model: Model, text: str) -> list[str]:
    """KPIs of a team or staff group (staff.<team>[.<group>]) or a cohort (cohort.<id>)."""
    from wholeflow.engine.cohort_kpis import COHORT_CATALOGUE
    from wholeflow.engine.staff_kpis import STAFF_CATALOGUE

    kind, _, rest = kpi.service.partition(".")
    if kind == "cohort":
        names = [f"cohort.{c}" for c in model.cohorts]
    else:
        names = [f"staff.{t}" for t in model.staff] + [
            f"staff.{t}.{g}" for t, team in model.staff.items() for g in team.groups]
    if kpi.service not in names:
        raise ExperimentError(f'"{text}": no {kind} "{rest}" in the model'
                              f"{_did_you_mean(kpi.service, names)}")
    return list(COHORT_CATALOGUE if kind == "cohort" else STAFF_CATALOGUE)


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _fail(text: str, pos: int, what: str) -> None:
    raise ExperimentError(
        f'target "{text}", column {pos + 1}: {what}. Write targets as {TARGET_SYNTAX}')
