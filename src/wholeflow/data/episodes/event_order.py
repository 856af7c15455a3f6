"""Putting events in pairing order: by person, time, stint hint and the tie-breaks.

Pairing (:mod:`.stints`) reads each person's events in the order (person, time, hint, event
order, event, service name, destination name, class, activity, stored before new, source
row): exact repeats of an event are then next to each other, which is how pairing finds them.
A general sort on all those keys is one of the most costly steps of a large import, yet
people number about a tenth of the events and each has only a handful. So:

1. each event's fields are packed into one 56-byte record, in the order they come;
2. the events are grouped by person with numpy's (vectorised) sort of one 64-bit word per
   event: the top bits of the person key above the event's position (pseudonyms are keyed
   hashes, spread evenly, so people almost never share top bits);
3. the records are gathered in that order (one cache line each), and each group is put in
   full order by insertion sort; the rare group too large for that (one person with very many
   events, or a "person" column that is something else) is left to ``numpy.lexsort``;
4. the records are unpacked into columns.

The result is the order a full sort on every key gives.
"""

from __future__ import annotations

import numba
import numpy as np

import wholeflow._numba_cache  # noqa: F401  (before the kernels: where they are cached)
from wholeflow.data.reading.vocabulary import EVENT_RANK, EVENTS

_EVENT_RANKS = np.array([EVENT_RANK[e] for e in EVENTS], np.int64)
SHORT_GROUP = 256
"""Groups up to this size are insertion-sorted; larger ones go to numpy."""

# record fields: person, time, hint, tie-breaks (packed), the rest of the tie-breaks (class,
# activity, stored before new; packed), gid, codes (packed)
_PERSON, _TIME, _HINT, _TIE, _SAME, _GID, _CODES = range(7)
_FIELDS = 7
_CODE_BITS = 21  # codes are below 2**20 (labels.MAX_CODES); +1 makes room for -1 (none)
_CODE_MASK = (1 << _CODE_BITS) - 1


