"""Report and workbook tables for the workforce, limited exits, named waits and cohorts.

Each function returns None when the model has nothing of the kind, so a report of a model
without these sections is unchanged.

- :func:`staff_table`: per team and staff group, available against needed hours, utilisation,
  clinical hours on work another group could do, failure demand and repeated assessments;
- :func:`cohort_table`: per cohort, attendances, attendances per person a year, the share
  attending twice or more, admissions;
- :func:`workforce_inputs`: the model's teams and groups (WTE, hours, absence);
- :func:`arrows_section`: the HTML report section holding those tables and the delayed days
  by placement and named-wait cause.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from wholeflow.model.schema import Model
from wholeflow.report.document import Section, Table, Text

_STAFF_COLUMNS = {
    "available_hours": "available hours", "needed_hours": "needed hours",
    "staff_utilisation": "utilisation", "hours_could_be_done_by_others":
    "clinical hours another group could do", "failure_demand_hours": "failure demand hours",
    "repeated_assessment_hours": "repeated assessment hours",
}
_COHORT_COLUMNS = {
    "members": "members", "attendances": "attendances",
    "attendances_per_person_year": "attendances per person a year",
    "share_with_2_or_more": "share with 2 or more a year", "cohort_admissions": "admissions",
    "left_cohort": "left the cohort",
}


def _wide(summary: pd.DataFrame | None, prefix: str, columns: dict[str, str]
          ) -> pd.DataFrame | None:
    if summary is None or not len(summary):
        return None
    rows = summary[summary["service"].astype(str).str.startswith(prefix)
                   & summary["metric"].isin(list(columns))]
    if not len(rows):
        return None
    wide = rows.pivot_table(index="service", columns="metric", values="mean", sort=False)
    wide = wide[[c for c in columns if c in wide.columns]].rename(columns=columns)
    wide.index = [str(s).removeprefix(prefix) for s in wide.index]
    return wide.rename_axis(prefix.rstrip(".")).reset_index()


def staff_table(summary: pd.DataFrame | None) -> pd.DataFrame | None:
    """Mean staff KPIs per team (``team``) and group (``team.group``) over replications."""
    return _wide(summary, "staff.", _STAFF_COLUMNS)


def cohort_table(summary: pd.DataFrame | None) -> pd.DataFrame | None:
    """Mean cohort KPIs per cohort over replications."""
    return _wide(summary, "cohort.", _COHORT_COLUMNS)


def workforce_inputs(model: Model | None) -> pd.DataFrame | None:
    """The model's staff groups: WTE, hours per WTE-week and absence, one row per group."""
    if model is None or not model.staff:
        return None
    rows = [{"team": team.name or tid, "group": group.name or gid, "WTE": group.wte,
             "hours per WTE-week": team.hours_per_wte_week, "clinical": group.clinical,
             "sickness": team.absence.sickness,
             "annual leave weeks": team.absence.annual_leave_weeks}
            for tid, team in model.staff.items() for gid, group in team.groups.items()]
    return pd.DataFrame(rows)


def arrow_tables(model: Model | None, summary: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Workbook sheets for the four arrows (none for a model without them)."""
    found = {"Staff": staff_table(summary), "Cohorts": cohort_table(summary),
             "Staff groups": workforce_inputs(model)}
    return {name: df for name, df in found.items() if df is not None and len(df)}


def _delay_causes(summary: pd.DataFrame | None, model: Model) -> pd.DataFrame | None:
    """Delayed days by placement and named-wait cause, per service (non-zero only)."""
    if summary is None:
        return None
    builtin = {"triage", "closed", "no_capacity", "transfer_delay"}
    m = summary["metric"].astype(str)
    rows = summary[m.str.startswith("delayed_days_")
                   & ~m.str.removeprefix("delayed_days_").isin(builtin)
                   & (summary["service"] != "system") & (summary["mean"] > 0)]
    if not len(rows):
        return None
    names = {s: svc.name or s for s, svc in model.services.items()}
    out = rows.assign(service=rows["service"].map(lambda s: names.get(s, s)),
                      cause=rows["metric"].str.removeprefix("delayed_days_").str.replace(
                          "_", " "))
    return out[["service", "cause", "mean", "ci_low", "ci_high"]].rename(
        columns={"mean": "delayed days"})


def arrows_section(results: Any, model: Model) -> Section | None:
    """Staff, cohorts, placements and named waits, when the model has them."""
    from wholeflow.report.sections import kpi_summary

    summary = kpi_summary(results)
    blocks: list[Any] = []
    staff = staff_table(summary)
    if staff is not None:
        blocks += [Text(["Staff hours over the run: what each team and staff group had "
                         "(less annual leave and sickness) against what the services' "
                         "activities needed. Clinical hours another group could do are work "
                         "such as processing referrals that admin could take on."]),
                   Table(staff, "Staff hours by team and group")]
    cohorts = cohort_table(summary)
    if cohorts is not None:
        blocks += [Table(cohorts, "Cohorts: people who come back")]
    causes = _delay_causes(summary, model)
    if causes is not None:
        blocks += [Table(causes, "Delayed days waiting for a placement or for a named reason")]
    if not blocks:
        return None
    return Section("arrows", "Workforce, placements and cohorts", blocks)
