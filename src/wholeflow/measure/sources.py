"""A measure's numbers (from a CSV, SQL or a built-in query on the event store) and its chart.

The event store is the workspace's ``.wholeflow/store.duckdb`` with the shared tables
``stays``, ``referrals``, ``delays``, ``journeys`` and ``daily`` (columns as in
:mod:`wholeflow.tables`). The built-in queries, each for one service, are weekly (weeks start
on Monday):

- ``weekly_mean_length_of_stay``: mean ``length_of_stay`` of the stays that *ended* that week;
- ``ready_date_set_percent``: of the stays that ended that week (the denominator), how many had
  a ``ready`` date recorded (the value); chart it as a p chart, in % with ``unit: "%"``;
- ``weekly_delayed_days``: delayed days that week, the sum over its days of the people ready to
  move on but still there at midnight (``daily.delayed_occupancy``); complete weeks only.

Simulated stores holding several replications give the pooled mean (length of stay, ready
dates) or the mean over replications (delayed days).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from wholeflow.errors import DataError
from wholeflow.measure.errors import MeasureError
from wholeflow.measure.register import Measure
from wholeflow.measure.result import SpcResult
from wholeflow.measure.spc import spc

STORE = Path(".wholeflow") / "store.duckdb"

_QUERIES = {
    "weekly_mean_length_of_stay": """
        SELECT date_trunc('week', ended) AS date, avg(length_of_stay) AS value
        FROM stays
        WHERE service = $service AND ended IS NOT NULL AND length_of_stay IS NOT NULL
        GROUP BY 1 ORDER BY 1""",
    "ready_date_set_percent": """
        SELECT date_trunc('week', ended) AS date,
               count(*) FILTER (WHERE ready IS NOT NULL) AS value,
               count(*) AS denominator
        FROM stays
        WHERE service = $service AND ended IS NOT NULL
        GROUP BY 1 ORDER BY 1""",
    "weekly_delayed_days": """
        SELECT date_trunc('week', date) AS date,
               sum(delayed_occupancy) / count(DISTINCT replication) AS value
        FROM daily
        WHERE service = $service
        GROUP BY 1 HAVING count(DISTINCT date) = 7 ORDER BY 1""",
}
_QUERY_TABLE = {"weekly_mean_length_of_stay": "stays", "ready_date_set_percent": "stays",
                "weekly_delayed_days": "daily"}


def measure_series(measure: Measure, workspace: str | Path) -> pd.DataFrame:
    """The measure's data: columns ``date``, ``value`` and, when there is one, ``denominator``.

    Raises:
        MeasureError: the CSV, store, table, service or columns cannot be found (the message
            names the measure file and what is missing).
    """
    source = measure.source
    if source.csv is not None:
        return _from_csv(measure, Path(workspace))
    if source.sql is not None:
        frame = _query(measure, Path(workspace), source.sql, {})
    else:
        assert source.query is not None and source.service is not None
        frame = _query(measure, Path(workspace), _QUERIES[source.query],
                       {"service": source.service})
        if frame.empty:
            raise MeasureError(_no_rows(measure, Path(workspace)))
    return _standard_columns(measure, frame, "the query")


def measure_spc(measure: Measure, workspace: str | Path, **overrides: Any) -> SpcResult:
    """Chart a measure with its own settings (chart, direction, target, PDSA rebases, ...).

    Keyword ``overrides`` replace the measure's settings (``chart``, ``target``,
    ``improvement_direction``, ...); an extra ``rebase`` list adds to the PDSA rebase dates.
    """
    frame = measure_series(measure, workspace)
    options: dict[str, Any] = {
        "chart": measure.chart,
        "improvement_direction": measure.improvement_direction,
        "target": measure.target,
        "baseline": measure.baseline,
        "screen_moving_ranges": measure.screen_moving_ranges,
        "multiply": measure.display_multiplier,
    }
    extra_rebase = list(overrides.pop("rebase", None) or [])
    options.update({k: v for k, v in overrides.items() if v is not None})
    rebase = [*measure.rebase_dates, *extra_rebase]
    result = spc(frame, rebase=rebase or None, **options)
    result.warnings += rebase_warnings(measure, result)
    return result


def rebase_warnings(measure: Measure, result: SpcResult) -> list[str]:
    """A warning for each PDSA rebase that no special cause precedes.

    Making Data Count advises new limits only once the chart shows the change as a signal: a
    rebase at the change itself gives the new points their own limits at once and hides the
    shift. So between a cycle's start and its rebase the chart must show at least one special
    cause; if not, the warning says where to move the rebase.
    """
    found: list[str] = []
    dates = result.points["date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        return found  # periods without dates cannot be set against the cycles' dates
    for cycle in measure.pdsa:
        rebase = cycle.rebase_date
        if rebase is None:
            continue
        between = (dates >= pd.Timestamp(cycle.start)) & (dates < pd.Timestamp(rebase))
        if (result.points.loc[between, "point_type"] != "common_cause").any():
            continue
        where = ("at its own start" if rebase == cycle.start
                 else f"at {rebase.isoformat()}, with no special cause since its start")
        found.append(
            f"PDSA {cycle.id} rebases {where}: the chart cannot show the change as a signal. "
            "Making Data Count advises new limits only after a signal (a shift, a trend, a "
            f"point outside the limits): set its rebase to a date after the signal, e.g. "
            f"rebase: YYYY-MM-DD, or false to see the change against the old limits first"
        )
    return found


def _from_csv(measure: Measure, workspace: Path) -> pd.DataFrame:
    source = measure.source
    assert source.csv is not None
    path = Path(source.csv)
    path = path if path.is_absolute() else workspace / path
    if not path.is_file():
        raise MeasureError(f"{measure.file}: source.csv: no file {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise DataError(f"{path}: cannot read it as CSV ({err})") from None
    rename = {source.date_column: "date", source.value_column: "value"}
    if source.denominator_column:
        rename[source.denominator_column] = "denominator"
    missing = [c for c in rename if c not in frame.columns]
    if missing:
        raise MeasureError(
            f"{measure.file}: source: {path} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(str, frame.columns))} (set date_column, "
            "value_column or denominator_column)"
        )
    return _standard_columns(measure, frame.rename(columns=rename), str(path))


def _standard_columns(measure: Measure, frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    wanted = ["date", "value"] + (["denominator"] if "denominator" in frame.columns else [])
    missing = [c for c in ("date", "value") if c not in frame.columns]
    if missing:
        raise MeasureError(
            f"{measure.file}: {origin} gave columns {', '.join(map(str, frame.columns))}; "
            "it must give date and value (and denominator for p and u charts)"
        )
    return frame[wanted].reset_index(drop=True)


def _query(measure: Measure, workspace: Path, sql: str, parameters: dict[str, Any]
           ) -> pd.DataFrame:
    import duckdb

    store = workspace / STORE
    if not store.is_file():
        raise MeasureError(
            f"{measure.file}: source: no event store at {store}; import an event log into the "
            "workspace first, or use a csv source"
        )
    try:
        with duckdb.connect(str(store), read_only=True) as connection:
            return connection.execute(sql, parameters).df()
    except duckdb.Error as err:
        raise MeasureError(f"{measure.file}: source: the query failed: {err}") from None


def _no_rows(measure: Measure, workspace: Path) -> str:
    import duckdb

    source = measure.source
    assert source.query is not None
    table = _QUERY_TABLE[source.query]
    with duckdb.connect(str(workspace / STORE), read_only=True) as connection:
        services = [row[0] for row in connection.execute(
            f"SELECT DISTINCT service FROM {table} ORDER BY 1").fetchall()]
    known = ", ".join(map(str, services)) or "none"
    return (f"{measure.file}: source: {source.query} found no data for service "
            f"{source.service!r} in the event store's {table} table (services there: {known})")
