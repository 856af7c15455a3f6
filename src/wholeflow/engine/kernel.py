"""The event loop: one replication of a compiled model, compiled by numba.

It sees only flat arrays (see :mod:`wholeflow.engine.compile`) and pre-drawn random buffers
(see :mod:`wholeflow.engine.replication`). Python allocates every output array; the loop fills
them and reports counts and a status. When an output array or a random buffer is too small the
loop stops with a ``GROW_*``/``BUFFER`` status and the caller retries with a bigger one: random
streams are drawn so that a longer buffer starts with the same numbers, so the retry gives the
same result as a first run with enough room.

Semantics are those of DESIGN.md ("Simulation semantics"): referrals are triaged in the
receiving service's referral calendar (open time only), accepted with a probability, rejected
ones re-routed; accepted people queue FIFO within priority level; a person waiting to move on
keeps their place when their service holds on transfer (a delayed day, attributed to the target
and its cause); freeing a place wakes the longest waiter; capacity reductions evict no one;
circular waits are detected daily and reported; an event budget stops runaway models.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wholeflow.engine.prefetch import prefetch as _prefetch

# event kinds
READY = 0
DECIDE = 1
MOVE = 2
OPEN = 3
DAY = 4
WAITED = 5  # a named wait ended (arg: person)
PLACE = 6  # a place at a limited exit became free (arg: exit)
COHORT = 7  # a cohort member's event: they come into their service (arg: member)
# steps within one event (never on the heap)
REFER = -1
TO_EXIT = -2
# exit kinds (see compile_arrows)
EXIT_PLACES = 1
EXIT_RATE = 2

# delay causes (index into tables.DELAY_CAUSES)
TRIAGE = 0
CLOSED = 1
NO_CAPACITY = 2
TRANSFER = 3

# counters in ctr[]
HN = 0  # events in the heap
SEQ = 1  # (unused: kept so counter positions stay stable)
NP = 2  # people
NS = 3  # stints
NR = 4  # referrals
ND = 5  # delay segments
STATUS = 6
INFO = 7
NEV = 8  # events processed
NCTR = 9

# statuses
OK = 0
GROW_PEOPLE = 1
GROW_STINTS = 2
GROW_REFERRALS = 3
GROW_DELAYS = 4
GROW_HEAP = 5
BUFFER = 6
DEADLOCK = 7
EVENT_BUDGET = 8

INF = np.inf

# The small helpers below are inlined into the loop: passing arrays to a separate compiled
# function costs reference counting on every call, which doubled the time per event.
# inline="always" inlines numba's IR at each call, and every copy is typed and lowered again,
# which costs compile time; helpers called once per arrival, referral or delay are left to
# LLVM's inliner instead (0.5 s less compiling on a fresh cache, the same speed and results).


# ---------------------------------------------------------------- heap of events
# An event is (time, payload) with payload = arg * 8 + kind. Each person has at most one
# pending event, each service at most one OPEN and there is one DAY tick, so payloads are
# unique and (time, payload) is a total order: equal times pop in a fixed, reproducible order.
# Two arrays instead of four halve the data moved on every sift.
@njit(cache=True, inline="always")
def _heap_push(ht, hp, ctr, t, kind, arg):
    n = ctr[HN]
    if n >= ht.shape[0]:
        ctr[STATUS] = GROW_HEAP
        return
    key = arg * 8 + kind
    i = n
    while i > 0:  # sift up
        p = (i - 1) >> 1
        tp = ht[p]
        if tp < t or (tp == t and hp[p] < key):
            break
        ht[i] = tp
        hp[i] = hp[p]
        i = p
    ht[i] = t
    hp[i] = key
    ctr[HN] = n + 1


@njit(cache=True, inline="always")
def _heap_pop(ht, hp, ctr):
    """Remove the earliest event; return (kind, arg). Caller reads ht[0] before popping."""
    key0 = hp[0]
    n = ctr[HN] - 1
    ctr[HN] = n
    if n > 0:
        t = ht[n]
        key = hp[n]
        i = 0
        while True:  # sift down
            c = 2 * i + 1
            if c >= n:
                break
            tc = ht[c]
            if c + 1 < n:
                t2 = ht[c + 1]
                if t2 < tc or (t2 == tc and hp[c + 1] < hp[c]):
                    c += 1
                    tc = t2
            if t < tc or (t == tc and key < hp[c]):
                break
            ht[i] = tc
            hp[i] = hp[c]
            i = c
        ht[i] = t
        hp[i] = key
    return key0 & 7, key0 >> 3


# ---------------------------------------------------------------- calendars
@njit(cache=True, inline="always")
def _find(cs, ce, lo, hi, t):
    """Index of the first interval in [lo, hi) whose end is after t (hi if none)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if ce[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, inline="always")
