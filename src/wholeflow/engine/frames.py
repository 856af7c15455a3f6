"""Turn one replication's raw records into the shared tables (see :mod:`wholeflow.tables`).

Times become timestamps (day 0 = 00:00 on the model's start date). Tables keep the records that
touch the collection window: stays and journeys that had not ended before the warm-up was over,
referrals and delay segments that end (or are still open) after it, and daily rows for the days
of the window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wholeflow.engine.compile import UNLIMITED, CompiledModel
from wholeflow.engine.kpis import journey_counts
from wholeflow.engine.replication import Replication


def _ts(cm: CompiledModel, days: np.ndarray) -> pd.DatetimeIndex:
    """Model days as timestamps to the nearest second (what extracts carry, and readable)."""
    origin = pd.Timestamp(cm.start_date).as_unit("s")
    return origin + pd.to_timedelta(np.round(days * 86400.0), unit="s").as_unit("s")


def _names(cm: CompiledModel) -> np.ndarray:
    """Destination code -> id (services first, then exits)."""
    return np.array(cm.services + cm.exits, dtype=object)


def _lookup(names: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Names for codes, None where the code is negative (not known / not happened)."""
    out = np.full(len(codes), None, dtype=object)
    ok = codes >= 0
    out[ok] = names[codes[ok]]
    return out


def _person_ids(rep: Replication, person: np.ndarray) -> np.ndarray:
    """Simulated people are called P000001, P000002, ... within a replication."""
    if len(person) == 0:
        return np.zeros(0, dtype=object)
    return np.char.add("P", np.char.zfill(person.astype(str), 6)).astype(object)


def _keep(ended: np.ndarray, w0: float) -> np.ndarray:
    return np.isnan(ended) | (ended >= w0)


