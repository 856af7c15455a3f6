"""Variants of a model made by an experiment: another capacity, a parameter scaled by ±x %.

Named scenarios come from the model file (:mod:`wholeflow.model.scenarios`); the variants here
are made on the fly by a capacity search or a sensitivity analysis. Each is a validated copy of
the model plus the patch that made it (``{"services.acute.capacity": 42}``), recorded in the run
manifest.

Parameters are named by their dotted path in the model, as in scenario patches:
``arrivals.front_door.per_day``, ``services.acute.capacity``, ``services.acute.length_of_stay``,
``services.imc_at_home.referral.acceptance``, ``services.imc_at_home.referral.triage_time``.
``*`` stands for every id at that level (``services.*.length_of_stay``). Scaling a distribution
scales the whole distribution (every duration: mean, sd, low, high, mode, scale, values), so its
shape and coefficient of variation stay the same. Whole numbers (capacity, assessments) are
rounded and move by at least 1; shares (acceptance) stay within 0 and 1.
"""

from __future__ import annotations

import copy
import fnmatch
import math
from dataclasses import dataclass
from typing import Any

from wholeflow.errors import ExperimentError
from wholeflow.model.distributions import scale_durations
from wholeflow.model.schema import CapacitySchedule, Model

#: Fields that are shares and must stay within [0, 1].
SHARE_FIELDS = ("acceptance", "probability")


@dataclass(frozen=True)
class Variant:
    """A changed copy of a model and the patch that made it."""

    model: Model
    patches: dict[str, Any]


def rebuild(model: Model, data: dict[str, Any]) -> Model:
    """A validated model from a changed dump of ``model``, remembering the source file."""
    new = Model.model_validate(data)
    new._source = model.source
    return new


def dump(model: Model) -> dict[str, Any]:
    """A deep, editable copy of the model's fields (aliases as in the file)."""
    return copy.deepcopy(model.model_dump(by_alias=True))


def with_capacity(model: Model, capacities: dict[str, int]) -> Variant:
    """The model with flat capacities for the given services (a schedule is replaced)."""
    data = dump(model)
    patches: dict[str, Any] = {}
    for service, places in capacities.items():
        if service not in data["services"]:
            raise ExperimentError(
                f'no service "{service}" in the model; services are {", ".join(data["services"])}')
        data["services"][service]["capacity"] = int(places)
        patches[f"services.{service}.capacity"] = int(places)
    return Variant(rebuild(model, data), patches)


def with_warm_up(model: Model, days: float) -> Model:
    """The model with another warm-up (the collection window keeps its length)."""
    data = dump(model)
    data["warm_up_days"] = float(days)
    return rebuild(model, data)


def flat_capacity(model: Model, service: str) -> int | None:
    """The service's capacity as one number: a schedule's default, None when unlimited."""
    cap = model.services[service].capacity
    if isinstance(cap, CapacitySchedule):
        return cap.default
    return cap


def expand(model: Model, patterns: list[str]) -> list[str]:
    """Parameter paths matching the patterns (``*`` = every id at that level), in model order."""
    data = dump(model)
    out: list[str] = []
    for pattern in patterns:
        found = [p for p in _paths(data) if fnmatch.fnmatchcase(p, pattern)]
        if not found:
            raise ExperimentError(
                f'parameter "{pattern}" matches nothing in the model; name parameters by their '
                "path, e.g. arrivals.front_door.per_day, services.acute.length_of_stay, "
                "services.acute.capacity, services.acute.referral.acceptance")
        out += [p for p in found if p not in out]
    return out


def default_parameters(model: Model) -> list[str]:
    """The parameters a sensitivity analysis varies when none are named.

    Arrival rates, lengths of stay, finite capacities, acceptance below 1 and triage times that
    are not zero. Route probabilities are left out: they must sum to 1, so changing one alone is
    not a well-defined change.
    """
    out = [f"arrivals.{a}.per_day" for a in model.arrivals]
    for sid, s in model.services.items():
        out.append(f"services.{sid}.length_of_stay")
        if flat_capacity(model, sid) is not None:
            out.append(f"services.{sid}.capacity")
        if s.referral.acceptance < 1:
            out.append(f"services.{sid}.referral.acceptance")
        if s.referral.triage_time.mean() > 0:
            out.append(f"services.{sid}.referral.triage_time")
    return out


def scaled(model: Model, path: str, factor: float) -> tuple[Variant, Any, Any]:
    """The model with the parameter at ``path`` scaled by ``factor``.

    Returns the variant, the old value and the new value (numbers, or a distribution's mean).
    """
    data = dump(model)
    parent, key = _locate(data, path)
    old = parent[key]
    new = _scale(old, factor, key, path)
    parent[key] = new
    variant = Variant(rebuild(model, data), {path: f"x{factor:g}"})
    return variant, _show(old), _show(new)


def _locate(data: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            raise ExperimentError(f'parameter "{path}": nothing at "{".".join(parts[:i + 1])}"')
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        raise ExperimentError(f'parameter "{path}": nothing at "{path}"')
    return node, parts[-1]


def _scale(value: Any, factor: float, key: str, path: str) -> Any:
    if isinstance(value, bool) or value is None:
        raise ExperimentError(f'parameter "{path}" is {value!r}, not a number: it cannot be scaled')
    if isinstance(value, int):
        return _scale_whole(value, factor, minimum=1 if key == "capacity" else 0)
    if isinstance(value, float):
        new = value * factor
        return min(1.0, max(0.0, new)) if key in SHARE_FIELDS else new
    if isinstance(value, dict) and "dist" in value:
        return scale_durations(value, factor)
    if isinstance(value, dict) and "default" in value:  # a capacity schedule
        out = dict(value)
        if out["default"] is not None:
            out["default"] = _scale_whole(out["default"], factor, 1)
        out["by_weekday"] = {d: None if c is None else _scale_whole(c, factor, 1)
                             for d, c in out.get("by_weekday", {}).items()}
        out["by_date"] = [{**ch, "capacity": None if ch["capacity"] is None
                           else _scale_whole(ch["capacity"], factor, 1)}
                          for ch in out.get("by_date", [])]
        return out
    raise ExperimentError(f'parameter "{path}" is not a number or a distribution: it cannot be '
                          "scaled")


def _scale_whole(value: int, factor: float, minimum: int) -> int:
    new = round(value * factor)
    if new == value and factor != 1:
        new = value + (1 if factor > 1 else -1)
    return max(minimum, new)


def _show(value: Any) -> Any:
    """A number to show for a parameter value (a distribution shows its mean)."""
    if isinstance(value, dict) and "dist" in value:
        from pydantic import TypeAdapter

        from wholeflow.model.schema import Dist

        return round(TypeAdapter(Dist).validate_python(value).mean(), 6)
    if isinstance(value, dict) and "default" in value:
        return value["default"]
    if isinstance(value, float) and math.isfinite(value):
        return round(value, 6)
    return value


def _paths(data: Any, prefix: str = "") -> list[str]:
    """Every path to a number, a distribution or a capacity schedule in a model dump."""
    out: list[str] = []
    if isinstance(data, dict):
        if prefix and ("dist" in data or ("default" in data and "by_weekday" in data)):
            return [prefix]
        for k, v in data.items():
            if prefix == "" and k in ("scenarios", "start_date", "calendars", "initial_state",
                                      "max_events", "warm_up_days", "run_days"):
                continue
            out += _paths(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, int | float) and not isinstance(data, bool):
        out.append(prefix)
    return out
