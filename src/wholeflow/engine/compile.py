"""Compile a validated model into flat numpy arrays for the kernel.

The kernel knows nothing of YAML or pydantic: services, classes and exits become integer
indices, calendars become sorted open intervals, routes become cumulative probability tables,
capacity schedules become a sorted list of dated changes, and every random stream becomes a
named buffer specification. A :class:`CompiledModel` is plain data, cheap to pickle to worker
processes.

Destination codes: ``0 .. S-1`` are services, ``S .. S+E-1`` are exits (``S + e``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from wholeflow.engine.compile_arrows import Arrows, cohort_inflow, compile_arrows
from wholeflow.model import calendars as cal
from wholeflow.model.schema import WEEKDAYS, CapacitySchedule, Model

#: Stands for "unlimited" capacity inside the kernel.
UNLIMITED = np.int64(2**40)
#: Days of calendar detail built beyond the end of the run (referrals decided after the end).
CALENDAR_MARGIN_DAYS = 400


@dataclass(frozen=True)
class StreamSpec:
    """One random stream: a name (its key for common random numbers), a sampler and a size."""

    key: str
    sampler: Callable[[np.random.Generator, int], np.ndarray]
    expected: float


@dataclass
class CompiledModel:
    """A model as arrays. Built by :func:`compile_model`; read by the kernel and the results."""

    services: list[str]
    classes: list[str]
    exits: list[str]
    start_date: dt.date
    warm_up: float
    end: float
    # per service
    capacity0: np.ndarray
    holds: np.ndarray
    admit_cal: np.ndarray
    referral_cal: np.ndarray
    acceptance: np.ndarray
    rejected_hours: np.ndarray
    assessments: np.ndarray
    cost_per_day: np.ndarray
    record_system: list[str | None]
    funder: list[str | None]
    # per class
    class_level: np.ndarray
    n_levels: int
    # calendars (flattened intervals)
    cal_offsets: np.ndarray
    cal_start: np.ndarray
    cal_end: np.ndarray
    # dated capacity changes, sorted by time
    cc_time: np.ndarray
    cc_service: np.ndarray
    cc_capacity: np.ndarray
    # routes: entries of (service s, class k) are rt_offsets[s*K+k] .. rt_offsets[s*K+k+1]
    rt_offsets: np.ndarray
    rt_cum: np.ndarray
    rt_target: np.ndarray
    rt_on_reject: np.ndarray
    rt_delay_stream: np.ndarray
    # stream indices
    los_stream: np.ndarray  # (S*K,)
    route_stream: np.ndarray  # (S,)
    triage_stream: np.ndarray  # (S,)
    accept_stream: np.ndarray  # (S,)
    streams: list[StreamSpec] = field(default_factory=list)
    # arrivals and initial state (drawn per replication in numpy)
    arrival_specs: list[tuple[str, int, np.ndarray, np.ndarray]] = field(default_factory=list)
    initial_specs: list[tuple[int, int, int, int, np.ndarray]] = field(default_factory=list)
    los_samplers: list[Callable[[np.random.Generator, int], np.ndarray]] = field(
        default_factory=list)
    max_events: int | None = None
    expected_visits: np.ndarray = field(default_factory=lambda: np.zeros(0))
    expected_people: float = 0.0
    # workforce, exit limits, named waits, cohorts (empty for a model without them)
    arrows: Arrows = field(default_factory=Arrows)

    @property
    def n_services(self) -> int:
        return len(self.services)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @cached_property
    def window_capacity(self) -> np.ndarray:
        """Time-averaged capacity of each service over the collection window (inf where
        unlimited); the same for every replication, so worked out once."""
        return mean_capacity(self, self.warm_up, self.end)


def mean_capacity(cm: CompiledModel, w0: float, w1: float,
                  changes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
                  ) -> np.ndarray:
    """Time-averaged capacity of each service over the window (inf where unlimited); with
    ``changes`` (initial capacities, times, services, capacities) instead of the model's own."""
    S = cm.n_services
    if changes is not None:
        return _mean_capacity_of(changes, S, w0, w1)
    cap0, cc_time, cc_service, cc_capacity = (
        cm.capacity0, cm.cc_time, cm.cc_service, cm.cc_capacity)
    out = np.zeros(S)
    for s in range(S):
        times = [w0]
        caps = [cap0[s]]
        for t, sv, c in zip(cc_time, cc_service, cc_capacity, strict=True):
            if sv != s:
                continue
            if t <= w0:
                caps[-1] = c
            elif t < w1:
                times.append(t)
                caps.append(c)
        times.append(w1)
        c_arr = np.array(caps, dtype=float)
        if (c_arr >= UNLIMITED).any():
            out[s] = np.inf
        else:
            out[s] = float(np.sum(np.diff(times) * c_arr) / (w1 - w0))
    return out


