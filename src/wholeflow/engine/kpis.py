"""Key performance indicators of one replication, computed from its raw records with numpy.

Every KPI is measured over the collection window ``[warm_up, end)``; the warm-up is excluded.
The catalogue (names, meaning, the rule deciding which records count) is :data:`CATALOGUE`;
docs/reference/kpis.md is generated from it.
"""

from __future__ import annotations

import numpy as np

from wholeflow.engine.compile import UNLIMITED, CompiledModel
from wholeflow.engine.replication import Replication
from wholeflow.tables import DELAY_CAUSES

CATALOGUE: dict[str, str] = {
    "mean_occupancy": "time-averaged people in the service (including delayed) over the window",
    "utilisation": "mean_occupancy / time-averaged capacity (empty for unlimited services)",
    "admissions": "people who started in the service during the window",
    "discharges": "people who left the service during the window",
    "mean_length_of_stay": "mean days from start to leaving, over stays that ended in the window",
    "p90_length_of_stay": "90th percentile of those lengths of stay",
    "mean_wait_days": "mean days from referral (or arrival) to start, over starts in the window",
    "mean_queue": "time-averaged people accepted and waiting for a place",
    "delayed_days": "days people spent holding a place here while ready to move on (in window)",
    **{f"delayed_days_{c}": f"the part of delayed_days caused by {c.replace('_', ' ')}"
       for c in DELAY_CAUSES},
    "referrals": "referrals sent to the service during the window",
    "rejected_referrals": "referrals the service rejected (inappropriate referrals) in the window",
    "acceptance_rate": "accepted / decided referrals in the window",
    "failure_demand_hours": "rejected_referrals x rejected_handling_hours",
    "cost": "occupied place-days in the window x cost_per_day",
}

SYSTEM_CATALOGUE: dict[str, str] = {
    "arrivals": "people who entered the system during the window",
    "departures": "people who left the system during the window",
    "in_system_at_end": "people still in the system at the end of the run",
    "mean_system_length_of_stay": "mean days from arrival to leaving, over journeys that ended "
                                  "in the window (people present at day 0 excluded)",
    "delayed_days": "delayed days over all services in the window",
    "rejected_referrals": "referrals rejected by any service in the window",
    "failure_demand_hours": "clinical hours spent on rejected referrals, all services",
    "cost": "cost over all services in the window",
    "cost_<funder>": "cost of the services each funder pays for",
    "assessments_per_journey": "mean assessments per journey ended in the window",
    "handovers_per_journey": "mean transfers between services per journey ended in the window",
    "information_breaks_per_journey": "mean handovers between services whose record systems "
                                      "differ (the person tells their story again)",
}

_BIG = np.inf


def _overlap(a: np.ndarray, b: np.ndarray, w0: float, w1: float) -> np.ndarray:
    """Length of [a, b) inside [w0, w1); NaN ends count as 'still open'."""
    b = np.where(np.isnan(b), _BIG, b)
    a = np.where(np.isnan(a), _BIG, a)
    return np.clip(np.minimum(b, w1) - np.maximum(a, w0), 0.0, None)


def _in(t: np.ndarray, w0: float, w1: float) -> np.ndarray:
    return (t >= w0) & (t < w1)


def _by_service(services: np.ndarray, weights: np.ndarray | None, S: int) -> np.ndarray:
    return np.bincount(services, weights=weights, minlength=S).astype(float)[:S]


def _grouped_quantile(groups: np.ndarray, values: np.ndarray, n: int, q: float) -> np.ndarray:
    """Quantile q of values within each group 0..n-1 (as np.quantile; NaN for empty groups)."""
    out = np.full(n, np.nan)
    if len(values) == 0:
        return out
    order = np.argsort(groups, kind="stable")  # an integer sort: cheap
    v = values[order]
    bounds = np.searchsorted(groups[order], np.arange(n + 1))
    for s in range(n):
        if bounds[s + 1] > bounds[s]:
            out[s] = np.quantile(v[bounds[s]:bounds[s + 1]], q)
    return out


def mean_capacity(cm: CompiledModel, w0: float, w1: float) -> np.ndarray:
    """Time-averaged capacity of each service over the window (inf where unlimited)."""
    S = cm.n_services
    out = np.zeros(S)
    for s in range(S):
        times = [w0]
        caps = [cm.capacity0[s]]
        for t, sv, c in zip(cm.cc_time, cm.cc_service, cm.cc_capacity, strict=True):
            if sv != s:
                continue
            if t <= w0:
                caps[-1] = c
            elif t < w1:
                times.append(t)
                caps.append(c)
        times.append(w1)
        c_arr = np.array(caps, dtype=float)
        if (c_arr >= UNLIMITED).any():
            out[s] = np.inf
        else:
            out[s] = float(np.sum(np.diff(times) * c_arr) / (w1 - w0))
    return out


