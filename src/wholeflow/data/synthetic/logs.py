"""Synthetic event logs with known parameters: for tests, benchmarks and examples.

:func:`sample_tables` draws stays and referrals from a model *without capacity limits or
calendars*: arrivals (Poisson per day, with the weekday profile and class mix), triage time,
acceptance, length of stay and routes exactly as the model says, everyone starting as soon as
they are accepted. Where capacities never bind, that is what a simulation would produce; it is
fast and vectorised (ten million events in seconds), and independent of the engine, so a round
trip through import and calibration can be checked against the true parameters. As in the
engine, new arrivals join the service at once (no triage, no referral row); referrals between
services are triaged and accepted or rejected.

A person ready to move on keeps their place (a delayed day) until the next service has decided
and any transfer delay has passed, unless the service does not hold on transfer. A rejected
referral follows the route's ``on_reject`` (a service or an exit; the model's first exit when
not given). :func:`event_log` turns stays and referrals (sampled, or simulated by the engine)
into a long event log, cut at the end of the extract as a real one would be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from wholeflow.errors import DataError
from wholeflow.model.schema import WEEKDAYS, Model

MAX_WAVES = 100


@dataclass
class _Wave:
    """Referrals to be handled together: one entry per person being referred."""

    person: np.ndarray
    klass: np.ndarray
    service: np.ndarray
    referred: np.ndarray
    from_service: np.ndarray
    parent: np.ndarray
    """Index of the stay the person waits in (-1 when coming from outside)."""
    on_reject: np.ndarray
    transfer: np.ndarray
    """Transfer delay (days) once accepted (0 when none)."""


@dataclass
class _Records:
    """Columns of the tables being drawn, as lists of arrays joined at the end.

    ``ends`` holds, per stay, when it ended and where the person went; it is filled in as
    later waves resolve (a stay ends when the next service takes the person).
    """

    tables: dict[str, dict[str, list[np.ndarray]]] = field(
        default_factory=lambda: {"stays": {}, "referrals": {}, "ends": {}})

    def add(self, table: str, **columns: np.ndarray) -> None:
        for name, values in columns.items():
            self.tables[table].setdefault(name, []).append(values)

    def end(self, stay: np.ndarray, when: np.ndarray, where: np.ndarray) -> None:
        known = stay >= 0
        self.add("ends", stay=stay[known], when=when[known], where=where[known])

    def frame(self, table: str) -> dict[str, np.ndarray]:
        return {name: np.concatenate(parts) for name, parts in self.tables[table].items()}


def _arrivals(model: Model, days: float, rng: np.random.Generator) -> _Wave:
    start_weekday = pd.Timestamp(model.start_date).weekday()
    n_days = math.ceil(days)
    classes = list(model.classes)
    parts: list[tuple[np.ndarray, np.ndarray, str]] = []
    for arrival in model.arrivals.values():
        weights = np.ones(7)
        if arrival.weekday_profile:
            weights = np.array([arrival.weekday_profile.get(d, 0.0) for d in WEEKDAYS], float)
            weights = weights / weights.mean()
        day = np.arange(n_days)
        rate = arrival.per_day * weights[(start_weekday + day) % 7]
        counts = rng.poisson(rate)
        times = np.repeat(day, counts) + rng.random(int(counts.sum()))
        times = times[times < days]
        if arrival.class_mix:
            names = list(arrival.class_mix)
            probs = np.array([arrival.class_mix[c] for c in names], float)
            klass = np.array(names, dtype=object)[rng.choice(len(names), len(times),
                                                               p=probs / probs.sum())]
        else:
            klass = np.full(len(times), classes[0], dtype=object)
        parts.append((times, klass, arrival.service))
    times = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
    n = len(times)
    return _Wave(
        person=np.arange(n, dtype=np.int64),
        klass=np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, object),
        service=np.concatenate([np.full(len(p[0]), p[2], dtype=object) for p in parts])
        if parts else np.zeros(0, object),
        referred=times, from_service=np.full(n, None, dtype=object),
        parent=np.full(n, -1, np.int64), on_reject=np.full(n, None, dtype=object),
        transfer=np.zeros(n),
    )


def sample_tables(model: Model, days: float | None = None, seed: int = 0
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw (stays, referrals) DataFrames from ``model`` over ``days`` (default: the run)."""
    rng = np.random.default_rng(seed)
    horizon = float(days if days is not None else model.end_day)
    wave = _arrivals(model, horizon, rng)
    records = _Records()
    n_stays = 0
    default_exit = next(iter(model.exits))
    for _ in range(MAX_WAVES):
        if not len(wave.person):
            break
        next_parts: list[_Wave] = []
        for service_id in np.unique(wave.service.astype(str)):
            picked = np.flatnonzero(wave.service == service_id)
            sub = _take(wave, picked)
            new, n_stays = _handle(model, service_id, sub, rng, records, n_stays, default_exit)
            next_parts.extend(new)
        wave = _concat(next_parts)
    return _frames(model, records, n_stays)


