"""Calendars as open intervals on the model's clock.

Day 0 is 00:00 on the model's ``start_date``. A calendar becomes a sorted list of half-open
``[start, end)`` intervals (in days) when the service is open, built over a horizon. Weekday
sets, opening hours, the bank holidays of England and Wales (from the ``holidays`` package) and
extra closed dates all apply. Adjacent open days merge into one interval, so an always-open
calendar is a single interval and the engine's look-ups stay cheap.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

from wholeflow.model.schema import ALWAYS, WEEKDAYS, Calendar

#: Beyond the horizon every calendar is treated as open, so no event is ever lost to it.
OPEN_FOREVER = np.inf


@lru_cache(maxsize=64)
def bank_holidays(first_year: int, last_year: int) -> frozenset[dt.date]:
    """Bank holidays of England and Wales (the two share one list) for a range of years."""
    import holidays

    years = range(first_year, last_year + 1)
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=years).keys())


def _hours(spec: str | None) -> tuple[float, float]:
    if spec is None:
        return 0.0, 1.0
    a, b = spec.split("-")
    h0, m0 = (int(x) for x in a.split(":"))
    h1, m1 = (int(x) for x in b.split(":"))
    return (h0 * 60 + m0) / 1440.0, (h1 * 60 + m1) / 1440.0


def open_days(calendar: Calendar, start: dt.date, days: int) -> np.ndarray:
    """Boolean array: is the calendar open at all on each of ``days`` days from ``start``?"""
    weekdays = set(WEEKDAYS if calendar.days == "all" else calendar.days)
    closed = set(calendar.closed_dates)
    if calendar.bank_holidays:
        end = start + dt.timedelta(days=days)
        closed |= bank_holidays(start.year, end.year)
    out = np.zeros(days, dtype=bool)
    for i in range(days):
        d = start + dt.timedelta(days=i)
        out[i] = WEEKDAYS[d.weekday()] in weekdays and d not in closed
    return out


def intervals(calendar: Calendar, start: dt.date, days: int) -> np.ndarray:
    """Open intervals ``[[start, end), ...]`` in model days over ``[0, days)``; shape (n, 2).

    The last interval that reaches the horizon is extended to infinity: beyond the horizon a
    calendar counts as open.
    """
    h0, h1 = _hours(calendar.hours)
    opened = open_days(calendar, start, days)
    spans: list[list[float]] = []
    for i in np.flatnonzero(opened):
        a, b = i + h0, i + h1
        if spans and spans[-1][1] == a:  # touching: merge (all-day on consecutive days)
            spans[-1][1] = b
        else:
            spans.append([a, b])
    if spans and spans[-1][1] >= days:
        spans[-1][1] = OPEN_FOREVER
    elif not spans or spans[-1][1] < days:
        spans.append([float(days), OPEN_FOREVER])
    return np.asarray(spans, dtype=np.float64).reshape(-1, 2)


def resolve(calendars: dict[str, Calendar], name: str) -> Calendar:
    """The calendar called ``name``; ``always`` is built in (open all day, every day)."""
    if name == ALWAYS and name not in calendars:
        return Calendar()
    return calendars[name]


def never_opens(calendar: Calendar, start: dt.date, days: int = 366) -> bool:
    """True when the calendar has no open time in a year from ``start``."""
    h0, h1 = _hours(calendar.hours)
    return h1 <= h0 or not open_days(calendar, start, days).any()