def _is_open(co, cs, ce, c, t):
    i = _find(cs, ce, co[c], co[c + 1], t)
    return i < co[c + 1] and cs[i] <= t


@njit(cache=True)
def _next_open(co, cs, ce, c, t):
    i = _find(cs, ce, co[c], co[c + 1], t)
    if i >= co[c + 1]:
        return INF
    return max(t, cs[i])


@njit(cache=True)
def _add_open_time(co, cs, ce, c, t, dur):
    """The time at which ``dur`` days of open time have passed after t."""
    hi = co[c + 1]
    i = _find(cs, ce, co[c], hi, t)
    while i < hi:
        a = max(t, cs[i])
        if a < ce[i] and a + dur <= ce[i]:
            return a + dur  # ends within (or exactly at the close of) this open interval
        dur -= ce[i] - a
        i += 1
    return INF


@njit(cache=True)
def _open_between(co, cs, ce, c, t0, t1):
    total = 0.0
    hi = co[c + 1]
    i = _find(cs, ce, co[c], hi, t0)
    while i < hi and cs[i] < t1:
        total += min(ce[i], t1) - max(cs[i], t0)
        i += 1
    return total


# ---------------------------------------------------------------- random buffers
@njit(cache=True, inline="always")
def _draw(buf, boff, cur, k, ctr):
    j = cur[k]
    if boff[k] + j >= boff[k + 1]:
        ctr[STATUS] = BUFFER
        ctr[INFO] = k
        return 0.0
    cur[k] = j + 1
    return buf[boff[k] + j]


# ---------------------------------------------------------------- queues (linked lists)
@njit(cache=True)
def _enqueue(qh, qt, qlen, people, s, level, n_levels, p):
    q = s * n_levels + level
    people[p].nxt = -1
    if qt[q] < 0:
        qh[q] = p
    else:
        people[qt[q]].nxt = p
    qt[q] = p
    qlen[s] += 1


@njit(cache=True, inline="always")
def _dequeue(qh, qt, qlen, people, s, n_levels):
    for lv in range(n_levels):
        q = s * n_levels + lv
        p = qh[q]
        if p >= 0:
            qh[q] = people[p].nxt
            if qh[q] < 0:
                qt[q] = -1
            qlen[s] -= 1
            return p
    return -1


# ---------------------------------------------------------------- records
@njit(cache=True)
def _new_person(people, ctr, klass, t):
    """A new row of ``people``: arrived at t, in no service yet. Returns -1 when full."""
    p = ctr[NP]
    if p >= people.shape[0]:
        ctr[STATUS] = GROW_PEOPLE
        return -1
    ctr[NP] = p + 1
    row = people[p]
    row.arrived = t
    row.left = np.nan
    row.klass = klass
    row.exit = -1
    row.loc = -1
    row.stint = -1
    row.qstint = -1
    row.target = -1
    row.src = -1
    row.onrej = -1
    row.dstream = -1
    row.refrow = -1
    row.nxt = -1
    row.held = 0
    return p


@njit(cache=True)
def _new_stint(stints, ctr, person, service, came_from, referred, decided):
    n = ctr[NS]
    if n >= stints.shape[0]:
        ctr[STATUS] = GROW_STINTS
        return -1
    ctr[NS] = n + 1
    stints[n].person = person
    stints[n].service = service
    stints[n].destination = -1
    stints[n].came_from = came_from
    stints[n].referred = referred
    stints[n].decided = decided
    stints[n].admitted = np.nan
    stints[n].started = np.nan
    stints[n].ready = np.nan
    stints[n].ended = np.nan
    return n


@njit(cache=True)
def _add_delay(delays, ctr, stint, target, cause, t0, t1):
    if t1 <= t0:
        return
    n = ctr[ND]
    if n >= delays.shape[0]:
        ctr[STATUS] = GROW_DELAYS
        return
    ctr[ND] = n + 1
    delays[n].stint = stint
    delays[n].target = target
    delays[n].cause = cause
    delays[n].start = t0
    delays[n].end = t1