def _take(wave: _Wave, idx: np.ndarray) -> _Wave:
    return _Wave(*(getattr(wave, f)[idx] for f in _Wave.__dataclass_fields__))


def _concat(waves: list[_Wave]) -> _Wave:
    if not waves:
        empty = np.zeros(0)
        return _Wave(empty.astype(np.int64), empty.astype(object), empty.astype(object), empty,
                     empty.astype(object), empty.astype(np.int64), empty.astype(object), empty)
    return _Wave(*(np.concatenate([getattr(w, f) for w in waves])
                   for f in _Wave.__dataclass_fields__))


def _handle(model: Model, service_id: str, wave: _Wave, rng: np.random.Generator,
            records: _Records, n_stays: int, default_exit: str) -> tuple[list[_Wave], int]:
    service = model.services[service_id]
    n = len(wave.person)
    # new arrivals join the queue at once; referrals from services are triaged
    referred = wave.from_service != None  # noqa: E711
    decided = wave.referred + np.where(referred, service.referral.triage_time.sample(rng, n), 0)
    accepted = ~referred | (rng.random(n) < service.referral.acceptance)
    records.add("referrals", person=wave.person[referred], klass=wave.klass[referred],
                from_service=wave.from_service[referred], to_service=wave.service[referred],
                referred=wave.referred[referred], decided=decided[referred],
                accepted=accepted[referred])
    out: list[_Wave] = []
    # rejected: on to the route's on_reject (a service: a new referral; an exit: journey ends)
    rej = ~accepted
    target = np.where(wave.on_reject[rej] == None, default_exit, wave.on_reject[rej])  # noqa: E711
    to_service = np.isin(target, list(model.services))
    records.end(np.where(to_service, -1, wave.parent[rej]), decided[rej], target)
    if to_service.any():
        idx = np.flatnonzero(rej)[to_service]
        out.append(_Wave(wave.person[idx], wave.klass[idx], target[to_service], decided[idx],
                         wave.from_service[idx], wave.parent[idx],
                         np.full(len(idx), None, dtype=object), np.zeros(len(idx))))
    # accepted: start at once (no capacity limits), the waiting stay ends then
    acc = np.flatnonzero(accepted)
    started = decided[acc] + wave.transfer[acc]
    records.end(wave.parent[acc], started, np.full(len(acc), service_id, dtype=object))
    los = np.empty(len(acc))
    for klass in np.unique(wave.klass[acc].astype(str)):
        mine = wave.klass[acc] == klass
        dist = service.length_of_stay_by_class.get(klass, service.length_of_stay)
        los[mine] = dist.sample(rng, int(mine.sum()))
    ready = started + los
    index = np.arange(n_stays, n_stays + len(acc))
    records.add("stays", person=wave.person[acc], klass=wave.klass[acc],
                service=np.full(len(acc), service_id, dtype=object), referred=wave.referred[acc],
                decided=decided[acc], started=started, ready=ready,
                assessments=np.full(len(acc), service.assessments))
    out.extend(_route(model, service_id, wave, acc, index, ready, rng, records, default_exit))
    return out, n_stays + len(acc)


