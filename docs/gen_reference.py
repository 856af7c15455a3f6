"""Generate docs/reference/kpis.md and docs/reference/tables.md from the code.

    python docs/gen_reference.py

A test fails when the committed files differ from what this script writes, so the reference
cannot drift from the code.
"""

from __future__ import annotations

from pathlib import Path

from wholeflow import tables
from wholeflow.engine.cohort_kpis import COHORT_CATALOGUE
from wholeflow.engine.kpis import CATALOGUE, SYSTEM_CATALOGUE
from wholeflow.engine.staff_kpis import SERVICE_STAFF_CATALOGUE, STAFF_CATALOGUE

HERE = Path(__file__).resolve().parent / "reference"


def kpis_md() -> str:
    lines = [
        "# KPI catalogue",
        "",
        "Every KPI is measured per replication over the collection window (from the end of the",
        "warm-up to the end of the run) and reported in long form: replication, service, metric,",
        "value. `Results.summary()` gives the mean, sd and 95 % t confidence interval across",
        "replications. This page is generated from `wholeflow.engine.kpis`.",
        "",
        "## Per service",
        "",
        "| metric | meaning |",
        "|---|---|",
        *[f"| `{k}` | {v} |" for k, v in CATALOGUE.items()],
        "",
        "## Whole system (service `system`)",
        "",
        "| metric | meaning |",
        "|---|---|",
        *[f"| `{k}` | {v} |" for k, v in SYSTEM_CATALOGUE.items()],
        "",
        "## Workforce (models with `staff:`)",
        "",
        "Services with a `workforce:` have these rows too:",
        "",
        "| metric | meaning |",
        "|---|---|",
        *[f"| `{k}` | {v} |" for k, v in SERVICE_STAFF_CATALOGUE.items()],
        "",
        "Each team (service `staff.<team>`) and each of its staff groups",
        "(`staff.<team>.<group>`) has these; a team's values are the sums of its groups'",
        "(utilisation: of the sums):",
        "",
        "| metric | meaning |",
        "|---|---|",
        *[f"| `{k}` | {v} |" for k, v in STAFF_CATALOGUE.items()],
        "",
        "## Cohorts (models with `cohorts:`; service `cohort.<id>`)",
        "",
        "Admissions avoided by an intervention are the difference in `cohort_admissions`",
        "between the baseline and the scenario (`wholeflow compare`, on common random numbers).",
        "",
        "| metric | meaning |",
        "|---|---|",
        *[f"| `{k}` | {v} |" for k, v in COHORT_CATALOGUE.items()],
        "",
    ]
    return "\n".join(lines)


def tables_md() -> str:
    parts = [
        "# Tables",
        "",
        "Simulated runs and imported event logs produce the same tables, so every diagnostic runs",
        "on real and simulated data alike. Times are timestamps (day 0 of a model is 00:00 on its",
        "`start_date`); durations are in days. Simulation tables keep the records that touch the",
        "collection window. This page is generated from `wholeflow.tables`.",
        "",
    ]
    for name in ("STAYS", "REFERRALS", "DELAYS", "JOURNEYS", "DAILY", "KPIS"):
        parts += [f"## `{name.lower()}`", "", "| column | meaning |", "|---|---|"]
        parts += [f"| `{k}` | {v} |" for k, v in getattr(tables, name).items()]
        parts.append("")
    return "\n".join(parts)


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    (HERE / "kpis.md").write_text(kpis_md(), encoding="utf-8")
    (HERE / "tables.md").write_text(tables_md(), encoding="utf-8")


if __name__ == "__main__":
    main()
