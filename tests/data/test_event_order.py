"""Pairing order: the bucketed sort gives exactly the order of a full sort on every key."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wholeflow.data.episodes import event_order
from wholeflow.data.episodes.event_order import pairing_order
from wholeflow.data.reading.vocabulary import EVENT_RANK, EVENTS

SERVICES, DESTINATIONS = 5, 4


def _events(seed: int, n: int, people: int, times: int, wide: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    # pseudonyms are spread over 60 bits; small identifiers exercise the unshifted case
    ids = (rng.integers(0, 1 << 60, people) if wide else rng.integers(0, 50, people))
    return {
        "person": ids[rng.integers(0, people, n)].astype(np.int64),
        "time": rng.integers(0, times, n).astype(np.int64) * 3_600_000_000,
        "hint": rng.integers(0, times, n).astype(np.int64) * 3_600_000_000,
        "gid": rng.permutation(n).astype(np.int64) - n // 3,  # stored events are negative
        "event": rng.integers(0, len(EVENTS), n).astype(np.int8),
        "service": rng.integers(-1, SERVICES, n).astype(np.int32),
        "destination": rng.integers(-1, DESTINATIONS, n).astype(np.int32),
        "klass": rng.integers(-1, 3, n).astype(np.int32),
        "is_new": rng.random(n) < 0.7,
        "activity": rng.integers(-1, 4, n).astype(np.int32),
    }


def _ranks(rng: np.random.Generator, k: int) -> np.ndarray:
    return np.append(rng.permutation(k), -1).astype(np.int64)


def _reference(ev: dict[str, np.ndarray], service_rank: np.ndarray,
               destination_rank: np.ndarray) -> dict[str, np.ndarray]:
    """The order the module promises, from numpy's lexsort on each key in turn: person, time,
    hint, event order, event, service name, destination name, class, activity, stored before
    new, row."""
    event_rank = np.array([EVENT_RANK[e] for e in EVENTS])[ev["event"]]
    order = np.lexsort((ev["gid"], ev["is_new"], ev["activity"], ev["klass"],
                        destination_rank[ev["destination"]],
                        service_rank[ev["service"]], ev["event"], event_rank, ev["hint"],
                        ev["time"], ev["person"]))
    return {k: v[order] for k, v in ev.items() if k != "hint"}


def _check(ev: dict[str, np.ndarray], seed: int) -> None:
    rng = np.random.default_rng(seed)
    service_rank, destination_rank = _ranks(rng, SERVICES), _ranks(rng, DESTINATIONS)
    expected = _reference({k: v.copy() for k, v in ev.items()}, service_rank,
                          destination_rank)
    got = pairing_order(*(ev[k] for k in ("person", "time", "hint", "gid", "event", "service",
                                           "destination", "klass", "is_new")),
                        service_rank, destination_rank, ev["activity"])
    assert set(got) == set(expected)
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)
        assert got[name].dtype == values.dtype


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 400), people=st.integers(1, 60),
       times=st.integers(1, 6), wide=st.booleans())
def test_the_order_is_that_of_a_full_sort(seed, n, people, times, wide):
    _check(_events(seed, n, people, times, wide), seed)


def test_a_person_with_more_events_than_a_short_group_is_sorted_by_numpy():
    # one person holds most events: their group is larger than SHORT_GROUP
    ev = _events(7, 3 * event_order.SHORT_GROUP, 3, 4, wide=True)
    ev["person"][: 2 * event_order.SHORT_GROUP] = ev["person"][0]
    _check(ev, 7)


def test_arrays_that_cannot_be_written_are_copied_not_changed():
    ev = _events(3, 200, 20, 3, wide=True)
    frozen = {k: v.copy() for k, v in ev.items()}
    for v in frozen.values():
        v.flags.writeable = False
    _check(frozen, 3)
    for name, values in frozen.items():
        np.testing.assert_array_equal(values, ev[name])
