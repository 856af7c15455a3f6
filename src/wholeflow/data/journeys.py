"""From paired episodes to the shared tables: stays, referrals, delays, journeys and daily.

Input is a DuckDB table ``episodes`` (one row per referral episode or stint, see
:mod:`wholeflow.data.stints`, with service, class and destination names decoded, and linked
into journeys by :mod:`wholeflow.data.linking`). The tables
made follow :mod:`wholeflow.tables`, with ``replication`` 0, plus one column the shared schema
has no room for: ``journey``, the number of the person's journey (a person who goes home and
comes back a month later has two journeys).

Rules where the data leave room for choice:

* A **journey** is a run of stints where each starts no later than ``journey_gap_days`` (one
  day by default) after every earlier stint of the run has ended, or was referred from one of
  them (a person waiting at home for the next service is still on the same journey).
* A stint's **destination** is the one recorded with its end; else the next service in the
  journey; else ``unknown`` (ended, destination not recorded); empty while still open.
* **Delayed days** run from ready to the end, or to the end of the extract while still open.
  Without a ready time a stint has no delayed days. The cause is not in the data (empty).
* **An end never recorded.** A stint still open at the end of the extract is either still
  under way or one whose end was never recorded (emergency stays of a log that records no
  discharge). It is taken as **missing its end** (``end_missing``) when it has been open longer
  than its service's *open limit*: ``max_open_days`` when given, else three times the 95th
  percentile of the service's closed stints' lengths of stay (at least one day), provided the
  service has at least five closed stints (with fewer, none is flagged). Such a stint stays in
  every table (nothing is dropped), but it counts in no midnight census, has no delayed days,
  and is left out of censored fitting; ``open_limits`` records each service's limit and why.
* A referral's **from_service** is the service the person was in when it was sent (empty for
  a referral from outside the system, e.g. from a GP).
* The **midnight census** counts a person in a service at midnight ``d`` when
  ``started <= d < ended``: someone who starts exactly at midnight is in, someone who leaves
  exactly at midnight is out. ``queue`` counts accepted referrals not yet started (referral
  time when there is no decision), ``delayed_occupancy`` people ready to move on. Stays still
  open at the end of the extract count until its last day, unless their end is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from wholeflow.errors import DataError

DAY_US = 86_400_000_000
#: The open limit, when ``max_open_days`` is not given: this many times the quantile below of
#: a service's closed stints, at least MIN_OPEN_LIMIT_DAYS, given MIN_CLOSED_STINTS of them.
OPEN_LIMIT_FACTOR = 3.0
OPEN_LIMIT_QUANTILE = 0.95
MIN_OPEN_LIMIT_DAYS = 1.0
MIN_CLOSED_STINTS = 5


@dataclass(frozen=True)
class Window:
    """The period an extract covers: ``start`` (first midnight) to ``end`` (last event time)."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def days(self) -> float:
        return (self.end - self.start) / pd.Timedelta(days=1)


def days_sql(later: str, earlier: str) -> str:
    """SQL for the days from ``earlier`` to ``later`` (two timestamp expressions), as DOUBLE."""
    return f"((epoch_us({later}) - epoch_us({earlier})) / {DAY_US}.0)"


def _ceil_day(column: str) -> str:
    """The first midnight at or after ``column``."""
    return (f"CASE WHEN {column} = date_trunc('day', {column}) THEN {column} "
            f"ELSE date_trunc('day', {column}) + INTERVAL 1 DAY END")


