"""Cross-field rules for the workforce, placements, named waits and cohorts.

Run by :func:`wholeflow.model.validate.check_model` after the other rules; every problem is
located (file, line, field) and says how to fix it:

- staff: a team has at least one group and a known calendar; a service's ``workforce`` names a
  known team, and every ``done_by`` / ``could_be_done_by`` is a group of that team (not the
  doer itself); a service whose capacity follows its staff has a ``care`` activity with hours
  above 0 and no ``capacity`` of its own; the shares of a team's hours given to such services
  for one care group add up to at most 1; hours per rejected referral that differ from the
  service's ``referral.rejected_handling_hours`` are a warning;
- exits: ``capacity`` comes with ``length_of_stay`` (and the other way round); an exit has a
  capacity or a placement rate, not both, and one rate only;
- waits: a reason is a plain id and not one of the built-in delay causes;
- cohorts: a known service and class, either ``events_per_year`` or ``risk_groups`` (shares
  summing to 1, known classes), known exits in ``leaves_on`` and services in
  ``admission_services``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from wholeflow.errors import Problem, Severity
from wholeflow.model.fieldpaths import did_you_mean
from wholeflow.model.schema import ALWAYS, Model
from wholeflow.model.yaml_lines import Path, format_path
from wholeflow.tables import DELAY_CAUSES

Locator = Callable[[Path], tuple[str | None, int | None]]
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: Delay causes a named wait may not take: the engine's own, and ``placement``.
RESERVED_CAUSES = (*DELAY_CAUSES, "placement")


def check_arrows(model: Model, where: Locator) -> list[Problem]:
    """Every problem in the model's staff, exit limits, named waits and cohorts."""
    problems: list[Problem] = []

    def add(path: Path, message: str, fix: str | None = None,
            severity: Severity = "error") -> None:
        file, line = where(path)
        problems.append(Problem(format_path(path), message, file, line, fix, severity))

    _staff(model, add)
    _exits(model, add)
    _waits(model, add)
    _cohorts(model, add)
    return problems


Add = Callable[..., None]


def _known(add: Add, path: Path, name: str, kind: str, known: list[str], fix: str) -> bool:
    if name in known:
        return True
    add(path, f"unknown {kind} '{name}'{did_you_mean(name, known)}", fix)
    return False


def _staff(model: Model, add: Add) -> None:
    calendars = [ALWAYS, *model.calendars]
    for tid, team in model.staff.items():
        if not team.groups:
            add(("staff", tid, "groups"), "a team needs at least one staff group",
                "add groups: {nurse: {wte: 10}}")
        _known(add, ("staff", tid, "calendar"), team.calendar, "calendar", calendars,
               "define it under calendars:, or use 'always'")
    shares: dict[tuple[str, str], float] = defaultdict(float)
    for sid, svc in model.services.items():
        wf = svc.workforce
        if wf is None:
            continue
        path: Path = ("services", sid, "workforce")
        if not _known(add, (*path, "team"), wf.team, "team", list(model.staff),
                      "define the team under staff:, or correct the id"):
            continue
        groups = list(model.staff[wf.team].groups)
        for name, activity in wf.activities().items():
            here: Path = (*path, name)
            _known(add, (*here, "done_by"), activity.done_by, f"staff group of {wf.team}",
                   groups, f"use one of: {', '.join(groups)}")
            for i, other in enumerate(activity.could_be_done_by):
                _known(add, (*here, "could_be_done_by", i), other,
                       f"staff group of {wf.team}", groups, f"use one of: {', '.join(groups)}")
                if other == activity.done_by:
                    add((*here, "could_be_done_by", i), f"'{other}' already does it",
                        "list only other groups")
        handling = svc.referral.rejected_handling_hours
        if wf.rejected_referral is not None and handling not in (0, wf.rejected_referral.hours):
            add((*path, "rejected_referral", "hours"), f"{wf.rejected_referral.hours:g} staff "
                f"hours per rejected referral, but referral.rejected_handling_hours says "
                f"{handling:g}: the service's failure_demand_hours and its team's will differ",
                "give both the same hours", "warning")
        if not wf.capacity_from_staff:
            continue
        if wf.care is None or wf.care.hours <= 0:
            add((*path, "capacity_from_staff"), "capacity follows the staff but there are no "
                "care hours per person per day to divide the hours by",
                "add care: {hours: 1.5, done_by: <group>}")
            continue
        if svc.capacity is not None:
            add(("services", sid, "capacity"), "the service's capacity follows its staff "
                "(workforce.capacity_from_staff), so it cannot have a capacity of its own",
                "remove capacity, or set capacity_from_staff: false")
        shares[(wf.team, wf.care.done_by)] += wf.share
    for (tid, group), total in shares.items():
        if total > 1 + 1e-9:
            add(("staff", tid, "groups", group), f"services whose capacity follows the staff "
                f"take shares of {group}'s hours adding up to {total:g}, more than all of them",
                "lower the services' workforce.share so they add up to at most 1")


