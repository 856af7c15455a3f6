"""Rules that span fields: references, probability sums, reachability, loops, calendars.

:func:`check_model` runs on a model whose fields each passed the schema, and returns every
problem it finds (errors and warnings), each located through a ``where`` function that maps a
path to its file and line. It never stops at the first problem.

The rules, in the order they are checked:

- ids: no ``.`` or ``*`` in ids (scenario paths use them); an id is not both a service and an
  exit; ``default`` is not a class id and ``always`` is not a calendar id (both are built in);
- calendars: valid opening hours that close after they open, and some open weekday; a
  calendar closed on every day of the run (bank holidays and closed dates taken out) is a
  warning, since a longer run would see it open;
- references: every service, exit, class and calendar named anywhere is defined;
- shares: route probabilities (per service, and per class where routes are given by class),
  arrival and initial-state class mixes each sum to 1 (within 1e-6); with more than one
  class, every arrival stream and initial census says its class_mix; weekday and monthly
  profiles are not negative and not all zero;
- initial state: ``ready`` is not more than ``occupancy``; starting over capacity is a warning;
- rejection: a route into a service that can reject (``acceptance < 1``) says where rejected
  people go (``on_reject``), and that place accepts everyone, so no one is left with nowhere;
- flow: every service someone can enter has routes out for every class that can reach it
  (otherwise people would never leave); a service no arrival or initial state can reach is a
  warning, as is a reachable service with capacity 0;
- loops: a loop of routes through services that can all have a zero length of stay is an error
  (a person could circle forever without time passing).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from wholeflow.errors import Problem, Severity
from wholeflow.model import distributions as dists
from wholeflow.model.fieldpaths import did_you_mean
from wholeflow.model.schema import ALWAYS, Model, Route
from wholeflow.model.yaml_lines import Path, format_path

Locator = Callable[[Path], tuple[str | None, int | None]]

#: Tolerance for shares that must sum to 1.
SUM_TOLERANCE = 1e-6
#: Class key in per-class routes that applies to every class not listed.
DEFAULT_CLASS = "default"


def check_model(model: Model, where: Locator) -> list[Problem]:
    """Every cross-field problem in ``model`` (errors and warnings), located by ``where``."""
    from wholeflow.model.validate_arrows import check_arrows

    return _Checker(model, where).run() + check_arrows(model, where)


def can_be_zero(dist: Any) -> bool:
    """Whether a duration distribution gives exactly 0 with positive probability."""
    if isinstance(dist, dists.Fixed):
        return dist.value == 0
    if isinstance(dist, dists.Uniform):
        return dist.high == 0
    if isinstance(dist, dists.Empirical):
        if dist.values is not None:
            return 0 in dist.values
        assert dist.quantiles is not None
        return any(p > 0 and x == 0 for p, x in dist.quantiles.items())
    return False


class _Checker:
    def __init__(self, model: Model, where: Locator):
        self.m = model
        self.where = where
        self.problems: list[Problem] = []
        self.services = set(model.services)
        self.exits = set(model.exits)
        self.classes = list(model.classes)
        self.calendars = set(model.calendars) | {ALWAYS}

    def run(self) -> list[Problem]:
        self._ids()
        self._calendars()
        self._service_references()
        self._arrivals()
        self._initial_state()
        self._routes()
        self._rejections()
        self._flow()
        self._zero_loops()
        return self.problems

    # -- helpers ---------------------------------------------------------------------------

    def add(self, path: Path, message: str, fix: str | None = None,
            severity: Severity = "error") -> None:
        file, line = self.where(path)
        self.problems.append(Problem(format_path(path), message, file, line, fix, severity))

    def warn(self, path: Path, message: str, fix: str | None = None) -> None:
        self.add(path, message, fix, "warning")

    def _route_lists(self) -> Iterator[tuple[str, Path, str | None, list[Route]]]:
        """(service, path, class or None, routes) for every list of routes in the model."""
        for service, rs in self.m.routes.items():
            if isinstance(rs, list):
                yield service, ("routes", service), None, rs
            else:
                for klass, lst in rs.items():
                    yield service, ("routes", service, klass), klass, lst

    def _mix_classes(self, mix: dict[str, float] | None) -> list[str]:
        if mix is None:
            return self.classes
        return [k for k, share in mix.items() if share > 0 and k in self.m.classes]

    def _check_mix(self, path: Path, mix: dict[str, float] | None, who: str) -> None:
        if mix is None:
            if len(self.classes) > 1:
                self.add(path, f"the model has {len(self.classes)} classes "
                         f"({', '.join(self.classes)}) but {who} has no class_mix",
                         "add class_mix: {<class>: <share>, ...} with shares summing to 1")
            return
        for klass, share in mix.items():
            if klass not in self.m.classes:
                self.add((*path, "class_mix", klass), f"unknown class '{klass}'"
                         f"{did_you_mean(klass, self.classes)}",
                         f"use one of the classes: {', '.join(self.classes)}")
            if share < 0:
                self.add((*path, "class_mix", klass), f"share must not be negative, got {share}",
                         "give shares between 0 and 1 that sum to 1")
        total = sum(mix.values())
        if abs(total - 1) > SUM_TOLERANCE:
            self.add((*path, "class_mix"), f"shares sum to {total:.6g}; they must sum to 1",
                     "change the shares so they add up to 1")

    def _reference(self, path: Path, target: str, kinds: str, known: Iterable[str],
                   fix: str) -> bool:
        known = list(known)
        if target in known:
            return True
        self.add(path, f"unknown {kinds} '{target}'{did_you_mean(target, known)}", fix)
        return False

    # -- ids and calendars -----------------------------------------------------------------

    def _ids(self) -> None:
        groups: dict[str, Iterable[str]] = {
            "services": self.m.services, "exits": self.m.exits, "classes": self.m.classes,
            "calendars": self.m.calendars, "arrivals": self.m.arrivals,
        }
        for group, ids in groups.items():
            for ident in ids:
                if "." in ident or "*" in ident or not ident.strip():
                    self.add((group, ident), f"id '{ident}' must not be empty or contain "
                             "'.' or '*' (scenario paths use them)",
                             "use letters, digits and underscores, e.g. darley_court")
        for ident in sorted(self.services & self.exits):
            self.add(("exits", ident), f"'{ident}' is both a service and an exit",
                     "give the exit a different id, e.g. " f"{ident}_exit")
        if DEFAULT_CLASS in self.m.classes:
            self.add(("classes", DEFAULT_CLASS), "'default' cannot be a class id: in per-class "
                     "routes it means every class not listed", "rename the class")
        if ALWAYS in self.m.calendars:
            self.add(("calendars", ALWAYS), "'always' is the built-in calendar (open all the "
                     "time) and cannot be redefined", "give your calendar another id")

    def _calendars(self) -> None:
        first = self.m.start_date
        last = first + dt.timedelta(days=max(math.ceil(self.m.end_day) - 1, 0))
        for cid, cal in self.m.calendars.items():
            path: Path = ("calendars", cid)
            if cal.hours is not None and not self._hours_ok(path, cal.hours):
                continue
            if cal.days != "all" and not cal.days:
                self.add((*path, "days"), "has no open weekday, so it never opens",
                         "list the open weekdays, e.g. [mon, tue, wed, thu, fri]")
                continue
            if not _opens_between(cal, first, last):
                self.warn(path, f"is closed on every day of the run ({first} to {last}), "
                          "counting bank holidays and closed dates",
                          "open it on more weekdays or remove some closed dates")

    def _hours_ok(self, path: Path, hours: str) -> bool:
        h1, m1, h2, m2 = (int(x) for x in re.findall(r"\d+", hours))
        opens, closes = h1 * 60 + m1, h2 * 60 + m2
        if not (m1 < 60 and m2 < 60 and opens <= 24 * 60 and closes <= 24 * 60):
            self.add((*path, "hours"), f"'{hours}' is not a valid time range",
                     "use 24-hour times from 00:00 to 24:00, e.g. 09:00-17:00")
            return False
        if closes <= opens:
            self.add((*path, "hours"), f"opening hours '{hours}' close before or when they "
                     "open, so it never opens (hours past midnight are not supported)",
                     "make the closing time later than the opening time, e.g. 08:00-20:00")
            return False
        return True

    # -- references ------------------------------------------------------------------------

    def _service_references(self) -> None:
        cal_fix = "define it under calendars:, or use 'always'"
        for sid, svc in self.m.services.items():
            path: Path = ("services", sid)
            self._reference((*path, "admits"), svc.admits, "calendar", self.calendars, cal_fix)
            self._reference((*path, "referral", "calendar"), svc.referral.calendar, "calendar",
                            self.calendars, cal_fix)
            for klass in svc.length_of_stay_by_class:
                self._reference((*path, "length_of_stay_by_class", klass), klass, "class",
                                self.classes, f"use one of: {', '.join(self.classes)}")

    def _arrivals(self) -> None:
        for aid, arr in self.m.arrivals.items():
            path: Path = ("arrivals", aid)
            if arr.service in self.exits:
                self.add((*path, "service"), f"arrivals go into a service, and '{arr.service}' "
                         "is an exit", "name a service")
            else:
                self._reference((*path, "service"), arr.service, "service", self.services,
                                "define it under services:, or correct the id")
            self._check_mix(path, arr.class_mix, f"arrival stream '{aid}'")
            for name, profile in (("weekday_profile", arr.weekday_profile),
                                  ("monthly_profile", arr.monthly_profile)):
                if profile is not None:
                    self._check_profile((*path, name), profile, arr.per_day)

    def _check_profile(self, path: Path, profile: Mapping[Any, float], per_day: float) -> None:
        for key, value in profile.items():
            if value < 0:
                self.add((*path, key), f"relative volume must not be negative, got {value}",
                         "give relative volumes of 0 or more, e.g. 1.0 for an average day")
        if per_day > 0 and not any(v > 0 for v in profile.values()):
            self.add(path, "every relative volume is 0, so no one would ever arrive",
                     "give at least one period a volume above 0, or set per_day: 0")

    def _initial_state(self) -> None:
        for sid, census in self.m.initial_state.items():
            path: Path = ("initial_state", sid)
            if not self._reference(path, sid, "service", self.services,
                                   "initial_state is keyed by service id"):
                continue
            if census.ready > census.occupancy:
                self.add((*path, "ready"), f"{census.ready} people ready to move on but only "
                         f"{census.occupancy} in the service", "ready must not exceed occupancy")
            if census.occupancy or census.queue:
                self._check_mix(path, census.class_mix, f"initial_state.{sid}")
            capacity = self.m.services[sid].capacity
            if isinstance(capacity, int) and census.occupancy > capacity:
                self.warn((*path, "occupancy"), f"starts with {census.occupancy} people in "
                          f"{capacity} places; no one starts there until occupancy falls "
                          "below capacity")

    def _routes(self) -> None:
        targets = sorted(self.services | self.exits)
        fix = "define it under services: or exits:, or correct the id"
        for sid, rs in self.m.routes.items():
            if sid in self.exits and sid not in self.services:
                self.add(("routes", sid), f"'{sid}' is an exit: journeys end there, so it has "
                         "no routes", f"remove routes.{sid}")
            else:
                self._reference(("routes", sid), sid, "service", self.services,
                                "routes are keyed by the service people leave")
            if isinstance(rs, dict):
                for klass in rs:
                    if klass != DEFAULT_CLASS:
                        self._reference(("routes", sid, klass), klass, "class", self.classes,
                                        f"use one of: {', '.join(self.classes)}, or default")
        for _, path, _, routes in self._route_lists():
            for i, route in enumerate(routes):
                self._reference((*path, i, "to"), route.to, "service or exit", targets, fix)
                if route.on_reject is not None:
                    self._reference((*path, i, "on_reject"), route.on_reject,
                                    "service or exit", targets, fix)
            total = sum(r.probability for r in routes)
            if not routes:
                self.add(path, "lists no routes, so people would never leave",
                         "add at least one route, e.g. {to: home, probability: 1}")
            elif abs(total - 1) > SUM_TOLERANCE:
                self.add(path, f"probabilities sum to {total:.6g}; they must sum to 1",
                         "change the probabilities so they add up to 1")

    def _rejections(self) -> None:
        for sid, path, klass, routes in self._route_lists():
            for i, route in enumerate(routes):
                here: Path = (*path, i)
                target = self.m.services.get(route.to)
                if target is None:
                    if route.on_reject is not None and route.to in self.exits:
                        self.warn((*here, "on_reject"), f"'{route.to}' is an exit and accepts "
                                  "everyone, so on_reject is never used", "remove on_reject")
                    continue
                acceptance = target.referral.acceptance
                if acceptance < 1 and route.on_reject is None:
                    self.add(here, f"referrals from {sid} to {route.to} can be rejected "
                             f"(acceptance {acceptance:g}) but this route does not say where a "
                             "rejected person goes", "add on_reject: <exit or service>")
                if route.on_reject is None:
                    continue
                if route.on_reject == route.to:
                    self.add((*here, "on_reject"), f"sends people rejected by {route.to} back "
                             f"to {route.to}", "name another service or an exit")
                    continue
                fallback = self.m.services.get(route.on_reject)
                if fallback is not None and fallback.referral.acceptance < 1:
                    self._second_rejection(sid, klass, here, route.on_reject,
                                           fallback.referral.acceptance)

    def _second_rejection(self, sid: str, klass: str | None, here: Path, fallback: str,
                          acceptance: float) -> None:
        """A re-referral to ``fallback`` follows the source's own route to it, if any."""
        own = [r for r in self.m.routes_for(sid, klass or DEFAULT_CLASS)
               if r.to == fallback and r.on_reject is not None]
        if own:
            return
        first_exit = next(iter(self.m.exits), "home")
        self.warn((*here, "on_reject"), f"rejected referrals go to {fallback}, which may reject "
                  f"them too (acceptance {acceptance:g}); {sid} has no route to {fallback} "
                  f"with its own on_reject, so people rejected twice leave to '{first_exit}' "
                  "(the first exit)", f"add a route from {sid} to {fallback} with on_reject "
                  "(probability 0 is fine), or send rejected referrals to an exit")

    # -- flow ------------------------------------------------------------------------------

    def _entry_points(self) -> set[tuple[str, str]]:
        start: set[tuple[str, str]] = set()
        for arr in self.m.arrivals.values():
            if arr.service in self.services:
                start |= {(arr.service, k) for k in self._mix_classes(arr.class_mix)}
        for sid, census in self.m.initial_state.items():
            if sid in self.services and (census.occupancy or census.queue):
                start |= {(sid, k) for k in self._mix_classes(census.class_mix)}
        for co in self.m.cohorts.values():  # cohort members come in at their service
            if co.service in self.services:
                ks = [g.klass or co.klass for g in co.risk_groups.values()] or [co.klass]
                start |= {(co.service, k or self.classes[0]) for k in ks}
        return start

    def _reachable(self) -> set[tuple[str, str]]:
        seen = self._entry_points()
        todo = list(seen)
        while todo:
            sid, klass = todo.pop()
            for route in self.m.routes_for(sid, klass):
                for nxt in (route.to, route.on_reject):
                    if nxt in self.services and (nxt, klass) not in seen:
                        seen.add((nxt, klass))
                        todo.append((nxt, klass))
        return seen

    def _flow(self) -> None:
        reached = self._reachable()
        entered = {sid for sid, _ in reached}
        for sid, svc in self.m.services.items():
            if sid not in entered:
                self.warn(("services", sid), f"no arrival or initial state can reach {sid}, "
                          "so it will stay empty", "add an arrival or a route into it, or "
                          "remove it")
                continue
            if sid not in self.m.routes:
                self.add(("services", sid), f"people can enter {sid} but no routes lead out of "
                         "it, so people would never leave",
                         f"add routes: {{{sid}: [{{to: home, probability: 1}}]}}")
            elif isinstance(self.m.routes[sid], dict):
                self._class_routes(sid, sorted(k for s, k in reached if s == sid))
            if svc.capacity == 0:
                self.warn(("services", sid, "capacity"), "capacity 0: no one can ever start "
                          "here, so everyone routed here waits for ever",
                          "give it some capacity, or remove the routes into it")

    def _class_routes(self, sid: str, classes: list[str]) -> None:
        rs = self.m.routes[sid]
        assert isinstance(rs, dict)
        if DEFAULT_CLASS in rs:
            return
        for klass in classes:
            if klass not in rs:
                self.add(("routes", sid), f"people of class '{klass}' reach {sid} but there "
                         f"are no routes out for them, so they would never leave",
                         f"add {klass}: [...] or default: [...] under routes.{sid}")

    def _zero_loops(self) -> None:
        import numpy as np
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        zero = [sid for sid, svc in self.m.services.items()
                if can_be_zero(svc.length_of_stay)
                or any(can_be_zero(d) for d in svc.length_of_stay_by_class.values())]
        if not zero:
            return
        index = {sid: i for i, sid in enumerate(zero)}
        edges: set[tuple[int, int]] = set()
        for sid, _, _, routes in self._route_lists():
            for route in routes:
                for nxt in (route.to if route.probability > 0 else None, route.on_reject):
                    if sid in index and nxt in index:
                        edges.add((index[sid], index[nxt]))
        if not edges:
            return
        rows, cols = zip(*sorted(edges), strict=True)
        graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(zero), len(zero)))
        _, labels = connected_components(graph, directed=True, connection="strong")
        for label in sorted(set(labels.tolist())):
            members = [zero[i] for i in range(len(zero)) if labels[i] == label]
            looped = len(members) > 1 or (index[members[0]], index[members[0]]) in edges
            if looped:
                ring = " -> ".join([*members, members[0]])
                self.add(("routes", members[0]), f"routes form a loop ({ring}) through services "
                         "that can all have a length of stay of 0, so a person could circle "
                         "for ever without time passing",
                         "give one of them a length of stay that is always above 0")


def _opens_between(cal: Any, first: dt.date, last: dt.date) -> bool:
    """Whether the calendar has at least one open day from ``first`` to ``last`` inclusive."""
    import holidays

    weekdays = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    open_days = set(weekdays) if cal.days == "all" else set(cal.days)
    closed = set(cal.closed_dates)
    if cal.bank_holidays:
        years = range(first.year, last.year + 1)
        closed |= set(holidays.country_holidays("GB", subdiv="ENG", years=years))
    day = first
    while day <= last:
        if weekdays[day.weekday()] in open_days and day not in closed:
            return True
        day += dt.timedelta(days=1)
    return False