def _route(model: Model, service_id: str, wave: _Wave, acc: np.ndarray, index: np.ndarray,
           ready: np.ndarray, rng: np.random.Generator, records: _Records,
           default_exit: str) -> list[_Wave]:
    out: list[_Wave] = []
    holds = model.services[service_id].holds_on_transfer
    for klass in np.unique(wave.klass[acc].astype(str)):
        mine = np.flatnonzero(wave.klass[acc] == klass)
        routes = model.routes_for(service_id, klass)
        if not routes:
            records.end(index[mine], ready[mine], np.full(len(mine), default_exit, dtype=object))
            continue
        probs = np.array([r.probability for r in routes], float)
        choice = rng.choice(len(routes), len(mine), p=probs / probs.sum())
        for r_index, route in enumerate(routes):
            chosen = mine[choice == r_index]
            if not len(chosen):
                continue
            if route.to not in model.services:
                records.end(index[chosen], ready[chosen],
                            np.full(len(chosen), route.to, dtype=object))
                continue
            transfer = (route.transfer_delay.sample(rng, len(chosen)) if route.transfer_delay
                        else np.zeros(len(chosen)))
            parent = index[chosen]
            if not holds:  # the person leaves at once and waits elsewhere
                records.end(parent, ready[chosen], np.full(len(chosen), route.to, dtype=object))
                parent = np.full(len(chosen), -1, np.int64)
            out.append(_Wave(wave.person[acc][chosen], wave.klass[acc][chosen],
                             np.full(len(chosen), route.to, dtype=object), ready[chosen],
                             np.full(len(chosen), service_id, dtype=object), parent,
                             np.full(len(chosen), route.on_reject, dtype=object), transfer))
    return out


def _frames(model: Model, records: _Records, n_stays: int
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    day0 = pd.Timestamp(model.start_date)

    def times(days: np.ndarray) -> pd.DatetimeIndex:
        return day0 + pd.to_timedelta(np.asarray(days, float), unit="D")

    stays = records.frame("stays")
    refs = records.frame("referrals")
    ends = records.frame("ends")
    end = np.full(n_stays, np.nan)
    dest = np.full(n_stays, None, dtype=object)
    if ends:
        end[ends["stay"]] = ends["when"]
        dest[ends["stay"]] = ends["where"]
    stay_frame = pd.DataFrame({
        "replication": 0,
        "person": stays.get("person", np.zeros(0, np.int64)),
        "class": stays.get("klass", np.zeros(0, object)),
        "service": stays.get("service", np.zeros(0, object)),
        "referred": times(stays.get("referred", np.zeros(0))),
        "decided": times(stays.get("decided", np.zeros(0))),
        "started": times(stays.get("started", np.zeros(0))),
        "ready": times(stays.get("ready", np.zeros(0))),
        "ended": times(end),
        "destination": dest,
        "assessments": stays.get("assessments", np.zeros(0, int)),
    })
    stay_frame = stay_frame.sort_values(["person", "started"], kind="stable")
    stay_frame["stint"] = stay_frame.groupby("person").cumcount() + 1
    ref_frame = pd.DataFrame({
        "replication": 0,
        "person": refs.get("person", np.zeros(0, np.int64)),
        "class": refs.get("klass", np.zeros(0, object)),
        "from_service": refs.get("from_service", np.zeros(0, object)),
        "to_service": refs.get("to_service", np.zeros(0, object)),
        "referred": times(refs.get("referred", np.zeros(0))),
        "decided": times(refs.get("decided", np.zeros(0))),
        "accepted": refs.get("accepted", np.zeros(0, bool)),
    })
    return stay_frame.reset_index(drop=True), ref_frame.sort_values("referred").reset_index(
        drop=True)


def event_log(stays: pd.DataFrame, referrals: pd.DataFrame | None = None,
              until: pd.Timestamp | str | None = None, person_prefix: str = "P"
              ) -> pd.DataFrame:
    """A long event log (person, service, event, timestamp, destination, class) from tables.

    Referral and decision events come from ``referrals`` and, for arrivals (first stays, which
    have no referral row), from ``stays``; start, assessments, ready and end from ``stays``.
    Events after ``until`` are cut, as in an extract taken then. Numbered persons become text
    identifiers (``P000001``).
    """
    parts = []
    if referrals is not None:
        refs = referrals.rename(columns={"to_service": "service"})
        parts.append(_events(refs, "referral", "referred"))
        decided = refs[refs["decided"].notna() & refs["accepted"].notna()]
        parts.append(_events(decided[decided["accepted"].astype(bool)], "referral_accepted",
                             "decided"))
        parts.append(_events(decided[~decided["accepted"].astype(bool)], "referral_rejected",
                             "decided"))
        # arrivals have no referral row: their arrival is the referral
        direct = stays[(stays["stint"] == 1) & stays["referred"].notna()]
    else:
        direct = stays[stays["referred"].notna()]
    parts.append(_events(direct, "referral", "referred"))
    parts.append(_events(direct[direct["decided"].notna()], "referral_accepted", "decided"))
    parts.append(_events(stays, "start", "started"))
    if "assessments" in stays.columns:
        counts = stays["assessments"].fillna(0).astype(int).clip(lower=0)
        repeated = stays.loc[stays.index.repeat(counts)].copy()
        # a minute apart, so that they are not taken for duplicates of each other
        repeated["started"] += pd.to_timedelta(repeated.groupby(level=0).cumcount() + 1,
                                               unit="min")
        parts.append(_events(repeated, "assessment", "started"))
    parts.append(_events(stays[stays["ready"].notna()], "ready", "ready"))
    ended = stays[stays["ended"].notna()]
    parts.append(_events(ended, "end", "ended", ended["destination"]))
    log = pd.concat(parts, ignore_index=True)
    log = log[log["timestamp"].notna()]
    if until is not None:
        log = log[log["timestamp"] <= pd.Timestamp(until)]
    if len(log) and pd.api.types.is_integer_dtype(log["person"]):
        width = max(6, len(str(int(log["person"].max()))))
        log["person"] = person_prefix + log["person"].astype(str).str.zfill(width)
    order = {e: i for i, e in enumerate(("referral", "referral_accepted", "referral_rejected",
                                         "start", "assessment", "ready", "end"))}
    log["_order"] = log["event"].map(order)
    log = log.sort_values(["timestamp", "person", "_order"], kind="stable").drop(columns="_order")
    return log.reset_index(drop=True)


def _events(frame: pd.DataFrame, event: str, column: str,
            destination: pd.Series | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "person": frame["person"].to_numpy(),
        "service": frame["service"].to_numpy(),
        "event": event,
        "timestamp": frame[column].to_numpy(),
        "destination": destination.to_numpy() if destination is not None else None,
        "class": frame["class"].to_numpy() if "class" in frame.columns else None,
    })


