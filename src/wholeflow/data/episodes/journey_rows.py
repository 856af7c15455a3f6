"""The ``journeys`` table straight from the linked episodes: one pass in journey order.

The importer's fast path. It gives the same rows as
:func:`wholeflow.data.episodes.journeys.build_journeys` does from the ``stays`` table (which stays
the way for stays from elsewhere), without a grouped SQL query over every stay: a journey's class
is that of its first stint with one, it arrived at its first stint's referral (else start),
left at the latest end and exited to its last stint's destination once every stint has
ended; its path is the services in stint order joined by ``" > "``.
"""

from __future__ import annotations

import numba
import numpy as np
import pyarrow as pa

import wholeflow._numba_cache  # noqa: F401  (before the kernels: where they are cached)
from wholeflow.data.episodes.journeys import DAY_US
from wholeflow.data.episodes.linking import Links
from wholeflow.data.episodes.stints import NAT, Episodes


def journey_table(ep: Episodes, links: Links, services: list[str], destinations: list[str],
                  classes: list[str], end: int) -> pa.Table:
    """The journeys of ``ep`` (linked by ``links``) as an Arrow table; ``end`` is the end of
    the extract in microseconds (delayed days of stints still open run to it)."""
    assert links.stints is not None
    order = links.stints
    destination = ep.destination.astype(np.int64)
    exit_code = _exit_codes(destination, ep.ended.astype(np.int64),
                            links.next_service.astype(np.int64), len(destinations),
                            len(services))
    exit_names = [*destinations, *services, "unknown"]
    out = _journeys(order, ep.person.astype(np.int64), links.journey.astype(np.int64),
                    ep.klass.astype(np.int64), ep.referred.astype(np.int64),
                    ep.started.astype(np.int64), ep.ended.astype(np.int64),
                    ep.ready.astype(np.int64), ep.assessments.astype(np.int64),
                    ep.service.astype(np.int64), exit_code, end)
    (first, size, person, journey, klass, arrived, left, exit_, services_n, assessments,
     length, delayed, key) = out
    path = _paths(order, ep.service.astype(np.int64), first, size, key, services)
    return pa.table({
        "person": pa.array(person),
        "journey": pa.array(journey.astype(np.int32)),
        "class": _names(klass, classes),
        "arrived": _times(arrived),
        "left": _times(left),
        "exit": _names(exit_, exit_names),
        "services": pa.array(services_n.astype(np.int32)),
        "handovers": pa.array((services_n - 1).astype(np.int32)),
        "assessments": pa.array(assessments.astype(np.int32)),
        "length_of_stay": pa.array(length, mask=np.isnan(length)),
        "delayed_days": pa.array(delayed),
        "path": path,
    })


def _names(codes: np.ndarray, names: list[str]) -> pa.Array:
    valid = codes >= 0
    if not len(names):
        return pa.nulls(len(codes), pa.string())
    return pa.array(names, pa.string()).take(
        pa.array(np.where(valid, codes, 0).astype(np.int32), mask=~valid))


def _times(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.int64(), mask=values == NAT).cast(pa.timestamp("us"))


@numba.njit(cache=True, nogil=True)
def _exit_codes(destination, ended, next_service, n_destinations, n_services):
    """Each stint's destination as an index into destinations + services + ["unknown"]:
    recorded, else inferred (a start elsewhere), else the next service of the journey, else
    unknown; -1 while still open."""
    nat = np.iinfo(np.int64).min
    out = np.full(len(destination), -1, np.int64)
    for i in range(len(destination)):
        d = destination[i]
        if d >= 0:
            out[i] = d
        elif d <= -2:
            out[i] = n_destinations + (-2 - d)
        elif ended[i] != nat:
            out[i] = (n_destinations + next_service[i] if next_service[i] >= 0
                      else n_destinations + n_services)
    return out


@numba.njit(cache=True, nogil=True)
def _journeys(order, person, journey, klass, referred, started, ended, ready, assessments,
              service, exit_code, end):
    nat = np.iinfo(np.int64).min
    m = len(order)
    first = np.empty(m, np.int64)
    size = np.zeros(m, np.int64)
    n = 0
    for k in range(m):
        s = order[k]
        if k == 0 or person[s] != person[order[k - 1]] or journey[s] != journey[order[k - 1]]:
            first[n] = k
            n += 1
        size[n - 1] += 1
    first, size = first[:n], size[:n]
    out_person = np.empty(n, np.int64)
    out_journey = np.empty(n, np.int64)
    out_class = np.full(n, -1, np.int64)
    arrived = np.empty(n, np.int64)
    left = np.full(n, nat, np.int64)
    exit_ = np.full(n, -1, np.int64)
    assess = np.zeros(n, np.int64)
    length = np.full(n, np.nan)
    delayed = np.zeros(n)
    key = np.empty(n, np.uint64)
    for j in range(n):
        s0 = order[first[j]]
        out_person[j] = person[s0]
        out_journey[j] = journey[s0]
        arrived[j] = referred[s0] if referred[s0] != nat else started[s0]
        all_ended = True
        latest = nat
        h = np.uint64(14695981039346656037)
        for k in range(first[j], first[j] + size[j]):
            s = order[k]
            if out_class[j] < 0 and klass[s] >= 0:
                out_class[j] = klass[s]
            if ended[s] == nat:
                all_ended = False
            elif ended[s] > latest:
                latest = ended[s]
            assess[j] += assessments[s]
            if ready[s] != nat:
                stop = ended[s] if ended[s] != nat else end
                delayed[j] += max((stop - ready[s]) / DAY_US, 0.0)
            h = (h ^ np.uint64(service[s] + 1)) * np.uint64(1099511628211)
        key[j] = h
        if all_ended:
            left[j] = latest
            exit_[j] = exit_code[order[first[j] + size[j] - 1]]
            length[j] = (latest - arrived[j]) / DAY_US
    return (first, size, out_person, out_journey, out_class, arrived, left, exit_, size, assess,
            length, delayed, key)


def _paths(order: np.ndarray, service: np.ndarray, first: np.ndarray, size: np.ndarray,
           key: np.ndarray, names: list[str]) -> pa.Array:
    """Each journey's services joined by " > ", built once per distinct path."""
    _, rep, inverse = np.unique(key, return_index=True, return_inverse=True)
    if not _same_paths(order, service, first, size, rep[inverse]):  # pragma: no cover
        rep, inverse = np.arange(len(key)), np.arange(len(key))  # a hash collision
    texts = [" > ".join(names[service[order[k]]] for k in range(first[j], first[j] + size[j]))
             for j in rep]
    return pa.array(texts, pa.string()).take(pa.array(inverse.astype(np.int64)))


@numba.njit(cache=True, nogil=True)
def _same_paths(order, service, first, size, rep):
    """Whether every journey has the same services as the journey standing for its path."""
    for j in range(len(first)):
        r = rep[j]
        if size[j] != size[r]:
            return False
        for k in range(size[j]):
            if service[order[first[j] + k]] != service[order[first[r] + k]]:
                return False
    return True
