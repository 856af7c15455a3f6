"""Pairing a person's events into stints: one pass over the sorted log, compiled with numba.

Events arrive sorted by person, time, stint hint, event order (referral, decision, start,
assessment, ready, end), service and destination. For each person we keep, per service, the open
*episode*: a referral waiting for a decision, an accepted referral waiting for a start, or a
stint under way (started, perhaps ready). Each event either moves its episode on or is rejected
with a reason; a rejected event never changes the state, so dropping it and running again gives
the same episodes (the importer relies on that).

=====================  ==================================================================
event                  effect
=====================  ==================================================================
referral               opens an episode; one already waiting for a decision or a start is
                       closed as superseded (a re-referral); in a stint: rejected
referral_accepted      decides the waiting referral; without one: no_matching_start
referral_rejected      decides it and closes the episode (an inappropriate referral)
start                  starts the waiting referral, or opens a stint without one; a start in
                       a service the person is already in: overlapping_stay
assessment             counts towards the episode (waiting or in a stint)
ready                  marks the stint ready to move on; a second ready: repeated_event
end                    closes the stint, with its destination
other                  kept, never part of an episode
=====================  ==================================================================

Events with no service (an activity map that leaves it open: "Release A") apply to the person's
most recently started open stint. With ``infer_ends``, a start in one service ends the
person's stints in every other service at that moment (process-mining logs that record only
admissions to each ward). An event equal to the one before it in every mapped field (person,
time, service, event type, activity, destination and class), from another row, is a
duplicate: an exact repeat. Different activities of one person at the same time (blood tests
taken together) are distinct events, never duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

import wholeflow._numba_cache  # noqa: F401  (before the kernels: where they are cached)
from wholeflow.data.reading.vocabulary import EVENTS, REASON_CODES

NAT = np.iinfo(np.int64).min
"""Missing time (numpy's NaT as int64 microseconds)."""

EV_REFERRAL, EV_ACCEPTED, EV_REJECTED, EV_START, EV_ASSESSMENT, EV_READY, EV_END, EV_OTHER = (
    EVENTS.index(name) for name in EVENTS
)

# episode stages
_REFERRED, _ACCEPTED, _STARTED, _READY = 0, 1, 2, 3
# episode status at the end of the data
OPEN, CLOSED, SUPERSEDED = 0, 1, 2

_R_DUPLICATE = REASON_CODES["duplicate"]
_R_OVERLAP = REASON_CODES["overlapping_stay"]
_R_NO_START = REASON_CODES["no_matching_start"]
_R_REFERRAL_IN_STAY = REASON_CODES["referral_during_stay"]
_R_REPEATED = REASON_CODES["repeated_event"]


@dataclass
class Episodes:
    """Referral episodes and stints, one entry per episode (times as int64 microseconds)."""

    person: np.ndarray
    service: np.ndarray
    klass: np.ndarray
    referred: np.ndarray
    decided: np.ndarray
    accepted: np.ndarray
    """1 accepted, 0 rejected, -1 not decided (or started without a recorded decision)."""
    started: np.ndarray
    ready: np.ndarray
    ended: np.ndarray
    destination: np.ndarray
    assessments: np.ndarray
    end_inferred: np.ndarray
    status: np.ndarray
    """OPEN (still open at the end of the data), CLOSED, or SUPERSEDED by a later referral."""

    def __len__(self) -> int:
        return len(self.person)


def pair_events(person: np.ndarray, time: np.ndarray, event: np.ndarray, service: np.ndarray,
                destination: np.ndarray, klass: np.ndarray, n_services: int,
                infer_ends: bool = False, source: np.ndarray | None = None,
                activity: np.ndarray | None = None) -> tuple[np.ndarray, Episodes]:
    """Pair sorted events into episodes; returns (reason code per event, 0 = kept) and them.

    ``event`` holds indices into :data:`~wholeflow.data.reading.vocabulary.EVENTS`; ``service``,
    ``destination`` and ``klass`` are integer codes (-1 = none); ``time`` is int64 microseconds.
    ``source`` identifies the row each event came from: events of one row (a stay row with two
    assessments) are never duplicates of each other. By default every event is its own row.
    ``activity`` holds activity codes (-1 = none, the default); repeats must be next to each
    other (the order of :mod:`.event_order` puts them there).
    """
    n = len(person)
    if source is None:
        source = np.arange(n, dtype=np.int64)
    if activity is None:
        activity = np.full(n, -1, np.int32)
    cap = int(np.count_nonzero((event == EV_REFERRAL) | (event == EV_START))) + 1
    out = _pair(
        np.ascontiguousarray(person, np.int64), np.ascontiguousarray(time, np.int64),
        np.ascontiguousarray(event, np.int8), np.ascontiguousarray(service, np.int32),
        np.ascontiguousarray(destination, np.int32), np.ascontiguousarray(klass, np.int32),
        np.ascontiguousarray(source, np.int64), np.ascontiguousarray(activity, np.int32),
        max(n_services, 1), cap, infer_ends,
    )
    reasons, count = out[0], out[1]
    arrays = [a[:count] for a in out[2:]]
    assert len(reasons) == n
    return reasons, Episodes(*arrays)


@numba.njit(cache=True, nogil=True)
def _pair(person, time, event, service, destination, klass, source, activity, n_services, cap,
          infer_ends):
    n = len(person)
    reasons = np.zeros(n, np.int8)
    e_person = np.empty(cap, np.int64)
    e_service = np.empty(cap, np.int32)
    e_class = np.empty(cap, np.int32)
    e_referred = np.empty(cap, np.int64)
    e_decided = np.empty(cap, np.int64)
    e_accepted = np.empty(cap, np.int8)
    e_started = np.empty(cap, np.int64)
    e_ready = np.empty(cap, np.int64)
    e_ended = np.empty(cap, np.int64)
    e_dest = np.empty(cap, np.int32)
    e_assess = np.empty(cap, np.int32)
    e_inferred = np.empty(cap, np.int8)
    e_status = np.empty(cap, np.int8)
    e_stage = np.empty(cap, np.int8)

    open_ep = np.full(n_services, -1, np.int64)
    is_touched = np.zeros(n_services, np.bool_)
    touched = np.empty(n_services, np.int32)  # the services this person has used so far
    n_touched = 0
    count = 0
    for i in range(n):
        if i == 0 or person[i] != person[i - 1]:
            for k in range(n_touched):
                open_ep[touched[k]] = -1
                is_touched[touched[k]] = False
            n_touched = 0
        elif (time[i] == time[i - 1] and event[i] == event[i - 1]
              and service[i] == service[i - 1] and destination[i] == destination[i - 1]
              and activity[i] == activity[i - 1] and klass[i] == klass[i - 1]
              and source[i] != source[i - 1]):
            reasons[i] = _R_DUPLICATE
            continue
        ev = event[i]
        if ev == EV_OTHER:
            continue
        s = service[i]
        if s < 0:
            # no service given: the person's most recently started open stint
            best = -1
            for k in range(n_touched):
                ep = open_ep[touched[k]]
                if ep >= 0 and e_stage[ep] >= _STARTED and (
                        best < 0 or e_started[ep] >= e_started[best]):
                    best = ep
            if best < 0 or ev in (EV_REFERRAL, EV_ACCEPTED, EV_REJECTED, EV_START):
                reasons[i] = _R_NO_START
                continue
            s = e_service[best]
        if not is_touched[s]:
            is_touched[s] = True
            touched[n_touched] = s
            n_touched += 1
        ep = open_ep[s]
        t = time[i]
        if ev == EV_REFERRAL:
            if ep >= 0 and e_stage[ep] >= _STARTED:
                reasons[i] = _R_REFERRAL_IN_STAY
                continue
            if ep >= 0:
                e_status[ep] = SUPERSEDED
            ep = count
            count += 1
            _new_episode(ep, person[i], s, klass[i], e_person, e_service, e_class, e_referred,
                         e_decided, e_accepted, e_started, e_ready, e_ended, e_dest, e_assess,
                         e_inferred, e_status, e_stage)
            e_referred[ep] = t
            open_ep[s] = ep
        elif ev in (EV_ACCEPTED, EV_REJECTED):
            if ep < 0 or e_stage[ep] >= _STARTED:
                reasons[i] = _R_NO_START
            elif e_stage[ep] == _ACCEPTED:
                reasons[i] = _R_REPEATED
            else:
                e_decided[ep] = t
                if ev == EV_ACCEPTED:
                    e_accepted[ep] = 1
                    e_stage[ep] = _ACCEPTED
                else:
                    e_accepted[ep] = 0
                    e_status[ep] = CLOSED
                    open_ep[s] = -1
        elif ev == EV_START:
            if ep >= 0 and e_stage[ep] >= _STARTED:
                reasons[i] = _R_OVERLAP
                continue
            if infer_ends:
                for k in range(n_touched):
                    other = open_ep[touched[k]]
                    if touched[k] != s and other >= 0 and e_stage[other] >= _STARTED:
                        e_ended[other] = t
                        e_dest[other] = -2 - s  # "went to service s", decoded by the caller
                        e_inferred[other] = 1
                        e_status[other] = CLOSED
                        open_ep[touched[k]] = -1
            if ep < 0:
                ep = count
                count += 1
                _new_episode(ep, person[i], s, klass[i], e_person, e_service, e_class,
                             e_referred, e_decided, e_accepted, e_started, e_ready, e_ended,
                             e_dest, e_assess, e_inferred, e_status, e_stage)
                open_ep[s] = ep
            elif e_accepted[ep] == -1:
                e_accepted[ep] = 1
            e_started[ep] = t
            e_stage[ep] = _STARTED
        elif ev == EV_ASSESSMENT:
            if ep < 0:
                reasons[i] = _R_NO_START
            else:
                e_assess[ep] += 1
        elif ev == EV_READY:
            if ep < 0 or e_stage[ep] < _STARTED:
                reasons[i] = _R_NO_START
            elif e_stage[ep] == _READY:
                reasons[i] = _R_REPEATED
            else:
                e_ready[ep] = t
                e_stage[ep] = _READY
        elif ev == EV_END:
            if ep < 0 or e_stage[ep] < _STARTED:
                reasons[i] = _R_NO_START
            else:
                e_ended[ep] = t
                e_dest[ep] = destination[i]
                e_status[ep] = CLOSED
                open_ep[s] = -1
    return (reasons, count, e_person, e_service, e_class, e_referred, e_decided, e_accepted,
            e_started, e_ready, e_ended, e_dest, e_assess, e_inferred, e_status)


@numba.njit(cache=True, nogil=True)
def _new_episode(ep, person, service, klass, e_person, e_service, e_class, e_referred,
                 e_decided, e_accepted, e_started, e_ready, e_ended, e_dest, e_assess,
                 e_inferred, e_status, e_stage):
    nat = np.iinfo(np.int64).min
    e_person[ep] = person
    e_service[ep] = service
    e_class[ep] = klass
    e_referred[ep] = nat
    e_decided[ep] = nat
    e_accepted[ep] = -1
    e_started[ep] = nat
    e_ready[ep] = nat
    e_ended[ep] = nat
    e_dest[ep] = -1
    e_assess[ep] = 0
    e_inferred[ep] = 0
    e_status[ep] = OPEN
    e_stage[ep] = _REFERRED
