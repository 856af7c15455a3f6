"""Reading dates and times the way NHS extracts write them, as one DuckDB SQL expression.

Accepted, in this order (the first that reads the value wins):

1. ISO 8601: ``2024-04-03``, ``2024-04-03 10:15``, ``2024-04-03T10:15:00.000+01:00``. A time with
   a UTC offset (``+01:00``, ``-05:00``, ``Z``; as XES logs write them) is the moment it names,
   converted to UK local time (:data:`LOCAL_TIME_ZONE`: GMT in winter, BST in summer), so times
   written with different offsets line up and midnight censuses fall on UK midnights. A time
   without an offset is taken as local time already. Typed time-zone-aware columns (Parquet)
   are converted the same way.
2. Day-first dates (the UK habit, or month-first / year-first when asked): ``03/04/2024``,
   ``03/04/24 10:15``, ``03-04-2024``, ``03.04.2024``, ``3 Apr 2024``, ``03-APR-2024 10:15``,
   ``03/04/2024 10:15 AM``, ``20240403``.
3. Excel serial day numbers (days since 1899-12-30, as Excel stores dates): ``45385`` is
   2024-04-03, ``45385.5`` is noon that day. Only five-digit numbers (1927 to 2173) are read so.

A date without a time is read as 00:00 that day. Anything else is NULL, which the importer
quarantines as an unparseable date.
"""

from __future__ import annotations

from typing import Literal

DateOrder = Literal["dmy", "mdy", "ymd"]

LOCAL_TIME_ZONE = "Europe/London"
"""The one local time every imported time is in (times with an offset are converted to it)."""

_TIMES = (" %H:%M:%S.%f", " %H:%M:%S", " %H:%M", " %I:%M %p", " %I:%M:%S %p", "")

_DATES: dict[str, tuple[str, ...]] = {
    # two-digit years first: "%y" cannot swallow a four-digit year, "%Y" would read "24" as 24 AD
    "dmy": ("%d/%m/%y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d-%b-%Y", "%d %B %Y",
            "%d-%b-%y"),
    "mdy": ("%m/%d/%y", "%m/%d/%Y", "%m-%d-%Y", "%b %d %Y", "%b %d, %Y", "%B %d, %Y",
            "%d %b %Y", "%d-%b-%Y"),
    "ymd": ("%Y/%m/%d", "%Y.%m.%d", "%Y %m %d", "%d %b %Y", "%d-%b-%Y"),
}

#: Excel's day 0 (it wrongly counts 1900 as a leap year, so day 0 is 1899-12-30, not 12-31).
EXCEL_EPOCH = "1899-12-30"


def date_formats(order: DateOrder = "dmy") -> list[str]:
    """The strptime formats tried for ``order``, with and without a time of day."""
    formats = [date + time for date in _DATES[order] for time in _TIMES]
    return [*formats, "%Y%m%d", "%Y%m%d%H%M%S", "%Y%m%d %H%M"]


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + "]"


def timestamp_sql(column: str, order: DateOrder = "dmy", column_type: str = "VARCHAR") -> str:
    """A DuckDB expression turning ``column`` (quoted SQL) into a TIMESTAMP, NULL if unreadable.

    ``column_type`` is the column's DuckDB type: typed dates and timestamps (Parquet, Excel) are
    cast directly (nanoseconds cut to the microsecond below, as text is), numbers are read as
    Excel serial days, text goes through the formats above.
    """
    kind = column_type.upper()
    if kind in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return f"timezone('{LOCAL_TIME_ZONE}', {column})"
    if kind == "TIMESTAMP_NS":
        # to the microsecond below, as text is read: DuckDB's cast would round instead, and
        # the same extract as Parquet and as CSV would differ by a microsecond
        ns = f"epoch_ns({column})"
        return (f"make_timestamp({ns} // 1000 - CASE WHEN {ns} % 1000 < 0 THEN 1 ELSE 0 END)")
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        return f"CAST({column} AS TIMESTAMP)"
    if kind in {"DOUBLE", "FLOAT", "DECIMAL", "INTEGER", "BIGINT", "SMALLINT", "HUGEINT",
                "TINYINT", "UBIGINT", "UINTEGER"} or kind.startswith("DECIMAL"):
        return _excel_serial_sql(f"CAST({column} AS DOUBLE)")
    return _text_sql(f"CAST({column} AS VARCHAR)", order)


