"""From paired episodes to the shared tables: stays, referrals, delays, journeys and daily.

Input is a DuckDB table ``episodes`` (one row per referral episode or stint, see
:mod:`wholeflow.data.episodes.stints`, with service, class and destination names decoded, and linked
into journeys by :mod:`wholeflow.data.episodes.linking`). The tables
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
                 touched: str | None = None, only_added: bool = False) -> None:
    """Create ``stays``, ``referrals``, ``delays``, ``journeys``, ``daily``, ``open_limits``
    and ``open_people`` from ``episodes``.

    ``episodes`` carries the links of :mod:`wholeflow.data.episodes.linking` (from_service, journey,
    stint, next_service). ``journeys``, when given, holds the journeys already worked out
    (:mod:`wholeflow.data.episodes.journey_rows`), else they are grouped from the stays here.
    ``max_open_days`` overrides the open limit of every service (see the module docs).

    With ``touched`` (a table of persons), the tables exist already and ``episodes`` holds the
    episodes of those persons only: their rows are replaced, and the rest kept. The importer
    touches every person with new events and every person with an episode still open
    (``open_people``), since open stints and waiting referrals are all that depends on the end
    of the extract; the result is the same as building everything from every episode.
    ``only_added``: no stored events went (no import was replaced), so no service can have
    lost its last episode.
    """
    if touched is None:
        open_limits(con, max_open_days)
        con.execute(f"CREATE OR REPLACE TABLE stays AS {_stays_sql(con, window)}")
        con.execute(f"CREATE OR REPLACE TABLE referrals AS {_REFERRALS}")
        con.execute(f"CREATE OR REPLACE TABLE delays AS {_delays_sql('TRUE')}")
    else:
        _update_stays(con, window, max_open_days, touched)
    if journeys is None:
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
        # the journeys worked out before the stays count delayed days of stints whose end
        # is missing (which have none): those people's are grouped here instead
        build_journeys(con, "SELECT person FROM stays WHERE end_missing AND ready IS NOT NULL")
    if touched is None:
        con.execute(f"CREATE OR REPLACE TABLE waiting AS {_WAITING}")
        build_daily(con, window)
    else:
        _update_daily(con, window, touched, only_added)
    con.execute("CREATE OR REPLACE TABLE open_people AS "
                f"SELECT DISTINCT person FROM episodes WHERE status = {_OPEN}")


def can_update(con: duckdb.DuckDBPyConnection, database: str) -> bool:
    """Whether the shared tables of ``database`` can be updated person by person (they were
    built by this version: ``open_people``, ``waiting`` and ``daily`` are there, and
    ``stays`` has ``end_missing``)."""
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ? AND "
        "((table_name = 'stays' AND column_name = 'end_missing') OR "
        "table_name IN ('open_people', 'waiting', 'daily'))", [database]).fetchall()
    return {t for t, _ in rows} == {"stays", "open_people", "waiting", "daily"}


def _update_daily(con: duckdb.DuckDBPyConnection, window: Window, touched: str,
                  only_added: bool) -> None:
    """Replace the touched people's waiting referrals, and update the daily census by their
    changes (see :func:`update_daily`), or build it again when the extract now starts on
    another day."""
    who = f"person IN (SELECT person FROM {touched})"
    con.execute(f"DELETE FROM waiting WHERE {who}")
    con.execute(f"INSERT INTO waiting {_WAITING}")
    # every service with an episode: those the census had and the touched people's, when
    # nothing was taken away; else those of the stays and referrals
    services = ("SELECT service FROM daily UNION SELECT service FROM episodes" if only_added
                else "SELECT service FROM stays UNION SELECT to_service FROM referrals")
    [(first,)] = con.execute("SELECT min(date) FROM daily").fetchall()
    if first is not None and pd.Timestamp(first) == window.start.floor("D"):
        update_daily(con, window, services, "SELECT * FROM temp.old_stays",
                     "SELECT * FROM temp.old_waiting", f"SELECT * FROM stays WHERE {who}",
                     _WAITING)
    else:
        build_daily(con, window, services, "SELECT * FROM waiting")


_OPEN = 0  # stints.OPEN: an episode still open at the end of the data


def _update_stays(con: duckdb.DuckDBPyConnection, window: Window,
                  max_open_days: float | None, touched: str) -> None:
    """Replace the stays, referrals and delays of the ``touched`` persons."""
    who = f"person IN (SELECT person FROM {touched})"
    before = _stay_services(con)
    # what the touched people gave the daily census so far (taken away by _update_daily)
    con.execute("CREATE OR REPLACE TEMP TABLE old_stays AS SELECT service, started, ready, "
                f"ended, queued, end_missing FROM stays WHERE {who}")
    con.execute("CREATE OR REPLACE TEMP TABLE old_waiting AS SELECT service, queued "
                f"FROM waiting WHERE {who}")
    for table in ("stays", "referrals", "delays"):
        con.execute(f"DELETE FROM {table} WHERE {who}")
    # the closed stays of everyone set the open limits: the kept ones and the touched ones
    open_limits(con, max_open_days, source="""
        SELECT service, started, ended FROM stays
        UNION ALL SELECT service, started, ended FROM episodes WHERE started IS NOT NULL""")
    con.execute(f"INSERT INTO stays {_stays_sql(con, window)}")
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
    """The services of the stays (``open_limits`` has one row for each)."""
    return sorted(r[0] for r in con.execute(
        "SELECT service FROM open_limits WHERE service IS NOT NULL").fetchall())


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


def _stays_sql(con: duckdb.DuckDBPyConnection, window: Window) -> str:
    """The stays of ``episodes``, as SQL (after :func:`open_limits`, which lists the services
    of every stay, kept or new)."""
    end = f"TIMESTAMP '{window.end}'"
    missing = (f"(ended IS NULL AND open_limit_days IS NOT NULL "
               f"AND {days_sql(end, 'started')} > open_limit_days)")
    # a delay's target is the destination when that is a service of the stays
    # the services of every stay: open_limits has one row for each (kept ones too)
    names = sorted(r[0] for r in con.execute(
        "SELECT service FROM open_limits").fetchall() if r[0] is not None)
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


def build_journeys(con: duckdb.DuckDBPyConnection, persons: str | None = None) -> None:
    """The journeys grouped from ``stays``; with ``persons`` (SQL giving persons), those
    people's rows of the table ``journeys`` are replaced, and the rest kept."""
    if persons is None:
        head, where = "CREATE OR REPLACE TABLE journeys AS", ""
    else:
        con.execute(f"DELETE FROM journeys WHERE person IN ({persons})")
        head, where = "INSERT INTO journeys", f"WHERE person IN ({persons})"
    con.execute(f"""
        {head}
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
        FROM stays {where} GROUP BY person, journey
    """)


