"""Compile the workforce, exit limits, named waits and cohorts into flat arrays.

Called by :func:`wholeflow.engine.compile.compile_model` after the model's own streams are
registered, so every new random stream is appended and no existing purpose's draws move; a
model without these sections gets empty arrays, which the kernel never reads.

- **Exits**: ``ex_kind`` 0 unlimited, 1 places with a placement length of stay, 2 a rate of
  places becoming free (``ex_rate`` per day); the kernel keeps ``ex_free`` places.
- **Named waits**: for route entry ``e`` the waits are ``rt_woff[e] .. rt_woff[e+1]``, each
  with a probability, a delay-cause code and two streams (the uniform deciding it, the duration).
- **Cohorts**: one row per member (rate per day, class, service, cohort); members are assigned
  to risk groups in order of the shares (no randomness), so a scenario changing one group's
  rate changes nothing else.
- **Workforce**: one row per (team, group) with its planned hours per day (WTE, hours per WTE,
  the team calendar and annual leave by month); sickness is drawn per replication.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from wholeflow.model import calendars as cal
from wholeflow.model.arrows import ACTIVITIES
from wholeflow.model.schema import MONTHS, Model
from wholeflow.tables import DELAY_CAUSES

#: Codes of ``ex_kind``.
EXIT_FREE, EXIT_PLACES, EXIT_RATE = 0, 1, 2
DAYS_PER_YEAR = 365.25

StreamFn = Callable[[str, Callable[[np.random.Generator, int], np.ndarray], float], int]


@dataclass
class StaffArrays:
    """A model's workforce as arrays (groups are (team, group) pairs, in model order)."""

    teams: list[str] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=list)
    group_team: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    heads: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    sickness: np.ndarray = field(default_factory=lambda: np.zeros(0))
    clinical: np.ndarray = field(default_factory=lambda: np.zeros(0, np.bool_))
    planned: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (G, days) hours
    full: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # the same, no absence
    # per service and activity (S, A): hours per item, group doing it, could others do it
    act_hours: np.ndarray = field(default_factory=lambda: np.zeros((0, len(ACTIVITIES))))
    act_group: np.ndarray = field(default_factory=lambda: np.zeros((0, len(ACTIVITIES)), int))
    act_alt: np.ndarray = field(default_factory=lambda: np.zeros((0, len(ACTIVITIES)), bool))
    # services whose capacity follows staff: (service, care group, share, care hours, hours
    # a day the care group is expected to spend on the service's other activities)
    staffed: list[tuple[int, int, float, float, float]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.groups)


@dataclass
class Arrows:
    """Kernel arrays for exit limits, named waits and cohorts, and the workforce."""

    delay_causes: tuple[str, ...] = DELAY_CAUSES
    placement_cause: int = -1
    ex_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ex_places: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ex_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ex_los_stream: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ex_gap_stream: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rt_woff: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    w_prob: np.ndarray = field(default_factory=lambda: np.zeros(0))
    w_cause: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    w_ustream: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    w_dstream: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cohorts: list[str] = field(default_factory=list)
    mem_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mem_class: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    mem_service: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    mem_cohort: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    coh_stream: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    coh_leaves: np.ndarray = field(default_factory=lambda: np.zeros(0, np.bool_))
    coh_admits: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.bool_))
    staff: StaffArrays = field(default_factory=StaffArrays)