def replication_kpis(cm: CompiledModel, rep: Replication, n_initial: int
                     ) -> tuple[list[str], list[str], np.ndarray]:
    """(service, metric, value) triples for one replication."""
    S = cm.n_services
    w0, w1 = cm.warm_up, cm.end
    span = w1 - w0
    si, sf = rep.stints_i, rep.stints_f
    svc = si[:, 1]
    started, ended = sf[:, 4], sf[:, 6]
    referred, queued, admitted = sf[:, 0], sf[:, 2], sf[:, 3]

    present = _overlap(started, ended, w0, w1)
    occ_days = _by_service(svc, present, S)
    mean_occ = occ_days / span
    cap = mean_capacity(cm, w0, w1)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(np.isinf(cap), np.nan, mean_occ / cap)

    started_in = _in(started, w0, w1) & (si[:, 3] != -2)  # day-0 census is no admission
    admissions = _by_service(svc[started_in], None, S)
    ended_in = _in(ended, w0, w1) & ~np.isnan(started)
    discharges = _by_service(svc[ended_in], None, S)
    los_svc, los = svc[ended_in], (ended - started)[ended_in]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_los = _by_service(los_svc, los, S) / discharges
        p90_los = _grouped_quantile(los_svc, los, S, 0.9)
        wait_ok = started_in & ~np.isnan(referred)
        waits = (_by_service(svc[wait_ok], (started - referred)[wait_ok], S)
                 / _by_service(svc[wait_ok], None, S))
    mean_queue = _by_service(svc, _overlap(queued, admitted, w0, w1), S) / span

    di, df = rep.delays_i, rep.delays_f
    d_svc = svc[di[:, 0]] if len(di) else np.zeros(0, np.int64)
    d_days = _overlap(df[:, 0], df[:, 1], w0, w1)
    delayed = _by_service(d_svc, d_days, S)
    by_cause = [_by_service(d_svc[di[:, 2] == c], d_days[di[:, 2] == c], S)
                for c in range(len(DELAY_CAUSES))]

    ri, rf = rep.referrals_i, rep.referrals_f
    to = ri[:, 2]
    sent_in = _in(rf[:, 0], w0, w1)
    decided_in = _in(rf[:, 1], w0, w1)
    referrals = _by_service(to[sent_in], None, S)
    rejected = _by_service(to[decided_in & (ri[:, 3] == 0)], None, S)
    decided = _by_service(to[decided_in], None, S)
    with np.errstate(divide="ignore", invalid="ignore"):
        acc_rate = np.where(decided > 0, 1.0 - rejected / decided, np.nan)
    failure_hours = rejected * cm.rejected_hours
    cost = occ_days * cm.cost_per_day

    per_service = {
        "mean_occupancy": mean_occ, "utilisation": util, "admissions": admissions,
        "discharges": discharges, "mean_length_of_stay": mean_los,
        "p90_length_of_stay": p90_los, "mean_wait_days": waits, "mean_queue": mean_queue,
        "delayed_days": delayed,
        **{f"delayed_days_{c}": by_cause[i] for i, c in enumerate(DELAY_CAUSES)},
        "referrals": referrals, "rejected_referrals": rejected, "acceptance_rate": acc_rate,
        "failure_demand_hours": failure_hours, "cost": cost,
    }
    services: list[str] = []
    metrics: list[str] = []
    values: list[np.ndarray] = []
    for name, arr in per_service.items():
        services += cm.services
        metrics += [name] * S
        values.append(arr)

    system = system_kpis(cm, rep, n_initial, cost, delayed)
    system["rejected_referrals"] = float(rejected.sum())
    system["failure_demand_hours"] = float(failure_hours.sum())
    services += ["system"] * len(system)
    metrics += list(system)
    values.append(np.array(list(system.values()), dtype=float))
    return services, metrics, np.concatenate(values)


def system_kpis(cm: CompiledModel, rep: Replication, n_initial: int, cost: np.ndarray,
                delayed: np.ndarray) -> dict[str, float]:
    """Whole-system KPIs: arrivals, departures, system length of stay, journeys, cost by funder."""
    w0, w1 = cm.warm_up, cm.end
    arrived, left = rep.people_f[:, 0], rep.people_f[:, 1]
    is_new = np.arange(len(arrived)) >= n_initial
    done = _in(left, w0, w1) & is_new
    out: dict[str, float] = {
        "arrivals": float(np.sum(_in(arrived, w0, w1) & is_new)),
        "departures": float(np.sum(_in(left, w0, w1))),
        "in_system_at_end": float(np.sum(np.isnan(left))),
        "mean_system_length_of_stay": float(np.mean((left - arrived)[done]))
        if done.any() else float("nan"),
        "delayed_days": float(delayed.sum()),
        "cost": float(cost.sum()),
    }
    for funder in sorted({f for f in cm.funder if f}):
        mask = np.array([f == funder for f in cm.funder])
        out[f"cost_{funder}"] = float(cost[mask].sum())
    per_person = journey_counts(cm, rep)
    if done.any():
        out["assessments_per_journey"] = float(per_person[0][done].mean())
        out["handovers_per_journey"] = float(per_person[1][done].mean())
        out["information_breaks_per_journey"] = float(per_person[2][done].mean())
    else:
        out["assessments_per_journey"] = out["handovers_per_journey"] = float("nan")
        out["information_breaks_per_journey"] = float("nan")
    return out


def record_system_codes(cm: CompiledModel) -> np.ndarray:
    """An integer per service for its record system; services without one each get their own."""
    names: dict[str, int] = {}
    codes = np.zeros(cm.n_services, dtype=np.int64)
    for s, rs in enumerate(cm.record_system):
        key = rs if rs is not None else f"\0{s}"
        codes[s] = names.setdefault(key, len(names))
    return codes


def journey_counts(cm: CompiledModel, rep: Replication
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per person: assessments, handovers, information breaks, and number of stints started."""
    n = len(rep.people_f)
    si, sf = rep.stints_i, rep.stints_f
    started = ~np.isnan(sf[:, 4])
    person = si[started, 0]
    svc = si[started, 1]
    order = np.argsort(person, kind="stable")  # stints are created in time order per person
    person, svc = person[order], svc[order]
    stints = np.bincount(person, minlength=n)
    assessments = np.bincount(person, weights=cm.assessments[svc], minlength=n)
    same = person[1:] == person[:-1]
    handovers = np.bincount(person[1:][same], minlength=n)
    codes = record_system_codes(cm)[svc]
    breaks = same & (codes[1:] != codes[:-1])
    info = np.bincount(person[1:][breaks], minlength=n)
    return assessments, handovers.astype(float), info.astype(float), stints
