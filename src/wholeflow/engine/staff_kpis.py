"""Workforce KPIs of one replication: staff hours needed by activity against hours available.

Needed hours come from what the services did in the collection window, times each activity's
hours: ``triage`` per referral decided, ``assessment`` per assessment of each admission,
``rejected_referral`` per referral rejected, ``care`` per occupied person-day, ``discharge`` per
discharge. Available hours are each group's hours on the days of the window (planned less
sickness; a part day counts in part). Rows (service column):

- each service with a workforce: ``staff_hours`` and ``staff_hours_<activity>``, and for a
  service whose capacity follows its staff ``days_below_planned_capacity`` (window days with
  fewer places than with no one absent);
- ``staff.<team>`` and ``staff.<team>.<group>``: see :data:`STAFF_CATALOGUE`.

Every staff hour is accounted for: a group's ``needed_hours`` is the sum of its
``hours_<activity>``, and a team's hours are the sums of its groups'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wholeflow.engine.compile import CompiledModel
from wholeflow.engine.replication import Replication
from wholeflow.model.arrows import ACTIVITIES

SERVICE_STAFF_CATALOGUE: dict[str, str] = {
    "staff_hours": "staff hours the service's activities took in the window (all activities)",
    **{f"staff_hours_{a}": f"of those, hours on {a.replace('_', ' ')}" for a in ACTIVITIES},
    "days_below_planned_capacity": "days of the window on which a service whose capacity "
                                   "follows its staff had fewer places than on its rota (annual "
                                   "leave planned for): places lost to sickness",
    "places_lost_to_absence": "mean places a day below the establishment (no one absent) "
                              "through annual leave and sickness",
}

STAFF_CATALOGUE: dict[str, str] = {
    "available_hours": "staff hours available in the window (planned less annual leave and "
                       "sickness)",
    "needed_hours": "staff hours the activities of the services took in the window",
    "staff_utilisation": "needed_hours / available_hours (above 1: more work than time)",
    **{f"hours_{a}": f"needed hours on {a.replace('_', ' ')}" for a in ACTIVITIES},
    "hours_could_be_done_by_others": "hours of clinical groups on activities another group "
                                     "could do (could_be_done_by)",
    "failure_demand_hours": "hours on rejected referrals",
    "repeated_assessment_hours": "hours on assessments after a person's first in the journey",
}


def window_hours(hours: np.ndarray, w0: float, w1: float) -> np.ndarray:
    """Sum over days of ``hours[:, d]`` weighted by the part of day d inside [w0, w1)."""
    days = np.arange(hours.shape[1], dtype=float)
    weight = np.clip(np.minimum(days + 1, w1) - np.maximum(days, w0), 0.0, 1.0)
    return hours @ weight


def repeated_assessments(cm: CompiledModel, rep: Replication) -> np.ndarray:
    """Per service: assessments of admissions in the window that were not the person's first."""
    st = rep.stints
    adm = ~np.isnan(st["started"]) & (st["came_from"] != -2)
    n_assess = np.where(adm, cm.assessments[st["service"]], 0)
    # assessments the person had in earlier stints (stints are in time order per person)
    before = pd.Series(n_assess).groupby(st["person"]).cumsum().to_numpy() - n_assess
    first_here = np.where(before > 0, 0, np.minimum(n_assess, 1))
    repeats = n_assess - first_here
    inside = adm & (st["started"] >= cm.warm_up) & (st["started"] < cm.end)
    return np.bincount(st["service"][inside], weights=repeats[inside],
                       minlength=cm.n_services)


def staff_kpis(cm: CompiledModel, rep: Replication, counts: dict[str, np.ndarray]
               ) -> tuple[list[str], list[str], list[float]]:
    """(service, metric, value) rows; ``counts`` are per-service activity counts in the window
    (triage, assessment, rejected_referral, care, discharge) and ``repeated_assessment``."""
    st = cm.arrows.staff
    A, G = len(ACTIVITIES), len(st.groups)
    hours = np.stack([counts[a] for a in ACTIVITIES], axis=1) * st.act_hours  # (S, A)
    repeated = counts["repeated_assessment"] * st.act_hours[:, ACTIVITIES.index("assessment")]
    by_group = np.zeros((G, A))
    alt = np.zeros(G)
    rep_hours = np.zeros(G)
    for s, a in zip(*np.nonzero(st.act_group >= 0), strict=True):
        g = st.act_group[s, a]
        by_group[g, a] += hours[s, a]
        if st.act_alt[s, a] and st.clinical[g]:
            alt[g] += hours[s, a]
        if ACTIVITIES[a] == "assessment":
            rep_hours[g] += repeated[s]
    available = window_hours(rep.staff_hours if rep.staff_hours is not None else st.planned,
                             cm.warm_up, cm.end)
    rows_s: list[str] = []
    rows_m: list[str] = []
    rows_v: list[float] = []

    def put(who: str, metric: str, value: float) -> None:
        rows_s.append(who)
        rows_m.append(metric)
        rows_v.append(float(value))

    below = _days_below(cm, rep)
    for s in np.flatnonzero((st.act_group >= 0).any(axis=1)).tolist():
        sid = cm.services[s]
        put(sid, "staff_hours", hours[s].sum())
        for a, name in enumerate(ACTIVITIES):
            put(sid, f"staff_hours_{name}", hours[s, a])
        if s in below:
            put(sid, "days_below_planned_capacity", below[s][0])
            put(sid, "places_lost_to_absence", below[s][1])
    for t, tid in enumerate(st.teams):
        members = np.flatnonzero(st.group_team == t)
        for who, idx in [(f"staff.{tid}", members),
                         *((f"staff.{tid}.{st.groups[g][1]}", np.array([g])) for g in members)]:
            need = by_group[idx].sum()
            have = available[idx].sum()
            put(who, "available_hours", have)
            put(who, "needed_hours", need)
            put(who, "staff_utilisation", need / have if have > 0 else np.nan)
            for a, name in enumerate(ACTIVITIES):
                put(who, f"hours_{name}", by_group[idx, a].sum())
            put(who, "hours_could_be_done_by_others", alt[idx].sum())
            put(who, "failure_demand_hours",
                by_group[idx, ACTIVITIES.index("rejected_referral")].sum())
            put(who, "repeated_assessment_hours", rep_hours[idx].sum())
    return rows_s, rows_m, rows_v


def _days_below(cm: CompiledModel, rep: Replication) -> dict[int, tuple[float, float]]:
    """Per staffed service: window days below the rota's places, and mean places a day below
    the establishment."""
    from wholeflow.engine.workforce import establishment_places, planned_places, staffed_places

    st = cm.arrows.staff
    if not st.staffed or rep.staff_hours is None:
        return {}
    first, last = int(np.ceil(cm.warm_up)), int(np.floor(cm.end))
    now = staffed_places(cm, rep.staff_hours)
    rota = planned_places(cm)
    full = establishment_places(cm)
    window = slice(first, last)
    return {s: (float((now[s][window] < rota[s][window]).sum()),
                float((full[s][window] - now[s][window]).mean()) if last > first else 0.0)
            for s in now}