def build_daily(con: duckdb.DuckDBPyConnection, window: Window,
                services: str | None = None, waiting: str | None = None) -> None:
    """The daily census from ``stays`` and the referrals waiting at the end (``waiting``: SQL
    giving their service and queued time; default: those of ``episodes``), for every service
    of ``services`` (SQL; default: those of ``episodes``)."""
    services = services or "SELECT DISTINCT service FROM episodes"
    waiting = waiting or _WAITING
    first = f"TIMESTAMP '{window.start.floor('D')}'"
    deltas = _deltas_sql(first, "SELECT * FROM stays", waiting)
    con.execute(f"""
        CREATE OR REPLACE TABLE daily AS
        WITH deltas AS ({deltas}),
             per_day AS ({_per_day_sql(window, services)})
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


#: The referrals still waiting at the end of the data (accepted or undecided, not started),
#: with the time they joined the queue.
_WAITING = """
    SELECT person, service, CASE WHEN accepted = 1 THEN decided ELSE referred END AS queued
    FROM episodes
    WHERE started IS NULL AND status = 0 AND accepted IS DISTINCT FROM 0
"""


def _deltas_sql(first: str, stays: str, waiting: str, sign: str = "") -> str:
    """Rows (service, day, occ, dly, que, adm, dis): the changes each stay of ``stays`` and
    each waiting referral of ``waiting`` makes to the census (``sign='-'``: taken away)."""

    def delta(column: str, d: int, source: str = stays, where: str = "TRUE") -> str:
        return (f"SELECT service, greatest({_ceil_day(column)}, {first}) AS day, "
                f"{-d if sign else d} AS d FROM ({source}) "
                f"WHERE {column} IS NOT NULL AND {where}")

    counted = "NOT end_missing"  # a stint missing its end is in no census
    return f"""
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
              {delta('queued', 1, source=waiting)}) GROUP BY ALL
        UNION ALL
        SELECT service, date_trunc('day', started), 0, 0, 0, {sign}count(*), 0
        FROM ({stays}) GROUP BY ALL
        UNION ALL
        SELECT service, date_trunc('day', ended), 0, 0, 0, 0, {sign}count(*)
        FROM ({stays}) WHERE ended IS NOT NULL GROUP BY ALL"""


def _per_day_sql(window: Window, services: str) -> str:
    """The summed ``deltas`` of each service on each day of the extract (0 where none)."""
    first = f"TIMESTAMP '{window.start.floor('D')}'"
    last = f"TIMESTAMP '{window.end.floor('D')}'"
    return f"""
        WITH grid AS (SELECT s.service, CAST(g.day AS TIMESTAMP) AS day
                      FROM (SELECT DISTINCT service FROM ({services})
                            WHERE service IS NOT NULL) s,
                           generate_series({first}, {last}, INTERVAL 1 DAY) g(day))
        SELECT grid.service, grid.day,
               coalesce(sum(occ), 0) AS occ, coalesce(sum(dly), 0) AS dly,
               coalesce(sum(que), 0) AS que, coalesce(sum(adm), 0) AS adm,
               coalesce(sum(dis), 0) AS dis
        FROM grid LEFT JOIN deltas USING (service, day) GROUP BY ALL"""


def update_daily(con: duckdb.DuckDBPyConnection, window: Window, services: str,
                 old_stays: str, old_waiting: str, new_stays: str, new_waiting: str) -> None:
    """The daily census updated by the changes of the touched people: their old stays and
    waiting referrals taken away, their new ones added, on top of the census as it was.

    Valid when the extract starts on the same day as before and no one else has a time after
    the last day the census had (the importer touches such people too): then the others'
    changes all fall on days the census had, and the census of the days after its end carries
    its last day forward.
    """
    first = f"TIMESTAMP '{window.start.floor('D')}'"
    # the old changes the census had: those up to its last day (later ones fell outside it)
    had = "(SELECT CAST(max(date) AS TIMESTAMP) FROM daily)"
    changes = (f"{_deltas_sql(first, new_stays, new_waiting)} UNION ALL "
               f"SELECT * FROM ({_deltas_sql(first, old_stays, old_waiting, sign='-')}) "
               f"WHERE day <= {had}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE daily_update AS
        WITH deltas AS ({changes}),
             per_day AS ({_per_day_sql(window, services)}),
             changed AS (
                SELECT service, CAST(day AS DATE) AS date,
                       sum(occ) OVER w AS occ, sum(dly) OVER w AS dly, sum(que) OVER w AS que,
                       adm, dis
                FROM per_day
                WINDOW w AS (PARTITION BY service ORDER BY day ROWS UNBOUNDED PRECEDING)),
             last AS (SELECT service, arg_max(occupancy, date) AS occupancy,
                             arg_max(delayed_occupancy, date) AS delayed_occupancy,
                             arg_max(queue, date) AS queue, max(date) AS date
                      FROM daily GROUP BY service)
        SELECT 0 AS replication, c.service, c.date,
               CAST(coalesce(d.occupancy, CASE WHEN c.date > l.date THEN l.occupancy END, 0)
                    + c.occ AS INTEGER) AS occupancy,
               CAST(coalesce(d.delayed_occupancy,
                             CASE WHEN c.date > l.date THEN l.delayed_occupancy END, 0)
                    + c.dly AS INTEGER) AS delayed_occupancy,
               CAST(coalesce(d.queue, CASE WHEN c.date > l.date THEN l.queue END, 0)
                    + c.que AS INTEGER) AS queue,
               CAST(NULL AS INTEGER) AS capacity,
               CAST(coalesce(d.admissions, 0) + c.adm AS INTEGER) AS admissions,
               CAST(coalesce(d.discharges, 0) + c.dis AS INTEGER) AS discharges
        FROM changed c LEFT JOIN daily d ON d.service = c.service AND d.date = c.date
             LEFT JOIN last l ON l.service = c.service
        ORDER BY c.service, c.date
    """)
    con.execute("CREATE OR REPLACE TABLE daily AS SELECT * FROM daily_update")
    con.execute("DROP TABLE daily_update")