def _exponentials(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.exponential(1.0, n)


def _uniforms(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)


def cohort_inflow(model: Model, sidx: dict[str, int], kidx: dict[str, int],
                  days: float) -> np.ndarray:
    """Expected attendances (services x classes) over the run; sizes buffers only."""
    out = np.zeros((len(sidx), len(kidx)))
    first = next(iter(kidx))
    for co in model.cohorts.values():
        for share, rate, klass in _groups(co):
            out[sidx[co.service], kidx[klass or co.klass or first]] += (
                co.size * share * rate * days / DAYS_PER_YEAR)
    return out


def _groups(co) -> list[tuple[float, float, str | None]]:  # type: ignore[no-untyped-def]
    if co.risk_groups:
        return [(g.share, g.events_per_year, g.klass) for g in co.risk_groups.values()]
    return [(1.0, co.events_per_year or 0.0, None)]


def compile_arrows(model: Model, stream: StreamFn, per_service: np.ndarray,
                   n_route_entries: int) -> Arrows:
    """Arrays for the four arrows; streams are registered through ``stream`` (appended)."""
    out = Arrows()
    services, exits, classes = list(model.services), list(model.exits), list(model.classes)
    S = len(services)
    causes = list(DELAY_CAUSES)
    limited = [e for e in model.exits.values()
               if e.capacity is not None or e.placements_per_week or e.placements_per_month]
    if limited:
        causes.append("placement")
        out.placement_cause = len(causes) - 1
    _exit_arrays(model, out, stream, per_service)
    _wait_arrays(model, out, stream, per_service, causes, n_route_entries)
    _cohort_arrays(model, out, stream, services, exits, classes)
    out.delay_causes = tuple(causes)
    out.staff = staff_arrays(model, S, per_service / max(model.end_day, 1e-9))
    return out


def _exit_arrays(model: Model, out: Arrows, stream: StreamFn, per_service: np.ndarray) -> None:
    E = len(model.exits)
    kind = np.zeros(E, np.int64)
    places = np.zeros(E, np.int64)
    rate = np.zeros(E)
    los = np.full(E, -1, np.int64)
    gap = np.full(E, -1, np.int64)
    volume = float(per_service.sum()) + 64.0
    days = model.end_day
    for i, (eid, ex) in enumerate(model.exits.items()):
        if ex.capacity is not None and ex.length_of_stay is not None:
            kind[i], places[i] = EXIT_PLACES, ex.capacity
            los[i] = stream(f"placement_los:{eid}", ex.length_of_stay.sample, volume)
        elif ex.placements_per_week or ex.placements_per_month:
            kind[i] = EXIT_RATE
            rate[i] = (ex.placements_per_week / 7.0 if ex.placements_per_week
                       else (ex.placements_per_month or 0.0) * 12.0 / DAYS_PER_YEAR)
            gap[i] = stream(f"placement_offers:{eid}", _exponentials, rate[i] * days)
    if kind.any():
        out.ex_kind, out.ex_places, out.ex_rate = kind, places, rate
        out.ex_los_stream, out.ex_gap_stream = los, gap
    else:
        out.ex_kind = np.zeros(E, np.int64)
        out.ex_places = np.zeros(E, np.int64)
        out.ex_rate = np.zeros(E)
        out.ex_los_stream = out.ex_gap_stream = np.full(E, -1, np.int64)


def _wait_arrays(model: Model, out: Arrows, stream: StreamFn, per_service: np.ndarray,
                 causes: list[str], n_route_entries: int) -> None:
    """Waits per route entry, in the order compile_model lays out the routes."""
    woff = [0]
    prob: list[float] = []
    cause: list[int] = []
    ustream: list[int] = []
    dstream: list[int] = []
    keys: dict[tuple[str, str, str], tuple[int, int]] = {}
    for i, s in enumerate(model.services):
        for k in model.classes:
            for r in model.routes_for(s, k):
                for reason, w in r.waits.items():
                    if reason not in causes:
                        causes.append(reason)
                    edge = (s, r.to, reason)
                    if edge not in keys:
                        n = per_service[i] * r.probability + 16
                        keys[edge] = (stream(f"wait:{s}:{r.to}:{reason}", _uniforms, n),
                                      stream(f"wait_time:{s}:{r.to}:{reason}", w.duration.sample,
                                             n * w.probability))
                    prob.append(w.probability)
                    cause.append(causes.index(reason))
                    ustream.append(keys[edge][0])
                    dstream.append(keys[edge][1])
                woff.append(len(prob))
    assert len(woff) == n_route_entries + 1
    out.rt_woff = np.array(woff, np.int64)
    out.w_prob = np.array(prob, np.float64)
    out.w_cause = np.array(cause, np.int64)
    out.w_ustream = np.array(ustream, np.int64)
    out.w_dstream = np.array(dstream, np.int64)


def _cohort_arrays(model: Model, out: Arrows, stream: StreamFn, services: list[str],
                   exits: list[str], classes: list[str]) -> None:
    rate: list[np.ndarray] = []
    klass: list[np.ndarray] = []
    cohort: list[np.ndarray] = []
    service: list[np.ndarray] = []
    leaves = np.zeros((len(model.cohorts), len(exits)), np.bool_)
    admits = np.zeros((len(model.cohorts), len(services)), np.bool_)
    streams: list[int] = []
    for c, (cid, co) in enumerate(model.cohorts.items()):
        groups = _groups(co)
        # members by group in order of the shares; rounding keeps the size exact
        bounds = np.round(np.cumsum([0.0] + [g[0] for g in groups]) * co.size).astype(int)
        bounds[-1] = co.size
        for (_, r, k), a, b in zip(groups, bounds[:-1], bounds[1:], strict=True):
            n = max(int(b - a), 0)
            rate.append(np.full(n, r / DAYS_PER_YEAR))
            klass.append(np.full(n, classes.index(k or co.klass or classes[0]), np.int64))
        cohort.append(np.full(co.size, c, np.int64))
        service.append(np.full(co.size, services.index(co.service), np.int64))
        expected = sum(co.size * g[0] * g[1] for g in groups) * model.end_day / DAYS_PER_YEAR
        streams.append(stream(f"cohort:{cid}", _exponentials, expected + co.size))
        for e in co.leaves_on:
            leaves[c, exits.index(e)] = True
        for s in co.admission_services:
            admits[c, services.index(s)] = True
    out.cohorts = list(model.cohorts)
    if model.cohorts:
        out.mem_rate = np.concatenate(rate)
        out.mem_class = np.concatenate(klass)
        out.mem_cohort = np.concatenate(cohort)
        out.mem_service = np.concatenate(service)
    out.coh_stream = np.array(streams, np.int64)
    out.coh_leaves = leaves.ravel()
    out.coh_admits = admits


def staff_arrays(model: Model, S: int, admissions_per_day: np.ndarray | None = None
                 ) -> StaffArrays:
    """Planned hours per group and day, and each service's activities.

    A service whose capacity follows its staff sets aside, from its care group's hours, the
    hours that group is expected to spend each day on the service's other activities (triage,
    assessments, rejected referrals, discharges at the expected volumes of the model), so
    moving such work to another group frees caseload places.
    """
    st = StaffArrays()
    A = len(ACTIVITIES)
    st.act_hours = np.zeros((S, A))
    st.act_group = np.full((S, A), -1, np.int64)
    st.act_alt = np.zeros((S, A), np.bool_)
    if not model.staff:
        return st
    days = int(np.ceil(model.end_day))
    dates = [model.start_date + dt.timedelta(days=d) for d in range(days)]
    month = np.array([d.month - 1 for d in dates])
    index: dict[tuple[str, str], int] = {}
    planned, full, heads, sick, clinical, gteam = [], [], [], [], [], []
    for t, (tid, team) in enumerate(model.staff.items()):
        st.teams.append(tid)
        calendar = cal.resolve(model.calendars, team.calendar)
        is_open = cal.open_days(calendar, model.start_date, days)
        weekdays = 7 if calendar.days == "all" else len(set(calendar.days))
        ab = team.absence
        profile = np.ones(12)
        if ab.leave_by_month:
            raw = np.array([ab.leave_by_month.get(m, 0.0) for m in MONTHS])
            profile = raw / raw.mean() if raw.mean() > 0 else raw
        leave = np.clip(ab.annual_leave_weeks / 52.0 * profile[month], 0.0, 1.0)
        for gid, group in team.groups.items():
            index[(tid, gid)] = len(st.groups)
            st.groups.append((tid, gid))
            per_day = group.wte * team.hours_per_wte_week / weekdays
            planned.append(np.where(is_open, per_day * (1.0 - leave), 0.0))
            full.append(np.where(is_open, per_day, 0.0))
            heads.append(max(1, round(group.wte)))
            sick.append(ab.sickness)
            clinical.append(group.clinical)
            gteam.append(t)
    st.planned = np.array(planned).reshape(len(st.groups), days)
    st.full = np.array(full).reshape(len(st.groups), days)
    st.heads = np.array(heads, np.int64)
    st.sickness = np.array(sick)
    st.clinical = np.array(clinical, np.bool_)
    st.group_team = np.array(gteam, np.int64)
    for s, svc in enumerate(model.services.values()):
        wf = svc.workforce
        if wf is None:
            continue
        for a, name in enumerate(ACTIVITIES):
            act = getattr(wf, name)
            if act is None:
                continue
            st.act_hours[s, a] = act.hours
            st.act_group[s, a] = index[(wf.team, act.done_by)]
            st.act_alt[s, a] = bool(act.could_be_done_by)
        if wf.capacity_from_staff and wf.care is not None:
            g = index[(wf.team, wf.care.done_by)]
            st.staffed.append((s, g, wf.share, wf.care.hours,
                               _set_aside(svc, s, g, st, admissions_per_day)))
    return st


def _set_aside(svc, s: int, g: int, st: StaffArrays,  # type: ignore[no-untyped-def]
               admissions_per_day: np.ndarray | None) -> float:
    """Hours a day group g is expected to spend on service s's activities other than care."""
    if admissions_per_day is None:
        return 0.0
    admitted = float(admissions_per_day[s])
    acceptance = max(svc.referral.acceptance, 0.05)
    per_day = {"triage": admitted / acceptance,
               "assessment": admitted * svc.assessments,
               "rejected_referral": admitted / acceptance * (1 - svc.referral.acceptance),
               "discharge": admitted}
    return sum(st.act_hours[s, ACTIVITIES.index(a)] * n for a, n in per_day.items()
               if st.act_group[s, ACTIVITIES.index(a)] == g)
