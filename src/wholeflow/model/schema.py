"""The model file's schema: a whole health and social care system in NHS words.

A model is a YAML file (``wholeflow.yaml`` in a workspace). Its top-level keys are ``name``,
``start_date``, ``warm_up_days``, ``run_days``, ``calendars``, ``classes``, ``services``,
``exits``, ``arrivals``, ``routes``, ``initial_state`` and ``scenarios``. Field-level rules live
here (types, ranges, unknown keys); rules that span fields (references, probability sums,
reachability) live in :mod:`wholeflow.model.validate`. Every field is documented in
docs/reference/model.md, which is generated from this module's descriptions.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator

from wholeflow.errors import Problem
from wholeflow.model.arrows import Cohort, NamedWait, Team, Workforce
from wholeflow.model.distributions import Distribution, Fixed, coerce_distribution

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Month = Literal["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTHS: tuple[Month, ...] = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                             "nov", "dec")

Dist = Annotated[Distribution, BeforeValidator(coerce_distribution)]

#: The calendar every service uses unless told otherwise: open all day, every day.
ALWAYS = "always"

#: Places: a whole number, at least 0.
Places = Annotated[int, Field(ge=0)]


def _places(value: Any) -> Any:
    """Check a capacity written as a number: a whole number of places, at least 0."""
    if isinstance(value, (bool, str)):
        raise ValueError(
            f"must be a whole number of places, null (unlimited) or a schedule, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"must be a whole number of places, got {value:g}")
        value = int(value)
    if isinstance(value, int) and value < 0:
        raise ValueError(f"must be at least 0 places, got {value}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Calendar(_Strict):
    """When something is open: weekdays, opening hours, bank holidays and extra closed dates."""

    days: list[Weekday] | Literal["all"] = Field(
        "all", description="open weekdays, e.g. [mon, tue, wed, thu, fri], or 'all'")
    hours: str | None = Field(
        None, pattern=r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$",
        description="opening hours on open days, e.g. '09:00-17:00' (default: all day)")
    bank_holidays: bool = Field(
        False, description="closed on the bank holidays of England and Wales")
    closed_dates: list[dt.date] = Field(
        default_factory=list, description="extra dates when closed")


class PatientClass(_Strict):
    """A cohort of people who share lengths of stay, routes or priority."""

    name: str | None = Field(None, description="display name")
    priority: int = Field(0, description="lower is served first from a queue; FIFO within a level")


class CapacityChange(_Strict):
    """A capacity that applies from a date on (until the next change)."""

    from_: dt.date = Field(alias="from", description="first date this capacity applies")
    capacity: int | None = Field(ge=0, description="places from that date (null = unlimited)")


class CapacitySchedule(_Strict):
    """Capacity that changes by weekday or by date. A reduction never evicts anyone."""

    default: int | None = Field(ge=0, description="places when no other rule applies")
    by_weekday: dict[Weekday, Places | None] = Field(
        default_factory=dict, description="places on given weekdays (e.g. {sat: 20, sun: 20})")
    by_date: list[CapacityChange] = Field(
        default_factory=list, description="dated changes (e.g. winter beds)")


class Referral(_Strict):
    """How a service handles referrals in: when it triages, how long, how many it accepts."""

    calendar: str = Field(ALWAYS, description="calendar when referrals are looked at")
    triage_time: Dist = Field(
        default_factory=lambda: Fixed(value=0.0),
        description="days of open time from referral to decision (a number or a distribution)")
    acceptance: float = Field(1.0, ge=0, le=1, description="share of referrals accepted")
    rejected_handling_hours: float = Field(
        0.0, ge=0, description="clinical hours spent on each rejected referral (failure demand)")


class Service(_Strict):
    """A place where a person receives care over time: beds or a caseload."""

    name: str | None = Field(None, description="display name")
    capacity: int | CapacitySchedule | None = Field(
        None, description="beds or caseload places (null = unlimited), or a schedule")
    holds_on_transfer: bool = Field(
        True, description="a person waiting to move on keeps their place here (bed-based: true)")
    length_of_stay: Dist = Field(description="days from start to ready to move on")
    length_of_stay_by_class: dict[str, Dist] = Field(
        default_factory=dict, description="length of stay for particular classes")
    admits: str = Field(ALWAYS, description="calendar of when a new person can start")
    referral: Referral = Field(default_factory=Referral, description="referral handling")
    assessments: int = Field(0, ge=0, description="assessments a person goes through on entry")
    record_system: str | None = Field(None, description="IT system holding the person's record")
    cost_per_day: float = Field(0.0, ge=0, description="cost of one occupied place for one day")
    funder: str | None = Field(None, description="who pays (e.g. foundation_trust, council)")
    workforce: Workforce | None = Field(
        None, description="the team whose time the service uses, its activities and whether "
        "its capacity follows the staff")

    @field_validator("capacity", mode="before")
    @classmethod
    def _capacity(cls, value: Any) -> Any:
        return _places(value)


class Exit(_Strict):
    """Where a journey ends: home, care home, died, out of area, ..."""

    name: str | None = Field(None, description="display name")
    capacity: int | None = Field(
        None, ge=1, description="places at this exit (e.g. care-home beds open to the system); "
        "people wait for a free one where they are (cause placement); needs length_of_stay")
    length_of_stay: Dist | None = Field(
        None, description="days a placed person keeps an exit place (with capacity)")
    placements_per_week: float | None = Field(
        None, gt=0, description="places becoming free per week (Poisson); an offer no one is "
        "waiting for is taken from outside the system")
    placements_per_month: float | None = Field(
        None, gt=0, description="the same per month (e.g. housing offers)")


class Route(_Strict):
    """One way out of a service, with its probability."""

    to: str = Field(description="next service or exit")
    probability: float = Field(ge=0, le=1, description="share of people leaving this way")
    on_reject: str | None = Field(
        None, description="where a rejected referral goes instead (service or exit)")
    transfer_delay: Dist | None = Field(
        None, description="days the person still holds this place once the next one is reserved")
    waits: dict[str, NamedWait] = Field(
        default_factory=dict, description="named reasons to wait before moving on by this "
        "route (patient_choice, package_of_care, housing, family, ...), each its own delay cause")


RouteSet = list[Route] | dict[str, list[Route]]


class Arrival(_Strict):
    """New people arriving from outside the modelled system (Poisson per day)."""

    service: str = Field(description="service they arrive into")
    per_day: float = Field(ge=0, description="mean arrivals per day")
    weekday_profile: dict[Weekday, float] | None = Field(
        None, description="relative volume by weekday (normalised so per_day stays the mean)")
    monthly_profile: dict[Month, float] | None = Field(
        None, description="relative volume by month (normalised)")
    class_mix: dict[str, float] | None = Field(
        None, description="share of arrivals in each class (sums to 1)")


class InitialCensus(_Strict):
    """People already in a service (or its queue) at day 0: start from today's census."""

    occupancy: int = Field(0, ge=0, description="people in the service at day 0")
    ready: int = Field(0, ge=0, description="of those, how many are already ready to move on")
    queue: int = Field(0, ge=0, description="people accepted and waiting for a place at day 0")
    class_mix: dict[str, float] | None = Field(None, description="share in each class")


