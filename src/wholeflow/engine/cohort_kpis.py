"""Cohort KPIs of one replication: how often members of a cohort come back.

Rows for a cohort's risk groups (``cohort.<id>.<group>``) follow its own.

Each event of a cohort member (e.g. an exacerbation of COPD) creates a new person in the
tables (a new journey) whose member is known to the engine. Rows have service
``cohort.<id>``; see :data:`COHORT_CATALOGUE`. Admissions avoided by an intervention are the
difference in ``cohort_admissions`` between the baseline and the scenario (``wholeflow compare``
gives it with its confidence interval, on common random numbers).
"""

from __future__ import annotations

import numpy as np

from wholeflow.engine.compile import CompiledModel
from wholeflow.engine.compile_arrows import DAYS_PER_YEAR
from wholeflow.engine.replication import Replication

COHORT_CATALOGUE: dict[str, str] = {
    "members": "people in the cohort at day 0",
    "attendances": "members' events (attendances at the cohort's service) in the window",
    "attendances_per_person_year": "attendances / (members x years of the window)",
    "share_with_2_or_more": "share of members with 2 or more attendances in the first year of "
                            "the window (the whole window if shorter)",
    "cohort_admissions": "members' stints started in the window at the cohort's "
                         "admission_services",
    "left_cohort": "members who left the cohort for good (a leaves_on exit) in the window",
}


def cohort_kpis(cm: CompiledModel, rep: Replication) -> tuple[list[str], list[str], list[float]]:
    """(service, metric, value) rows: per cohort (``cohort.<id>``), then per risk group
    (``cohort.<id>.<group>``) the same KPIs but ``left_cohort``."""
    ar = cm.arrows
    w0, w1 = cm.warm_up, cm.end
    member = rep.member_of if rep.member_of is not None else np.full(len(rep.people), -1)
    arrived, left = rep.people["arrived"], rep.people["left"]
    is_member = member >= 0
    cohort_of = np.where(is_member, ar.mem_cohort[np.maximum(member, 0)], -1)
    year_end = min(w1, w0 + DAYS_PER_YEAR)
    st = rep.stints
    st_cohort = cohort_of[st["person"]]
    started_in = (st["started"] >= w0) & (st["started"] < w1)
    E = len(cm.exits)
    out_s: list[str] = []
    out_m: list[str] = []
    out_v: list[float] = []
    group_of = np.where(is_member, ar.mem_group[np.maximum(member, 0)], -1)
    st_group = group_of[st["person"]]
    everyone = [(c, f"cohort.{cid}", cohort_of, st_cohort, ar.mem_cohort)
                for c, cid in enumerate(ar.cohorts)]
    everyone += [(g, f"cohort.{cid}.{gid}", group_of, st_group, ar.mem_group)
                 for g, (cid, gid) in enumerate(ar.risk_groups)]
    for c, who, people_of, stints_of, members_of in everyone:
        mine = people_of == c
        n = int((members_of == c).sum())
        came = mine & (arrived >= w0) & (arrived < w1)
        first_year = mine & (arrived >= w0) & (arrived < year_end)
        per_member = np.bincount(member[first_year], minlength=len(ar.mem_rate))
        ids = np.flatnonzero(members_of == c)
        cohort = ar.mem_cohort[ids[0]] if n else 0
        leaves = ar.coh_leaves[cohort * E:(cohort + 1) * E]
        gone = mine & (left >= w0) & (left < w1) & (rep.people["exit"] >= 0)
        gone &= leaves[np.maximum(rep.people["exit"], 0)]
        admitted = (stints_of == c) & started_in & ar.coh_admits[cohort][st["service"]]
        values = {
            "members": n,
            "attendances": came.sum(),
            "attendances_per_person_year": (came.sum() / (n * (w1 - w0) / DAYS_PER_YEAR)
                                            if n else np.nan),
            "share_with_2_or_more": (per_member[ids] >= 2).mean() if n else np.nan,
            "cohort_admissions": admitted.sum(),
            "left_cohort": gone.sum(),
        }
        for metric, value in values.items():
            out_s.append(who)
            out_m.append(metric)
            out_v.append(float(value))
    return out_s, out_m, out_v