def _mean_capacity_of(changes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], S: int,
                      w0: float, w1: float) -> np.ndarray:
    """mean_capacity for a replication's own changes (many: a staffed service changes daily),
    with numpy per service instead of a loop over every change."""
    cap0, times, services, caps = changes
    out = np.zeros(S)
    for s in range(S):
        mine = services == s
        t, c = times[mine], caps[mine]
        before = c[t <= w0]
        first = before[-1] if len(before) else cap0[s]
        inside = (t > w0) & (t < w1)
        levels = np.r_[first, c[inside]].astype(float)
        if (levels >= UNLIMITED).any():
            out[s] = np.inf
        else:
            out[s] = float(np.sum(np.diff(np.r_[w0, t[inside], w1]) * levels) / (w1 - w0))
    return out


def _capacity_changes(model: Model, sid: str, s: int, horizon: int
                      ) -> tuple[int, list[tuple[float, int, int]]]:
    """Initial capacity and the dated changes of one service over the horizon."""
    c = model.services[sid].capacity
    if not isinstance(c, CapacitySchedule):
        return int(UNLIMITED if c is None else c), []
    by_date = sorted(c.by_date, key=lambda ch: ch.from_)

    def on(day: dt.date) -> int:
        value = c.default
        for ch in by_date:
            if ch.from_ <= day:
                value = ch.capacity
        wd = WEEKDAYS[day.weekday()]
        if wd in c.by_weekday:
            value = c.by_weekday[wd]
        return int(UNLIMITED if value is None else value)

    first = on(model.start_date)
    changes: list[tuple[float, int, int]] = []
    last = first
    for d in range(1, horizon):
        v = on(model.start_date + dt.timedelta(days=d))
        if v != last:
            changes.append((float(d), s, v))
            last = v
    return first, changes


def _weekday_factors(profile: Mapping[Any, float] | None) -> np.ndarray:
    if not profile:
        return np.ones(7)
    raw = np.array([profile.get(w, 0.0) for w in WEEKDAYS], dtype=float)
    return raw / raw.mean() if raw.mean() > 0 else raw


def _month_factors(profile: Mapping[Any, float] | None) -> np.ndarray:
    from wholeflow.model.schema import MONTHS

    if not profile:
        return np.ones(12)
    raw = np.array([profile.get(m, 0.0) for m in MONTHS], dtype=float)
    return raw / raw.mean() if raw.mean() > 0 else raw


def _daily_rates(model: Model, per_day: float, weekday: np.ndarray, month: np.ndarray,
                 days: int) -> np.ndarray:
    dates = [model.start_date + dt.timedelta(days=d) for d in range(days)]
    wd = np.array([d.weekday() for d in dates])
    mo = np.array([d.month - 1 for d in dates])
    return per_day * weekday[wd] * month[mo]


def _mix(mix: dict[str, float] | None, classes: list[str]) -> np.ndarray:
    if not mix:
        p = np.zeros(len(classes))
        p[0] = 1.0
        return p
    p = np.array([mix.get(k, 0.0) for k in classes], dtype=float)
    return p / p.sum()


