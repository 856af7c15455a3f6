"""Scenario forms: the fields people change in a redesign, turned into a scenario file.

A scenario is a patch on the baseline (:mod:`wholeflow.model.scenarios`). The form shows, for
every service, its capacity, mean length of stay, referral calendar and acceptance; the
probability of each route; and each arrival stream's rate — each field named by its model path
(``services.imc_at_home.referral.calendar``). Saving writes ``scenarios/<name>.yaml`` with a
``changes:`` entry for each field that differs, so the file stays short and reviewable:

- a field already set by the scenario keeps its entry (updated, or dropped when set back to the
  baseline value);
- another field is written only when its value was changed in the form (so changes the scenario
  makes in other ways — a whole route list, a scaled value — are kept as written);
- a new mean length of stay scales the baseline's distribution (every duration, so its shape is
  kept) and is written out in full: ``{dist: gamma, mean: 26, sd: 8.1}``.

The patched model is validated before anything is written; each problem is shown next to the
field whose path it names (the others above the form).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from wholeflow.errors import ModelError, Problem
from wholeflow.model.distributions import scale_durations
from wholeflow.model.schema import ALWAYS, CapacitySchedule, Scenario
from wholeflow.web.workspace_files import check_name, dump_yaml, locked, write_text

if TYPE_CHECKING:
    from wholeflow.model.schema import Model
    from wholeflow.web.state import Workspace

HEADER = "# Scenario written by the wholeflow app; edit freely (see docs: scenarios are patches).\n"


@dataclass
class FormField:
    """One editable value: ``name`` is its model path; texts are as shown in the form."""

    name: str
    label: str
    group: str
    kind: str  # capacity, days, percent, share, rate, calendar
    base: str  # the baseline's value as text
    value: str  # the value shown (the scenario's, or what was submitted)
    options: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""
    problem: str = ""

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")

    @property
    def changed(self) -> bool:
        return self.value.strip() != self.base


def _num(x: float, digits: int = 3) -> str:
    text = f"{round(float(x), digits):.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def _show(kind: str, value: Any) -> str:
    if kind == "capacity":
        return "" if value is None else str(value)
    if kind == "percent":
        return _num(float(value) * 100, 1)
    if kind in ("days", "share", "rate"):
        return _num(value)
    return str(value)


def fields_of(model: Model, shown: Model | None = None) -> list[FormField]:
    """The form's fields for ``model`` (the baseline), showing ``shown``'s values (a scenario
    applied) where given."""
    shown = shown or model
    calendars = [(ALWAYS, "Always open")] + [(c, c.replace("_", " ")) for c in model.calendars]
    out: list[FormField] = []

    def add(name: str, label: str, group: str, kind: str, base: Any, now: Any,
            **kw: Any) -> None:
        out.append(FormField(name, label, group, kind, _show(kind, base), _show(kind, now), **kw))

    for sid, s in model.services.items():
        t = shown.services.get(sid, s)
        group = s.name or sid
        if not isinstance(s.capacity, CapacitySchedule) and \
                not isinstance(t.capacity, CapacitySchedule):
            add(f"services.{sid}.capacity", "Capacity (places)", group, "capacity", s.capacity,
                t.capacity, hint="Leave empty for unlimited")
        add(f"services.{sid}.length_of_stay", "Mean length of stay (days)", group, "days",
            s.length_of_stay.mean(), t.length_of_stay.mean(),
            hint=f"{s.length_of_stay.dist} distribution; its shape is kept")
        add(f"services.{sid}.referral.calendar", "Referral calendar", group, "calendar",
            s.referral.calendar, t.referral.calendar, options=calendars,
            hint="When referrals are looked at")
        add(f"services.{sid}.referral.acceptance", "Referrals accepted (%)", group, "percent",
            s.referral.acceptance, t.referral.acceptance)
    for sid, routes in model.routes.items():
        now_routes = shown.routes.get(sid, routes)
        group = f"Routes out of {model.services[sid].name or sid}" if sid in model.services \
            else f"Routes out of {sid}"
        sets = routes.items() if isinstance(routes, dict) else [(None, routes)]
        for cls, lst in sets:
            now_lst = (now_routes.get(cls, lst) if isinstance(now_routes, dict) and cls
                       else now_routes if isinstance(now_routes, list) else lst)
            prefix = f"routes.{sid}.{cls}" if cls else f"routes.{sid}"
            for i, r in enumerate(lst):
                now = now_lst[i].probability if i < len(now_lst) else r.probability
                to = model.services[r.to].name if r.to in model.services else r.to
                who = f" ({model.classes[cls].name or cls})" if cls and cls in model.classes \
                    else (f" ({cls})" if cls else "")
                add(f"{prefix}.{i}.probability", f"To {to or r.to}{who}: share", group, "share",
                    r.probability, now, hint="Shares out of a service add up to 1")
    for aid, a in model.arrivals.items():
        arrival = shown.arrivals.get(aid, a)
        add(f"arrivals.{aid}.per_day", f"{aid.replace('_', ' ')}: people a day", "Arrivals",
            "rate", a.per_day, arrival.per_day)
    return out


def parse(f: FormField, text: str) -> tuple[Any, str]:
    """The value to write for ``text`` and a problem ('' if none)."""
    text = text.strip()
    try:
        if f.kind == "capacity":
            if not text:
                return None, ""
            n = float(text)
            if n != int(n) or n < 0:
                return None, "Enter a whole number of places, 0 or more (or leave it empty)"
            return int(n), ""
        if f.kind == "calendar":
            if text not in [v for v, _ in f.options]:
                return None, "Choose one of the calendars"
            return text, ""
        x = float(text)
        if not math.isfinite(x):
            raise ValueError
    except ValueError:
        return None, "Enter a number"
    if f.kind == "percent":
        if not 0 <= x <= 100:
            return None, "Enter a percentage from 0 to 100"
        return round(x / 100, 6), ""
    if f.kind == "share" and not 0 <= x <= 1:
        return None, "Enter a share from 0 to 1"
    if f.kind == "days" and x <= 0:
        return None, "Enter a number of days above 0"
    if f.kind == "rate" and x < 0:
        return None, "Enter a rate of 0 or more"
    return x, ""


def _los(model: Model, name: str, mean: float) -> dict[str, Any]:
    sid = name.split(".")[1]
    dist = model.services[sid].length_of_stay
    dumped = dist.model_dump(by_alias=True, exclude_none=True)
    scaled = scale_durations(dumped, mean / dist.mean())
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in scaled.items()}


@dataclass
class Outcome:
    """What saving a form gave: the fields (with problems), the others, and the entry."""

    fields: list[FormField]
    problems: list[Problem]
    form_problems: dict[str, str]
    scenario: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.scenario is not None


def build(model: Model, name: str, description: str, submitted: dict[str, str],
          existing: dict[str, Any] | None, shown: Model | None) -> Outcome:
    """The scenario the submitted form describes, validated against ``model``."""
    fields = fields_of(model, shown)
    previous = dict((existing or {}).get("changes") or {})
    changes = dict(previous)
    for f in fields:
        text = submitted.get(f.name, f.value)
        value, problem = parse(f, text)
        shown_before, f.value = f.value, text
        if problem:
            f.problem = problem
            continue
        if f.name in previous:
            if text.strip() == f.base:
                del changes[f.name]
            else:
                changes[f.name] = value
        elif text.strip() != shown_before.strip():
            changes[f.name] = value
        if f.name in changes and f.kind == "days":
            changes[f.name] = _los(model, f.name, float(value))
    form_problems: dict[str, str] = {}
    if any(f.problem for f in fields):
        return Outcome(fields, [], form_problems)
    entry: dict[str, Any] = {"description": description.strip()}
    entry["changes"] = changes
    if (existing or {}).get("remove"):
        entry["remove"] = list(existing["remove"])  # type: ignore[index]
    problems = validate(model, name, entry)
    if problems:
        _attach(fields, problems)
        return Outcome(fields, [p for p in problems if not _owner(fields, p)], form_problems)
    return Outcome(fields, [], form_problems, entry)


def validate(model: Model, name: str, entry: dict[str, Any]) -> list[Problem]:
    """Problems of the baseline with ``entry`` applied as scenario ``name`` ([] if none)."""
    from wholeflow.model.scenarios import apply_scenario

    try:
        scenario = Scenario.model_validate(entry)
    except Exception as err:  # pydantic: a malformed entry (the form never makes one)
        return [Problem("scenario", str(err))]
    trial = model.model_copy()
    trial.scenarios = {**model.scenarios, name: scenario}
    trial._scenario_sources = {k: v for k, v in model._scenario_sources.items() if k != name}
    try:
        apply_scenario(trial, name)
    except ModelError as err:
        return err.problems
    return []


def _owner(fields: list[FormField], p: Problem) -> FormField | None:
    for f in fields:
        if p.path == f.name or p.path.startswith(f.name + "."):
            return f
    for f in fields:  # a problem of a whole list (shares not adding up): its first field
        if f.name.startswith(p.path + ".") and p.path:
            return f
    return None


def _attach(fields: list[FormField], problems: list[Problem]) -> None:
    for p in problems:
        f = _owner(fields, p)
        if f is not None:
            text = p.message.split(": ", 1)[-1] if p.message.startswith("with scenario") \
                else p.message
            f.problem = (f.problem + "; " if f.problem else "") + text + (
                f" ({p.fix})" if p.fix else "")


def scenario_file(ws: Workspace, name: str) -> Any:
    return ws.path(f"scenarios/{name}.yaml")


def read_existing(ws: Workspace, name: str) -> dict[str, Any] | None:
    """The scenario file's entry as written, or None when there is no such file."""
    path = scenario_file(ws, name)
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else None


def write(ws: Workspace, name: str, entry: dict[str, Any], *, new: bool) -> None:
    """Write scenarios/<name>.yaml; with ``new``, refuse a name already in use."""
    problem = check_name(name)
    if problem:
        raise ValueError(problem)
    path = scenario_file(ws, name)
    with locked(path):
        if new and (path.exists() or name in _names(ws)):
            raise FileExistsError(name)
        write_text(path, dump_yaml(entry, HEADER))
    ws.forget_model()


def _names(ws: Workspace) -> set[str]:
    status = ws.model_status()
    return set(status.model.scenarios) if status.model is not None else set()
