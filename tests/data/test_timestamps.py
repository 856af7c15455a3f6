"""Dates and times as NHS extracts write them, read by one SQL expression."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from wholeflow.data.reading.timestamps import timestamp_sql


def read(values: list[str | None], order: str = "dmy") -> list[dt.datetime | None]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    return [r[0] for r in con.execute(f"SELECT {timestamp_sql('x', order)} FROM t "
                                      "ORDER BY rowid").fetchall()]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-04-03", dt.datetime(2024, 4, 3)),
    ("2024-04-03 10:15", dt.datetime(2024, 4, 3, 10, 15)),
    ("2024-04-03T10:15:30.250", dt.datetime(2024, 4, 3, 10, 15, 30, 250000)),
    ("03/04/2024", dt.datetime(2024, 4, 3)),
    ("03/04/24 10:15", dt.datetime(2024, 4, 3, 10, 15)),
    ("3 Apr 2024", dt.datetime(2024, 4, 3)),
    ("03-APR-2024 10:15", dt.datetime(2024, 4, 3, 10, 15)),
    ("03/04/2024 10:15 PM", dt.datetime(2024, 4, 3, 22, 15)),
    ("03.04.2024", dt.datetime(2024, 4, 3)),
    ("20240403", dt.datetime(2024, 4, 3)),
    (" 03/04/2024 ", dt.datetime(2024, 4, 3)),
])
def test_common_formats_are_read_day_first(text, expected):
    assert read([text]) == [expected]


def test_excel_serial_days_count_from_1899_12_30():
    assert read(["45385", "45385.5", "45385.75"]) == [
        dt.datetime(2024, 4, 3), dt.datetime(2024, 4, 3, 12), dt.datetime(2024, 4, 3, 18)]


def test_a_utc_offset_is_honoured_and_converted_to_uk_local_time():
    # UK times written with their own offsets stay as they are (BST +01:00 in July, GMT in
    # January); 11:15 in Amsterdam in summer (+02:00) is 09:15 UTC, 10:15 BST; 'Z' is UTC;
    # New York's 08:00 (-05:00) in January is 13:00 GMT; no offset: taken as local already
    assert read(["2024-07-01T09:00:00+01:00", "2024-01-01T09:00:00+00:00",
                 "2014-10-22T11:15:41.000+02:00", "2024-07-01T09:00:00Z",
                 "2024-01-15T08:00:00-05:00", "2024-07-01T09:00:00"]) == [
        dt.datetime(2024, 7, 1, 9), dt.datetime(2024, 1, 1, 9),
        dt.datetime(2014, 10, 22, 10, 15, 41), dt.datetime(2024, 7, 1, 10),
        dt.datetime(2024, 1, 15, 13), dt.datetime(2024, 7, 1, 9)]


def test_text_ending_like_an_offset_that_is_not_a_time_is_unreadable():
    assert read(["ward Z", "12+01:00"]) == [None, None]


def test_month_first_when_asked():
    assert read(["04/03/2024"], order="mdy") == [dt.datetime(2024, 4, 3)]


@pytest.mark.parametrize("text", ["", "yesterday", "32/13/2024", "2024-02-30", "123", None])
def test_unreadable_values_are_null(text):
    assert read([text]) == [None]


@pytest.mark.parametrize("text", ["2024-04-01 00:00:36.620581991", "1960-04-01 00:00:36.620581991",
                                  "2024-04-01 00:00:36.000000999", "2024-04-01 00:00:00"])
def test_nanosecond_timestamps_read_the_same_typed_as_text(text):
    # Parquet carries them typed, CSV as text: one extract must give the same times either way
    con = duckdb.connect()
    typed = con.execute(f"SELECT {timestamp_sql('x', column_type='TIMESTAMP_NS')} "
                        f"FROM (SELECT TIMESTAMP_NS '{text}' AS x)").fetchone()
    assert typed is not None and typed[0] == read([text])[0]
    assert typed[0].microsecond == int(text[20:26] or 0)


@pytest.mark.parametrize("order", ["dmy", "mdy", "ymd"])
def test_the_shortcuts_for_usual_values_read_everything_as_the_full_list_does(order):
    import random

    from wholeflow.data.reading.timestamps import _text_sql, date_formats

    rng = random.Random(order)
    moments = [dt.datetime(rng.choice([1901, 1969, 2000, 2024, 2099]), rng.randint(1, 12),
                           rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59),
                           rng.randint(0, 59), rng.choice([0, 250000, 123456]))
               for _ in range(12)]
    shapes = [*date_formats("dmy"), *date_formats("mdy"), *date_formats("ymd"),
              "%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
              "%Y/%m/%d", "%d/%m/%Y %H.%M", "%d %m %Y", "%m/%Y"]
    values = [m.strftime(shape) for m in moments for shape in shapes]
    values += [f" {v}" for v in values[::7]] + [f"{v} " for v in values[::5]]
    values += ["45385", "45385.5", "99999", "1234", "24/13/2024", "31/02/2024", "0024-04-03",
               "03/04/0024", "2024-04-03x", "", " ", "NA", "-", "2024", "20240403", "03/04/24"]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    rows = con.execute(f"SELECT x, {_text_sql('x', order)}, {_text_sql('x', order, False)} "
                       "FROM t").fetchall()
    differ = [(x, quick, plain) for x, quick, plain in rows if quick != plain]
    assert not differ
    assert sum(quick is not None for _, quick, _ in rows) > len(rows) // 2  # mostly read