def compile_model(model: Model) -> CompiledModel:
    """Turn a validated :class:`~wholeflow.model.schema.Model` into kernel arrays."""
    services = list(model.services)
    classes = list(model.classes)
    exits = list(model.exits)
    S, K = len(services), len(classes)
    sidx = {s: i for i, s in enumerate(services)}
    dest = {**sidx, **{e: S + i for i, e in enumerate(exits)}}
    kidx = {k: i for i, k in enumerate(classes)}
    horizon = int(np.ceil(model.end_day)) + CALENDAR_MARGIN_DAYS

    # calendars: one entry per distinct name in use
    cal_names: list[str] = []

    def cal_index(name: str) -> int:
        if name not in cal_names:
            cal_names.append(name)
        return cal_names.index(name)

    admit_cal = np.array([cal_index(model.services[s].admits) for s in services], dtype=np.int64)
    referral_cal = np.array([cal_index(model.services[s].referral.calendar) for s in services],
                            dtype=np.int64)
    spans = [cal.intervals(cal.resolve(model.calendars, n), model.start_date, horizon)
             for n in cal_names]
    cal_offsets = np.zeros(len(spans) + 1, dtype=np.int64)
    cal_offsets[1:] = np.cumsum([len(x) for x in spans])
    allspans = np.concatenate(spans) if spans else np.zeros((0, 2))

    # capacity
    cap0 = np.zeros(S, dtype=np.int64)
    changes: list[tuple[float, int, int]] = []
    for i, s in enumerate(services):
        cap0[i], ch = _capacity_changes(model, s, i, horizon)
        changes += ch
    changes.sort()

    # priority levels: distinct priorities in increasing order
    prios = sorted({model.classes[k].priority for k in classes})
    class_level = np.array([prios.index(model.classes[k].priority) for k in classes],
                           dtype=np.int64)

    streams: list[StreamSpec] = []

    def stream(key: str, sampler: Callable[[np.random.Generator, int], np.ndarray],
               expected: float) -> int:
        streams.append(StreamSpec(key, sampler, expected))
        return len(streams) - 1

    # expected volumes, to size random buffers and output arrays (sizes never change results)
    days = int(np.ceil(model.end_day))
    arrivals_in = np.zeros((S, K))
    arrival_specs = []
    for aid, a in model.arrivals.items():
        rates = _daily_rates(model, a.per_day, _weekday_factors(a.weekday_profile),
                             _month_factors(a.monthly_profile), days)
        mix = _mix(a.class_mix, classes)
        arrivals_in[sidx[a.service]] += rates.sum() * mix
        arrival_specs.append((aid, sidx[a.service], rates, mix))
    initial_specs = []
    for sid, census in model.initial_state.items():
        mix = _mix(census.class_mix, classes)
        arrivals_in[sidx[sid]] += (census.occupancy + census.queue) * mix
        initial_specs.append((sidx[sid], census.occupancy, census.ready, census.queue, mix))
    if model.cohorts:
        arrivals_in += cohort_inflow(model, sidx, kidx, model.end_day)

    P = np.zeros((K, S, S))
    for s in services:
        for k in classes:
            for r in model.routes_for(s, k):
                if r.to in sidx:
                    P[kidx[k], sidx[s], sidx[r.to]] += r.probability
    visits = np.zeros((S, K))
    for j in range(K):
        try:
            visits[:, j] = np.linalg.solve(np.eye(S) - P[j].T, arrivals_in[:, j])
        except np.linalg.LinAlgError:  # closed loops: fall back to a generous guess
            visits[:, j] = arrivals_in[:, j] * 10
    visits = np.maximum(visits, 0.0)
    per_service = visits.sum(axis=1)

    # routes
    rt_offsets = np.zeros(S * K + 1, dtype=np.int64)
    cum: list[float] = []
    target: list[int] = []
    on_reject: list[int] = []
    delay_stream: list[int] = []
    delay_keys: dict[tuple[str, str], int] = {}
    for i, s in enumerate(services):
        for j, k in enumerate(classes):
            total = 0.0
            for r in model.routes_for(s, k):
                total += r.probability
                cum.append(total)
                target.append(dest[r.to])
                on_reject.append(dest[r.on_reject] if r.on_reject else -1)
                if r.transfer_delay is not None:
                    edge = (s, r.to)
                    if edge not in delay_keys:
                        delay_keys[edge] = stream(f"transfer_delay:{s}:{r.to}",
                                                  r.transfer_delay.sample,
                                                  per_service[i] * r.probability)
                    delay_stream.append(delay_keys[edge])
                else:
                    delay_stream.append(-1)
            rt_offsets[i * K + j + 1] = len(cum)
            if total > 0:  # guard against rounding: the last entry always catches u < 1
                cum[-1] = 1.0

    los_stream = np.zeros(S * K, dtype=np.int64)
    los_samplers: list[Callable[[np.random.Generator, int], np.ndarray]] = []
    route_stream = np.zeros(S, dtype=np.int64)
    triage_stream = np.zeros(S, dtype=np.int64)
    accept_stream = np.zeros(S, dtype=np.int64)
    for i, s in enumerate(services):
        svc = model.services[s]
        acc = max(svc.referral.acceptance, 0.05)
        for j, k in enumerate(classes):
            dist = svc.length_of_stay_by_class.get(k, svc.length_of_stay)
            los_stream[i * K + j] = stream(f"los:{s}:{k}", dist.sample, visits[i, j])
            los_samplers.append(dist.sample)
        route_stream[i] = stream(f"route:{s}", _uniforms, per_service[i])
        triage_stream[i] = stream(f"triage:{s}", svc.referral.triage_time.sample,
                                  per_service[i] / acc)
        accept_stream[i] = stream(f"accept:{s}", _uniforms, per_service[i] / acc)
    # new purposes' streams come after every existing one
    arrows = compile_arrows(model, stream, per_service, len(cum))

    return CompiledModel(
        services=services, classes=classes, exits=exits, start_date=model.start_date,
        warm_up=float(model.warm_up_days), end=float(model.end_day),
        capacity0=cap0,
        holds=np.array([model.services[s].holds_on_transfer for s in services], dtype=np.bool_),
        admit_cal=admit_cal, referral_cal=referral_cal,
        acceptance=np.array([model.services[s].referral.acceptance for s in services]),
        rejected_hours=np.array(
            [model.services[s].referral.rejected_handling_hours for s in services]),
        assessments=np.array([model.services[s].assessments for s in services], dtype=np.int64),
        cost_per_day=np.array([model.services[s].cost_per_day for s in services]),
        record_system=[model.services[s].record_system for s in services],
        funder=[model.services[s].funder for s in services],
        class_level=class_level, n_levels=len(prios),
        cal_offsets=cal_offsets,
        cal_start=np.ascontiguousarray(allspans[:, 0]),
        cal_end=np.ascontiguousarray(allspans[:, 1]),
        cc_time=np.array([c[0] for c in changes], dtype=np.float64),
        cc_service=np.array([c[1] for c in changes], dtype=np.int64),
        cc_capacity=np.array([c[2] for c in changes], dtype=np.int64),
        rt_offsets=rt_offsets, rt_cum=np.array(cum, dtype=np.float64),
        rt_target=np.array(target, dtype=np.int64),
        rt_on_reject=np.array(on_reject, dtype=np.int64),
        rt_delay_stream=np.array(delay_stream, dtype=np.int64),
        los_stream=los_stream, route_stream=route_stream, triage_stream=triage_stream,
        accept_stream=accept_stream, streams=streams,
        arrival_specs=arrival_specs, initial_specs=initial_specs, los_samplers=los_samplers,
        max_events=model.max_events,
        expected_visits=per_service, expected_people=float(arrivals_in.sum()),
        arrows=arrows,
    )


def _uniforms(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)
