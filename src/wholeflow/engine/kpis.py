"""Key performance indicators of one replication, computed from its raw records with numpy.

Every KPI is measured over the collection window ``[warm_up, end)``; the warm-up is excluded.
The catalogue (names, meaning, the rule deciding which records count) is :data:`CATALOGUE`;
docs/reference/kpis.md is generated from it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from wholeflow.engine.compile import CompiledModel, mean_capacity
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
    "delayed_days_placement": "the part of delayed_days spent waiting for a place at a limited "
                              "exit (care home, housing); only in models with one",
    "delayed_days_<reason>": "the part of delayed_days caused by a route's named wait "
                             "(patient_choice, package_of_care, ...); only in models with one",
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

# Indices into the per-service accumulator rows of _tally (one row per quantity).
(_OCC, _ADM, _DIS, _LOS, _WAIT, _WAITN, _QUEUE, _DELAYED, _REFS, _REJ, _DECIDED,
 _NROWS) = range(12)


@njit(cache=True, inline="always")
def _overlap(a, b, w0, w1):
    """Length of [a, b) inside [w0, w1); a NaN end counts as 'still open'."""
    if np.isnan(b):
        b = _BIG
    if np.isnan(a):
        a = _BIG
    return max(min(b, w1) - max(a, w0), 0.0)


@njit(cache=True)
def _tally(S, n_causes, w0, w1, stints, delays, refs):
    """One pass over each record array: per-service sums (rows as the _OCC... indices), delayed
    days by cause, and the lengths of stay that ended in the window grouped by service.

    Sums run in record order, as np.bincount's did, so the values are the same to the bit.
    """
    acc = np.zeros((_NROWS, S))
    by_cause = np.zeros((n_causes, S))
    n = stints.shape[0]
    los_service = np.empty(n, np.int64)
    los = np.empty(n)
    n_los = 0
    for i in range(n):
        st = stints[i]
        s = st.service
        started, ended = st.started, st.ended
        acc[_OCC, s] += _overlap(started, ended, w0, w1)
        if started >= w0 and started < w1 and st.came_from != -2:  # day-0 census: no admission
            acc[_ADM, s] += 1.0
            if not np.isnan(st.referred):
                acc[_WAIT, s] += started - st.referred
                acc[_WAITN, s] += 1.0
        if ended >= w0 and ended < w1 and not np.isnan(started):
            acc[_DIS, s] += 1.0
            acc[_LOS, s] += ended - started
            los_service[n_los] = s
            los[n_los] = ended - started
            n_los += 1
        acc[_QUEUE, s] += _overlap(st.decided, st.admitted, w0, w1)  # queued at the decision
    for i in range(delays.shape[0]):
        d = delays[i]
        s = stints[d.stint].service
        days = _overlap(d.start, d.end, w0, w1)
        acc[_DELAYED, s] += days
        by_cause[d.cause, s] += days
    for i in range(refs.shape[0]):
        r = refs[i]
        if r.sent >= w0 and r.sent < w1:
            acc[_REFS, r.to_service] += 1.0
        if r.decided >= w0 and r.decided < w1:
            acc[_DECIDED, r.to_service] += 1.0
            if r.accepted == 0:
                acc[_REJ, r.to_service] += 1.0
    return acc, by_cause, los_service[:n_los], los[:n_los]


@njit(cache=True)
def _grouped_quantile(groups, values, n, q):
    """Quantile q of values within each group 0..n-1, NaN for empty groups.

    Values are grouped by a counting sort and the two order statistics around the quantile
    selected; the interpolation is numpy's default ("linear") written out the way numpy computes
    it, so results equal np.quantile's.
    """
    counts = np.zeros(n + 1, np.int64)
    for g in groups:
        counts[g + 1] += 1
    offsets = counts.copy()
    for s in range(n):
        offsets[s + 1] += offsets[s]
    fill = offsets[:-1].copy()
    grouped = np.empty(len(values))
    for i in range(len(values)):
        grouped[fill[groups[i]]] = values[i]
        fill[groups[i]] += 1
    out = np.full(n, np.nan)
    for s in range(n):
        lo, hi = offsets[s], offsets[s + 1]
        if hi == lo:
            continue
        index = q * (hi - lo - 1)
        below = int(np.floor(index))
        gamma = index - below
        # the two order statistics around the index: a selection, not a full sort
        k = lo + below
        a = _select(grouped, lo, hi - 1, k)
        b = a
        if k + 1 < hi:  # the next one up: the least of the values after k
            b = grouped[k + 1]
            for j in range(k + 2, hi):
                b = min(b, grouped[j])
        diff = b - a
        out[s] = b - diff * (1.0 - gamma) if gamma >= 0.5 else a + diff * gamma
    return out


@njit(cache=True)
def _select(v, lo, hi, k):
    """The value that would be at index k if v[lo:hi + 1] were sorted (lo <= k <= hi).

    Reorders v[lo:hi + 1] so that no value after index k is smaller (Hoare's quickselect with
    a median-of-three pivot). Written out rather than calling np.partition: numba's np.partition
    pulls in its sorting and argument checks, which took 4.5 s of the first run's compiling,
    against a fraction of a second for this. Values must not be NaN (lengths of stay are not).
    """
    while lo < hi:
        x, y, z = v[lo], v[(lo + hi) >> 1], v[hi]
        pivot = max(min(x, y), min(max(x, y), z))
        i, j = lo, hi
        while i <= j:
            while v[i] < pivot:
                i += 1
            while v[j] > pivot:
                j -= 1
            if i <= j:
                v[i], v[j] = v[j], v[i]
                i += 1
                j -= 1
        # now v[lo..j] <= pivot <= v[i..hi], and anything between i and j equals the pivot
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return v[k]
    return v[k]


def replication_kpis(cm: CompiledModel, rep: Replication, n_initial: int
                     ) -> tuple[list[str], list[str], np.ndarray]:
    """(service, metric, value) triples for one replication."""
    S = cm.n_services
    w0, w1 = cm.warm_up, cm.end
    span = w1 - w0
    causes = cm.arrows.delay_causes
    acc, by_cause, los_svc, los = _tally(S, len(causes), w0, w1, rep.stints,
                                         rep.delays, rep.referrals)
    occ_days = acc[_OCC]
    mean_occ = occ_days / span
    cap = cm.window_capacity if rep.capacity is None else mean_capacity(cm, w0, w1,
                                                                          rep.capacity)
    discharges, admissions = acc[_DIS], acc[_ADM]
    rejected, decided = acc[_REJ], acc[_DECIDED]
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(np.isinf(cap), np.nan, mean_occ / cap)
        mean_los = acc[_LOS] / discharges
        waits = acc[_WAIT] / acc[_WAITN]
        acc_rate = np.where(decided > 0, 1.0 - rejected / decided, np.nan)
    p90_los = _grouped_quantile(los_svc, los, S, 0.9)
    mean_queue = acc[_QUEUE] / span
    delayed = acc[_DELAYED]
    referrals = acc[_REFS]
    failure_hours = rejected * cm.rejected_hours
    cost = occ_days * cm.cost_per_day

    per_service = {
        "mean_occupancy": mean_occ, "utilisation": util, "admissions": admissions,
        "discharges": discharges, "mean_length_of_stay": mean_los,
        "p90_length_of_stay": p90_los, "mean_wait_days": waits, "mean_queue": mean_queue,
        "delayed_days": delayed,
        **{f"delayed_days_{c}": by_cause[i] for i, c in enumerate(causes)},
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
    if cm.arrows.staff.active or cm.arrows.cohorts:  # only in models with these sections
        _arrow_kpis(cm, rep, acc, services, metrics, values)
    return services, metrics, np.concatenate(values)


def _arrow_kpis(cm: CompiledModel, rep: Replication, acc: np.ndarray, services: list[str],
                metrics: list[str], values: list[np.ndarray]) -> None:
    """Append the workforce and cohort KPIs (see staff_kpis and cohort_kpis)."""
    rows: list[tuple[list[str], list[str], list[float]]] = []
    if cm.arrows.staff.active:
        from wholeflow.engine.staff_kpis import repeated_assessments, staff_kpis

        counts = {"triage": acc[_DECIDED], "assessment": acc[_ADM] * cm.assessments,
                  "rejected_referral": acc[_REJ], "care": acc[_OCC], "discharge": acc[_DIS],
                  "repeated_assessment": repeated_assessments(cm, rep)}
        rows.append(staff_kpis(cm, rep, counts))
    if cm.arrows.cohorts:
        from wholeflow.engine.cohort_kpis import cohort_kpis

        rows.append(cohort_kpis(cm, rep))
    for s, m, v in rows:
        services += s
        metrics += m
        values.append(np.array(v, dtype=float))


def system_kpis(cm: CompiledModel, rep: Replication, n_initial: int, cost: np.ndarray,
                delayed: np.ndarray) -> dict[str, float]:
    """Whole-system KPIs: arrivals, departures, system length of stay, journeys, cost by funder."""
    (arrivals, departures, still_in, done, los_sum, assessments, handovers,
     breaks) = _people_tally(rep.people, rep.stints, n_initial, cm.warm_up, cm.end,
                             cm.assessments.astype(np.float64), record_system_codes(cm))
    nan = float("nan")
    out: dict[str, float] = {
        "arrivals": arrivals,
        "departures": departures,
        "in_system_at_end": still_in,
        "mean_system_length_of_stay": los_sum / done if done else nan,
        "delayed_days": float(delayed.sum()),
        "cost": float(cost.sum()),
    }
    for funder in sorted({f for f in cm.funder if f}):
        mask = np.array([f == funder for f in cm.funder])
        out[f"cost_{funder}"] = float(cost[mask].sum())
    out["assessments_per_journey"] = assessments / done if done else nan
    out["handovers_per_journey"] = handovers / done if done else nan
    out["information_breaks_per_journey"] = breaks / done if done else nan
    return out


@njit(cache=True)
def _people_tally(people, stints, n_initial, w0, w1, assessments_at, record_system):
    """Counts over people: arrivals and departures in the window, still in at the end, and,
    over journeys that ended in the window (people present at day 0 excluded), their number and
    the sums of length of stay, assessments, handovers and information breaks.

    Handovers are counted as in :func:`_journey_counts`, in one pass over the stints that
    keeps only each person's latest service.
    """
    arrivals = departures = still_in = done = 0.0
    los = n_assess = n_hand = n_breaks = 0.0
    for p in range(people.shape[0]):
        arrived, left = people[p].arrived, people[p].left
        new = p >= n_initial
        if new and arrived >= w0 and arrived < w1:
            arrivals += 1.0
        if np.isnan(left):
            still_in += 1.0
        elif left >= w0 and left < w1:
            departures += 1.0
            if new:
                done += 1.0
                los += left - arrived
    last = np.full(people.shape[0], -1, np.int32)  # service of the latest started stint
    for i in range(stints.shape[0]):
        st = stints[i]
        if np.isnan(st.started):
            continue
        p, s = st.person, st.service
        previous = last[p]
        last[p] = s
        left = people[p].left
        if p < n_initial or not (left >= w0 and left < w1):
            continue  # not a journey that ended in the window
        n_assess += assessments_at[s]
        if previous >= 0:
            n_hand += 1.0
            if record_system[previous] != record_system[s]:
                n_breaks += 1.0
    return arrivals, departures, still_in, done, los, n_assess, n_hand, n_breaks


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
    return _journey_counts(rep.stints, len(rep.people), cm.assessments.astype(np.float64),
                           record_system_codes(cm))


@njit(cache=True)
def _journey_counts(stints, n, assessments_at, record_system):
    """One pass over the stints, which are created in time order for each person: a started
    stint after another started stint of the same person is a handover, and an information
    break when the two services keep their records in different systems."""
    assessments = np.zeros(n)
    handovers = np.zeros(n)
    breaks = np.zeros(n)
    count = np.zeros(n, np.int64)
    last = np.full(n, -1, np.int64)  # service of the person's latest started stint
    for i in range(stints.shape[0]):
        st = stints[i]
        if np.isnan(st.started):
            continue
        p, s = st.person, st.service
        count[p] += 1
        assessments[p] += assessments_at[s]
        if last[p] >= 0:
            handovers[p] += 1.0
            if record_system[last[p]] != record_system[s]:
                breaks[p] += 1.0
        last[p] = s
    return assessments, handovers, breaks, count
