"""Run one replication: draw its random numbers, call the kernel, keep its records.

Random numbers come from numpy ``Generator`` streams keyed by (seed, replication, purpose,
service id), one stream per purpose: arrivals per stream, length of stay per service and class,
routing, triage time and acceptance per service, transfer delay per route, initial state per
service; and, only in models that have them, sickness per staff group, placement length of stay
and offers per exit, named waits per route and reason, and events per cohort. Two scenarios
run with the same seed therefore draw the same numbers wherever their models agree (common
random numbers), and the same seed gives bit-identical results on one core, many, or a cluster.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from wholeflow.engine import kernel as K
from wholeflow.engine.compile import CompiledModel
from wholeflow.engine.compile_arrows import Arrows
from wholeflow.engine.memory import check_fits
from wholeflow.engine.records import DELAY, PERSON, REFERRAL, STINT, aligned_empty
from wholeflow.errors import DeadlockError, EventBudgetError, SimulationError

#: Default event budget: this many events per expected person, plus a floor.
EVENTS_PER_PERSON = 200
MIN_EVENT_BUDGET = 1_000_000


def stream_rng(seed: int, replication: int, key: str) -> np.random.Generator:
    """The generator for one purpose of one replication; independent of every other stream."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    words = np.frombuffer(digest, dtype=np.uint32)
    ss = np.random.SeedSequence(seed, spawn_key=(replication, int(words[0]), int(words[1])))
    return np.random.Generator(np.random.PCG64(ss))


@dataclass
class Replication:
    """The raw records of one replication: record arrays of :mod:`wholeflow.engine.records`
    (all times in model days)."""

    seed: int
    replication: int
    people: np.ndarray  # PERSON: arrived, left, klass, exit (and the state the kernel kept)
    stints: np.ndarray  # STINT: referred, decided, admitted, started, ready, ended, person, ...
    referrals: np.ndarray  # REFERRAL: sent, decided, triage, person, from/to_service, accepted
    delays: np.ndarray  # DELAY: start, end, stint, target, cause
    events: int
    n_initial: int = 0  # the first n_initial people were present at day 0
    # with a workforce: available hours per (team, group) and day, and the capacity changes
    # the staffed services had (initial capacities, times, services, capacities)
    staff_hours: np.ndarray | None = None
    capacity: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    # with cohorts: the cohort member each person's attendance belongs to (-1: not a member)
    member_of: np.ndarray | None = None