def _exits(model: Model, add: Add) -> None:
    for eid, ex in model.exits.items():
        path: Path = ("exits", eid)
        if ex.capacity is not None and ex.length_of_stay is None:
            add((*path, "capacity"), "an exit with places needs the length of stay of a "
                "placement, or its places would fill for ever", "add length_of_stay: <days>")
        if ex.length_of_stay is not None and ex.capacity is None:
            add((*path, "length_of_stay"), "a length of stay only applies to an exit with "
                "capacity", "add capacity: <places>, or remove length_of_stay")
        rates = [ex.placements_per_week, ex.placements_per_month]
        if ex.capacity is not None and any(r is not None for r in rates):
            add(path, "an exit has places (capacity) or a rate of places becoming free, "
                "not both", "keep one of them")
        if all(r is not None for r in rates):
            add((*path, "placements_per_month"), "give placements per week or per month, "
                "not both", "remove one of them")


def _waits(model: Model, add: Add) -> None:
    for service, rs in model.routes.items():
        lists = [(("routes", service), rs)] if isinstance(rs, list) else [
            (("routes", service, k), v) for k, v in rs.items()]
        for base, routes in lists:
            for i, route in enumerate(routes):
                for reason in route.waits:
                    here: Path = (*base, i, "waits", reason)
                    if not _ID.match(reason):
                        add(here, f"reason '{reason}' must be a lower-case id (it names a "
                            "delay cause and a KPI)", "use letters, digits and underscores, "
                            "e.g. patient_choice")
                    elif reason in RESERVED_CAUSES:
                        add(here, f"'{reason}' is a built-in delay cause",
                            "name the reason differently, e.g. " f"{reason}_wait")


def _cohorts(model: Model, add: Add) -> None:
    services, exits, classes = list(model.services), list(model.exits), list(model.classes)
    for cid, co in model.cohorts.items():
        path: Path = ("cohorts", cid)
        _known(add, (*path, "service"), co.service, "service", services,
               "name a service under services:")
        if co.klass is not None:
            _known(add, (*path, "class"), co.klass, "class", classes,
                   f"use one of: {', '.join(classes)}")
        if (co.events_per_year is None) == (not co.risk_groups):
            add(path, "a cohort needs events_per_year or risk_groups (one of the two)",
                "add events_per_year: <events per person per year>")
        if co.risk_groups:
            total = sum(g.share for g in co.risk_groups.values())
            if abs(total - 1) > 1e-6:
                add((*path, "risk_groups"), f"shares sum to {total:.6g}; they must sum to 1",
                    "change the shares so they add up to 1")
            for gid, group in co.risk_groups.items():
                if group.klass is not None:
                    _known(add, (*path, "risk_groups", gid, "class"), group.klass, "class",
                           classes, f"use one of: {', '.join(classes)}")
        for i, eid in enumerate(co.leaves_on):
            _known(add, (*path, "leaves_on", i), eid, "exit", exits, "name an exit")
        for i, sid in enumerate(co.admission_services):
            _known(add, (*path, "admission_services", i), sid, "service", services,
                   "name a service")
