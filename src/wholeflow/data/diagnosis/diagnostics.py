"""Flow diagnostics: where time goes, as tables, on imported and simulated data alike.

Each function takes a source (see :mod:`wholeflow.data.storage.source`) and returns a DataFrame;
:func:`diagnose` runs them all. Durations are in days; a row with service ``all`` sums or pools
every service. Figures count what the data hold: stays still open at the end of the extract
count in censuses and as ``open`` stays, never as if they had ended then. Stays whose end was
never recorded (open far longer than the service's closed stays, ``end_missing``; see
:mod:`wholeflow.data.episodes.journeys`) count in no census, as no stranded or delayed stay and in
no length of stay: :func:`data_quality` shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wholeflow.data.episodes.journeys import DAY_US, days_sql
from wholeflow.data.storage.source import open_source, opened

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Edges (days) of the length-of-stay histogram; the last bin is open-ended.
LOS_BINS = (0, 1, 2, 3, 7, 14, 21, 28, 42, 56, 90)


def _weekday_names(frame: pd.DataFrame, column: str = "weekday") -> pd.DataFrame:
    names = {i + 1: name for i, name in enumerate(WEEKDAYS)}
    frame[column] = frame[column].map(lambda d: names.get(d, "all") if pd.notna(d) else "all")
    return frame


def referrals(source: Any, handling_hours: float | Mapping[str, float] | None = None
              ) -> pd.DataFrame:
    """Referrals received per service: accepted, rejected (inappropriate), acceptance rate.

    ``failure_demand_hours`` is rejected referrals times the clinical hours spent handling each
    (``handling_hours``: one number, or per service); empty where the hours are not known.
    """
    with opened(source) as data:
        frame = data.df("""
            SELECT coalesce(to_service, 'all') AS service, count(*) AS referrals,
                   count(*) FILTER (WHERE accepted) AS accepted,
                   count(*) FILTER (WHERE NOT accepted) AS rejected,
                   count(*) FILTER (WHERE accepted IS NULL) AS undecided
            FROM referrals GROUP BY ROLLUP (to_service) ORDER BY to_service NULLS LAST
        """)
    decided = (frame["accepted"] + frame["rejected"]).astype(float)
    frame["acceptance_rate"] = frame["accepted"] / decided.replace(0.0, np.nan)
    hours = frame["service"].map(_hours_lookup(handling_hours))
    frame["handling_hours"] = hours
    frame["failure_demand_hours"] = frame["rejected"] * hours
    if len(frame) and frame["service"].iloc[-1] == "all":
        per_service = frame["failure_demand_hours"].iloc[:-1]
        frame.loc[frame.index[-1], "failure_demand_hours"] = (
            per_service.sum() if per_service.notna().any() else np.nan)
        frame.loc[frame.index[-1], "handling_hours"] = np.nan
    return frame


def _hours_lookup(hours: float | Mapping[str, float] | None) -> Callable[[str], float]:
    if hours is None:
        return lambda _: np.nan
    if isinstance(hours, Mapping):
        return lambda service: float(hours.get(service, np.nan))
    return lambda service: float(hours) if service != "all" else np.nan


def referral_waits(source: Any) -> pd.DataFrame:
    """Referral-to-start waits (median, p90) per service by weekday of referral."""
    with opened(source) as data:
        frame = data.df("""
            SELECT service, isodow(referred) AS weekday, count(*) AS stays,
                   median(wait_days) AS median_wait, quantile_cont(wait_days, 0.9) AS p90_wait,
                   avg(wait_days) AS mean_wait
            FROM stays WHERE referred IS NOT NULL AND started IS NOT NULL
            GROUP BY GROUPING SETS ((service, weekday), (service))
            ORDER BY service, weekday NULLS LAST
        """)
    return _weekday_names(frame)


def occupancy(source: Any) -> pd.DataFrame:
    """Midnight census per service over the extract: mean, p95 and peak occupancy, queues."""
    with opened(source) as data:
        return data.df("""
            SELECT service, count(*) AS days, avg(occupancy) AS mean_occupancy,
                   median(occupancy) AS median_occupancy,
                   quantile_cont(occupancy, 0.95) AS p95_occupancy,
                   max(occupancy) AS peak_occupancy, arg_max(date, occupancy) AS peak_date,
                   avg(delayed_occupancy) AS mean_delayed_occupancy,
                   avg(queue) AS mean_queue, max(queue) AS peak_queue,
                   CAST(sum(admissions) AS BIGINT) AS admissions,
                   CAST(sum(discharges) AS BIGINT) AS discharges
            FROM daily GROUP BY service ORDER BY service
        """)


def daily_census(source: Any) -> pd.DataFrame:
    """Occupancy, people ready to move on, and queue at each midnight, per service."""
    with opened(source) as data:
        return data.df("""
            SELECT service, date, occupancy, delayed_occupancy, queue, admissions, discharges
            FROM daily ORDER BY service, date
        """)


def length_of_stay(source: Any) -> pd.DataFrame:
    """Length of stay per service: completed stays (mean, median, p90, max), open ones, and
    those whose end was never recorded (``end_missing``, in no other figure).

    ``km_median`` is the Kaplan-Meier median, which counts open stays as "at least this long"
    rather than leaving them out; it is empty when fewer than half the stays have ended.
    """
    with opened(source) as data:
        frame = data.df(f"""
            SELECT service, count(*) AS stays, count(ended) AS completed,
                   count(*) FILTER (WHERE ended IS NULL AND NOT end_missing) AS open,
                   count(*) FILTER (WHERE end_missing) AS end_missing,
                   avg(length_of_stay) AS mean, median(length_of_stay) AS median,
                   quantile_cont(length_of_stay, 0.9) AS p90, max(length_of_stay) AS max,
                   avg({days_sql('ready', 'started')}) AS mean_to_ready
            FROM stays GROUP BY service ORDER BY service
        """)
        observed = data.df(f"""
            SELECT service, coalesce(length_of_stay,
                                     {days_sql(f"TIMESTAMP '{data.window.end}'", 'started')})
                                AS days, ended IS NOT NULL AS complete
            FROM stays WHERE NOT end_missing
        """)
    medians = {service: _km_median(group["days"].to_numpy(float),
                                   group["complete"].to_numpy(bool))
               for service, group in observed.groupby("service")}
    frame["km_median"] = frame["service"].map(medians)
    return frame


def _km_median(days: np.ndarray, complete: np.ndarray) -> float:
    from scipy import stats

    days = np.maximum(days, 0.0)
    if not complete.any():
        return float("nan")
    if complete.all():
        return float(np.median(days))
    result = stats.ecdf(stats.CensoredData(uncensored=days[complete], right=days[~complete]))
    sf = result.sf
    below = np.flatnonzero(sf.probabilities <= 0.5)
    return float(sf.quantiles[below[0]]) if below.size else float("nan")


def length_of_stay_histogram(source: Any, bins: tuple[float, ...] = LOS_BINS) -> pd.DataFrame:
    """Completed stays per service in length-of-stay bands (low <= LOS < high)."""
    edges = [float(b) for b in bins]
    with opened(source) as data:
        frame = data.df("SELECT service, length_of_stay FROM stays WHERE ended IS NOT NULL")
    index = np.searchsorted(edges, frame["length_of_stay"].to_numpy(float), side="right") - 1
    frame["band"] = np.clip(index, 0, len(edges) - 1)
    counts = frame.groupby(["service", "band"]).size().rename("stays").reset_index()
    services = sorted(frame["service"].unique())
    grid = pd.MultiIndex.from_product([services, range(len(edges))], names=["service", "band"])
    out = counts.set_index(["service", "band"]).reindex(grid, fill_value=0).reset_index()
    out["low"] = out["band"].map(lambda b: edges[b])
    out["high"] = out["band"].map(lambda b: edges[b + 1] if b + 1 < len(edges) else np.inf)
    totals = out.groupby("service")["stays"].transform("sum")
    out["share"] = np.where(totals > 0, out["stays"] / totals.where(totals > 0, 1), np.nan)
    return out[["service", "low", "high", "stays", "share"]]


def delayed_days(source: Any) -> pd.DataFrame:
    """Delayed days (ready to move on -> left) per service and destination.

    Stays still delayed at the end of the extract count up to then (destination ``(waiting)``).
    """
    with opened(source) as data:
        return data.df("""
            SELECT service,
                   CASE WHEN grouping(destination) = 1 THEN 'all' ELSE destination END
                       AS destination,
                   count(*) AS stays_ready,
                   count(*) FILTER (WHERE delayed_days > 0) AS delayed_stays,
                   sum(delayed_days) AS delayed_days,
                   avg(delayed_days) FILTER (WHERE delayed_days > 0) AS mean_delay,
                   quantile_cont(delayed_days, 0.9) FILTER (WHERE delayed_days > 0) AS p90_delay
            FROM (SELECT service, coalesce(destination, '(waiting)') AS destination,
                         delayed_days FROM stays WHERE ready IS NOT NULL AND NOT end_missing)
            GROUP BY GROUPING SETS ((service, destination), (service))
            ORDER BY service, grouping(destination) DESC, destination
        """)


def stranded(source: Any, thresholds: tuple[float, float] = (7.0, 21.0)) -> pd.DataFrame:
    """People in each service at each midnight with a length of stay so far >= 7 (stranded)
    and >= 21 days (super-stranded), next to the occupancy."""
    short, long = thresholds
    with opened(source) as data:
        first = f"TIMESTAMP '{data.window.start.floor('D')}'"

        def deltas(days: float) -> str:
            shifted = f"(started + to_microseconds(CAST({days * DAY_US} AS BIGINT)))"
            ceil_shift = _ceil(shifted)
            ceil_end = _ceil("ended")
            return f"""
                SELECT service, greatest({ceil_shift}, {first}) AS day, 1 AS d FROM stays
                WHERE (ended IS NULL AND NOT end_missing) OR {ceil_end} > {ceil_shift}
                UNION ALL
                SELECT service, greatest({ceil_end}, {first}), -1 FROM stays
                WHERE ended IS NOT NULL AND {ceil_end} > {ceil_shift}"""

        return data.df(f"""
            WITH s AS (SELECT service, day, sum(d) AS d FROM ({deltas(short)}) GROUP BY ALL),
                 ss AS (SELECT service, day, sum(d) AS d FROM ({deltas(long)}) GROUP BY ALL),
                 grid AS (SELECT service, date, CAST(date AS TIMESTAMP) AS day, occupancy
                          FROM daily)
            SELECT grid.service, grid.date, grid.occupancy,
                   CAST(sum(coalesce(s.d, 0)) OVER w AS INTEGER) AS stranded,
                   CAST(sum(coalesce(ss.d, 0)) OVER w AS INTEGER) AS super_stranded
            FROM grid LEFT JOIN s USING (service, day) LEFT JOIN ss USING (service, day)
            WINDOW w AS (PARTITION BY grid.service ORDER BY grid.day ROWS UNBOUNDED PRECEDING)
            ORDER BY grid.service, grid.date
        """)


def _ceil(column: str) -> str:
    return (f"(CASE WHEN {column} = date_trunc('day', {column}) THEN {column} "
            f"ELSE date_trunc('day', {column}) + INTERVAL 1 DAY END)")


def journey_summary(source: Any) -> pd.DataFrame:
    """Per journey: services used, handovers, assessments, system length of stay, delayed days.

    The "told their story 10 times" figure: ``share_10_or_more`` of journeys reaching 10.
    """
    metrics = ("services", "handovers", "assessments", "length_of_stay", "delayed_days")
    with opened(source) as data:
        parts = [
            f"""SELECT '{m}' AS metric, count({m}) AS journeys, avg({m}) AS mean,
                       median({m}) AS median, quantile_cont({m}, 0.9) AS p90,
                       max({m}) AS max, avg(CASE WHEN {m} >= 10 THEN 1.0 ELSE 0.0 END)
                       FILTER (WHERE {m} IS NOT NULL) AS share_10_or_more
                FROM journeys"""
            for m in metrics
        ]
        return data.df(" UNION ALL ".join(parts))


def variants(source: Any, top: int = 20) -> pd.DataFrame:
    """The most frequent journey variants (the services in order), with their share."""
    with opened(source) as data:
        frame = data.df(f"""
            SELECT path, count(*) AS journeys,
                   count(*) / sum(count(*)) OVER () AS share,
                   avg(handovers) AS mean_handovers, avg(assessments) AS mean_assessments,
                   avg(length_of_stay) AS mean_length_of_stay
            FROM journeys GROUP BY path ORDER BY journeys DESC, path LIMIT {int(top)}
        """)
    frame["cumulative_share"] = frame["share"].cumsum()
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def readmissions(source: Any, within_days: float = 30.0) -> pd.DataFrame:
    """Journeys that ended and started again within ``within_days``, by the discharging service.

    Journeys ending less than ``within_days`` before the end of the extract are left out: their
    readmissions could not have been seen yet.
    """
    with opened(source) as data:
        end = f"TIMESTAMP '{data.window.end}'"
        limit = int(within_days * DAY_US)
        return data.df(f"""
            WITH j AS (
                SELECT list_extract(string_split(path, ' > '), -1) AS service, "left",
                       lead(arrived) OVER (PARTITION BY person ORDER BY arrived) AS next_arrived
                FROM journeys)
            SELECT coalesce(service, 'all') AS service, count(*) AS journeys_ended,
                   count(*) FILTER (WHERE epoch_us(next_arrived) - epoch_us("left") <= {limit})
                       AS readmitted,
                   readmitted / count(*) AS readmission_rate
            FROM j
            WHERE "left" IS NOT NULL AND epoch_us("left") + {limit} <= epoch_us({end})
            GROUP BY ROLLUP (service) ORDER BY service NULLS LAST
        """)


def discharges_by_weekday(source: Any) -> pd.DataFrame:
    """Discharges per service by weekday, and per such day in the extract (weekend effect)."""
    with opened(source) as data:
        frame = data.df("""
            WITH d AS (SELECT service, isodow(date) AS weekday,
                              CAST(sum(discharges) AS BIGINT) AS discharges,
                              count(*) AS days
                       FROM daily GROUP BY ALL)
            SELECT service, weekday, discharges, days, discharges / days AS per_day,
                   discharges / sum(discharges) OVER (PARTITION BY service) AS share
            FROM d ORDER BY service, weekday
        """)
    return _weekday_names(frame)


def weekend_waits(source: Any) -> pd.DataFrame:
    """Referrals whose wait (to start, or to a rejection) runs over a Saturday or Sunday.

    Compares their median wait with the rest, and referrals sent at the weekend with those sent
    on weekdays, per service.
    """
    with opened(source) as data:
        frame = data.df(f"""
            WITH w AS (
                SELECT service, referred, started AS until FROM stays
                WHERE referred IS NOT NULL AND started IS NOT NULL
                UNION ALL
                SELECT to_service, referred, decided FROM referrals
                WHERE accepted = FALSE AND decided IS NOT NULL AND referred IS NOT NULL),
            x AS (
                SELECT service, {days_sql('until', 'referred')} AS wait, isodow(referred) >= 6
                           AS sent_at_weekend,
                       until > referred AND (isodow(referred) >= 6 OR isodow(referred) +
                           date_diff('day', CAST(referred AS DATE),
                                     CAST(until - INTERVAL 1 MICROSECOND AS DATE)) >= 6)
                           AS over_weekend
                FROM w)
            SELECT coalesce(service, 'all') AS service, count(*) AS referrals,
                   count(*) FILTER (WHERE over_weekend) AS over_weekend,
                   avg(CASE WHEN over_weekend THEN 1.0 ELSE 0.0 END) AS share_over_weekend,
                   median(wait) FILTER (WHERE over_weekend) AS median_wait_over_weekend,
                   median(wait) FILTER (WHERE NOT over_weekend) AS median_wait_otherwise,
                   count(*) FILTER (WHERE sent_at_weekend) AS sent_at_weekend,
                   median(wait) FILTER (WHERE sent_at_weekend) AS median_wait_sent_at_weekend,
                   median(wait) FILTER (WHERE NOT sent_at_weekend)
                       AS median_wait_sent_on_weekday
            FROM x GROUP BY ROLLUP (service) ORDER BY service NULLS LAST
        """)
    return frame


def data_quality(source: Any) -> pd.DataFrame:
    """Per service (and ``all``): stays, completed, still open at the end of the extract, and
    open so much longer than the closed stays that their end was never recorded
    (``end_missing``), with the open limit that decided it, its rule, and the longest of
    those stays. Simulated data have no missing ends."""
    with opened(source) as data:
        end = f"TIMESTAMP '{data.window.end}'"
        return data.df(f"""
            SELECT coalesce(s.service, 'all') AS service, count(*) AS stays,
                   count(s.ended) AS completed,
                   count(*) FILTER (WHERE s.ended IS NULL AND NOT s.end_missing)
                       AS open_at_end,
                   count(*) FILTER (WHERE s.end_missing) AS end_missing,
                   CASE WHEN grouping(s.service) = 0 THEN any_value(l.p95_closed_days) END
                       AS p95_closed_days,
                   CASE WHEN grouping(s.service) = 0 THEN any_value(l.open_limit_days) END
                       AS open_limit_days,
                   CASE WHEN grouping(s.service) = 0 THEN any_value(l.rule) END AS rule,
                   max({days_sql(end, 's.started')}) FILTER (WHERE s.end_missing)
                       AS longest_open_days
            FROM stays s LEFT JOIN open_limits l ON l.service = s.service
            GROUP BY ROLLUP (s.service) ORDER BY s.service NULLS LAST
        """)


class Diagnostics(dict[str, pd.DataFrame]):
    """Every diagnostic table by name (a dict), with a way to save them all."""

    def save(self, folder: str | Path, fmt: str = "csv") -> list[Path]:
        """Write each table to ``folder/<name>.csv`` (or ``.parquet``); returns the paths."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, frame in self.items():
            path = out / f"{name}.{fmt}"
            if fmt == "parquet":
                frame.to_parquet(path, index=False)
            else:
                frame.to_csv(path, index=False)
            paths.append(path)
        return paths


