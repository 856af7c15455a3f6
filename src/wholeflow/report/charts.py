"""Charts of how services behave over time and where time goes.

Each function takes tables with the shared columns of :mod:`wholeflow.tables` (simulated or
imported alike) and returns a plotly figure with its alt text in ``layout.meta['alt']``.
Distributions are drawn from summary statistics (quartiles, percentiles), never from raw rows,
so the figures stay small and carry no patient-level data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from wholeflow.report.theme import NHS_BLUE, NHS_DARK_GREY, NHS_ORANGE, NHS_RED, SERIES, style
from wholeflow.tables import DELAY_CAUSES

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CAUSE_WORDS = {"triage": "waiting for triage", "closed": "service closed (calendar)",
               "no_capacity": "no free place", "transfer_delay": "transfer (transport, package)"}
CAUSE_COLOURS = dict(zip(DELAY_CAUSES, [NHS_ORANGE, "#8A1538", NHS_BLUE, "#00A9CE"],
                         strict=True))
MAX_PANELS = 12


def daily_bands(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per service and date: median and 10th/90th percentiles of ``column`` over replications."""
    g = daily.groupby(["service", "date"])[column]
    out = pd.DataFrame({"median": g.median(), "low": g.quantile(0.1), "high": g.quantile(0.9)})
    return out.reset_index()


def occupancy_figure(
    daily: pd.DataFrame,
    services: Sequence[str] | None = None,
    names: dict[str, str] | None = None,
) -> go.Figure:
    """Occupancy and queue by day, one panel per service.

    The line is the median over replications, the shaded band the 10th–90th percentile range
    (the middle 80 % of runs), the dashed line the capacity in force, the dotted line the queue.
    At most :data:`MAX_PANELS` services are drawn (the fullest first) unless ``services`` is given.
    """
    names = names or {}
    services = list(services) if services is not None else _fullest(daily)
    services = [s for s in services if s in set(daily["service"])]
    occ = daily_bands(daily, "occupancy")
    queue = daily_bands(daily, "queue") if "queue" in daily else None
    fig = make_subplots(rows=max(len(services), 1), cols=1, shared_xaxes=True,
                        vertical_spacing=0.12 / max(len(services), 1) + 0.02,
                        subplot_titles=[names.get(s, s) for s in services])
    for row, sid in enumerate(services, start=1):
        o = occ[occ["service"] == sid]
        dates = o["date"].to_numpy()  # arrays: plotly checks lists item by item
        fig.add_trace(go.Scatter(
            x=np.concatenate([dates, dates[::-1]]),
            y=np.concatenate([o["high"].to_numpy(), o["low"].to_numpy()[::-1]]), fill="toself",
            fillcolor="rgba(0,94,184,0.18)", line={"width": 0}, hoverinfo="skip",
            name=f"{sid} occupancy band", showlegend=False), row=row, col=1)
        fig.add_trace(go.Scatter(x=dates, y=o["median"].to_numpy(), name=f"{sid} occupancy",
                                 line={"color": NHS_BLUE, "width": 2}, showlegend=False,
                                 hovertemplate="%{x|%d %b %Y}: %{y:.0f} people<extra></extra>"),
                      row=row, col=1)
        if queue is not None:
            q = queue[queue["service"] == sid]
            if q["median"].max() > 0:
                fig.add_trace(go.Scatter(
                    x=q["date"], y=q["median"], name=f"{sid} queue", showlegend=False,
                    line={"color": NHS_ORANGE, "width": 1.5, "dash": "dot"},
                    hovertemplate="%{x|%d %b %Y}: queue %{y:.0f}<extra></extra>"), row=row, col=1)
        cap = _capacity_line(daily, sid)
        if cap is not None:
            fig.add_trace(go.Scatter(x=cap["date"], y=cap["capacity"], name=f"{sid} capacity",
                                     line={"color": NHS_RED, "width": 1.5, "dash": "dash"},
                                     showlegend=False, line_shape="hv",
                                     hovertemplate="capacity %{y:.0f}<extra></extra>"),
                          row=row, col=1)
    n = len(services)
    return style(
        fig, "Occupancy and queues over time",
        f"Daily occupancy of {n} service{'s' if n != 1 else ''}: blue line the median over "
        "replications with a band for the middle 80 % of runs, red dashed line the capacity, "
        "orange dotted line the queue.",
        height=max(320, 210 * n + 80), margin={"l": 60, "r": 20, "t": 80, "b": 40},
    )