def pairing_order(person: np.ndarray, time: np.ndarray, hint: np.ndarray, gid: np.ndarray,
                  event: np.ndarray, service: np.ndarray, destination: np.ndarray,
                  klass: np.ndarray, is_new: np.ndarray, service_rank: np.ndarray,
                  destination_rank: np.ndarray,
                  activity: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The events' columns (all but ``hint``) in pairing order, in the arrays given where
    they can be written (their old contents are gone).

    ``service``, ``destination`` and ``klass`` are codes (-1 for none); ``service_rank`` and
    ``destination_rank`` give each code's alphabetical rank, with one more entry, -1, last
    (so that code -1 sorts first). ``activity`` holds activity codes (-1 for none; default:
    none).
    """
    n = len(person)
    if activity is None:
        activity = np.full(n, -1, np.int32)
    records = _pack(person, time, hint, gid, event, service, destination, klass, is_new,
                    activity, _EVENT_RANKS, service_rank, destination_rank)
    if n:
        position_bits = max(1, (n - 1).bit_length())
        low = int(person.min())
        spread = (int(person.max()) - low).bit_length()
        shift = max(0, spread - (63 - position_bits))
        words = ((person - low) >> shift) << position_bits
        words |= np.arange(n, dtype=np.int64)
        words.sort()  # vectorised: far faster than an argsort
        mask = (1 << position_bits) - 1
        records = _gather(records, words, mask)
        large = _sort_groups(records, words, mask)
        for start, end in large:
            run = records[start:end]
            records[start:end] = run[np.lexsort((run[:, _GID], run[:, _SAME], run[:, _TIE],
                                                 run[:, _HINT], run[:, _TIME],
                                                 run[:, _PERSON]))]
    # the records hold everything now: unpack into the callers' arrays when they can be
    # written (no fresh memory to fault in), else into new ones
    out = {"person": person, "time": time, "event": event, "service": service,
           "destination": destination, "klass": klass, "is_new": is_new, "gid": gid,
           "activity": activity}
    for name, values in out.items():
        if not values.flags.writeable or not values.flags.c_contiguous:
            out[name] = values.copy()
    _unpack(records, out["person"], out["time"], out["event"], out["service"],
            out["destination"], out["klass"], out["is_new"], out["gid"], out["activity"])
    return out


@numba.njit(cache=True, nogil=True)
def _pack(person, time, hint, gid, event, service, destination, klass, is_new, activity,
          event_ranks, service_rank, destination_rank):
    n = len(person)
    records = np.empty((n, _FIELDS), np.int64)
    for i in range(n):
        e = np.int64(event[i])
        s, d = np.int64(service[i]), np.int64(destination[i])
        records[i, _PERSON] = person[i]
        records[i, _TIME] = time[i]
        records[i, _HINT] = hint[i]
        # event order, event, service name, destination name
        records[i, _TIE] = ((event_ranks[e] << 58) | (e << 54)
                            | ((service_rank[s] + 1) << 33)
                            | ((destination_rank[d] + 1) << 12))
        # class, activity, stored before new
        records[i, _SAME] = (((np.int64(klass[i]) + 1) << (_CODE_BITS + 1))
                             | ((np.int64(activity[i]) + 1) << 1) | np.int64(is_new[i]))
        records[i, _GID] = gid[i]
        records[i, _CODES] = (((s + 1) << (2 * _CODE_BITS)) | ((d + 1) << _CODE_BITS)
                              | (np.int64(klass[i]) + 1))
    return records


@numba.njit(cache=True, nogil=True)
def _after(records, a, b):
    """Whether record row ``a`` sorts after row ``b`` (person, time, hint, ties, gid)."""
    for f in (_PERSON, _TIME, _HINT, _TIE, _SAME, _GID):
        if records[a, f] != records[b, f]:
            return records[a, f] > records[b, f]
    return False


@numba.njit(cache=True, nogil=True)
def _gather(records, words, mask):
    """The records in the order of the positions in the low bits of ``words``."""
    gathered = np.empty_like(records)
    for k in range(len(words)):
        i = words[k] & mask
        for f in range(_FIELDS):  # scalar copies: a row slice would make a view each time
            gathered[k, f] = records[i, f]
    return gathered


@numba.njit(cache=True, nogil=True)
def _sort_groups(records, words, mask):
    """Insertion-sort each group of records with equal ``words`` tops, in place; returns the
    (start, end) of groups too large to sort here."""
    n = len(words)
    large = [(np.int64(0), np.int64(0))]
    large.pop()
    start = 0
    while start < n:
        top = words[start] & ~mask
        end = start + 1
        while end < n and words[end] & ~mask == top:
            end += 1
        if end - start > SHORT_GROUP:
            large.append((np.int64(start), np.int64(end)))
        else:
            for i in range(start + 1, end):
                j = i
                while j > start and _after(records, j - 1, j):
                    for f in range(_FIELDS):
                        records[j - 1, f], records[j, f] = records[j, f], records[j - 1, f]
                    j -= 1
        start = end
    return large


@numba.njit(cache=True, nogil=True)
def _unpack(records, person, time, event, service, destination, klass, is_new, gid,
            activity):
    for i in range(len(records)):
        person[i] = records[i, _PERSON]
        time[i] = records[i, _TIME]
        tie = records[i, _TIE]
        event[i] = (tie >> 54) & 0xF
        same = records[i, _SAME]
        is_new[i] = (same & 1) == 1
        activity[i] = ((same >> 1) & _CODE_MASK) - 1
        gid[i] = records[i, _GID]
        codes = records[i, _CODES]
        service[i] = ((codes >> (2 * _CODE_BITS)) & _CODE_MASK) - 1
        destination[i] = ((codes >> _CODE_BITS) & _CODE_MASK) - 1
        klass[i] = (codes & _CODE_MASK) - 1