def stays(cm: CompiledModel, rep: Replication) -> pd.DataFrame:
    st = rep.stints
    n = len(st)
    names = _names(cm)
    delayed = np.zeros(n)
    causes = cm.arrows.delay_causes
    by_cause = np.zeros((n, len(causes)))
    target = np.full(n, -1, dtype=np.int64)
    if len(rep.delays):
        dd = rep.delays
        days = dd["end"] - dd["start"]
        np.add.at(by_cause, (dd["stint"], dd["cause"]), days)
        delayed = by_cause.sum(axis=1)
        # the last segment's target (segments are in time order)
        target[dd["stint"]] = dd["target"]
    # order of each stint within its person's journey
    order = np.argsort(st["person"], kind="stable")
    first = np.r_[True, st["person"][order][1:] != st["person"][order][:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    stint_no = np.empty(n, dtype=np.int64)
    stint_no[order] = np.arange(n) - group_start + 1
    los = st["ended"] - st["started"]
    stay_days = np.where(np.isnan(st["ended"]), cm.end, st["ended"]) - st["started"]
    frame = pd.DataFrame({
        "replication": rep.replication,
        "person": _person_ids(rep, st["person"]),
        "class": np.array(cm.classes, dtype=object)[rep.people["klass"][st["person"]]],
        "service": names[st["service"]],
        "stint": stint_no,
        "referred": _ts(cm, st["referred"]),
        "decided": _ts(cm, st["decided"]),
        "accepted": True,
        "queued": _ts(cm, st["decided"]),
        "admitted": _ts(cm, st["admitted"]),
        "started": _ts(cm, st["started"]),
        "ready": _ts(cm, st["ready"]),
        "ended": _ts(cm, st["ended"]),
        "destination": _lookup(names, st["destination"]),
        "delayed_days": delayed,
        "delay_cause": _lookup(np.array(causes, dtype=object),
                               np.where(delayed > 0, by_cause.argmax(axis=1), -1)),
        "delay_target": _lookup(names, target),
        "length_of_stay": los,
        "wait_days": st["started"] - st["referred"],
        "assessments": np.where(np.isnan(st["started"]), 0, cm.assessments[st["service"]]),
        "cost": np.nan_to_num(stay_days) * cm.cost_per_day[st["service"]],
    })
    return frame[_keep(st["ended"], cm.warm_up)].reset_index(drop=True)


def referrals(cm: CompiledModel, rep: Replication) -> pd.DataFrame:
    rr = rep.referrals
    names = _names(cm)
    frame = pd.DataFrame({
        "replication": rep.replication,
        "person": _person_ids(rep, rr["person"]),
        "class": np.array(cm.classes, dtype=object)[rep.people["klass"][rr["person"]]],
        "from_service": _lookup(names, rr["from_service"]),
        "to_service": names[rr["to_service"]],
        "referred": _ts(cm, rr["sent"]),
        "decided": _ts(cm, rr["decided"]),
        "accepted": pd.arrays.BooleanArray(rr["accepted"] == 1, mask=rr["accepted"] < 0),
    })
    return frame[_keep(rr["decided"], cm.warm_up)].reset_index(drop=True)


def delays(cm: CompiledModel, rep: Replication) -> pd.DataFrame:
    dd = rep.delays
    names = _names(cm)
    frame = pd.DataFrame({
        "replication": rep.replication,
        "person": _person_ids(rep, rep.stints["person"][dd["stint"]]),
        "service": names[rep.stints["service"][dd["stint"]]],
        "target": names[dd["target"]],
        "cause": np.array(cm.arrows.delay_causes, dtype=object)[dd["cause"]],
        "start": _ts(cm, dd["start"]),
        "end": _ts(cm, dd["end"]),
        "days": dd["end"] - dd["start"],
    })
    return frame[dd["end"] >= cm.warm_up].reset_index(drop=True)


def journeys(cm: CompiledModel, rep: Replication) -> pd.DataFrame:
    n = len(rep.people)
    assessments, handovers, info, stint_count = journey_counts(cm, rep)
    st = rep.stints
    started = ~np.isnan(st["started"])
    names = _names(cm)
    paths = [[] for _ in range(n)]  # type: list[list[str]]
    for p, s in zip(st["person"][started], names[st["service"][started]], strict=True):
        paths[p].append(s)
    delayed = np.zeros(n)
    if len(rep.delays):
        dd = rep.delays
        np.add.at(delayed, st["person"][dd["stint"]], dd["end"] - dd["start"])
    cost = np.zeros(n)
    stay_days = np.where(np.isnan(st["ended"]), cm.end, st["ended"]) - st["started"]
    svc = st["service"][started]
    np.add.at(cost, st["person"][started], stay_days[started] * cm.cost_per_day[svc])
    arrived, left = rep.people["arrived"], rep.people["left"]
    exits = np.array(cm.exits, dtype=object)
    frame = pd.DataFrame({
        "replication": rep.replication,
        "person": _person_ids(rep, np.arange(n)),
        "class": np.array(cm.classes, dtype=object)[rep.people["klass"]],
        "arrived": _ts(cm, arrived),
        "left": _ts(cm, left),
        "exit": _lookup(exits, rep.people["exit"]),
        "services": stint_count,
        "handovers": handovers.astype(np.int64),
        "assessments": assessments.astype(np.int64),
        "information_breaks": info.astype(np.int64),
        "length_of_stay": left - arrived,
        "delayed_days": delayed,
        "cost": cost,
        "path": [" > ".join(p) for p in paths],
    })
    return frame[_keep(left, cm.warm_up)].reset_index(drop=True)


def daily(cm: CompiledModel, rep: Replication) -> pd.DataFrame:
    """Midnight census per service per day of the window, with that day's flows."""
    S = cm.n_services
    first, last = int(np.ceil(cm.warm_up)), int(np.floor(cm.end))
    days = np.arange(first, last, dtype=float)
    st = rep.stints
    frames = []
    caps = _daily_capacity(cm, days, rep)
    for s in range(S):
        m = st["service"] == s
        started, ready, ended = st["started"][m], st["ready"][m], st["ended"][m]
        # people in place at day 0 were not admitted
        admitted_here = started[st["came_from"][m] != -2]
        queued, admitted = st["decided"][m], st["admitted"][m]

        def census(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            a = np.sort(a[~np.isnan(a)])
            b = np.sort(b[~np.isnan(b)])
            return (np.searchsorted(a, days, side="right")
                    - np.searchsorted(b, days, side="right"))

        occupancy = census(started, ended)
        delayed = census(ready[~np.isnan(started)], ended[~np.isnan(started)]) \
            if cm.holds[s] else np.zeros(len(days), dtype=np.int64)
        queue = census(queued, admitted)

        def flow(t: np.ndarray) -> np.ndarray:
            t = t[~np.isnan(t)]
            return np.bincount(np.floor(t).astype(np.int64) - first,
                               minlength=len(days))[: len(days)] if len(days) else t

        adm = flow(admitted_here[(admitted_here >= first) & (admitted_here < last)])
        dis = flow(ended[(ended >= first) & (ended < last) & ~np.isnan(started)])
        frames.append(pd.DataFrame({
            "replication": rep.replication,
            "service": cm.services[s],
            "date": _ts(cm, days),
            "occupancy": occupancy,
            "delayed_occupancy": delayed,
            "queue": queue,
            "capacity": pd.arrays.IntegerArray(caps[s], mask=caps[s] >= UNLIMITED),
            "admissions": adm,
            "discharges": dis,
        }))
    return pd.concat(frames, ignore_index=True)


def _daily_capacity(cm: CompiledModel, days: np.ndarray, rep: Replication) -> np.ndarray:
    # a replication whose staff set some capacities carries its own changes
    cap0, cc_time, cc_service, cc_capacity = rep.capacity or (
        cm.capacity0, cm.cc_time, cm.cc_service, cm.cc_capacity)
    caps = np.repeat(cap0[:, None], len(days), axis=1)
    for t, s, c in zip(cc_time, cc_service, cc_capacity, strict=True):
        caps[s, days >= t] = c
    return caps