#: The usual shapes of extracts in each order, read before the full list (see _text_sql).
_USUAL: dict[str, tuple[str, ...]] = {
    "dmy": ("%d/%m/%Y", "%d-%m-%Y"), "mdy": ("%m/%d/%Y", "%m-%d-%Y"), "ymd": ("%Y/%m/%d",),
}


def _plausible(reading: str) -> str:
    return f"CASE WHEN year({reading}) BETWEEN 1900 AND 2100 THEN {reading} END"


def _text_sql(raw: str, order: DateOrder, usual: bool = True) -> str:
    """Text to TIMESTAMP: the readings of the module docs, cheapest first.

    ``usual=False`` leaves out the shortcuts for usual values (the plain reading order, which
    the tests compare with).
    """
    fast = f"TRY_CAST({raw} AS TIMESTAMP)"
    if usual:
        # a failed cast costs as much as a successful one; a fifth character that is a
        # digit ("03/04/2024", not "2024-04-03"; leading spaces aside) fails it
        fast = (f"CASE WHEN NOT substr({raw}, 5, 1) BETWEEN '0' AND '9' "
                f"OR starts_with({raw}, ' ') THEN {fast} END")
    text = "wf_text"  # the trimmed value, bound once by the lambda below
    readings = [f"CASE WHEN substr({text}, 5, 1) IN ('-', '/') "
                f"THEN TRY_CAST({text} AS TIMESTAMP) END"]
    if usual:
        # Each format of the full list that fails costs DuckDB about half a microsecond, and
        # a UK date with a time comes after a dozen of them: so the usual shapes (four-digit
        # years) are tried first. They read nothing differently: a value they read is read
        # the same way by the full list (its earlier formats have two-digit years, which a
        # four-digit year cannot match), and a two-digit year read as "%Y" (the year 24) is
        # not plausible, so it goes on to the full list. No value matches two of the shapes,
        # so their order changes nothing: likeliest first.
        times = (" %H:%M", "", " %H:%M:%S", " %H:%M:%S.%f")
        shapes = [date + time for date in _USUAL[order] for time in times]
        readings.append(_plausible(f"TRY_STRPTIME({text}, {_sql_list(shapes)})"))
    readings += [f"TRY_STRPTIME({text}, {_sql_list(date_formats(order))})",
                 f"CASE WHEN regexp_full_match({text}, '\\d{{5}}(\\.\\d+)?') "
                 f"THEN {_excel_serial_sql(f'TRY_CAST({text} AS DOUBLE)')} END"]
    # an offset at the end ("+01:00", "-0500" aside: ISO's extended form, or "Z"): the moment
    # it names, in local time; two characters looked at, so plain values pay almost nothing
    offset = (f"CASE WHEN right({raw}, 1) = 'Z' OR (substr({raw}, -6, 1) IN ('+', '-') AND "
              f"substr({raw}, -3, 1) = ':') THEN {_plausible(_local(f'trim({raw})'))} END")
    return (
        # The untrimmed ISO value first: most values are clean, and COALESCE looks at the
        # later, slower readings only for the rest. Its year must be plausible: DuckDB's cast
        # reads "03/04/24" as the year 3, which the day-first formats then read properly.
        # The slower readings take the trimmed text through a lambda: written out several
        # times (or once, twice, as the plausibility test does), DuckDB would compute them
        # for every value up front (one common subexpression), slow ones or not.
        f"COALESCE({offset}, {_plausible(fast)}, "
        f"list_transform([trim({raw})], lambda {text}: COALESCE({', '.join(readings)}))[1])"
    )


def _local(text: str) -> str:
    """A text time with a UTC offset as local time (NULL when it is not one)."""
    return f"timezone('{LOCAL_TIME_ZONE}', TRY_CAST({text} AS TIMESTAMPTZ))"


def _excel_serial_sql(number: str) -> str:
    return (
        f"CASE WHEN {number} >= 10000 AND {number} < 100000 THEN TIMESTAMP '{EXCEL_EPOCH}' + "
        f"to_seconds(CAST(round({number} * 86400) AS BIGINT)) END"
    )