def diagnose(source: Any, *, handling_hours: float | Mapping[str, float] | None = None,
             stranded_days: tuple[float, float] = (7.0, 21.0), readmission_days: float = 30.0,
             top_variants: int = 20, replication: int | None = None) -> Diagnostics:
    """Run every diagnostic on a workspace, a store, or simulation results.

    ``handling_hours`` is the clinical time spent on each rejected referral (one number or per
    service); when not given and the source is a workspace with a model, the model's
    ``rejected_handling_hours`` are used. Simulated results are diagnosed one replication at a
    time (the first, unless ``replication`` is given).
    """
    if handling_hours is None:
        handling_hours = _model_handling_hours(source)
    data = open_source(source, replication)
    try:
        return Diagnostics({
            "referrals": referrals(data, handling_hours),
            "referral_waits": referral_waits(data),
            "occupancy": occupancy(data),
            "daily_census": daily_census(data),
            "length_of_stay": length_of_stay(data),
            "length_of_stay_histogram": length_of_stay_histogram(data),
            "delayed_days": delayed_days(data),
            "stranded": stranded(data, stranded_days),
            "journeys": journey_summary(data),
            "variants": variants(data, top_variants),
            "readmissions": readmissions(data, readmission_days),
            "discharges_by_weekday": discharges_by_weekday(data),
            "weekend_waits": weekend_waits(data),
            "data_quality": data_quality(data),
        })
    finally:
        if data is not source:
            data.close()


def _model_handling_hours(source: Any) -> dict[str, float] | None:
    model = getattr(source, "model", None)
    if model is None and isinstance(source, str | Path) and Path(source).is_dir():
        path = Path(source) / "wholeflow.yaml"
        if path.exists():
            from wholeflow.errors import WholeflowError
            from wholeflow.model import load_model

            try:
                model = load_model(path)
            except (WholeflowError, ValueError):
                model = None
    if model is None or not hasattr(model, "services"):
        return None
    return {sid: s.referral.rejected_handling_hours for sid, s in model.services.items()}