def build_tables(con: duckdb.DuckDBPyConnection, window: Window,
                 journeys: pa.Table | None = None, max_open_days: float | None = None,
                 touched: str | None = None) -> None:
    """Create ``stays``, ``referrals``, ``delays``, ``journeys``, ``daily``, ``open_limits``
    and ``open_people`` from ``episodes``.

    ``episodes`` carries the links of :mod:`wholeflow.data.linking` (from_service, journey,
    stint, next_service). ``journeys``, when given, holds the journeys already worked out
    (:mod:`wholeflow.data.journey_rows`), else they are grouped from the stays here.
    ``max_open_days`` overrides the open limit of every service (see the module docs).

    With ``touched`` (a table of persons), the tables exist already and ``episodes`` holds the
    episodes of those persons only: their rows are replaced, and the rest kept. The importer
    touches every person with new events and every person with an episode still open
    (``open_people``), since open stints and waiting referrals are all that depends on the end
    of the extract; the result is the same as building everything from every episode.
    """
    if touched is None:
        open_limits(con, max_open_days)
        con.execute(f"CREATE OR REPLACE TABLE stays AS {_stays_sql(con, window)}")
        con.execute(f"CREATE OR REPLACE TABLE referrals AS {_REFERRALS}")
        con.execute(f"CREATE OR REPLACE TABLE delays AS {_delays_sql('TRUE')}")
    else:
        _update_stays(con, window, max_open_days, touched)
    [(missing_delays,)] = con.execute(
        "SELECT count(*) FROM stays WHERE end_missing AND ready IS NOT NULL").fetchall()
    if journeys is None or missing_delays:
        # the journeys worked out before the stays count delayed days of stints whose end
        # is missing (which have none): group them here instead (rare)
        build_journeys(con)
    else:
        con.register("journeys_arrow", journeys)
        try:
            if touched is None:
                con.execute(f"CREATE OR REPLACE TABLE journeys AS SELECT {JOURNEY_COLUMNS} "
                            "FROM journeys_arrow")
            else:
                con.execute(f"DELETE FROM journeys WHERE person IN (SELECT person FROM "
                            f"{touched})")
                con.execute(f"INSERT INTO journeys SELECT {JOURNEY_COLUMNS} "
                            "FROM journeys_arrow")
        finally:
            con.unregister("journeys_arrow")
    services = None if touched is None else (
        "SELECT service FROM stays UNION SELECT to_service FROM referrals")
    build_daily(con, window, services)
    con.execute("CREATE OR REPLACE TABLE open_people AS "
                f"SELECT DISTINCT person FROM episodes WHERE status = {_OPEN}")


def can_update(con: duckdb.DuckDBPyConnection, database: str) -> bool:
    """Whether the shared tables of ``database`` can be updated person by person (they were
    built by this version: ``open_people`` is there, and ``stays`` has ``end_missing``)."""
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ? AND "
        "((table_name = 'stays' AND column_name = 'end_missing') OR "
        "table_name = 'open_people')", [database]).fetchall()
    return {t for t, _ in rows} == {"stays", "open_people"}


_OPEN = 0  # stints.OPEN: an episode still open at the end of the data


def _update_stays(con: duckdb.DuckDBPyConnection, window: Window,
                  max_open_days: float | None, touched: str) -> None:
    """Replace the stays, referrals and delays of the ``touched`` persons."""
    who = f"person IN (SELECT person FROM {touched})"
    before = _stay_services(con)
    for table in ("stays", "referrals", "delays"):
        con.execute(f"DELETE FROM {table} WHERE {who}")
    # the closed stays of everyone set the open limits: the kept ones and the touched ones
    open_limits(con, max_open_days, source="""
        SELECT service, started, ended FROM stays
        UNION ALL SELECT service, started, ended FROM episodes WHERE started IS NOT NULL""")
    con.execute(f"INSERT INTO stays {_stays_sql(con, window, with_kept=True)}")
    con.execute(f"INSERT INTO referrals {_REFERRALS}")
    con.execute(f"INSERT INTO delays {_delays_sql(who)}")
    after = _stay_services(con)
    if after != before:
        # a delay's target is its destination when that is a service: a service seen for the
        # first time (or no more) changes the targets of stays of people not touched
        listed = ", ".join("'" + n.replace("'", "''") + "'" for n in after) or "NULL"
        con.execute(f"UPDATE stays SET delay_target = CASE WHEN destination IN ({listed}) "
                    "THEN destination END WHERE ready IS NOT NULL")
        con.execute("UPDATE delays SET target = s.delay_target FROM stays s "
                    "WHERE s.person = delays.person AND s.service = delays.service "
                    "AND s.ready = delays.start")


