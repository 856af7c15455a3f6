"""The schema of the model's workforce, placements, named waits and cohorts.

These are the arrows of whole-system flow beyond people and information (see DESIGN.md, "Four
arrows in the model"); each is optional, and a model without them runs, to the bit, as before.

- ``staff:`` teams of staff groups (WTE, hours per WTE-week, absence); a service's
  ``workforce:`` names its team, the activities that take staff time and who does them, and may
  take its caseload places from the team's available hours;
- an exit's ``capacity`` (with the ``length_of_stay`` of a placement) or ``placements_per_week``
  / ``placements_per_month`` make people wait for it where they are (cause ``placement``);
- a route's ``waits:`` are named reasons to wait (``patient_choice``, ``package_of_care``, ...),
  each with a probability and a duration and each its own delay cause;
- ``cohorts:`` are people living with a condition who come into a service at an event rate and
  return to the cohort after their journey.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from wholeflow.model.distributions import Distribution, coerce_distribution

Dist = Annotated[Distribution, BeforeValidator(coerce_distribution)]
MonthKey = Literal["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                   "dec"]

#: The activities a service's staff time goes on, in the order the KPIs list them.
ACTIVITIES: tuple[str, ...] = ("triage", "assessment", "rejected_referral", "care", "discharge")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Absence(_Strict):
    """Time a team's staff are away: sickness drawn day by day, annual leave by calendar."""

    sickness: float = Field(
        0.0, ge=0, lt=1, description="mean share of staff hours lost to sickness; each day's "
        "share is drawn at random (each WTE off sick with this probability)")
    annual_leave_weeks: float = Field(
        0.0, ge=0, le=52, description="weeks of annual leave per WTE a year (bank holidays "
        "come from the team's calendar)")
    leave_by_month: dict[MonthKey, float] | None = Field(
        None, description="relative annual leave by month, e.g. {aug: 2, dec: 1.5} for the "
        "summer and Christmas peaks (normalised; default: even through the year)")


class StaffGroup(_Strict):
    """A staff group within a team: nurses, physiotherapists, admin, ..."""

    name: str | None = Field(None, description="display name")
    wte: float = Field(ge=0, description="whole-time equivalents in post")
    clinical: bool = Field(
        True, description="a clinical group (false for admin): clinical hours on work another "
        "group could do are counted")


class Team(_Strict):
    """A team of staff groups; one team may serve several services."""

    name: str | None = Field(None, description="display name")
    groups: dict[str, StaffGroup] = Field(description="staff groups by id")
    hours_per_wte_week: float = Field(37.5, gt=0, le=168, description="hours one WTE works a week")
    calendar: str = Field(
        "always", description="calendar of the days staff work: a week's hours are spread "
        "evenly over its open weekdays; closed days (bank holidays) have no hours")
    absence: Absence = Field(default_factory=Absence, description="sickness and annual leave")


class Activity(_Strict):
    """Staff time one kind of work takes, who does it, and who could."""

    hours: float = Field(ge=0, description="staff hours per item (for care: per person per day)")
    done_by: str = Field(description="staff group of the service's team that does it")
    could_be_done_by: list[str] = Field(
        default_factory=list, description="other groups of the team that could do it instead")


class Workforce(_Strict):
    """A service's staff: its team, the activities that take their time, and its capacity."""

    team: str = Field(description="team (under staff:) whose time this service uses")
    share: float = Field(
        1.0, gt=0, le=1, description="share of the team's hours this service may use for "
        "care when its capacity follows the staff (a shared team splits its hours)")
    capacity_from_staff: bool = Field(
        False, description="caseload places each day = share x available hours of the care "
        "group that day / care hours per person per day (rounded down; a fall evicts no one)")
    triage: Activity | None = Field(None, description="staff time per referral triaged")
    assessment: Activity | None = Field(
        None, description="staff time per assessment (the service's assessments per person)")
    rejected_referral: Activity | None = Field(
        None, description="staff time per rejected referral (failure demand)")
    care: Activity | None = Field(None, description="care hours per person on the caseload "
                                  "per day (home visits, therapy)")
    discharge: Activity | None = Field(
        None, description="staff time per discharge (paperwork, handover)")

    def activities(self) -> dict[str, Activity]:
        """The activities given, by name, in catalogue order."""
        return {a: getattr(self, a) for a in ACTIVITIES if getattr(self, a) is not None}


class NamedWait(_Strict):
    """A reason to wait that is not a queue: patient choice, a package of care, housing, ..."""

    probability: float = Field(ge=0, le=1, description="share of people leaving by this route "
                               "who have this wait")
    duration: Dist = Field(description="days the wait lasts (a number or a distribution)")


class RiskGroup(_Strict):
    """Part of a cohort sharing an event rate (e.g. people at high risk of exacerbation)."""

    share: float = Field(ge=0, le=1, description="share of the cohort in this group")
    events_per_year: float = Field(ge=0, description="events (e.g. exacerbations) per person "
                                   "per year that send a member into the cohort's service")
    klass: str | None = Field(None, alias="class",
                              description="patient class of their attendances (default: the "
                              "cohort's)")


class Cohort(_Strict):
    """People living with a condition who come back: each event sends a member into a service,
    and after the journey they return to the cohort unless they leave by a leaving exit."""

    name: str | None = Field(None, description="display name")
    size: int = Field(ge=1, le=10_000_000, description="people in the cohort at day 0")
    service: str = Field(description="service an event sends a member into (e.g. ed)")
    klass: str | None = Field(None, alias="class",
                              description="patient class of attendances (default: the first)")
    events_per_year: float | None = Field(
        None, ge=0, description="events per person per year for the whole cohort (or give "
        "risk_groups)")
    risk_groups: dict[str, RiskGroup] = Field(
        default_factory=dict, description="risk groups with their own rates (shares sum to 1)")
    leaves_on: list[str] = Field(
        default_factory=list, description="exits after which a member leaves the cohort for "
        "good (e.g. [died]); every other exit returns them to it")
    admission_services: list[str] = Field(
        default_factory=list, description="services whose starts count as admissions in the "
        "cohort_admissions KPI (e.g. [acute])")