def _fullest(daily: pd.DataFrame) -> list[str]:
    if "capacity" in daily and daily["capacity"].notna().any():
        util = (daily["occupancy"] / daily["capacity"]).groupby(daily["service"]).mean()
        order = util.sort_values(ascending=False, na_position="last").index.tolist()
        rest = [s for s in pd.unique(daily["service"]) if s not in order]
        return [*order, *rest][:MAX_PANELS]
    return list(pd.unique(daily["service"]))[:MAX_PANELS]


def _capacity_line(daily: pd.DataFrame, sid: str) -> pd.DataFrame | None:
    if "capacity" not in daily:
        return None
    cap = daily[daily["service"] == sid].groupby("date")["capacity"].first().dropna()
    return None if cap.empty else cap.reset_index()


def delays_by_cause(kpis: pd.DataFrame) -> pd.DataFrame:
    """Delayed days per service and cause, mean over replications (from a long KPI table)."""
    rows = []
    means = kpis.groupby(["service", "metric"])["value"].mean()
    for service, metric, value in means.reset_index().itertuples(index=False, name=None):
        metric = str(metric)
        if service == "system" or not metric.startswith("delayed_days_"):
            continue
        cause = metric.removeprefix("delayed_days_")
        if cause in DELAY_CAUSES:
            rows.append({"service": service, "cause": cause, "days": float(value)})
    return pd.DataFrame(rows, columns=["service", "cause", "days"])


def delays_from_table(delays: pd.DataFrame) -> pd.DataFrame:
    """Delayed days per service and cause from a ``delays`` table (mean per replication)."""
    reps = delays["replication"].nunique() if "replication" in delays else 1
    out = delays.groupby(["service", "cause"])["days"].sum() / max(reps, 1)
    return out.reset_index()


def delayed_days_figure(by_cause: pd.DataFrame, names: dict[str, str] | None = None
                        ) -> go.Figure:
    """Stacked bars: delayed days held at each service, split by what they were waiting for."""
    names = names or {}
    totals = by_cause.groupby("service")["days"].sum().sort_values(ascending=False)
    order = [s for s in totals.index if totals[s] > 0] or list(totals.index)
    fig = go.Figure()
    for cause in [*DELAY_CAUSES, *sorted(set(by_cause["cause"]) - set(DELAY_CAUSES))]:
        part = by_cause[by_cause["cause"] == cause].set_index("service")["days"]
        if part.sum() <= 0:
            continue
        fig.add_trace(go.Bar(
            x=[names.get(str(s), str(s)) for s in order],
            y=[float(part.get(s, 0.0)) for s in order],
            name=CAUSE_WORDS.get(cause, cause), marker_color=CAUSE_COLOURS.get(cause),
            customdata=order, hovertemplate="%{x}: %{y:,.0f} delayed days<extra>%{fullData.name}"
            "</extra>"))
    top = order[0] if order else None
    alt = "Delayed days by service and cause."
    if top is not None and totals[top] > 0:
        alt += (f" Most are held at {names.get(top, top)}: {totals[top]:,.0f} days, "
                f"{totals[top] / totals.sum():.0%} of all delayed days.")
    return style(fig, "Delayed days by service and cause", alt, barmode="stack",
                 yaxis_title="delayed days (bed days lost)", height=420)


def waits_by_weekday(stays: pd.DataFrame) -> pd.DataFrame:
    """Median and 90th percentile referral-to-start wait by service and weekday of referral."""
    df = stays.dropna(subset=["referred", "wait_days"])
    if "stint" in df:
        df = df[df["stint"] > 1]  # new arrivals have no referral wait
    weekday = pd.to_datetime(df["referred"]).dt.day_of_week
    g = df.groupby([df["service"], weekday.rename("weekday")])["wait_days"]
    out = pd.DataFrame({"referrals": g.size(), "median_wait_days": g.median(),
                        "p90_wait_days": g.quantile(0.9)}).reset_index()
    out["weekday"] = out["weekday"].map(dict(enumerate(WEEKDAY_NAMES)))
    return out


