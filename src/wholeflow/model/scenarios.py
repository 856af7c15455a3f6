"""Scenarios: named patches applied on top of the baseline model, then validated like it.

A scenario lives in the model's ``scenarios:`` or in a workspace file ``scenarios/<name>.yaml``::

    imc_weekends:
      description: IMC@Home takes referrals seven days a week
      changes:
        services.imc_at_home.referral.calendar: seven_day   # set a field
        arrivals.*.per_day: x1.1                             # scale every arrival stream
        services.acute.length_of_stay: ×0.9                  # scale a distribution
        services.step_up: {capacity: 10, length_of_stay: 14} # add a service
        routes.acute: [{to: home, probability: 1}]           # replace routes
      remove: [services.iv_therapy, arrivals.gp]

Rules:

- a path is dotted ids and field names; ``*`` stands for every id (or list position) at that
  level; ``routes.acute.0.probability`` (or ``routes.acute[0].probability``) is a list position;
- a value replaces what is there whole (no merging); only the last step of a path may be new,
  and only in a mapping of ids (a new service, a new class in ``class_mix``...);
- a text ``x1.1`` or ``×1.1`` scales instead: a number (whole numbers stay whole, rounded), a
  distribution (every duration parameter, so the shape is kept), or a capacity schedule (every
  capacity); an unlimited capacity (null) stays unlimited;
- ``remove`` is applied first, then ``changes`` in the order written; removing a service also
  removes its own ``routes`` and ``initial_state`` entries; other references to it must be
  changed too (validation names them);
- a path that points at nothing is an error naming the scenario's file, line and path; the
  patched model is then validated like any model, its problems located in the scenario where
  the scenario wrote them and in the model file otherwise.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
from typing import Any

from wholeflow.errors import ModelError, Problem
from wholeflow.model import fieldpaths
from wholeflow.model.build import build_model, sort_problems
from wholeflow.model.distributions import scale_durations
from wholeflow.model.field_errors import show
from wholeflow.model.schema import Model
from wholeflow.model.yaml_lines import Path, SourceMap, format_path, key_segment

_SCALE = re.compile(r"^\s*[x×]\s*(\d+(?:\.\d*)?|\.\d+)\s*$")
#: Parts of a model a scenario owns when it removes a service.
_OWNED = ("routes", "initial_state")


def list_scenarios(model: Model) -> list[str]:
    """The scenario names of ``model``, in the order they were written."""
    return list(model.scenarios)


def scale_factor(value: Any) -> float | None:
    """The factor of a scale text such as ``x1.1`` or ``×0.9``; None for any other value."""
    if isinstance(value, str):
        match = _SCALE.match(value)
        if match:
            return float(match.group(1))
    return None


def apply_scenario(model: Model, name: str) -> Model:
    """A new validated model: ``model`` with scenario ``name``'s patch applied.

    Raises :class:`ModelError` if there is no such scenario, a path points at nothing, or the
    patched model is invalid. ``model`` itself is not changed.
    """
    if name not in model.scenarios:
        raise ModelError([_no_such_scenario(model, name)])
    scenario = model.scenarios[name]
    source, prefix = _scenario_source(model, name)
    patch = _Patch(model.model_dump(by_alias=True), source, prefix, name, model._source_map)
    for i, path in enumerate(scenario.remove):
        patch.remove(path, (*prefix, "remove", i))
    for key, value in scenario.changes.items():
        patch.change(key, value, (*prefix, "changes", key_segment(key)))
    if patch.problems:
        raise ModelError(sort_problems(patch.problems), f"scenario '{name}'")
    try:
        patched = build_model(patch.data, patch.locate)
    except ModelError as err:
        raise ModelError(_in_scenario(err.problems + err.warnings, name),
                         f"the model with scenario '{name}'") from None
    patched._warnings = _in_scenario(patched._warnings, name)
    patched._source = model._source
    patched._source_map = model._source_map
    patched._scenario_sources = dict(model._scenario_sources)
    patched._scenario = name if model.scenario is None else f"{model.scenario}+{name}"
    return patched


def _no_such_scenario(model: Model, name: str) -> Problem:
    known = list_scenarios(model)
    source = model._source_map
    line = source.line(("scenarios",)) if source is not None else None
    listed = ", ".join(known) if known else "none are defined"
    return Problem("scenarios", f"no scenario '{name}'{fieldpaths.did_you_mean(name, known)}",
                   model.source, line, f"scenarios: {listed}")


def _scenario_source(model: Model, name: str) -> tuple[SourceMap | None, Path]:
    found = model._scenario_sources.get(name)
    if found is not None:
        return found  # type: ignore[no-any-return]
    return model._source_map, ("scenarios", name)


def _in_scenario(problems: list[Problem], name: str) -> list[Problem]:
    return [dataclasses.replace(p, message=f"with scenario '{name}': {p.message}")
            for p in problems]


class _PatchError(Exception):
    """A patch step that cannot be applied (turned into a located Problem)."""


class _Patch:
    """Applies one scenario's steps to a dumped model, remembering where each step was written."""

    def __init__(self, data: dict[str, Any], source: SourceMap | None, prefix: Path, name: str,
                 base: SourceMap | None):
        self.data = data
        self.source = source
        self.base = base
        self.prefix = prefix
        self.name = name
        self.problems: list[Problem] = []
        self.touched: list[tuple[Path, Path]] = []  # (model path, scenario path)

    # -- locating ----------------------------------------------------------------------------

    def _where_in_scenario(self, spath: Path) -> tuple[str | None, int | None]:
        if self.source is None:
            return None, None
        return self.source.file, self.source.line(spath)

    def locate(self, path: Path) -> tuple[str | None, int | None]:
        """File and line of a path of the patched model.

        The baseline was valid, so a problem is the scenario's doing: it is located at the step
        that wrote the path (or something inside it, e.g. one probability of a list that no
        longer sums to 1); a path the scenario did not touch (a route still naming a removed
        service) is located where the model file wrote it.
        """
        best: tuple[Path, Path] | None = None
        for mpath, spath in self.touched:
            if path[:len(mpath)] == mpath and (best is None or len(mpath) > len(best[0])):
                best = (mpath, spath)
        if best is None:
            best = next(((m, s) for m, s in self.touched if m[:len(path)] == path), None)
        if best is not None:
            return self._where_in_scenario(best[1])
        if self.base is None:
            return None, None
        return self.base.file, self.base.line(path)

    def _fail(self, step: str, text: str, spath: Path, message: str) -> None:
        file, line = self._where_in_scenario(spath)
        self.problems.append(Problem(f"scenarios.{self.name}", f"{step} '{text}' {message}",
                                     file, line, "check the path against the model"))

    # -- steps -------------------------------------------------------------------------------

    def change(self, text: str, value: Any, spath: Path) -> None:
        try:
            segments = _split(text)
            if segments[0] == "scenarios":
                raise _PatchError("cannot be changed: a scenario cannot change the scenarios")
            factor = scale_factor(value)
            for parent, key, mpath in self._targets(segments, create=factor is None):
                current = parent[key] if _has(parent, key) else None
                if factor is not None and not isinstance(current, str):
                    parent[key] = _scale(current, factor)
                else:
                    parent[key] = copy.deepcopy(value)
                self.touched.append((mpath, spath))
        except _PatchError as err:
            self._fail("change", text, spath, str(err))

    def remove(self, text: str, spath: Path) -> None:
        try:
            segments = _split(text)
            targets = self._targets(segments, create=False, removing=True)
            # later list positions first, so earlier positions stay valid while deleting
            ordered = sorted(targets, key=lambda t: t[1] if isinstance(t[1], int) else -1,
                             reverse=True)
            for parent, key, mpath in ordered:
                del parent[key]
                self.touched.append((mpath, spath))
                if mpath[:1] == ("services",) and len(mpath) == 2:
                    for owned in _OWNED:
                        self.data.get(owned, {}).pop(key, None)
        except _PatchError as err:
            self._fail("remove", text, spath, str(err))

    def _targets(self, segments: list[str], create: bool,
                 removing: bool = False) -> list[tuple[Any, Any, Path]]:
        """(container, key, concrete path) for every place the path pattern names."""
        nodes: list[tuple[Any, Path]] = [(self.data, ())]
        for depth, seg in enumerate(segments):
            last = depth == len(segments) - 1
            found: list[tuple[Any, Any, Path]] = []
            for node, path in nodes:
                found += self._step(node, path, seg, create and last)
            if not found:
                where = format_path(nodes[0][1]) if len(nodes) == 1 else "any of them"
                raise _PatchError(f"matches nothing: '*' finds no entries under "
                                  f"{where or 'the model'}")
            if last:
                if removing:
                    for _, key, path in found:
                        self._check_removable(path, key)
                return found
            nodes = [(parent[key], (*path,)) for parent, key, path in found]
        raise _PatchError("empty path")  # pragma: no cover - _split never returns []

    def _step(self, node: Any, path: Path, seg: str, create: bool) -> list[tuple[Any, Any, Path]]:
        if isinstance(node, dict):
            if seg == "*":
                return [(node, k, (*path, key_segment(k))) for k in node]
            for k in node:
                if key_segment(k) == seg:
                    return [(node, k, (*path, key_segment(k)))]
            if create and not self._fixed_keys(path):
                return [(node, seg, (*path, seg))]
            hint = fieldpaths.did_you_mean(seg, [key_segment(k) for k in node])
            raise _PatchError(f"points at nothing: there is no '{seg}' under "
                              f"{format_path(path) or 'the model'}{hint}")
        if isinstance(node, list):
            if seg == "*":
                return [(node, i, (*path, i)) for i in range(len(node))]
            if seg.isdigit() and int(seg) < len(node):
                return [(node, int(seg), (*path, int(seg)))]
            raise _PatchError(f"points at nothing: {format_path(path)} has {len(node)} "
                              f"entries (positions 0 to {len(node) - 1}), not '{seg}'")
        raise _PatchError(f"points at nothing: {format_path(path)} is {show(node)}, "
                          f"which has no '{seg}'")

    def _fixed_keys(self, path: Path) -> bool:
        tp, _ = fieldpaths.type_at(Model, self.data, path)
        return fieldpaths.is_model(tp)

    def _check_removable(self, path: Path, key: Any) -> None:
        if isinstance(key, int):
            return
        if self._fixed_keys(path[:-1]):
            raise _PatchError(f"cannot be removed: {format_path(path)} is a field; "
                              "set it to a new value instead")


