"""The record layouts the kernel writes: people, stints, referrals and delay segments.

Each is a numpy structured dtype, so a record's fields sit side by side in memory. A person's
whole state (what they hold, where they queue, their current referral) and a stint's whole
record each fill exactly one 64-byte cache line, and the arrays are allocated aligned to cache
lines: on a large model, where the people in the system no longer fit in the processor's caches,
an event then touches one line per record instead of one per field group. Times are model days
(float64, NaN = has not happened); codes are int32 (-1 = none).
"""

from __future__ import annotations

import numpy as np

CACHE_LINE = 64

PERSON = np.dtype([
    ("arrived", "f8"), ("left", "f8"),
    ("klass", "i4"),  # class code
    ("exit", "i4"),  # exit code once left (-1 while in the system)
    # state while in the system
    ("loc", "i4"),  # service where the person holds a place (-1: none)
    ("stint", "i4"),  # current (or last) stint
    ("qstint", "i4"),  # stint created at the service they queue for
    ("target", "i4"),  # service referred to
    ("src", "i4"),  # service whose routes apply to the current referral
    ("onrej", "i4"),  # where a rejection sends them
    ("dstream", "i4"),  # random stream of the current route's transfer delay
    ("refrow", "i4"),  # row of the current referral
    ("nxt", "i4"),  # next person in the same queue
    ("held", "i4"),  # 1 while holding a place and waiting to move on
])

STINT = np.dtype([
    ("referred", "f8"), ("decided", "f8"), ("admitted", "f8"), ("started", "f8"),
    ("ready", "f8"), ("ended", "f8"),
    ("person", "i4"), ("service", "i4"),
    ("destination", "i4"),  # service or exit code (exits after services), -1 while open
    ("came_from", "i4"),  # source service; -1 a new arrival, -2 in place at day 0
])

REFERRAL = np.dtype([
    ("sent", "f8"), ("decided", "f8"),
    ("triage", "f8"),  # days of open time the triage took
    ("person", "i4"), ("from_service", "i4"), ("to_service", "i4"),
    ("accepted", "i4"),  # 1, 0, or -1 while undecided
])

DELAY = np.dtype([
    ("start", "f8"), ("end", "f8"),
    ("stint", "i4"), ("target", "i4"), ("cause", "i4"),  # cause: index into DELAY_CAUSES
], align=True)

assert PERSON.itemsize == CACHE_LINE and STINT.itemsize == CACHE_LINE


def aligned_empty(n: int, dtype: np.dtype) -> np.ndarray:
    """An uninitialised record array of ``n`` rows starting on a cache-line boundary."""
    raw = np.empty(n * dtype.itemsize + CACHE_LINE, np.uint8)
    offset = (-raw.ctypes.data) % CACHE_LINE
    return raw[offset:offset + n * dtype.itemsize].view(dtype)