def _example_model(model: Model | str | Path | None) -> Model:
    from wholeflow.model import load_model

    if isinstance(model, Model):
        return model
    if model is not None:
        return load_model(model)
    bolton = resources.files("wholeflow.examples") / "bolton" / "wholeflow.yaml"
    if not bolton.is_file():
        raise DataError("the Bolton example model is not in this installation; give a model "
                        "to simulate (--model FILE)")
    return load_model(Path(str(bolton)))


def example_log(people: int, model: Model | str | Path | None = None, seed: int = 0
                ) -> pd.DataFrame:
    """An event log of ``people`` people made by simulating ``model`` (the Bolton example).

    The model runs from empty (no warm-up, no day-0 census) until that many people have
    arrived; the log holds their events up to the last arrival, as an extract taken then
    would (later stays are still open).
    """
    from wholeflow.engine import simulate

    base = _example_model(model)
    rate = sum(a.per_day for a in base.arrivals.values())
    if rate <= 0:
        raise DataError(f"{base.name}: the model has no arrivals, so it makes no event log")
    days = float(math.ceil(people / rate * 1.05) + 1)
    empty = base.model_copy(update={"warm_up_days": 0.0, "run_days": days, "initial_state": {}})
    results = simulate(empty, replications=1, seed=seed)
    first = results.journeys.nsmallest(people, "arrived")
    keep = set(first["person"])
    stays = results.stays[results.stays["person"].isin(keep)]
    referrals = results.referrals[results.referrals["person"].isin(keep)]
    return event_log(stays, referrals, until=first["arrived"].max())
