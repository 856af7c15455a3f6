"""Running the stint builder over stored and new events together, and settling conflicts.

Events already in the store were accepted by earlier imports and stay accepted: when a new
event contradicts them (say a second start for a stay already under way), the new one is
quarantined. If the new events of a person would make an *earlier* event unacceptable, all of
that person's new events are quarantined as ``conflicts_with_stored`` instead. A wide stay row
becomes several events; when one of them is rejected, the whole row is. Because a rejected event
never changes the builder's state, each round only removes events, and it settles in a few
rounds.

Four steps, so that the importer can write to the store while the middle ones run:
:func:`read_events` reads the DuckDB view ``all_events`` (person, ts, hint, event, service,
destination, class, is_new, gid: the source row, negative for stored events; names as codes,
see :mod:`.labels`); :func:`order_events` sorts them and :func:`pair` pairs them, on the
arrays alone; :func:`write_pairing` makes the tables ``episodes`` (names decoded; an Arrow
table registered with the connection, not copied) and ``event_rejects`` (gid, reason).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wholeflow.data.checking.labels import Labels
from wholeflow.data.episodes.event_order import pairing_order
from wholeflow.data.episodes.linking import Links, link
from wholeflow.data.episodes.stints import NAT, Episodes, pair_events
from wholeflow.data.reading.vocabulary import EVENTS, REASON_CODES

_REASON_NAMES = {code: name for name, code in REASON_CODES.items()}
_CONFLICT = REASON_CODES["conflicts_with_stored"]
MAX_ROUNDS = 20


def read_events(con: duckdb.DuckDBPyConnection) -> dict[str, np.ndarray]:
    """The events of ``all_events`` as arrays, in no particular order."""
    table = con.sql("""
        SELECT person, epoch_us(ts) AS time, epoch_us(hint) AS hint, event,
               coalesce(service, -1) AS service, coalesce(destination, -1) AS destination,
               coalesce(class, -1) AS klass, is_new, gid,
               coalesce(activity, -1) AS activity
        FROM all_events
    """).fetchnumpy()
    return {name: np.asarray(values) for name, values in table.items()}


def order_events(events: dict[str, np.ndarray], labels: Labels) -> dict[str, np.ndarray]:
    """``events`` (as :func:`read_events` gives them; reused) in pairing order, without the
    hint (see :mod:`.event_order`)."""
    service_rank = np.append(labels.ranks("service"), -1)  # code -1 (none) sorts first
    destination_rank = np.append(labels.ranks("destination"), -1)
    return pairing_order(events["person"], events["time"], events["hint"], events["gid"],
                         events["event"], events["service"], events["destination"],
                         events["klass"], events["is_new"], service_rank, destination_rank,
                         events["activity"])


def warm_up() -> None:
    """Load the compiled pairing, linking and journey functions on a tiny example.

    numba's first load of compiled code in a process takes most of a second; the importer
    runs this in a background thread while DuckDB reads the files (which frees the
    interpreter), so that pairing starts at once. Types match those of a real import.
    """
    from wholeflow.data.episodes.journey_rows import journey_table

    n = 2
    zeros64, zeros32 = np.zeros(n, np.int64), np.zeros(n, np.int32)
    events = np.array([EVENTS.index("start"), EVENTS.index("end")], np.int8)
    ranks = np.array([0, -1], np.int64)
    pairing_order(zeros64, zeros64, zeros64, np.arange(n, dtype=np.int64), events, zeros32,
                  zeros32 - 1, zeros32 - 1, np.ones(n, bool), ranks, ranks, zeros32 - 1)
    _, episodes = pair_events(zeros64, np.arange(n, dtype=np.int64), events, zeros32,
                              zeros32 - 1, zeros32 - 1, 1, activity=zeros32 - 1)
    journey_table(episodes, link(episodes, 1.0), ["a"], [], [], 0)


@dataclass(frozen=True)
class Pairing:
    """What pairing found."""

    span: tuple[pd.Timestamp, pd.Timestamp] | None
    """First and last time of the events kept (None when none are)."""
    persons: int
    """People among the new events kept."""
    other_events: int
    """New events kept as 'other'."""
    rejected: int
    """New events rejected."""
    episodes: Episodes
    links: Links
    rejected_rows: np.ndarray
    """The source rows (gid) of the new events rejected, each once."""
    reasons: np.ndarray
    """Their reason codes (:data:`~wholeflow.data.reading.vocabulary.REASON_CODES`)."""


def pair(ev: dict[str, np.ndarray], labels: Labels, infer_ends: bool = False,
         journey_gap_days: float = 1.0) -> Pairing:
    """Pair events in pairing order (as :func:`order_events` gives them) into linked
    episodes, settling conflicts with stored events (see the module docs)."""
    is_new = np.asarray(ev["is_new"], dtype=bool)
    active = np.ones(len(is_new), dtype=bool)
    final_reason = np.zeros(len(is_new), dtype=np.int8)
    fields = ("person", "time", "event", "service", "destination", "klass", "gid", "activity")
    rounds = 0
    while True:
        rounds += 1
        # the first round, and usually the only one, takes every event: no copies
        idx = None if active.all() else np.flatnonzero(active)
        c = {f: ev[f] if idx is None else ev[f][idx] for f in fields}
        reasons, episodes = pair_events(
            c["person"], c["time"], c["event"], c["service"], c["destination"], c["klass"],
            len(labels.names["service"]), infer_ends, source=c["gid"], activity=c["activity"])
        hits = np.flatnonzero(reasons > 0)
        rejected = hits if idx is None else idx[hits]
        final_reason[rejected] = reasons[hits]
        active[rejected] = False
        old_rejected = rejected[~is_new[rejected]]
        changed = False
        if old_rejected.size and rounds < MAX_ROUNDS:
            # new events made an earlier one unacceptable: drop the person's new events instead
            active[old_rejected] = True
            final_reason[old_rejected] = 0
            people = np.isin(ev["person"], np.unique(ev["person"][old_rejected]))
            conflict = people & is_new & active
            final_reason[conflict] = _CONFLICT
            active[conflict] = False
            changed = True
        else:
            changed = _reject_whole_rows(ev["gid"], is_new, active, final_reason, rejected)
        if not changed or rounds >= MAX_ROUNDS:
            break
    hit = np.flatnonzero(is_new & (final_reason > 0))
    # one reason per source row: that of its first rejected event (in time order)
    rows, first = np.unique(ev["gid"][hit], return_index=True)
    new_kept = active & is_new
    return Pairing(_span(ev["time"], active), _people(ev["person"], new_kept),
                   int(np.count_nonzero(new_kept & (ev["event"] == EVENTS.index("other")))),
                   int(np.count_nonzero(is_new & ~active)), episodes,
                   link(episodes, journey_gap_days), rows.astype(np.int64),
                   final_reason[hit[first]])


def _span(time: np.ndarray, kept: np.ndarray) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last of the ``kept`` times (without copying them out)."""
    if not kept.any():
        return None
    first = time.min(where=kept, initial=np.iinfo(np.int64).max)
    last = time.max(where=kept, initial=np.iinfo(np.int64).min)
    return pd.Timestamp(int(first), unit="us"), pd.Timestamp(int(last), unit="us")