@njit(cache=True, inline="always")
def _leave(p, dest, t, people, stints, occ, wake, in_wake, nwake):
    """End person p's stint where they hold a place (going to ``dest``) and free the place.
    Returns the new length of the wake list."""
    a = people[p].loc
    stints[people[p].stint].ended = t
    stints[people[p].stint].destination = dest
    occ[a] -= 1
    people[p].loc = -1
    if not in_wake[a]:
        in_wake[a] = True
        wake[nwake] = a
        nwake += 1
    return nwake


@njit(cache=True, inline="always")
def _start(p, b, t, k, K, people, stints, occ, wake, in_wake, nwake, buf, boff, cur,
           los_stream, ht, hp, ctr):
    """Move person p into the place reserved at b: leave any place still held, start the stint
    and schedule the end of the stay. Returns the new length of the wake list."""
    if people[p].loc >= 0:
        nwake = _leave(p, b, t, people, stints, occ, wake, in_wake, nwake)
    elif people[p].stint >= 0:
        # the person waited at home: this is where they went next
        stints[people[p].stint].destination = b
    nst = people[p].qstint
    stints[nst].started = t
    people[p].loc = b
    people[p].stint = nst
    people[p].held = 0
    people[p].target = -1
    los = _draw(buf, boff, cur, los_stream[b * K + k], ctr)
    _heap_push(ht, hp, ctr, t + los, READY, p)
    return nwake


# ---------------------------------------------------------------- four arrows
@njit(cache=True, inline="always")
def _next_wait(p, t, w_prob, w_ustream, w_dstream, wait_at, wait_end, wait_from, buf, boff,
               cur, ht, hp, ctr):
    """Start person p's next named wait on their route, if one happens (each is decided by its
    own uniform draw). Returns True when a wait started (a WAITED event is scheduled)."""
    j = wait_at[p]
    while j < wait_end[p]:
        u = _draw(buf, boff, cur, w_ustream[j], ctr)
        if u < w_prob[j]:
            d = _draw(buf, boff, cur, w_dstream[j], ctr)
            if d > 0.0:
                wait_at[p] = j + 1
                wait_from[p] = t
                _heap_push(ht, hp, ctr, t + d, WAITED, p)
                return True
        j += 1
    wait_at[p] = j
    return False


@njit(cache=True, inline="always")
def _exit_person(p, e, t, E, people, member_of, mem_cohort, mem_rate, coh_stream, coh_leaves,
                 buf, boff, cur, ht, hp, ctr):
    """Person p's journey ends at exit e; a cohort member returns to the cohort (their next
    event is scheduled) unless e is an exit on which they leave it."""
    people[p].exit = e
    people[p].left = t
    if p < member_of.shape[0]:
        m = member_of[p]
        if m >= 0:
            c = mem_cohort[m]
            if not coh_leaves[c * E + e] and mem_rate[m] > 0.0:
                gap = _draw(buf, boff, cur, coh_stream[c], ctr) / mem_rate[m]
                _heap_push(ht, hp, ctr, t + gap, COHORT, m)


