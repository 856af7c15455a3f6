"""Sensible ranges for every number and date of a model, checked before anything uses them.

The schema says what *kind* of value a field holds (a number at least 0); these rules say how
big it may sensibly be, so that a typo (``run_days: 1000000000``, ``per_day: 1.0e308``,
``start_date: 9999-12-01``) is a located problem with a fix at validation, not an overflow, a
division by zero or a memory error deep in a run. Each limit is far beyond any real health and
social care system and well inside what the engine represents (float64 days, int64 places):

- `start_date`, `closed_dates`, `capacity.by_date[].from`: 1900-01-01 to 2200-12-31.
- `run_days`, `warm_up_days`: finite; together at most 36,525 days (100 years).
- durations (`length_of_stay`, `triage_time`, `transfer_delay`): every parameter finite and at
  most 36,525 days, and the distribution's mean too; a mean that must be above 0 (exponential,
  lognormal, gamma) at least 1e-6 days (0.1 s); sd at most 1,000 times the mean for lognormal
  and gamma (beyond that, draws overflow or all collapse to 0); weibull shape 0.1 to 100.
- `capacity` (and its schedules), `initial_state` occupancy, ready and queue: at most
  1,000,000 places or people.
- `arrivals.per_day`: finite, at most 100,000 a day.
- `weekday_profile`, `monthly_profile`: finite, at most 1,000,000 (relative weights); class
  mixes: finite shares.
- `cost_per_day`: finite, at most 10,000,000 a place a day (so a run's cost cannot overflow).
- `rejected_handling_hours`: finite, at most 1,000 hours.
- `assessments`: at most 1,000; `priority`: -1,000,000 to 1,000,000; `max_events`: at most
  10^12.

The YAML itself is bounded too: a file may hold at most 200,000 values once aliases (`*name`)
and merge keys are expanded, nested at most 100 levels deep (see
`wholeflow.model.yaml_lines.MAX_VALUES`); an alias bomb is refused before it is expanded.

:func:`check_ranges` returns every value out of range as a located :class:`Problem` with a fix.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from wholeflow.errors import Problem
from wholeflow.model import distributions as dists
from wholeflow.model.schema import CapacitySchedule, Model, Route
from wholeflow.model.yaml_lines import Path, format_path

Locator = Callable[[Path], tuple[str | None, int | None]]

FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2200, 12, 31)
MAX_DAYS = 36_525.0
"""100 years: the longest run (warm-up included) and the longest duration."""
MIN_MEAN_DAYS = 1e-6
MAX_CV = 1_000.0
"""The largest sd / mean of a lognormal or gamma distribution."""
WEIBULL_SHAPES = (0.1, 100.0)
MAX_PLACES = 1_000_000
MAX_PER_DAY = 100_000.0
MAX_WEIGHT = 1_000_000.0
MAX_COST_PER_DAY = 10_000_000.0
MAX_HANDLING_HOURS = 1_000.0
MAX_ASSESSMENTS = 1_000
MAX_PRIORITY = 1_000_000
MAX_EVENTS = 10**12


def check_ranges(model: Model, where: Locator) -> list[Problem]:
    """Every number or date of ``model`` outside its sensible range, located by ``where``."""
    return _Ranges(model, where).run()


def _number(value: float) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:g}"


class _Ranges:
    def __init__(self, model: Model, where: Locator):
        self.m = model
        self.where = where
        self.problems: list[Problem] = []

    def add(self, path: Path, message: str, fix: str) -> None:
        file, line = self.where(path)
        self.problems.append(Problem(format_path(path), message, file, line, fix))

    def run(self) -> list[Problem]:
        self._run_length()
        for sid, svc in self.m.services.items():
            self._service(("services", sid), svc)
        for cid, klass in self.m.classes.items():
            self.whole(("classes", cid, "priority"), klass.priority, MAX_PRIORITY,
                       "a priority level", low=-MAX_PRIORITY)
        for cal_id, cal in self.m.calendars.items():
            for i, day in enumerate(cal.closed_dates):
                self.date(("calendars", cal_id, "closed_dates", i), day)
        for aid, arrival in self.m.arrivals.items():
            path = ("arrivals", aid)
            self.amount((*path, "per_day"), arrival.per_day, MAX_PER_DAY, "a day",
                        "check the figure: it is the mean number of people arriving each day")
            for key in ("weekday_profile", "monthly_profile", "class_mix"):
                for name, weight in (getattr(arrival, key) or {}).items():
                    self.amount((*path, key, name), weight, MAX_WEIGHT, "",
                                "give relative volumes such as 1.0, 0.8, 1.2")
        for sid, census in self.m.initial_state.items():
            path = ("initial_state", sid)
            for key in ("occupancy", "ready", "queue"):
                self.whole((*path, key), getattr(census, key), MAX_PLACES, "people")
            for name, share in (census.class_mix or {}).items():
                self.amount((*path, "class_mix", name), share, 1.0, "",
                            "give shares between 0 and 1 that sum to 1")
        for where, route in self._routes():
            if route.transfer_delay is not None:
                self.duration((*where, "transfer_delay"), route.transfer_delay)
        if self.m.max_events is not None:
            self.whole(("max_events",), self.m.max_events, MAX_EVENTS, "events")
        return self.problems

    # -- fields ------------------------------------------------------------------------------

    def _run_length(self) -> None:
        self.date(("start_date",), self.m.start_date)
        warm, run = self.m.warm_up_days, self.m.run_days
        for key, days in (("warm_up_days", warm), ("run_days", run)):
            self.amount((key,), days, MAX_DAYS, "days",
                        "a run (warm-up included) is at most 100 years; 365 is a year")
        if math.isfinite(warm + run) and warm <= MAX_DAYS and run <= MAX_DAYS \
                and warm + run > MAX_DAYS:
            self.add(("run_days",), f"warm_up_days + run_days is {_number(warm + run)} days, "
                     f"more than {_number(MAX_DAYS)} (100 years)",
                     "shorten the run or the warm-up; 365 days is a year")

    def _service(self, path: Path, svc: Any) -> None:
        self.duration((*path, "length_of_stay"), svc.length_of_stay)
        for klass, dist in svc.length_of_stay_by_class.items():
            self.duration((*path, "length_of_stay_by_class", klass), dist)
        self.duration((*path, "referral", "triage_time"), svc.referral.triage_time)
        self.amount((*path, "referral", "rejected_handling_hours"),
                    svc.referral.rejected_handling_hours, MAX_HANDLING_HOURS, "hours",
                    "give the clinical hours spent on one rejected referral, e.g. 0.5")
        self.amount((*path, "cost_per_day"), svc.cost_per_day, MAX_COST_PER_DAY, "a day",
                    "give the cost of one occupied place for one day, e.g. 400")
        self.whole((*path, "assessments"), svc.assessments, MAX_ASSESSMENTS, "assessments")
        capacity = svc.capacity
        if isinstance(capacity, int):
            self.whole((*path, "capacity"), capacity, MAX_PLACES, "places")
        elif isinstance(capacity, CapacitySchedule):
            if capacity.default is not None:
                self.whole((*path, "capacity", "default"), capacity.default, MAX_PLACES, "places")
            for day, places in capacity.by_weekday.items():
                if places is not None:
                    self.whole((*path, "capacity", "by_weekday", day), places, MAX_PLACES,
                               "places")
            for i, change in enumerate(capacity.by_date):
                self.date((*path, "capacity", "by_date", i, "from"), change.from_)
                if change.capacity is not None:
                    self.whole((*path, "capacity", "by_date", i, "capacity"), change.capacity,
                               MAX_PLACES, "places")

    def _routes(self) -> Iterator[tuple[Path, Route]]:
        for sid, routes in self.m.routes.items():
            lists = routes.items() if isinstance(routes, dict) else [(None, routes)]
            for klass, listed in lists:
                base: Path = ("routes", sid) if klass is None else ("routes", sid, klass)
                for i, route in enumerate(listed):
                    yield (*base, i), route

    # -- kinds of value -----------------------------------------------------------------------

    def date(self, path: Path, day: dt.date) -> None:
        if not FIRST_DATE <= day <= LAST_DATE:
            self.add(path, f"must be between {FIRST_DATE} and {LAST_DATE}, got {day}",
                     "check the year; write dates as YYYY-MM-DD, e.g. 2025-04-01")

    def amount(self, path: Path, value: float, most: float, unit: str, fix: str) -> bool:
        """A float that must be finite and at most ``most``; whether it is."""
        if not math.isfinite(value):
            self.add(path, f"must be a finite number, got {_number(value)}", fix)
            return False
        if value > most:
            self.add(path, f"must be at most {_number(most)}{' ' + unit if unit else ''}, got "
                     f"{_number(value)}", fix)
            return False
        return True

    def whole(self, path: Path, value: int, most: int, unit: str, low: int = 0) -> None:
        if not low <= value <= most:
            self.add(path, f"must be between {_number(low)} and {_number(most)} {unit}, got "
                     f"{_number(value)}", f"check the figure: {_number(most)} {unit} is far "
                     "beyond any real service; use null for unlimited capacity")

    def duration(self, path: Path, dist: Any) -> None:
        """A duration distribution: finite parameters, a sensible mean, draws that neither
        overflow nor all collapse to 0."""
        if not isinstance(dist, BaseModel):
            return
        fix = "give durations in days, at most 36,525 (100 years)"
        ok = True
        for name, info in type(dist).model_fields.items():
            key = info.alias or name
            value = getattr(dist, name)
            if isinstance(value, float) and not isinstance(value, bool):
                ok &= self.amount((*path, key), value, MAX_DAYS if key != "shape" else math.inf,
                                  "days", fix)
        values = dist.values if isinstance(dist, dists.Empirical) else None
        quantiles = dist.quantiles if isinstance(dist, dists.Empirical) else None
        for i, value in enumerate(values or []):
            ok &= self.amount((*path, "values", i), value, MAX_DAYS, "days", fix)
        for p, value in (quantiles or {}).items():
            ok &= self.amount((*path, "quantiles", f"{p:g}"), value, MAX_DAYS, "days", fix)
        if ok:
            self._shape(path, dist)

    def _shape(self, path: Path, dist: Any) -> None:
        mean = getattr(dist, "mean_", None)
        if isinstance(dist, dists.Lognormal | dists.Gamma | dists.Exponential) and \
                mean is not None and mean < MIN_MEAN_DAYS:
            self.add((*path, "mean"), f"must be at least {MIN_MEAN_DAYS:g} days (0.1 seconds), "
                     f"got {_number(mean)}: every draw would be 0",
                     "give the mean in days, e.g. 0.5 for 12 hours; use 0 with dist: fixed")
            return
        if isinstance(dist, dists.Lognormal | dists.Gamma) and mean and dist.sd > MAX_CV * mean:
            self.add((*path, "sd"), f"must be at most {MAX_CV:g} times the mean "
                     f"({_number(MAX_CV * mean)} days), got {_number(dist.sd)}: draws would "
                     "overflow or collapse to 0", "give the sd in days, of the same order as "
                     "the mean")
            return
        if isinstance(dist, dists.Weibull) and not WEIBULL_SHAPES[0] <= dist.shape <= \
                WEIBULL_SHAPES[1]:
            self.add((*path, "shape"), f"must be between {WEIBULL_SHAPES[0]:g} and "
                     f"{WEIBULL_SHAPES[1]:g}, got {_number(dist.shape)}",
                     "shape 1 is exponential; below 1 many short stays and a long tail")
            return
        try:
            average = float(dist.mean())
        except (OverflowError, ValueError, ZeroDivisionError):
            average = math.inf
        if not math.isfinite(average) or average > MAX_DAYS:
            self.add(path, f"its mean is {_number(average)} days, more than "
                     f"{_number(MAX_DAYS)} (100 years)", "check the parameters' units: days")