def _stay_services(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(r[0] for r in con.execute(
        "SELECT DISTINCT service FROM stays WHERE service IS NOT NULL").fetchall())


#: The columns of the journeys table, from an Arrow table with the computed ones.
JOURNEY_COLUMNS = """
    CAST(0 AS INTEGER) AS replication, person, journey, class, arrived, "left", exit,
    services, handovers, assessments, CAST(NULL AS INTEGER) AS information_breaks,
    length_of_stay, delayed_days, CAST(NULL AS DOUBLE) AS cost, path
"""


_destination = """CASE WHEN destination IS NOT NULL THEN destination
                    WHEN ended IS NULL THEN NULL
                    ELSE coalesce(next_service, 'unknown') END"""


def open_limits(con: duckdb.DuckDBPyConnection, max_open_days: float | None = None,
                source: str = "SELECT service, started, ended FROM episodes "
                              "WHERE started IS NOT NULL") -> None:
    """The table ``open_limits``: per service, its closed stints, their 95th percentile
    length of stay, the open limit beyond which an open stint is missing its end, and the
    rule that set it; from ``source`` (SQL giving every stint's service, started, ended)."""
    los = days_sql("ended", "started")
    if max_open_days is not None:
        if not (math.isfinite(max_open_days) and max_open_days > 0):
            raise DataError(f"max_open_days must be a positive number of days, "
                            f"got {max_open_days}")
        limit = f"CAST({float(max_open_days)!r} AS DOUBLE)"
        rule = f"'max_open_days = {max_open_days:g}'"
    else:
        limit = (f"CASE WHEN count(ended) >= {MIN_CLOSED_STINTS} THEN greatest("
                 f"{OPEN_LIMIT_FACTOR} * quantile_cont({los}, {OPEN_LIMIT_QUANTILE}), "
                 f"{MIN_OPEN_LIMIT_DAYS}) END")
        rule = (f"CASE WHEN count(ended) >= {MIN_CLOSED_STINTS} THEN "
                f"'{OPEN_LIMIT_FACTOR:g} x p{OPEN_LIMIT_QUANTILE * 100:g} of closed stays' "
                f"ELSE 'fewer than {MIN_CLOSED_STINTS} closed stays: no end taken as missing' "
                "END")
    con.execute(f"""
        CREATE OR REPLACE TABLE open_limits AS
        SELECT service, count(ended) AS closed_stays,
               quantile_cont({los}, {OPEN_LIMIT_QUANTILE}) AS p95_closed_days,
               {limit} AS open_limit_days, {rule} AS rule
        FROM ({source}) GROUP BY service ORDER BY service
    """)


def _stays_sql(con: duckdb.DuckDBPyConnection, window: Window, with_kept: bool = False) -> str:
    """The stays of ``episodes``, as SQL (``with_kept``: the table ``stays`` holds the stays
    of other people, whose services count too)."""
    end = f"TIMESTAMP '{window.end}'"
    missing = (f"(ended IS NULL AND open_limit_days IS NOT NULL "
               f"AND {days_sql(end, 'started')} > open_limit_days)")
    # a delay's target is the destination when that is a service of the stays
    kept = " UNION SELECT service FROM stays" if with_kept else ""
    names = sorted(r[0] for r in con.execute(
        f"SELECT DISTINCT service FROM episodes WHERE started IS NOT NULL{kept}").fetchall()
        if r[0] is not None)
    services = ", ".join("'" + n.replace("'", "''") + "'" for n in names) or "NULL"
    return f"""
        SELECT 0 AS replication, person, class, service, stint,
               referred, decided, TRUE AS accepted,
               CASE WHEN accepted IS NOT NULL AND decided IS NOT NULL THEN decided
                    ELSE referred END AS queued,
               started AS admitted, started, ready, ended,
               {_destination} AS destination,
               CASE WHEN ready IS NULL OR {missing} THEN 0.0
                    ELSE greatest({days_sql(f'coalesce(ended, {end})', 'ready')}, 0.0)
                    END AS delayed_days,
               CAST(NULL AS VARCHAR) AS delay_cause,
               CASE WHEN ready IS NOT NULL AND {_destination} IN ({services})
                    THEN {_destination} END AS delay_target,
               {days_sql('ended', 'started')} AS length_of_stay,
               {days_sql('started', 'referred')} AS wait_days,
               CAST(assessments AS INTEGER) AS assessments,
               CAST(NULL AS DOUBLE) AS cost,
               journey, {missing} AS end_missing
        FROM episodes LEFT JOIN open_limits USING (service) WHERE started IS NOT NULL
    """


_REFERRALS = """
    SELECT 0 AS replication, person, class, from_service, service AS to_service,
           referred, decided,
           CASE WHEN accepted = 1 OR started IS NOT NULL THEN TRUE
                WHEN accepted = 0 THEN FALSE END AS accepted
    FROM episodes WHERE referred IS NOT NULL
"""


def _delays_sql(where: str) -> str:
    """The delays of the stays ``where`` says."""
    return f"""
        SELECT 0 AS replication, person, service, delay_target AS target,
               CAST(NULL AS VARCHAR) AS cause, ready AS start, ended AS "end",
               delayed_days AS days
        FROM stays WHERE ready IS NOT NULL AND delayed_days > 0 AND {where}
    """


def build_journeys(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""
        CREATE OR REPLACE TABLE journeys AS
        SELECT 0 AS replication, person, journey,
               arg_min(class, stint) AS class,
               arg_min(coalesce(referred, started), stint) AS arrived,
               CASE WHEN count(ended) = count(*) THEN max(ended) END AS "left",
               CASE WHEN count(ended) = count(*) THEN arg_max(destination, stint) END AS exit,
               CAST(count(*) AS INTEGER) AS services,
               CAST(count(*) - 1 AS INTEGER) AS handovers,
               CAST(sum(assessments) AS INTEGER) AS assessments,
               CAST(NULL AS INTEGER) AS information_breaks,
               CASE WHEN count(ended) = count(*) THEN
                    {days_sql('max(ended)', 'arg_min(coalesce(referred, started), stint)')} END
                   AS length_of_stay,
               sum(delayed_days) AS delayed_days,
               CAST(NULL AS DOUBLE) AS cost,
               string_agg(service, ' > ' ORDER BY stint) AS path
        FROM stays GROUP BY person, journey
    """)


def build_daily(con: duckdb.DuckDBPyConnection, window: Window,
                services: str | None = None) -> None:
    """The daily census from ``stays`` and the waiting referrals of ``episodes``, for every
    service of ``services`` (SQL; default: those of ``episodes``)."""
    services = services or "SELECT DISTINCT service FROM episodes"
    first = f"TIMESTAMP '{window.start.floor('D')}'"
    last = f"TIMESTAMP '{window.end.floor('D')}'"

    def delta(column: str, sign: int, source: str = "stays", where: str = "TRUE") -> str:
        return (f"SELECT service, greatest({_ceil_day(column)}, {first}) AS day, "
                f"{sign} AS d FROM {source} WHERE {column} IS NOT NULL AND {where}")

    counted = "NOT end_missing"  # a stint missing its end is in no census

    con.execute(f"""
        CREATE OR REPLACE TABLE daily AS
        WITH deltas AS (
                SELECT service, day, sum(d) AS occ, 0 AS dly, 0 AS que, 0 AS adm, 0 AS dis
                FROM ({delta('started', 1, where=counted)} UNION ALL {delta('ended', -1)})
                GROUP BY ALL
                UNION ALL
                SELECT service, day, 0, sum(d), 0, 0, 0
                FROM ({delta('ready', 1, where=counted)} UNION ALL
                      {delta('ended', -1, where='ready IS NOT NULL')}) GROUP BY ALL
                UNION ALL
                SELECT service, day, 0, 0, sum(d), 0, 0
                FROM ({delta('queued', 1)} UNION ALL
                      {delta('started', -1, where='queued IS NOT NULL')} UNION ALL
                      SELECT service, greatest({_ceil_day('_q')}, {first}) AS day, 1 AS d
                      FROM (SELECT service,
                                   CASE WHEN accepted = 1 THEN decided ELSE referred END AS _q
                            FROM episodes
                            WHERE started IS NULL AND status = 0
                              AND accepted IS DISTINCT FROM 0)
                      WHERE _q IS NOT NULL) GROUP BY ALL
                UNION ALL
                SELECT service, date_trunc('day', started), 0, 0, 0, count(*), 0
                FROM stays GROUP BY ALL
                UNION ALL
                SELECT service, date_trunc('day', ended), 0, 0, 0, 0, count(*)
                FROM stays WHERE ended IS NOT NULL GROUP BY ALL),
             grid AS (SELECT s.service, CAST(g.day AS TIMESTAMP) AS day
                      FROM (SELECT DISTINCT service FROM ({services})
                            WHERE service IS NOT NULL) s,
                           generate_series({first}, {last}, INTERVAL 1 DAY) g(day)),
             per_day AS (
                SELECT grid.service, grid.day,
                       coalesce(sum(occ), 0) AS occ, coalesce(sum(dly), 0) AS dly,
                       coalesce(sum(que), 0) AS que, coalesce(sum(adm), 0) AS adm,
                       coalesce(sum(dis), 0) AS dis
                FROM grid LEFT JOIN deltas USING (service, day) GROUP BY ALL)
        SELECT 0 AS replication, service, CAST(day AS DATE) AS date,
               CAST(sum(occ) OVER w AS INTEGER) AS occupancy,
               CAST(sum(dly) OVER w AS INTEGER) AS delayed_occupancy,
               CAST(sum(que) OVER w AS INTEGER) AS queue,
               CAST(NULL AS INTEGER) AS capacity,
               CAST(adm AS INTEGER) AS admissions,
               CAST(dis AS INTEGER) AS discharges
        FROM per_day
        WINDOW w AS (PARTITION BY service ORDER BY day ROWS UNBOUNDED PRECEDING)
        ORDER BY service, date
    """)
