"""Shared printing helpers for the CLI: numbers with confidence intervals, KPI tables."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: KPIs shown per service in the run summary, in this order, with their column titles.
SERVICE_COLUMNS = {
    "mean_occupancy": "occupancy",
    "utilisation": "utilisation",
    "mean_length_of_stay": "LOS (days)",
    "mean_wait_days": "wait (days)",
    "delayed_days": "delayed days",
}
SYSTEM_ROWS = {
    "arrivals": "arrivals",
    "departures": "departures",
    "mean_system_length_of_stay": "system length of stay (days)",
    "delayed_days": "delayed days",
    "assessments_per_journey": "assessments per journey",
    "handovers_per_journey": "handovers per journey",
    "information_breaks_per_journey": "times a person tells their story again",
    "cost": "cost",
}


def number(x: float) -> str:
    """A number as a person would write it: thousands separators, sensible decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    ax = abs(x)
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:,.1f}"
    return f"{x:,.2f}"


def with_ci(mean: float, low: float, high: float) -> str:
    """'mean (low to high)'; just the mean when the interval is empty or undefined."""
    if math.isnan(low) or math.isnan(high) or low == high:
        return number(mean)
    return f"{number(mean)} ({number(low)} to {number(high)})"


def plus_minus(mean: float, low: float, high: float) -> str:
    """'mean ±half-width': the compact form used in wide tables."""
    if math.isnan(low) or math.isnan(high) or low == high:
        return number(mean)
    return f"{number(mean)} ±{significant((high - low) / 2)}"


def significant(x: float, digits: int = 2) -> str:
    """A half-width to two significant figures: 673 -> '670', 1.894 -> '1.9'."""
    if x == 0 or math.isnan(x):
        return number(x)
    magnitude = math.floor(math.log10(abs(x)))
    rounded = round(x, digits - 1 - magnitude)
    return f"{rounded:,.{max(0, digits - 1 - magnitude)}f}"


def summary_tables(summary: pd.DataFrame, title: str) -> list[Table]:
    """A services table and a system table from ``Results.summary()``."""
    idx: dict[tuple[str, str], tuple[float, float, float]] = {
        (str(s), str(m)): (float(a), float(lo), float(hi))
        for s, m, a, lo, hi in zip(summary["service"], summary["metric"], summary["mean"],
                                   summary["ci_low"], summary["ci_high"], strict=True)
    }
    # staff.<team>[.<group>] and cohort.<id> rows get tables of their own (_group_tables)
    services = [s for s in dict.fromkeys(summary["service"])
                if s != "system" and "." not in str(s)]
    t = Table(title=f"{title}: services (mean ±95 % CI half-width)", title_justify="left")
    t.add_column("service", no_wrap=True)
    for title_ in SERVICE_COLUMNS.values():
        t.add_column(title_, justify="right")
    for s in services:
        cells = []
        for metric in SERVICE_COLUMNS:
            if (s, metric) in idx:
                mean, low, high = idx[(s, metric)]
                if metric == "utilisation" and not math.isnan(mean):
                    cells.append(f"{mean:.0%}")
                else:
                    cells.append(plus_minus(mean, low, high))
            else:
                cells.append("-")
        t.add_row(s, *cells)
    sys_t = Table(title=f"{title}: whole system", title_justify="left")
    sys_t.add_column("measure")
    sys_t.add_column("mean (95 % CI)", justify="right")
    for metric, label in SYSTEM_ROWS.items():
        if ("system", metric) in idx:
            sys_t.add_row(label, with_ci(*idx[("system", metric)]))
    return [t, sys_t, *_group_tables(summary, idx, title)]


#: Columns of the staff and cohort tables: (row prefix, heading, {metric: column}).
GROUP_TABLES = (
    ("staff.", "staff hours by team and group",
     {"available_hours": "available h", "needed_hours": "needed h",
      "staff_utilisation": "utilisation", "hours_could_be_done_by_others": "others could do h"}),
    ("cohort.", "cohorts",
     {"attendances_per_person_year": "attendances/person/year",
      "share_with_2_or_more": "2+ a year", "cohort_admissions": "admissions"}),
)


def _group_tables(summary: pd.DataFrame, idx: dict[tuple[str, str], tuple[float, float, float]],
                  title: str) -> list[Table]:
    """Tables for staff teams and groups and for cohorts, when the model has them."""
    out = []
    for prefix, heading, columns in GROUP_TABLES:
        rows = [s for s in dict.fromkeys(summary["service"]) if str(s).startswith(prefix)]
        if not rows:
            continue
        t = Table(title=f"{title}: {heading} (mean ±95 % CI half-width)", title_justify="left")
        t.add_column(prefix.rstrip("."), no_wrap=True)
        for column in columns.values():
            t.add_column(column, justify="right")
        for row in rows:
            cells = []
            for metric in columns:
                mean, low, high = idx.get((row, metric), (math.nan,) * 3)
                share = metric in ("staff_utilisation", "share_with_2_or_more")
                cells.append(f"{mean:.0%}" if share and not math.isnan(mean)
                             else plus_minus(mean, low, high))
            t.add_row(str(row).removeprefix(prefix), *cells)
        out.append(t)
    return out