def _people(person: np.ndarray, kept: np.ndarray) -> int:
    """People among the ``kept`` events (in pairing order: each person's events together)."""
    ids = person[kept]
    return int(len(ids) and 1 + np.count_nonzero(ids[1:] != ids[:-1]))


def write_pairing(con: duckdb.DuckDBPyConnection, pairing: Pairing, labels: Labels) -> None:
    """The tables ``event_rejects`` (gid, reason) and ``episodes`` (see the module docs)."""
    _write_rejects(con, pairing.rejected_rows, pairing.reasons)
    _write_episodes(con, pairing.episodes, pairing.links, labels.names["service"],
                    labels.names["destination"], labels.names["class"])


def _reject_whole_rows(gid: np.ndarray, is_new: np.ndarray, active: np.ndarray,
                       final_reason: np.ndarray, rejected: np.ndarray) -> bool:
    """Reject the other events of any row that had an event rejected; True if any were."""
    new_rejected = rejected[is_new[rejected]]
    if not new_rejected.size:
        return False
    rows, first = np.unique(gid[new_rejected], return_index=True)
    siblings = active & is_new & np.isin(gid, rows)
    if not siblings.any():
        return False
    where = np.searchsorted(rows, gid[siblings])
    final_reason[siblings] = final_reason[new_rejected[first]][where]
    active[siblings] = False
    return True


def _write_rejects(con: duckdb.DuckDBPyConnection, rows: np.ndarray,
                   reasons: np.ndarray) -> None:
    names = np.array([""] + [_REASON_NAMES[c] for c in range(1, len(_REASON_NAMES) + 1)],
                     dtype=object)
    table = pa.table({
        "gid": pa.array(rows),
        "reason": pa.array(names[reasons.astype(np.int64)].tolist(), pa.string()),
    })
    con.execute("DROP TABLE IF EXISTS event_rejects")
    con.register("event_rejects_arrow", table)
    con.execute("CREATE TEMP TABLE event_rejects AS SELECT * FROM event_rejects_arrow")
    con.unregister("event_rejects_arrow")


def _decode(codes: np.ndarray, values: list[str]) -> pa.Array:
    lookup = pa.array(values, pa.string())
    valid = codes >= 0
    indices = pa.array(np.where(valid, codes, 0).astype(np.int32), mask=~valid)
    return lookup.take(indices) if len(values) else pa.nulls(len(codes), pa.string())


def _times(values: np.ndarray) -> pa.Array:
    values = values.astype(np.int64)
    return pa.array(values, pa.int64(), mask=values == NAT).cast(pa.timestamp("us"))


def _write_episodes(con: duckdb.DuckDBPyConnection, ep: Episodes, links: Links,
                    services: list[str], destinations: list[str], classes: list[str]) -> None:
    dest = ep.destination.astype(np.int64)
    inferred = dest <= -2
    destination = _decode(np.where(inferred, -1, dest), destinations)
    if inferred.any():
        went_to = _decode(np.where(inferred, -2 - dest, -1), services)
        destination = pc.if_else(pa.array(inferred), went_to, destination)
    table = pa.table({
        "person": pa.array(ep.person.astype(np.int64)),
        "service": _decode(ep.service.astype(np.int64), services),
        "class": _decode(ep.klass.astype(np.int64), classes),
        "referred": _times(ep.referred),
        "decided": _times(ep.decided),
        "accepted": pa.array(ep.accepted.astype(np.int8), mask=ep.accepted < 0),
        "started": _times(ep.started),
        "ready": _times(ep.ready),
        "ended": _times(ep.ended),
        "destination": destination,
        "assessments": pa.array(ep.assessments.astype(np.int32)),
        "end_inferred": pa.array(ep.end_inferred.astype(bool)),
        "status": pa.array(ep.status.astype(np.int8)),
        "from_service": _decode(links.from_service.astype(np.int64), services),
        "journey": pa.array(links.journey),
        "stint": pa.array(links.stint),
        "next_service": _decode(links.next_service.astype(np.int64), services),
    })
    con.execute("DROP TABLE IF EXISTS episodes")
    con.register("episodes", table)  # read where it is, a few times: no copy

