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
from wholeflow.tables import DELAY_CAUSES


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
    si, sf = rep.stints_i, rep.stints_f
    n = len(si)
    names = _names(cm)
    delayed = np.zeros(n)
    by_cause = np.zeros((n, len(DELAY_CAUSES)))
    target = np.full(n, -1, dtype=np.int64)
    if len(rep.delays_i):
        di, df = rep.delays_i, rep.delays_f
        days = df[:, 1] - df[:, 0]
        np.add.at(by_cause, (di[:, 0], di[:, 2]), days)
        delayed = by_cause.sum(axis=1)
        target[di[:, 0]] = di[:, 1]  # the last segment's target (segments are in time order)
    # order of each stint within its person's journey
    order = np.argsort(si[:, 0], kind="stable")
    first = np.r_[True, si[order, 0][1:] != si[order, 0][:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    stint_no = np.empty(n, dtype=np.int64)
    stint_no[order] = np.arange(n) - group_start + 1
    los = sf[:, 6] - sf[:, 4]
    stay_days = np.where(np.isnan(sf[:, 6]), cm.end, sf[:, 6]) - sf[:, 4]
    frame = pd.DataFrame({
        "replication": rep.replication,
        "person": _person_ids(rep, si[:, 0]),
        "class": np.array(cm.classes, dtype=object)[rep.people_i[si[:, 0], 0]],
        "service": names[si[:, 1]],
        "stint": stint_no,
        "referred": _ts(cm, sf[:, 0]),
        "decided": _ts(cm, sf[:, 1]),
        "accepted": True,
        "queued": _ts(cm, sf[:, 2]),
        "admitted": _ts(cm, sf[:, 3]),
        "started": _ts(cm, sf[:, 4]),
        "ready": _ts(cm, sf[:, 5]),
        "ended": _ts(cm, sf[:, 6]),
        "destination": _lookup(names, si[:, 2]),
        "delayed_days": delayed,
        "delay_cause": _lookup(np.array(DELAY_CAUSES, dtype=object),
                               np.where(delayed > 0, by_cause.argmax(axis=1), -1)),
        "delay_target": _lookup(names, target),
        "length_of_stay": los,
        "wait_days": sf[:, 4] - sf[:, 0],
        "assessments": np.where(np.isnan(sf[:, 4]), 0, cm.assessments[si[:, 1]]),
        "cost": np.nan_to_num(stay_days) * cm.cost_per_day[si[:, 1]],
    })
    return frame[_keep(sf[:, 6], cm.warm_up)].reset_index(drop=True)


def referrals(cm: CompiledModel, rep: Replication) -> pd.DataFrame:
    ri, rf = rep.referrals_i, rep.referrals_f
    names = _names(cm)
    frame = pd.DataFrame({
        "replication": rep.replication,
        "person": _person_ids(rep, ri[:, 0]),
        "class": np.array(cm.classes, dtype=object)[rep.people_i[ri[:, 0], 0]],
        "from_service": _lookup(names, ri[:, 1]),
        "to_service": names[ri[:, 2]],
        "referred": _ts(cm, rf[:, 0]),
        "decided": _ts(cm, rf[:, 1]),
        "accepted": pd.arrays.BooleanArray(ri[:, 3] == 1, mask=ri[:, 3] < 0),
    })
    return frame[_keep(rf[:, 1], cm.warm_up)].reset_index(drop=True)


def delays(cm: CompiledModel, rep: Replication) -> pd.DataFrame:
    di, df = rep.delays_i, rep.delays_f
    names = _names(cm)
    frame = pd.DataFrame({
        "replication": rep.replication,
        "person": _person_ids(rep, rep.stints_i[di[:, 0], 0]),
        "service": names[rep.stints_i[di[:, 0], 1]],
        "target": names[di[:, 1]],
        "cause": np.array(DELAY_CAUSES, dtype=object)[di[:, 2]],
        "start": _ts(cm, df[:, 0]),
        "end": _ts(cm, df[:, 1]),
        "days": df[:, 1] - df[:, 0],
    })
    return frame[df[:, 1] >= cm.warm_up].reset_index(drop=True)


def journeys(cm: CompiledModel, rep: Replication) -> pd.DataFrame:
    n = len(rep.people_f)
    assessments, handovers, info, stint_count = journey_counts(cm, rep)
    si, sf = rep.stints_i, rep.stints_f
    started = ~np.isnan(sf[:, 4])
    names = _names(cm)
    paths = [[] for _ in range(n)]  # type: list[list[str]]
    for p, s in zip(si[started, 0], names[si[started, 1]], strict=True):
        paths[p].append(s)
    delayed = np.zeros(n)
    if len(rep.delays_i):
        np.add.at(delayed, si[rep.delays_i[:, 0], 0], rep.delays_f[:, 1] - rep.delays_f[:, 0])
    cost = np.zeros(n)
    stay_days = np.where(np.isnan(sf[:, 6]), cm.end, sf[:, 6]) - sf[:, 4]
    np.add.at(cost, si[started, 0], stay_days[started] * cm.cost_per_day[si[started, 1]])
    arrived, left = rep.people_f[:, 0], rep.people_f[:, 1]
    exits = np.array(cm.exits, dtype=object)
    frame = pd.DataFrame({
        "replication": rep.replication,
        "person": _person_ids(rep, np.arange(n)),
        "class": np.array(cm.classes, dtype=object)[rep.people_i[:, 0]],
        "arrived": _ts(cm, arrived),
        "left": _ts(cm, left),
        "exit": _lookup(exits, rep.people_i[:, 1]),
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
    si, sf = rep.stints_i, rep.stints_f
    frames = []
    caps = _daily_capacity(cm, days)
    for s in range(S):
        m = si[:, 1] == s
        started, ready, ended = sf[m, 4], sf[m, 5], sf[m, 6]
        admitted_here = started[si[m, 3] != -2]  # people in place at day 0 were not admitted
        queued, admitted = sf[m, 2], sf[m, 3]

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


def _daily_capacity(cm: CompiledModel, days: np.ndarray) -> np.ndarray:
    caps = np.repeat(cm.capacity0[:, None], len(days), axis=1)
    for t, s, c in zip(cm.cc_time, cm.cc_service, cm.cc_capacity, strict=True):
        caps[s, days >= t] = c
    return caps