def waits_figure(waits: pd.DataFrame, names: dict[str, str] | None = None) -> go.Figure:
    """Median referral-to-start wait by weekday of referral, one line per service.

    The line is the median; hover gives the 90th percentile. A peak on Friday is the weekend
    showing through: referrals that wait for a service that does not triage at weekends.
    """
    names = names or {}
    fig = go.Figure()
    worst = None
    for i, (key, part) in enumerate(waits.groupby("service", sort=False)):
        sid = str(key)
        part = part.set_index("weekday").reindex(list(WEEKDAY_NAMES))
        p90 = part["p90_wait_days"] if "p90_wait_days" in part else part["median_wait_days"]
        fig.add_trace(go.Scatter(
            x=list(WEEKDAY_NAMES), y=part["median_wait_days"], name=names.get(sid, sid),
            mode="lines+markers", line={"color": SERIES[i % len(SERIES)]},
            customdata=np.asarray(p90), connectgaps=False,
            hovertemplate="%{x}: median %{y:.1f} days, 90 % within %{customdata:.1f}<extra>"
            "%{fullData.name}</extra>"))
        peak = part["median_wait_days"].max()
        if pd.notna(peak) and (worst is None or peak > worst[1]):
            worst = (str(sid), float(peak), str(part["median_wait_days"].idxmax()))
    alt = "Median wait from referral to start, by weekday the referral was sent."
    if worst is not None:
        alt += (f" The longest is {names.get(worst[0], worst[0])} for referrals sent on "
                f"{worst[2]}: {worst[1]:.1f} days.")
    return style(fig, "Referral-to-start waits by weekday of referral", alt,
                 yaxis_title="median wait (days)", height=400)


def length_of_stay_summary(stays: pd.DataFrame) -> pd.DataFrame:
    """Per service: stays, mean and the 5th, 25th, 50th, 75th and 95th percentile length of stay."""
    df = stays.dropna(subset=["length_of_stay"])
    g = df.groupby("service")["length_of_stay"]
    out = pd.DataFrame({
        "stays": g.size(), "mean": g.mean(), "p5": g.quantile(0.05), "p25": g.quantile(0.25),
        "median": g.median(), "p75": g.quantile(0.75), "p95": g.quantile(0.95)})
    return out.reset_index()


def length_of_stay_figure(summary: pd.DataFrame, names: dict[str, str] | None = None
                          ) -> go.Figure:
    """Box per service from percentiles: box = middle half, whiskers = 5th to 95th percentile."""
    names = names or {}
    labels = [names.get(s, s) for s in summary["service"]]
    fig = go.Figure(go.Box(
        y=labels, q1=summary["p25"], median=summary["median"], q3=summary["p75"],
        lowerfence=summary["p5"], upperfence=summary["p95"], mean=summary["mean"],
        orientation="h", name="length of stay", marker_color=NHS_BLUE,
        fillcolor="rgba(0,94,184,0.25)", line={"color": NHS_BLUE}, showlegend=False))
    longest = summary.sort_values("median", ascending=False).head(1)
    alt = "Length of stay by service: boxes show the middle half of stays, whiskers 5 % to 95 %."
    if len(longest):
        row = longest.iloc[0]
        alt += (f" The longest is {names.get(row['service'], row['service'])}, median "
                f"{row['median']:.0f} days, 95 % within {row['p95']:.0f}.")
    return style(fig, "Length of stay by service", alt, xaxis_title="days",
                 height=max(300, 46 * len(summary) + 120),
                 yaxis={"autorange": "reversed", "gridcolor": "white"},
                 xaxis={"gridcolor": "#E8EDEE", "showgrid": True})


def summary_bar(values: pd.Series, title: str, unit: str, colour: str = NHS_DARK_GREY
                ) -> go.Figure:
    """A plain horizontal bar chart of one number per label (for generic diagnostics)."""
    fig = go.Figure(go.Bar(x=values.to_numpy(), y=[str(i) for i in values.index],
                           orientation="h", marker_color=colour, name=title))
    alt = f"{title}: " + ", ".join(f"{i} {v:,.1f} {unit}" for i, v in values.head(5).items())
    return style(fig, title, alt, height=max(260, 34 * len(values) + 120),
                 yaxis={"autorange": "reversed"}, xaxis_title=unit)
