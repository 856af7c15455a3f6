"""Scenario comparisons as a forest plot, and one-at-a-time sensitivity as a tornado.

The forest plot draws every (scenario, service, KPI) difference against the baseline as a
percentage of the baseline mean, so KPIs measured in days, people and pounds share one axis; the
95 % confidence interval is the whisker and the plain-words verdict is in the hover and the
table. A whisker that crosses zero is drawn grey: no clear difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wholeflow.report.theme import NHS_BLUE, NHS_MID_GREY, NHS_ORANGE, style

MAX_ROWS = 40


def comparison_table(comparison: Any) -> pd.DataFrame | None:
    """The differences table of a comparison, with the column names this package uses.

    Accepts the experiments' ``Comparison`` (its ``differences``) or a DataFrame; ``baseline``
    and ``mean`` are read as ``baseline_mean`` and ``scenario_mean``.
    """
    if comparison is None:
        return None
    df = getattr(comparison, "differences", comparison)
    if not isinstance(df, pd.DataFrame):
        return None
    df = df.rename(columns={k: v for k, v in (("baseline", "baseline_mean"),
                                               ("mean", "scenario_mean")) if k in df})
    return df


def sensitivity_table(sensitivity: Any) -> pd.DataFrame | None:
    """The tornado table of a sensitivity analysis (its ``table``, or a DataFrame).

    A ``kpi`` column (``metric@service``) stands in for ``metric`` when there is none.
    """
    if sensitivity is None:
        return None
    df = getattr(sensitivity, "table", sensitivity)
    if not isinstance(df, pd.DataFrame):
        return None
    if "metric" not in df and "kpi" in df:
        df = df.assign(metric=df["kpi"].astype(str))
    return df


def relative_differences(comparison: pd.DataFrame) -> pd.DataFrame:
    """Add ``change_pct``, ``ci_low_pct`` and ``ci_high_pct`` (% of the baseline mean)."""
    df = comparison.copy()
    base = df["baseline_mean"].astype(float).replace(0.0, np.nan).abs()
    df["change_pct"] = 100 * df["difference"].astype(float) / base
    df["ci_low_pct"] = 100 * df["ci_low"].astype(float) / base
    df["ci_high_pct"] = 100 * df["ci_high"].astype(float) / base
    df["clear"] = (df["ci_low"] > 0) | (df["ci_high"] < 0)
    return df


def forest_plot(comparison: pd.DataFrame, names: dict[str, str] | None = None,
                max_rows: int = MAX_ROWS) -> go.Figure:
    """Differences of each scenario from the baseline with 95 % confidence intervals.

    Rows are ordered by size of change, clear differences first; at most ``max_rows`` are drawn
    (the table below the chart lists them all).
    """
    names = names or {}
    df = relative_differences(comparison).dropna(subset=["change_pct"])
    df = df.assign(size=df["change_pct"].abs()).sort_values(["clear", "size"],
                                                            ascending=[False, False])
    df = df.head(max_rows).iloc[::-1]
    labels = [f"{r.scenario}: {names.get(str(r.service), str(r.service))}, "
              f"{str(r.metric).replace('_', ' ')}"
              for r in df.itertuples()]
    colours = [NHS_BLUE if c else NHS_MID_GREY for c in df["clear"]]
    fig = go.Figure(go.Scatter(
        x=df["change_pct"], y=labels, mode="markers", name="difference",
        marker={"color": colours, "size": 10, "symbol": "diamond"},
        error_x={"type": "data", "symmetric": False,
                 "array": (df["ci_high_pct"] - df["change_pct"]).to_numpy(),
                 "arrayminus": (df["change_pct"] - df["ci_low_pct"]).to_numpy(),
                 "color": NHS_MID_GREY, "thickness": 1.5},
        customdata=df[["verdict", "difference", "ci_low", "ci_high"]].to_numpy(),
        hovertemplate="%{y}<br>%{customdata[0]}<br>change %{x:+.1f} % of baseline"
                      "<extra></extra>",
    ))
    fig.add_vline(x=0, line={"color": "#212B32", "width": 1})
    clear = int(df["clear"].sum())
    alt = (f"Forest plot of {len(df)} scenario differences from the baseline, as a percentage "
           f"of the baseline with 95 % confidence intervals; {clear} are clear differences.")
    if len(df):
        big = df.iloc[-1]
        alt += f" The largest: {big['verdict']}."
    return style(fig, "What each scenario changes (difference from baseline, 95 % CI)", alt,
                 height=max(320, 30 * len(df) + 140), xaxis_title="change (% of baseline)",
                 margin={"l": 20, "r": 20, "t": 70, "b": 50},
                 xaxis={"zeroline": False, "showgrid": True, "gridcolor": "#E8EDEE"})


def tornado_figure(sensitivity: pd.DataFrame, metric: str | None = None,
                   top: int = 15) -> go.Figure:
    """Tornado of a KPI's change when each parameter moves down (left) or up (right).

    ``sensitivity`` has columns parameter, metric, low_change, high_change and optionally
    ``low_ci_low``/``low_ci_high``/``high_ci_low``/``high_ci_high``. Parameters are ranked by
    the larger of their two swings, the widest on top.
    """
    if metric is None and len(sensitivity):
        metric = str(sensitivity["metric"].iloc[0])
    df = sensitivity[sensitivity["metric"] == metric].copy()
    df["swing"] = df[["low_change", "high_change"]].abs().max(axis=1)
    df = df.sort_values("swing", ascending=False).head(top).iloc[::-1]
    fig = go.Figure()
    for side, colour, label in (("low", NHS_ORANGE, "parameter lower"),
                                ("high", NHS_BLUE, "parameter higher")):
        err = None
        if {f"{side}_ci_low", f"{side}_ci_high"} <= set(df.columns):
            err = {"type": "data", "symmetric": False, "color": "#212B32", "thickness": 1,
                   "array": (df[f"{side}_ci_high"] - df[f"{side}_change"]).to_numpy(),
                   "arrayminus": (df[f"{side}_change"] - df[f"{side}_ci_low"]).to_numpy()}
        fig.add_trace(go.Bar(
            x=df[f"{side}_change"], y=df["parameter"], orientation="h", name=label,
            marker_color=colour, error_x=err,
            hovertemplate="%{y}: %{x:+,.1f}<extra>" + label + "</extra>"))
    name, _, where = str(metric).partition("@")
    words = name.replace("_", " ") + (f" ({where.replace('_', ' ')})" if where else "")
    alt = f"Tornado chart of the change in {words} when each parameter moves down or up."
    if len(df):
        top_row = df.iloc[-1]
        alt += (f" The most influential is {top_row['parameter']}: "
                f"{top_row['low_change']:+,.1f} to {top_row['high_change']:+,.1f}.")
    return style(fig, f"Which assumptions matter most: {words}", alt, barmode="overlay",
                 height=max(300, 32 * len(df) + 140), xaxis_title=f"change in {words}",
                 bargap=0.25, yaxis={"automargin": True})