class Scenario(_Strict):
    """A named change to the model: a patch of fields, applied on top of the baseline."""

    description: str = Field("", description="what is being tested, in plain words")
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description="field path -> new value; 'x1.1' (or '×1.1') scales a number; * matches any id")
    remove: list[str] = Field(default_factory=list, description="paths to remove")


class Model(_Strict):
    """A whole system: services, how people move between them, and when."""

    name: str = Field(description="model name")
    description: str = Field("", description="what the model is of, in plain words")
    start_date: dt.date = Field(description="day 0 of the run (00:00)")
    warm_up_days: float = Field(0.0, ge=0, description="days simulated before results count")
    run_days: float = Field(365.0, gt=0, description="days over which results count")
    calendars: dict[str, Calendar] = Field(default_factory=dict, description="named calendars")
    classes: dict[str, PatientClass] = Field(
        default_factory=lambda: {"general": PatientClass()}, description="patient classes")
    services: dict[str, Service] = Field(description="services by id")
    exits: dict[str, Exit] = Field(
        default_factory=lambda: {"home": Exit()}, description="exits by id")
    arrivals: dict[str, Arrival] = Field(default_factory=dict, description="arrival streams by id")
    routes: dict[str, RouteSet] = Field(
        default_factory=dict,
        description="per service: a list of routes, or per class ({default: [...], frail: [...]})")
    initial_state: dict[str, InitialCensus] = Field(
        default_factory=dict, description="census at day 0 per service")
    staff: dict[str, Team] = Field(default_factory=dict, description="staff teams by id")
    cohorts: dict[str, Cohort] = Field(
        default_factory=dict, description="people with a condition who come back, by id")
    scenarios: dict[str, Scenario] = Field(default_factory=dict, description="named scenarios")
    max_events: int | None = Field(
        None, gt=0, description="event budget per replication (default: generous, from volumes)")

    _source: str | None = PrivateAttr(default=None)
    _warnings: list[Problem] = PrivateAttr(default_factory=list)
    _source_map: Any = PrivateAttr(default=None)
    _scenario_sources: dict[str, Any] = PrivateAttr(default_factory=dict)
    _scenario: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        """The file this model was read from, if any."""
        return self._source

    @property
    def warnings(self) -> list[Problem]:
        """Suspicious but legal things found on loading (e.g. a service no one can reach)."""
        return list(self._warnings)

    @property
    def scenario(self) -> str | None:
        """The scenario applied to make this model (``a+b`` for two), or None for a baseline."""
        return self._scenario

    @property
    def end_day(self) -> float:
        return self.warm_up_days + self.run_days

    def routes_for(self, service: str, klass: str) -> list[Route]:
        """The routes out of ``service`` that apply to people of class ``klass``."""
        rs = self.routes.get(service)
        if rs is None:
            return []
        if isinstance(rs, list):
            return rs
        return rs.get(klass, rs.get("default", []))
