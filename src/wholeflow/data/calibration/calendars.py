"""Reading a service's working week from its data, and measuring time in open days only.

A service that never decides referrals at weekends, or never starts anyone on a Sunday, shows it
in its data: a weekday with almost nothing on it (under :data:`CLOSED_SHARE` of the busiest day)
is taken as closed. With fewer than :data:`MIN_EVENTS` events nothing is inferred.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wholeflow.model.schema import WEEKDAYS

CLOSED_SHARE = 0.02
MIN_EVENTS = 50


def open_weekdays(times: pd.Series) -> tuple[str, ...]:
    """The weekdays on which ``times`` happen (all seven when too few to tell)."""
    stamps = pd.to_datetime(times.dropna())
    if len(stamps) < MIN_EVENTS:
        return WEEKDAYS
    counts = np.bincount(stamps.dt.day_of_week.to_numpy(), minlength=7)
    busiest = counts.max()
    return tuple(day for day, n in zip(WEEKDAYS, counts, strict=True)
                 if n >= CLOSED_SHARE * busiest)


def open_days_between(start: pd.Series, end: pd.Series, days: tuple[str, ...]) -> np.ndarray:
    """Days from ``start`` to ``end`` counting open weekdays only.

    A start on a closed day counts from the next open day's midnight; whole closed days in
    between are left out.
    """
    if len(days) == 7:
        return ((end - start).dt.total_seconds() / 86400.0).to_numpy(float)
    mask = [day in days for day in WEEKDAYS]
    s = pd.to_datetime(start).to_numpy("datetime64[us]")
    e = pd.to_datetime(end).to_numpy("datetime64[us]")
    s_day = s.astype("datetime64[D]")
    closed_start = ~np.is_busday(s_day, weekmask=mask)
    next_open = np.busday_offset(s_day, 0, roll="forward", weekmask=mask)
    s = np.where(closed_start, next_open.astype("datetime64[us]"), s)
    s_day = s.astype("datetime64[D]")
    e_day = e.astype("datetime64[D]")
    spans = (e_day - s_day).astype(int)
    closed = spans - np.busday_count(s_day, e_day, weekmask=mask)
    elapsed = (e - s) / np.timedelta64(1, "D")
    return np.maximum(elapsed - closed, 0.0)
