"""Charts and readable tables for the diagnostics of imported data (``wholeflow.diagnose``).

Tables we know get a chart: referral waits by weekday, delayed days by service and
destination, journey variants, length of stay, stranded patients over time. Long day-by-day
tables (the midnight census, stranded counts) are shown as a per-service summary; the workbook
keeps every row. Anything else is shown as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wholeflow.report import charts, flows
from wholeflow.report import suppress as sup
from wholeflow.report.theme import NHS_BLUE, NHS_ORANGE, NHS_PURPLE, style

if TYPE_CHECKING:
    from wholeflow.model.schema import Model

WAITS = ("referral_waits", "waits_by_weekday")
DAY_BY_DAY = ("daily_census", "stranded", "daily")


def first(cols: Any, *names: str) -> str | None:
    """The first of ``names`` that is a column."""
    return next((n for n in names if n in cols), None)


def diagnostic_chart(key: str, df: pd.DataFrame, names: dict[str, str], model: Model | None,
                     threshold: int | None) -> go.Figure | None:
    """A chart for a diagnostic table we know, else None."""
    cols = set(df.columns)
    if not len(df) or ("service" not in cols and key != "variants"):
        return None
    if key in WAITS and "weekday" in cols:
        median = first(cols, "median_wait_days", "median_wait", "median")
        if median is not None:
            p90 = first(cols, "p90_wait_days", "p90_wait", "p90") or median
            rows = df[df["weekday"].astype(str).str.lower() != "all"]
            waits = pd.DataFrame({"service": rows["service"],
                                  "weekday": rows["weekday"].map(weekday_name),
                                  "median_wait_days": rows[median], "p90_wait_days": rows[p90]})
            return charts.waits_figure(waits, names)
    if key in ("delayed_days", "delays"):
        days = first(cols, "delayed_days", "days", "total_delayed_days")
        split = first(cols, "cause", "destination", "target")
        if days is not None:
            rows = df[df[split].astype(str) != "all"] if split else df
            by = pd.DataFrame({"service": rows["service"],
                               "cause": rows[split].astype(str) if split else "all",
                               "days": rows[days].astype(float)})
            return charts.delayed_days_figure(by, names)
    if key == "variants":
        return _variants(df, model, threshold)
    if key == "length_of_stay":
        return _length_of_stay(df, names)
    if key == "stranded" and {"date", "stranded"} <= cols:
        return stranded_figure(df, threshold)
    return None


def _variants(df: pd.DataFrame, model: Model | None, threshold: int | None
              ) -> go.Figure | None:
    cols = set(df.columns)
    path = first(cols, "path", "variant")
    count = first(cols, "people", "journeys", "count", "n")
    if path is None or count is None:
        return None
    v = df.rename(columns={path: "path", count: "people", "mean_assessments": "assessments",
                           "mean_handovers": "handovers"}).head(10)
    if threshold is not None:
        v = v[~v["people"].map(lambda x: sup.is_small(x, threshold))]
    return flows.variants_figure(v, model)


def _length_of_stay(df: pd.DataFrame, names: dict[str, str]) -> go.Figure | None:
    cols = set(df.columns)
    if {"p25", "median", "p75"} <= cols:
        summary = df.assign(p5=df.get("p5", df["p25"]), p95=df.get("p95", df["p75"]),
                            mean=df.get("mean", df["median"]))
        return charts.length_of_stay_figure(summary, names)
    if {"median", "p90"} <= cols:
        return median_p90_figure(df, names)
    return None


def median_p90_figure(df: pd.DataFrame, names: dict[str, str]) -> go.Figure:
    """Median length of stay by service, with a whisker up to the 90th percentile."""
    labels = [names.get(str(s), str(s)) for s in df["service"]]
    fig = go.Figure(go.Bar(
        x=df["median"], y=labels, orientation="h", name="median", marker_color=NHS_BLUE,
        error_x={"type": "data", "symmetric": False, "array": (df["p90"] - df["median"]),
                 "arrayminus": np.zeros(len(df)), "color": "#425563"},
        hovertemplate="%{y}: median %{x:.1f} days<extra></extra>"))
    top = df.sort_values("median", ascending=False).head(1)
    alt = "Median length of stay by service; whiskers reach the 90th percentile."
    if len(top):
        row = top.iloc[0]
        alt += (f" The longest is {names.get(str(row['service']), str(row['service']))}: "
                f"median {row['median']:.0f} days, 90 % within {row['p90']:.0f}.")
    return style(fig, "Length of stay by service (observed)", alt, xaxis_title="days",
                 height=max(300, 40 * len(df) + 120), yaxis={"autorange": "reversed"})


def stranded_figure(df: pd.DataFrame, threshold: int | None) -> go.Figure:
    """People stranded (≥ 7 days) and super-stranded (≥ 21 days) at each midnight, all services."""
    daily = df.groupby("date")[[c for c in ("stranded", "super_stranded") if c in df]].sum()
    fig = go.Figure()
    for col, colour, label in (("stranded", NHS_ORANGE, "stranded (7 days or more)"),
                               ("super_stranded", NHS_PURPLE, "super-stranded (21 days or more)")):
        if col in daily:
            values = daily[col].to_numpy(float)
            if threshold is not None:
                values = np.asarray(sup.mask_small(values, threshold))
            fig.add_trace(go.Scatter(x=daily.index, y=values, name=label, mode="lines",
                                     line={"color": colour, "width": 2}))
    peak = daily["stranded"].max() if "stranded" in daily else 0
    alt = (f"People stranded in a service at each midnight over the extract; at most "
           f"{peak:,.0f} stranded on one day.")
    return style(fig, "Stranded and super-stranded people at midnight", alt, height=360,
                 yaxis_title="people")


def readable_table(key: str, df: pd.DataFrame) -> pd.DataFrame:
    """Day-by-day tables summarised per service; other tables as they are."""
    if key not in DAY_BY_DAY or "service" not in df or "date" not in df:
        return df
    numbers = [c for c in df.columns if c not in ("service", "date", "replication")
               and pd.api.types.is_numeric_dtype(df[c])]
    grouped = df.groupby("service")[numbers]
    out = grouped.mean().add_prefix("mean_").join(grouped.max().add_prefix("peak_"))
    out.insert(0, "days", df.groupby("service").size())
    return out.reset_index()


def weekday_name(value: Any) -> Any:
    """``0``/``"mon"``/``"Monday"`` -> ``"Mon"``."""
    if isinstance(value, int | np.integer) and 0 <= int(value) < 7:
        return charts.WEEKDAY_NAMES[int(value)]
    text = str(value)[:3].capitalize()
    return text if text in charts.WEEKDAY_NAMES else value
