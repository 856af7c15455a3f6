"""Linking a person's episodes: where each referral came from, and journeys of stints.

Two passes over the episodes of :mod:`wholeflow.data.episodes.stints`, person by person (compiled
with numba, since a large extract has millions of episodes):

* **from_service**: for an episode with a referral, the service of the person's latest stint
  that started before the referral was sent, if it is another service and the person had not
  left it by then; -1 for a referral from outside the system.
* **journeys**: stints in order of start; a stint begins a new journey unless it starts no
  later than ``gap`` after every earlier stint of the journey has ended, or its referral came
  from a service the person was in (someone waiting at home for the next service is still on
  the same journey). Each stint gets its journey number, its number within the journey, and
  the service of the next stint in the journey (-1 for the last).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

import wholeflow._numba_cache  # noqa: F401  (before the kernels: where they are cached)
from wholeflow.data.episodes.stints import NAT, Episodes


@dataclass
class Links:
    """Per episode (aligned with :class:`~wholeflow.data.episodes.stints.Episodes`); 0 / -1 when
    none."""

    from_service: np.ndarray
    journey: np.ndarray
    stint: np.ndarray
    next_service: np.ndarray
    stints: np.ndarray | None = None
    """The episodes with a start, in journey order (person, then start, then service)."""


def link(ep: Episodes, gap_days: float) -> Links:
    """Referral sources and journeys of ``ep``."""
    n = len(ep)
    started = ep.started.astype(np.int64)
    referred = ep.referred.astype(np.int64)
    person = ep.person.astype(np.int64)
    service = ep.service.astype(np.int32)
    stints = _by_person(np.flatnonzero(started != NAT), person, started, service)
    refs = _by_person(np.flatnonzero(referred != NAT), person, referred,
                      np.zeros(n, np.int32))
    from_service = np.full(n, -1, np.int32)
    journey = np.zeros(n, np.int32)
    stint = np.zeros(n, np.int32)
    next_service = np.full(n, -1, np.int32)
    ended = ep.ended.astype(np.int64)
    _sources(person, service, referred, started, ended, stints, refs, from_service)
    _journeys(person, service, started, ended, from_service, stints,
              int(gap_days * 86_400_000_000), journey, stint, next_service)
    return Links(from_service, journey, stint, next_service, stints)


def _by_person(rows: np.ndarray, person: np.ndarray, time: np.ndarray,
               service: np.ndarray) -> np.ndarray:
    """``rows`` in (person, time, service) order, stably.

    Episodes come out of pairing grouped by person, so only each person's few rows need
    sorting; otherwise (or for a person with very many) numpy sorts them.
    """
    p = person[rows]
    if len(rows) > 1 and not (p[1:] >= p[:-1]).all():
        return rows[np.lexsort((service[rows], time[rows], p))]
    rows = rows.copy()
    for start, end in _sort_runs(rows, person, time, service):
        run = rows[start:end]
        rows[start:end] = run[np.lexsort((service[run], time[run]))]
    return rows


_SHORT_RUN = 32


@numba.njit(cache=True, nogil=True)
def _sort_runs(rows, person, time, service):
    """Insertion-sort each person's run of ``rows`` by (time, service); the (start, end) of
    runs longer than ``_SHORT_RUN`` are left to the caller."""
    long_runs = [(np.int64(0), np.int64(0))]
    long_runs.pop()
    n = len(rows)
    start = 0
    while start < n:
        end = start + 1
        while end < n and person[rows[end]] == person[rows[start]]:
            end += 1
        if end - start > _SHORT_RUN:
            long_runs.append((np.int64(start), np.int64(end)))
        else:
            for i in range(start + 1, end):
                j = i
                while j > start:
                    a, b = rows[j - 1], rows[j]
                    if (time[a], service[a]) <= (time[b], service[b]):
                        break
                    rows[j - 1], rows[j] = b, a
                    j -= 1
        start = end
    return long_runs


@numba.njit(cache=True, nogil=True)
def _sources(person, service, referred, started, ended, stints, refs, out):
    nat = np.iinfo(np.int64).min
    j = 0  # index into stints
    last = -1  # the latest stint of this person started before the referral
    for k in range(len(refs)):
        r = refs[k]
        if k == 0 or person[r] != person[refs[k - 1]]:
            last = -1
            while j < len(stints) and person[stints[j]] < person[r]:
                j += 1
        while (j < len(stints) and person[stints[j]] == person[r]
               and started[stints[j]] < referred[r]):
            last = stints[j]
            j += 1
        if last >= 0 and service[last] != service[r] and (
                ended[last] == nat or ended[last] >= referred[r]):
            out[r] = service[last]


@numba.njit(cache=True, nogil=True)
def _journeys(person, service, started, ended, from_service, stints, gap, journey, stint,
              next_service):
    nat = np.iinfo(np.int64).min
    big = np.iinfo(np.int64).max
    number = 0
    within = 0
    reach = nat  # the latest end of the journey so far (big while a stint is open)
    for k in range(len(stints)):
        s = stints[k]
        first = k == 0 or person[s] != person[stints[k - 1]]
        if first:
            number = 0
        if first or (reach != big and started[s] > reach + gap and from_service[s] < 0):
            number += 1
            within = 0
            reach = nat
        elif k > 0:
            next_service[stints[k - 1]] = service[s]
        within += 1
        journey[s] = number
        stint[s] = within
        end = big if ended[s] == nat else ended[s]
        if end > reach:
            reach = end