# ---------------------------------------------------------------- the loop
@njit(cache=True)
def run_kernel(
    # model
    S, K, n_levels, end, max_events,
    cap, holds, admit_cal, referral_cal, acceptance, class_level,
    co, cs, ce,
    cc_time, cc_service, cc_capacity,
    rt_off, rt_cum, rt_target, rt_onrej, rt_dstream,
    los_stream, route_stream, triage_stream, accept_stream,
    # random buffers
    buf, boff, cur,
    # arrivals (sorted) and initial state
    arr_time, arr_service, arr_class,
    init_service, init_class, init_remaining, init_queued,
    # outputs
    ctr, people, stints, refs, delays,
    ht, hp, deadlock_set,
    # exit limits, named waits and cohorts (all None for a model without them)
    ex_kind, ex_free, ex_rate, ex_los_stream, ex_gap_stream, placement_cause,
    rt_woff, w_prob, w_cause, w_ustream, w_dstream, wait_at, wait_end, wait_from,
    mem_rate, mem_class, mem_service, mem_cohort, coh_stream, coh_leaves, member_of,
):
    """Run one replication. Returns nothing; see ``ctr`` (counts, status) and the outputs.

    The outputs are record arrays of :mod:`wholeflow.engine.records`: ``people`` (one row per
    person, holding their state while in the system), ``stints``, ``refs`` and ``delays``
    (filled in order from row 0; ``ctr`` holds their counts). A stint's ``came_from`` is -1 for
    a new arrival, -2 for someone already in place at day 0.

    Limited exits keep ``ex_free`` places and a FIFO of people waiting for one (in place, a
    delayed day with cause ``placement_cause``); named waits run one after another before the
    referral (each a delay segment with its own cause); cohort members come in at their rate
    and ``member_of[p]`` says whose attendance person p is.
    """
    # service state
    occ = np.zeros(S, np.int64)
    qh = np.full(S * n_levels, -1, np.int64)
    qt = np.full(S * n_levels, -1, np.int64)
    qlen = np.zeros(S, np.int64)
    blocked = np.zeros(S * S, np.int64)  # held at s, queued at t
    open_pending = np.zeros(S, np.bool_)
    wake = np.zeros(S, np.int64)
    in_wake = np.zeros(S, np.bool_)
    nwake = 0
    first_exit = S

    # ---- initial state: people in place (READY when their remaining stay ends) and queued
    for i in range(init_service.shape[0]):
        p = _new_person(people, ctr, init_class[i], 0.0)
        if p < 0:
            return
        s = init_service[i]
        # came_from -2 marks someone already in place at day 0 (not an admission)
        st = _new_stint(stints, ctr, p, s, -1 if init_queued[i] else -2, np.nan, 0.0)
        if st < 0:
            return
        if init_queued[i]:
            people[p].qstint = st
            _enqueue(qh, qt, qlen, people, s, class_level[init_class[i]], n_levels, p)
        else:
            stints[st].admitted = 0.0
            stints[st].started = 0.0
            occ[s] += 1
            people[p].loc = s
            people[p].stint = st
            _heap_push(ht, hp, ctr, init_remaining[i], READY, p)
        if not in_wake[s]:
            in_wake[s] = True
            wake[nwake] = s
            nwake += 1
    _heap_push(ht, hp, ctr, 1.0, DAY, 1)
    # Every use of the four arrows' arrays sits under "ex_kind is not None" (a test on an
    # argument): for a model without them they are None and numba compiles the loop without
    # that code at all, so such models run the loop they ran before the arrows existed.
    if ex_kind is not None:
        E = ex_kind.shape[0]
        eqh = np.full(E, -1, np.int64)  # people waiting for a place at a limited exit (FIFO)
        eqt = np.full(E, -1, np.int64)
        n_waits = w_prob.shape[0]
        for e in range(E):  # the first place offered at an exit with a rate of placements
            if ex_kind[e] == EXIT_RATE:
                _heap_push(ht, hp, ctr,
                           _draw(buf, boff, cur, ex_gap_stream[e], ctr) / ex_rate[e], PLACE, e)
        for m in range(mem_rate.shape[0]):  # each cohort member's first event
            if mem_rate[m] > 0.0:
                gap = _draw(buf, boff, cur, coh_stream[mem_cohort[m]], ctr) / mem_rate[m]
                _heap_push(ht, hp, ctr, gap, COHORT, m)

    ai = 0
    na = arr_time.shape[0]
    ci = 0
    nc = cc_time.shape[0]
    t = 0.0
    while True:
        # ---- admissions wherever a place or a queue changed (no recursion: a work list)
        while nwake > 0:
            nwake -= 1
            s = wake[nwake]
            in_wake[s] = False
            while qlen[s] > 0 and occ[s] < cap[s]:
                if not _is_open(co, cs, ce, admit_cal[s], t):
                    if not open_pending[s]:
                        open_pending[s] = True
                        _heap_push(ht, hp, ctr,
                                   _next_open(co, cs, ce, admit_cal[s], t), OPEN, s)
                    break
                p = _dequeue(qh, qt, qlen, people, s, n_levels)
                occ[s] += 1
                nst = people[p].qstint
                stints[nst].admitted = t
                a = people[p].loc
                if a >= 0:
                    # the wait since the decision: no place, or the service closed to admissions
                    blocked[a * S + s] -= 1
                    t0 = stints[nst].decided
                    closed = (t - t0) - _open_between(co, cs, ce, admit_cal[s], t0, t)
                    _add_delay(delays, ctr, people[p].stint, s, NO_CAPACITY, t0, t - closed)
                    _add_delay(delays, ctr, people[p].stint, s, CLOSED, t - closed, t)
                d = 0.0
                if people[p].dstream >= 0:
                    d = _draw(buf, boff, cur, people[p].dstream, ctr)
                if d > 0.0:
                    _heap_push(ht, hp, ctr, t + d, MOVE, p)
                else:  # move now
                    nwake = _start(p, s, t, people[p].klass, K, people, stints, occ, wake, in_wake,
                                   nwake, buf, boff, cur, los_stream, ht, hp, ctr)
        if ctr[STATUS] != OK:
            return

        # ---- next event: capacity change, then heap event, then arrival, at equal times
        th = ht[0] if ctr[HN] > 0 else INF
        ta = arr_time[ai] if ai < na else INF
        tc = cc_time[ci] if ci < nc else INF
        t = min(th, ta, tc)
        if t >= end:
            return
        ctr[NEV] += 1
        if ctr[NEV] > max_events:
            ctr[STATUS] = EVENT_BUDGET
            return

        if tc <= th and tc <= ta:
            s = cc_service[ci]
            cap[s] = cc_capacity[ci]
            ci += 1
            if not in_wake[s]:
                in_wake[s] = True
                wake[nwake] = s
                nwake += 1
            continue

        if ta < th:
            # a new person arrives from outside and queues at the arrival service
            s = arr_service[ai]
            k = arr_class[ai]
            ai += 1
            p = _new_person(people, ctr, k, t)
            if p < 0:
                return
            st = _new_stint(stints, ctr, p, s, -1, t, t)
            if st < 0:
                return
            people[p].qstint = st
            _enqueue(qh, qt, qlen, people, s, class_level[k], n_levels, p)
            if not in_wake[s]:
                in_wake[s] = True
                wake[nwake] = s
                nwake += 1
            continue

        kind, p = _heap_pop(ht, hp, ctr)
        # Start loading what the next events will need while this one is handled: the next
        # person's stint (their row was fetched one event ago, as one of the two candidates
        # for the event after next) and the rows of those two candidates.
        n_heap = ctr[HN]
        next_kind = hp[0] & 7 if n_heap > 0 else DAY
        if next_kind <= MOVE:
            q = hp[0] >> 3
            if people[q].stint >= 0:
                _prefetch(stints, people[q].stint)
            if next_kind == READY and people[q].loc >= 0:
                # they may free a place: the first person queueing for it moves in then
                head = qh[people[q].loc * n_levels]
                if head >= 0:
                    _prefetch(people, head)
            elif next_kind == DECIDE:
                _prefetch(refs, people[q].refrow)
            else:
                _prefetch(stints, people[q].qstint)
        for j in range(1, min(3, n_heap)):
            if (hp[j] & 7) <= MOVE:
                _prefetch(people, hp[j] >> 3)
        # Handle the event; a referral decided at once (no triage time, calendar open) is
        # handled in the same pass instead of making a round trip through the heap.
        while True:
            if ex_kind is not None:  # PLACE and COHORT events are not about a person
                k = people[p].klass if kind <= MOVE or kind == WAITED else 0
            else:
                k = people[p].klass if kind != OPEN and kind != DAY else 0

            if kind == READY:
                s = people[p].loc
                stints[people[p].stint].ready = t
                u = _draw(buf, boff, cur, route_stream[s], ctr)
                lo = rt_off[s * K + k]
                hi = rt_off[s * K + k + 1]
                e = lo
                while e < hi - 1 and rt_cum[e] <= u:
                    e += 1
                dest = rt_target[e] if hi > lo else first_exit
                people[p].src = s
                people[p].onrej = rt_onrej[e] if hi > lo else -1
                people[p].dstream = rt_dstream[e] if hi > lo else -1
                if ex_kind is not None:
                    if n_waits > 0 and hi > lo and rt_woff[e + 1] > rt_woff[e]:
                        people[p].target = dest
                        wait_at[p] = rt_woff[e]
                        wait_end[p] = rt_woff[e + 1]
                        if _next_wait(p, t, w_prob, w_ustream, w_dstream, wait_at, wait_end,
                                      wait_from, buf, boff, cur, ht, hp, ctr):
                            break
                    if dest >= S:
                        kind = TO_EXIT
                        continue
                elif dest >= S:
                    nwake = _leave(p, dest, t, people, stints, occ, wake, in_wake, nwake)
                    people[p].exit = dest - S
                    people[p].left = t
                    break
                kind = REFER  # fall through to "refer" below with dest

            elif kind == DECIDE:
                b = people[p].target
                u = _draw(buf, boff, cur, accept_stream[b], ctr)
                accepted = u < acceptance[b]
                r = people[p].refrow
                refs[r].decided = t
                refs[r].accepted = 1 if accepted else 0
                a = people[p].loc
                if people[p].held == 1:
                    # referral wait: the referral calendar's closed time first, triage work last
                    triaged_from = t - refs[r].triage
                    _add_delay(delays, ctr, people[p].stint, b, CLOSED, refs[r].sent,
                               triaged_from)
                    _add_delay(delays, ctr, people[p].stint, b, TRIAGE, triaged_from, t)
                if accepted:
                    st = _new_stint(stints, ctr, p, b, people[p].src, refs[r].sent, t)
                    if st < 0:
                        return
                    people[p].qstint = st
                    _enqueue(qh, qt, qlen, people, b, class_level[k], n_levels, p)
                    if a >= 0:
                        blocked[a * S + b] += 1
                    if not in_wake[b]:
                        in_wake[b] = True
                        wake[nwake] = b
                        nwake += 1
                    break
                # rejected: follow on_reject (default: the first exit)
                dest = people[p].onrej
                if dest < 0:
                    dest = first_exit
                if dest >= S:
                    if ex_kind is not None:
                        kind = TO_EXIT
                        continue
                    if a >= 0:
                        nwake = _leave(p, dest, t, people, stints, occ, wake, in_wake, nwake)
                    elif people[p].stint >= 0:
                        stints[people[p].stint].destination = dest
                    people[p].exit = dest - S
                    people[p].left = t
                    break
                # re-refer: use the source's route entry for the new target if it has one
                s = people[p].src
                lo = rt_off[s * K + k]
                hi = rt_off[s * K + k + 1]
                people[p].onrej = -1
                people[p].dstream = -1
                for e in range(lo, hi):
                    if rt_target[e] == dest:
                        people[p].onrej = rt_onrej[e]
                        people[p].dstream = rt_dstream[e]
                        break
                kind = REFER

            elif kind == MOVE:
                b = people[p].target
                if people[p].loc >= 0:
                    _add_delay(delays, ctr, people[p].stint, b, TRANSFER,
                               stints[people[p].qstint].admitted, t)
                nwake = _start(p, b, t, k, K, people, stints, occ, wake, in_wake, nwake, buf,
                               boff, cur, los_stream, ht, hp, ctr)
                break

            elif kind == OPEN:
                s = p
                open_pending[s] = False
                if not in_wake[s]:
                    in_wake[s] = True
                    wake[nwake] = s
                    nwake += 1
                break

            elif kind == DAY:
                if _deadlocked(S, occ, cap, blocked, deadlock_set) and ci >= nc:
                    ctr[STATUS] = DEADLOCK
                    ctr[INFO] = p
                    return
                _heap_push(ht, hp, ctr, p + 1.0, DAY, p + 1)
                break

            elif ex_kind is not None:  # the events of the four arrows
                if kind == WAITED:
                    dest = people[p].target
                    _add_delay(delays, ctr, people[p].stint, dest, w_cause[wait_at[p] - 1],
                               wait_from[p], t)
                    if _next_wait(p, t, w_prob, w_ustream, w_dstream, wait_at, wait_end,
                                  wait_from, buf, boff, cur, ht, hp, ctr):
                        break
                    if dest >= S:
                        kind = TO_EXIT
                        continue
                    kind = REFER

                elif kind == TO_EXIT:
                    # the journey ends at exit dest, once a place there is free
                    e = dest - S
                    if ex_kind[e] != 0:
                        if ex_free[e] <= 0 or eqh[e] >= 0:
                            a = people[p].loc
                            if a >= 0 and not holds[a]:
                                nwake = _leave(p, dest, t, people, stints, occ, wake, in_wake,
                                               nwake)
                            people[p].held = 1 if people[p].loc >= 0 else 0
                            people[p].target = dest
                            wait_from[p] = t
                            people[p].nxt = -1
                            if eqt[e] < 0:
                                eqh[e] = p
                            else:
                                people[eqt[e]].nxt = p
                            eqt[e] = p
                            break
                        ex_free[e] -= 1
                        if ex_kind[e] == EXIT_PLACES:
                            _heap_push(ht, hp, ctr,
                                       t + _draw(buf, boff, cur, ex_los_stream[e], ctr), PLACE, e)
                    if people[p].loc >= 0:
                        nwake = _leave(p, dest, t, people, stints, occ, wake, in_wake, nwake)
                    elif people[p].stint >= 0:
                        stints[people[p].stint].destination = dest
                    _exit_person(p, e, t, E, people, member_of, mem_cohort, mem_rate, coh_stream,
                                 coh_leaves, buf, boff, cur, ht, hp, ctr)
                    break

                elif kind == PLACE:
                    e = p
                    ex_free[e] += 1
                    if ex_kind[e] == EXIT_RATE:
                        _heap_push(ht, hp, ctr,
                                   t + _draw(buf, boff, cur, ex_gap_stream[e], ctr) / ex_rate[e],
                                   PLACE, e)
                    while ex_free[e] > 0 and eqh[e] >= 0:  # the longest waiter takes the place
                        q = eqh[e]
                        eqh[e] = people[q].nxt
                        if eqh[e] < 0:
                            eqt[e] = -1
                        ex_free[e] -= 1
                        if ex_kind[e] == EXIT_PLACES:
                            _heap_push(ht, hp, ctr,
                                       t + _draw(buf, boff, cur, ex_los_stream[e], ctr), PLACE, e)
                        if people[q].loc >= 0:
                            _add_delay(delays, ctr, people[q].stint, S + e, placement_cause,
                                       wait_from[q], t)
                            nwake = _leave(q, S + e, t, people, stints, occ, wake, in_wake, nwake)
                        _exit_person(q, e, t, E, people, member_of, mem_cohort, mem_rate,
                                     coh_stream, coh_leaves, buf, boff, cur, ht, hp, ctr)
                    if ex_kind[e] == EXIT_RATE:
                        ex_free[e] = 0  # an offer no one here takes goes to someone outside
                    break

                elif kind == COHORT:
                    # a cohort member's event: they come into their service like an arrival
                    m = p
                    s = mem_service[m]
                    q = _new_person(people, ctr, mem_class[m], t)
                    if q < 0:
                        return
                    member_of[q] = m
                    st = _new_stint(stints, ctr, q, s, -1, t, t)
                    if st < 0:
                        return
                    people[q].qstint = st
                    _enqueue(qh, qt, qlen, people, s, class_level[mem_class[m]], n_levels, q)
                    if not in_wake[s]:
                        in_wake[s] = True
                        wake[nwake] = s
                        nwake += 1
                    break

            # ---- refer person p from people[p].src to dest (after READY or a rejection)
            a = people[p].loc
            if a >= 0 and not holds[a]:
                # a home-based service does not keep the place while the person waits to move on
                nwake = _leave(p, dest, t, people, stints, occ, wake, in_wake, nwake)
            people[p].held = 1 if people[p].loc >= 0 else 0
            people[p].target = dest
            dur = _draw(buf, boff, cur, triage_stream[dest], ctr)
            t_dec = _add_open_time(co, cs, ce, referral_cal[dest], t, dur)
            r = ctr[NR]
            if r >= refs.shape[0]:
                ctr[STATUS] = GROW_REFERRALS
                return
            ctr[NR] = r + 1
            refs[r].person = p
            refs[r].from_service = people[p].src
            refs[r].to_service = dest
            refs[r].accepted = -1
            refs[r].sent = t
            refs[r].decided = np.nan
            refs[r].triage = dur
            people[p].refrow = r
            if t_dec <= t:
                kind = DECIDE
                continue
            _heap_push(ht, hp, ctr, t_dec, DECIDE, p)
            break
        if ctr[STATUS] != OK:
            return


@njit(cache=True)
def _deadlocked(S, occ, cap, blocked, members):
    """Find a set of full services whose every place is held by someone queued inside the set.

    Start from all full services and repeatedly drop any service with a place held by someone
    not waiting for a service in the set. What remains (if anything) can never move again.
    """
    n = 0
    for s in range(S):
        members[s] = occ[s] > 0 and occ[s] >= cap[s]
    changed = True
    while changed:
        changed = False
        for s in range(S):
            if members[s]:
                inside = 0
                for t in range(S):
                    if members[t]:
                        inside += blocked[s * S + t]
                if inside < occ[s]:
                    members[s] = False
                    changed = True
    for s in range(S):
        if members[s]:
            n += 1
    return n > 0
