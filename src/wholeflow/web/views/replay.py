"""Replay frames: where every person is, step by step, through a window of a ``stays`` table.

The replay page animates these frames on the map; nothing is simulated again. A stint
(one row of :data:`wholeflow.tables.STAYS`) puts its person, in time order:

* ``waiting`` for the service from ``referred`` until ``started`` (triage and queue);
* ``in_care`` in the service from ``started`` until ``ready`` (or ``ended`` when no ready time);
* ``delayed`` in the service from ``ready`` until ``ended``: ready to move on but still holding
  the place (a delayed day, the "blocked" person of a flow diagram);
* ``left`` at the exit it went to, for ``linger_days`` after ``ended``, so the move shows.

Intervals are half-open ``[from, to)``. A person can be in two intervals at once (held in A
while waiting for B); the dot goes where the body is: a place in a service beats waiting,
which beats having just left. The per-service counts are separate from the dots: ``waiting``
counts everyone waiting for the service wherever they are, as the ``daily`` table's queue does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wholeflow.errors import WholeflowError

STATES: tuple[str, ...] = ("in_care", "delayed", "waiting", "left")
"""Codes 0..3 of :attr:`Replay.states`."""
STATE_WORDS = {"in_care": "in care", "delayed": "ready to move on, still here (delayed)",
               "waiting": "waiting to start", "left": "just left"}
_PRIORITY = {"in_care": 3, "delayed": 3, "waiting": 2, "left": 1}
WINDOW_DAYS = 28
STEPS_PER_DAY = 4


@dataclass
class Replay:
    """Frames of a replay window.

    ``positions[k, i]`` is the place index (into ``places``) of person ``people[i]`` at
    ``times[k]`` days after ``start``, or -1 when they are not in view; ``states[k, i]`` is the
    index into :data:`STATES` (-1 when not in view). ``counts[k]`` maps a place id to its
    ``in_care``, ``delayed``, ``waiting`` and ``left`` numbers at that step.
    """

    start: pd.Timestamp
    times: np.ndarray
    places: list[str]
    people: list[str]
    positions: np.ndarray
    states: np.ndarray
    counts: list[dict[str, dict[str, int]]] = field(default_factory=list)

    def at(self, day: float) -> dict[str, dict[str, int]]:
        """Counts at the step ``day`` days after the start (the step must exist)."""
        k = int(np.flatnonzero(np.isclose(self.times, day))[0]) if np.isclose(
            self.times, day).any() else -1
        if k < 0:
            raise KeyError(f"no replay step at day {day}")
        return self.counts[k]

    def to_json(self) -> dict[str, Any]:
        """A compact form for the browser: per frame, the people in view with place and state."""
        frames = []
        for k in range(len(self.times)):
            seen = np.flatnonzero(self.positions[k] >= 0)
            frames.append({
                "t": round(float(self.times[k]), 6),
                "p": seen.tolist(),
                "l": self.positions[k, seen].tolist(),
                "s": self.states[k, seen].tolist(),
                "c": self.counts[k],
            })
        return {"start": self.start.isoformat(), "places": self.places, "states": list(STATES),
                "people": len(self.people), "frames": frames}


def replay_frames(
    stays: pd.DataFrame,
    start: pd.Timestamp | str,
    days: float = WINDOW_DAYS,
    steps_per_day: int = STEPS_PER_DAY,
    places: Sequence[str] | None = None,
    linger_days: float = 0.5,
) -> Replay:
    """Frames every ``1 / steps_per_day`` days from ``start`` to ``start + days`` (inclusive).

    ``stays`` has the columns of :data:`wholeflow.tables.STAYS` (one replication: filter a
    run's table first); ``places`` fixes the order of place ids (services and exits), else
    services in order of first appearance, then exits.
    """
    if days <= 0 or steps_per_day <= 0:
        raise WholeflowError("replay: days and steps_per_day must be positive")
    origin = pd.Timestamp(start)
    times = np.arange(round(days * steps_per_day) + 1) / steps_per_day
    spans = _intervals(stays, origin, linger_days)
    place_ids = list(places) if places is not None else _default_places(stays)
    known = set(place_ids)
    spans = spans[spans["place"].isin(known)]
    # keep only what touches the window
    spans = spans[(spans["to"] > times[0]) & (spans["from"] <= times[-1])]
    people = sorted(spans["person"].unique().tolist())
    person_index = {p: i for i, p in enumerate(people)}
    place_index = {p: i for i, p in enumerate(place_ids)}
    who = spans["person"].map(person_index).to_numpy(np.int64)
    where = spans["place"].map(place_index).to_numpy(np.int64)
    what = spans["state"].map(STATES.index).to_numpy(np.int64)
    rank = spans["state"].map(_PRIORITY).to_numpy(np.int64)
    since = spans["from"].to_numpy(float)
    until = spans["to"].to_numpy(float)
    positions = np.full((len(times), len(people)), -1, dtype=np.int64)
    states = np.full((len(times), len(people)), -1, dtype=np.int64)
    counts = []
    # within a person, the most important interval wins; ties go to the latest one
    order = np.lexsort((since, rank, who))[::-1]
    for k, t in enumerate(times):
        active = order[(since[order] <= t) & (t < until[order])]
        _, first = np.unique(who[active], return_index=True)
        chosen = active[first]
        positions[k, who[chosen]] = where[chosen]
        states[k, who[chosen]] = what[chosen]
        counts.append(_counts(place_ids, where[chosen], what[chosen],
                              where[active[what[active] == STATES.index("waiting")]]))
    return Replay(origin, times, place_ids, people, positions, states, counts)


def _counts(places: list[str], where: np.ndarray, what: np.ndarray,
            waiting_for: np.ndarray) -> dict[str, dict[str, int]]:
    """Dots by place and state, except ``waiting``: everyone waiting for the place."""
    out = {}
    for i, pid in enumerate(places):
        here = what[where == i]
        out[pid] = {"in_care": int((here == 0).sum()), "delayed": int((here == 1).sum()),
                    "waiting": int((waiting_for == i).sum()), "left": int((here == 3).sum())}
    return out


def _days(values: Any, origin: pd.Timestamp) -> np.ndarray:
    """Timestamps as days after ``origin`` (NaN where missing)."""
    ts = pd.to_datetime(pd.Series(values), errors="coerce")
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert(None)
    return ((ts - origin) / pd.Timedelta(days=1)).to_numpy(float)


def _intervals(stays: pd.DataFrame, origin: pd.Timestamp, linger: float) -> pd.DataFrame:
    """Every (person, place, state, from, to) interval of the stints, in days after origin."""
    missing = [c for c in ("person", "service", "started", "ended") if c not in stays.columns]
    if missing:
        raise WholeflowError(f"replay: the stays table has no column {', '.join(missing)}")
    n = len(stays)
    nan = np.full(n, np.nan)
    started = _days(stays["started"], origin)
    ended = _days(stays["ended"], origin)
    referred = _days(stays["referred"], origin) if "referred" in stays else nan
    ready = _days(stays["ready"], origin) if "ready" in stays else nan
    end_or_never = np.where(np.isnan(ended), np.inf, ended)
    accepted = (stays["accepted"].fillna(True).astype(bool).to_numpy()
                if "accepted" in stays else np.ones(n, dtype=bool))
    person = stays["person"].astype(str).to_numpy()
    service = stays["service"].astype(str).to_numpy()
    destination = (stays["destination"].astype(object).where(stays["destination"].notna(), None)
                   .to_numpy() if "destination" in stays else np.full(n, None, dtype=object))
    here = ~np.isnan(started)
    # ready before started (bad data) counts from the start
    ready_from = np.where(np.isnan(ready), np.inf, np.maximum(ready, started))
    parts = [
        _frame(person, service, "waiting", referred,
               np.where(here, started, end_or_never),
               ~np.isnan(referred) & accepted & (~here | (referred < started))),
        _frame(person, service, "in_care", started, np.minimum(ready_from, end_or_never), here),
        _frame(person, service, "delayed", ready_from, end_or_never,
               here & np.isfinite(ready_from) & (ready_from < end_or_never)),
    ]
    services = set(service)
    exits = np.array([d is not None and str(d) not in services for d in destination])
    parts.append(_frame(person, np.array([str(d) for d in destination], dtype=object), "left",
                        ended, ended + linger, here & exits & ~np.isnan(ended)))
    return pd.concat(parts, ignore_index=True)


def _frame(person: np.ndarray, place: np.ndarray, state: str, since: np.ndarray,
           until: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"person": person[keep], "place": place[keep], "state": state,
                         "from": since[keep], "to": until[keep]})


def _default_places(stays: pd.DataFrame) -> list[str]:
    services = list(dict.fromkeys(stays["service"].astype(str)))
    exits: list[str] = []
    if "destination" in stays:
        exits = [str(d) for d in dict.fromkeys(stays["destination"].dropna())
                 if str(d) not in set(services)]
    return services + exits


def data_span(stays: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last time in the stays (referrals, starts and ends), or None when empty."""
    columns = [c for c in ("referred", "started", "ended") if c in stays.columns]
    values = pd.concat([pd.to_datetime(stays[c], errors="coerce") for c in columns])
    values = values.dropna()
    if values.empty:
        return None
    return pd.Timestamp(values.min()), pd.Timestamp(values.max())


@dataclass(frozen=True)
class Place:
    """A service or exit on the replay's map: id, words, kind and position (0 to 1 each way)."""

    id: str
    label: str
    kind: str
    x: float
    y: float


def place_layout(stays: pd.DataFrame, model: Any = None) -> list[Place]:
    """Services and exits laid out left to right as the system map lays them out (the model's
    graph when there is a model, else the moves seen in ``stays``)."""
    from wholeflow.report.layout import layered_layout

    if model is not None:
        from wholeflow.report.graph import display_name, system_graph

        graph = system_graph(model)
        ids = [n.id for n in graph.nodes]
        kinds = {n.id: n.kind for n in graph.nodes}
        labels = {n.id: display_name(model, n.id) for n in graph.nodes if n.kind != "arrival"}
        edges = [(e.source, e.target) for e in graph.edges]
        first = [n for n in ids if kinds[n] == "arrival"]
    else:
        ids = _default_places(stays)
        services = set(stays["service"].astype(str))
        kinds = {n: "service" if n in services else "exit" for n in ids}
        labels = {n: n.replace("_", " ").capitalize() for n in ids}
        edges = ([(str(a), str(b)) for a, b in stays[["service", "destination"]].dropna()
                  .drop_duplicates().itertuples(index=False, name=None)]
                 if "destination" in stays else [])
        first = []
    last = [n for n in ids if kinds[n] == "exit"]
    layout = layered_layout(ids, edges, first=first, last=last)
    shown = [n for n in ids if kinds[n] != "arrival"]
    xs = [layout.x[n] for n in shown]
    ys = [layout.y[n] for n in shown]
    x0, x1 = min(xs, default=0.0), max(xs, default=1.0)
    y0, y1 = min(ys, default=0.0), max(ys, default=1.0)
    return [Place(n, labels[n], kinds[n], (layout.x[n] - x0) / ((x1 - x0) or 1.0),
                  (y1 - layout.y[n]) / ((y1 - y0) or 1.0)) for n in shown]


def daily_counts(replay: Replay, labels: dict[str, str], services: Sequence[str]
                 ) -> pd.DataFrame:
    """The table behind the replay: at each whole day of the window, per service, people in
    care, delayed and waiting."""
    rows = []
    for k, t in enumerate(replay.times):
        if not float(t).is_integer():
            continue
        when = replay.start + pd.Timedelta(days=float(t))
        for sid in services:
            c = replay.counts[k].get(sid)
            if c is None:
                continue
            rows.append({"day": when, "service": labels.get(sid, sid),
                         "in_care": c["in_care"], "delayed": c["delayed"],
                         "waiting": c["waiting"]})
    return pd.DataFrame(rows, columns=["day", "service", "in_care", "delayed", "waiting"])


def route_pairs(stays: pd.DataFrame, model: Any, place_ids: Sequence[str]
                ) -> list[tuple[str, str]]:
    """The routes between the replay's places (the model's, else the moves in ``stays``), drawn
    faintly under the dots."""
    known = set(place_ids)
    if model is not None:
        from wholeflow.report.graph import system_graph

        pairs = [(e.source, e.target) for e in system_graph(model).edges]
    elif "destination" in stays:
        pairs = [(str(a), str(b)) for a, b in stays[["service", "destination"]].dropna()
                 .drop_duplicates().itertuples(index=False, name=None)]
    else:
        pairs = []
    return [(a, b) for a, b in dict.fromkeys(pairs) if a in known and b in known and a != b]