def _split(text: str) -> list[str]:
    segments = re.sub(r"\[(\d+|\*)\]", r".\1", str(text).strip()).split(".")
    if not text or any(not s.strip() for s in segments):
        raise _PatchError("is not a path like services.acute.capacity")
    return [s.strip() for s in segments]


def _has(parent: Any, key: Any) -> bool:
    if isinstance(parent, dict):
        return key in parent
    return isinstance(key, int) and 0 <= key < len(parent)


def _scale(value: Any, factor: float) -> Any:
    """``value`` scaled by ``factor``: numbers, distributions and capacity schedules."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _PatchError(f"cannot be scaled: {show(value)} is not a number")
    if isinstance(value, int):
        return math.floor(value * factor + 0.5)
    if isinstance(value, float):
        return value * factor
    if isinstance(value, dict) and "dist" in value:
        return scale_durations(value, factor)
    if isinstance(value, dict) and "by_weekday" in value and "default" in value:
        return {
            "default": _scale(value["default"], factor),
            "by_weekday": {d: _scale(c, factor) for d, c in value["by_weekday"].items()},
            "by_date": [dict(ch, capacity=_scale(ch["capacity"], factor))
                        for ch in value.get("by_date", [])],
        }
    raise _PatchError("cannot be scaled: scaling works on numbers, distributions and capacity "
                      f"schedules, not {show(value)}")