def _arrivals(cm: CompiledModel, seed: int, rep: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    times, services, classes = [], [], []
    for aid, service, rates, mix in cm.arrival_specs:
        rng = stream_rng(seed, rep, f"arrivals:{aid}")
        counts = rng.poisson(rates)
        n = int(counts.sum())
        day = np.repeat(np.arange(len(rates), dtype=np.float64), counts)
        times.append(day + rng.random(n))
        services.append(np.full(n, service, dtype=np.int64))
        classes.append(rng.choice(len(mix), size=n, p=mix).astype(np.int64))
    if not times:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    t = np.concatenate(times)
    order = np.argsort(t, kind="stable")
    return t[order], np.concatenate(services)[order], np.concatenate(classes)[order]


def _initial(cm: CompiledModel, seed: int, rep: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """People present at day 0: remaining stay = a uniform share of a fresh length of stay."""
    svc, cls, rem, queued = [], [], [], []
    K_ = cm.n_classes
    for s, occupancy, ready, queue, mix in cm.initial_specs:
        rng = stream_rng(seed, rep, f"initial:{cm.services[s]}")
        n = occupancy + queue
        c = rng.choice(len(mix), size=n, p=mix).astype(np.int64)
        u = rng.random(n)
        r = np.zeros(n)
        for k in range(K_):
            idx = np.flatnonzero(c == k)
            if idx.size:
                r[idx] = cm.los_samplers[s * K_ + k](rng, idx.size) * u[idx]
        r[:ready] = 0.0  # already ready to move on at day 0
        q = np.zeros(n, dtype=np.bool_)
        q[occupancy:] = True
        svc.append(np.full(n, s, dtype=np.int64))
        cls.append(c)
        rem.append(r)
        queued.append(q)
    if not svc:
        return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
                np.zeros(0, np.bool_))
    return np.concatenate(svc), np.concatenate(cls), np.concatenate(rem), np.concatenate(queued)


#: The kernel's arguments for limited exits, named waits and cohorts in a model without them:
#: None, so numba compiles the event loop without that code (see kernel.run_kernel).
_NO_ARROWS = (None, None, None, None, None, -1, None, None, None, None, None, None, None, None,
              None, None, None, None, None, None, None)


def _kernel_arrows(ar: Arrows, n_wait: int, member_of: np.ndarray) -> tuple[object, ...]:
    """The kernel's arguments for limited exits, named waits and cohorts (fresh state)."""
    return (ar.ex_kind, ar.ex_places.copy(), ar.ex_rate, ar.ex_los_stream, ar.ex_gap_stream,
            ar.placement_cause, ar.rt_woff, ar.w_prob, ar.w_cause, ar.w_ustream, ar.w_dstream,
            np.zeros(n_wait, np.int64), np.zeros(n_wait, np.int64), np.zeros(n_wait),
            ar.mem_rate, ar.mem_class, ar.mem_service, ar.mem_cohort, ar.coh_stream,
            ar.coh_leaves, member_of)


class _Buffers:
    """Random buffers, one per stream, grown on demand (longer buffers start alike)."""

    def __init__(self, cm: CompiledModel, seed: int, rep: int):
        self.cm, self.seed, self.rep = cm, seed, rep
        self.sizes = [int(1.3 * s.expected) + 64 for s in cm.streams]
        self.parts = [self._draw(i) for i in range(len(cm.streams))]

    def _draw(self, i: int) -> np.ndarray:
        spec = self.cm.streams[i]
        rng = stream_rng(self.seed, self.rep, spec.key)
        return np.ascontiguousarray(spec.sampler(rng, self.sizes[i]), dtype=np.float64)

    def grow(self, i: int) -> None:
        self.sizes[i] *= 2
        self.parts[i] = self._draw(i)

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        off = np.zeros(len(self.parts) + 1, dtype=np.int64)
        off[1:] = np.cumsum([len(p) for p in self.parts])
        buf = np.concatenate(self.parts) if self.parts else np.zeros(0)
        return buf, off


def run_replication(cm: CompiledModel, seed: int = 0, replication: int = 0) -> Replication:
    """Simulate one replication of a compiled model. Deterministic in (model, seed, replication).

    A run that cannot fit in memory is refused before anything is allocated
    (:func:`~wholeflow.engine.memory.check_fits`).
    """
    check_fits(cm)
    arr_t, arr_s, arr_c = _arrivals(cm, seed, replication)
    ini_s, ini_c, ini_r, ini_q = _initial(cm, seed, replication)
    buffers = _Buffers(cm, seed, replication)
    ar = cm.arrows
    staff_hours = capacity = None
    cap0, cc_time, cc_service, cc_capacity = (cm.capacity0, cm.cc_time, cm.cc_service,
                                              cm.cc_capacity)
    if ar.staff.active:
        from wholeflow.engine.workforce import available_hours, capacity_changes, staffed_places

        staff_hours = available_hours(cm, seed, replication)
        capacity = capacity_changes(cm, staffed_places(cm, staff_hours))
        cap0, cc_time, cc_service, cc_capacity = capacity
    n_people = len(arr_t) + len(ini_s) + 16
    if len(ar.mem_rate):
        n_people += int(1.3 * (cm.expected_people - len(arr_t) - len(ini_s))) + len(ar.mem_rate)
    waits = len(ar.w_prob) > 0 or bool(ar.ex_kind.any())
    n_stints = int(cm.expected_visits.sum() * 1.3) + n_people + 64
    n_refs = n_stints
    n_delays = 2 * n_stints
    n_heap = n_people + 1024 + len(ar.mem_rate) + len(ar.ex_kind)
    budget = cm.max_events or max(MIN_EVENT_BUDGET,
                                  int(EVENTS_PER_PERSON * max(n_people, n_stints)))
    while True:
        buf, boff = buffers.flat()
        ctr = np.zeros(K.NCTR, dtype=np.int64)
        people = aligned_empty(n_people, PERSON)
        stints = aligned_empty(n_stints, STINT)
        refs = aligned_empty(n_refs, REFERRAL)
        delays = aligned_empty(n_delays, DELAY)
        ht = np.empty(n_heap)
        hp = np.empty(n_heap, np.int64)
        members = np.zeros(cm.n_services, np.bool_)
        n_wait = n_people if waits else 0
        member_of = np.full(n_people if len(ar.mem_rate) else 0, -1, np.int32)
        K.run_kernel(
            cm.n_services, cm.n_classes, cm.n_levels, cm.end, budget,
            cap0.copy(), cm.holds, cm.admit_cal, cm.referral_cal, cm.acceptance,
            cm.class_level, cm.cal_offsets, cm.cal_start, cm.cal_end,
            cc_time, cc_service, cc_capacity,
            cm.rt_offsets, cm.rt_cum, cm.rt_target, cm.rt_on_reject, cm.rt_delay_stream,
            cm.los_stream, cm.route_stream, cm.triage_stream, cm.accept_stream,
            buf, boff, np.zeros(len(boff) - 1, np.int64),
            arr_t, arr_s, arr_c, ini_s, ini_c, ini_r, ini_q,
            ctr, people, stints, refs, delays, ht, hp, members,
            *(_kernel_arrows(ar, n_wait, member_of) if ar.in_kernel else _NO_ARROWS),
        )
        status = int(ctr[K.STATUS])
        if status == K.OK:
            break
        if status == K.BUFFER:
            buffers.grow(int(ctr[K.INFO]))
        elif status == K.GROW_PEOPLE:
            n_people *= 2
        elif status == K.GROW_STINTS:
            n_stints *= 2
        elif status == K.GROW_REFERRALS:
            n_refs *= 2
        elif status == K.GROW_DELAYS:
            n_delays *= 2
        elif status == K.GROW_HEAP:
            n_heap *= 2
        elif status == K.DEADLOCK:
            raise DeadlockError([cm.services[i] for i in np.flatnonzero(members)],
                                float(ctr[K.INFO]))
        elif status == K.EVENT_BUDGET:
            raise EventBudgetError(
                f"the run needed more than {budget:,} events (replication {replication}); "
                "this usually means people loop between services without end, e.g. a route "
                "that sends people back where they came from with certainty. Check the routes, "
                "or raise max_events in the model if the model really is that large."
            )
        else:  # pragma: no cover - a status the kernel does not set
            raise SimulationError(f"engine stopped with unknown status {status}")
    n_p, n_s, n_r, n_d = (int(ctr[i]) for i in (K.NP, K.NS, K.NR, K.ND))
    # Views, not copies: the arrays were sized close to need, and copying cost more than the
    # spare room they keep alive.
    return Replication(
        seed=seed, replication=replication,
        people=people[:n_p], stints=stints[:n_s], referrals=refs[:n_r], delays=delays[:n_d],
        events=int(ctr[K.NEV]), n_initial=len(ini_s),
        staff_hours=staff_hours, capacity=capacity,
        member_of=member_of[:n_p] if len(member_of) else None,
    )
