"""Turn what a user hands to :func:`wholeflow.spc` into one clean, dated series.

Accepted inputs are a list or array of numbers, a pandas Series (a date index is used as the
dates) or a DataFrame with a date column, a value column and, for p, p', u and u' charts, a
denominator column. When a denominator is given, the value column holds the *numerator* (the
count of events) and the chart plots ``value / denominator``.

Problems that make a chart meaningless raise :class:`MeasureError` naming the rows at fault
(duplicate or unreadable dates, text where numbers belong, negative counts, a numerator larger
than its denominator). Problems a chart can live with are returned as warnings (missing values
and zero denominators drop their points; gaps in a regular series are listed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wholeflow.measure.errors import MeasureError

#: Charts whose values are counts (numerators may not be negative).
COUNT_CHARTS = frozenset({"p", "pprime", "u", "uprime", "c"})
#: Charts that need a denominator for every point.
DENOMINATOR_CHARTS = frozenset({"p", "pprime", "u", "uprime"})
_SHOWN = 5  # how many offending rows or dates a message lists


@dataclass
class PreparedSeries:
    """A sorted series ready for charting.

    ``frame`` has the columns ``date`` (timestamps, or period numbers 1, 2, ... when the input
    had no dates), ``numerator``, ``denominator`` (NaN when there is none) and ``value``.
    """

    frame: pd.DataFrame
    has_dates: bool
    warnings: list[str] = field(default_factory=list)


def prepare_series(
    data: Any,
    *,
    chart: str,
    date_column: str = "date",
    value_column: str = "value",
    denominator_column: str | None = None,
) -> PreparedSeries:
    """Check and normalise ``data`` for ``chart``; see the module docstring for the rules."""
    raw = _as_frame(data, date_column, value_column, denominator_column)
    warnings: list[str] = []
    if chart == "c" and "denominator" in raw:
        # a c chart counts events in equal areas of opportunity: a denominator has no place
        raw = raw.drop(columns="denominator")
        warnings.append("a c chart plots counts and ignores the denominator; use a u chart "
                        "for rates with varying exposure")
    dates, has_dates = _parse_dates(raw["date"])
    numerator = _parse_numbers(raw["numerator"], value_column)
    denominator = (
        _parse_numbers(raw["denominator"], denominator_column or "denominator")
        if "denominator" in raw
        else pd.Series(np.nan, index=raw.index)
    )
    if chart in DENOMINATOR_CHARTS and "denominator" not in raw:
        raise MeasureError(
            f"a {chart} chart needs a denominator for every point: give a denominator column "
            f"(denominator_column=... or --denominator-column) holding the number of cases "
            f"(p charts) or the exposure (u charts) behind each {value_column!r}"
        )
    frame = pd.DataFrame({"date": dates, "numerator": numerator, "denominator": denominator})
    frame["_row"] = raw["_row"].to_numpy()
    _reject_duplicate_dates(frame)
    frame = _drop_missing(frame, "numerator", value_column, warnings)
    if "denominator" in raw:
        frame = _drop_missing(frame, "denominator", denominator_column or "denominator", warnings)
        _check_denominators(frame, chart, warnings)
        frame = frame[frame["denominator"] != 0]
    if chart in COUNT_CHARTS:
        _check_counts(frame, chart, value_column, warnings)
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    has_denominator = "denominator" in raw
    frame["value"] = frame["numerator"] / frame["denominator"] if has_denominator else frame[
        "numerator"]
    if has_dates:
        warnings += _gap_warnings(frame["date"])
    return PreparedSeries(frame.drop(columns="_row"), has_dates, warnings)


def _as_frame(
    data: Any, date_column: str, value_column: str, denominator_column: str | None
) -> pd.DataFrame:
    """Collect dates, numerators and (maybe) denominators, keeping 1-based input row numbers."""
    if isinstance(data, pd.DataFrame):
        frame = _from_dataframe(data, date_column, value_column, denominator_column)
    elif isinstance(data, pd.Series):
        dates = data.index if _looks_like_dates(data.index) else range(1, len(data) + 1)
        frame = pd.DataFrame({"date": list(dates), "numerator": data.to_numpy()})
    elif isinstance(data, (Sequence, np.ndarray)) and not isinstance(data, (str, bytes)):
        values = list(np.asarray(data, dtype=object).ravel())
        frame = pd.DataFrame({"date": range(1, len(values) + 1), "numerator": values})
    else:
        raise MeasureError(
            f"cannot chart a {type(data).__name__}: give a list of numbers, a pandas Series or "
            "a DataFrame with date and value columns"
        )
    frame["_row"] = np.arange(1, len(frame) + 1)
    return frame.reset_index(drop=True)


def _from_dataframe(
    data: pd.DataFrame, date_column: str, value_column: str, denominator_column: str | None
) -> pd.DataFrame:
    columns = [str(c) for c in data.columns]
    if value_column not in data.columns:
        raise MeasureError(
            f"no value column {value_column!r}; the columns are {', '.join(columns)} "
            "(name the right one with value_column=... or --value-column)"
        )
    if denominator_column is not None and denominator_column not in data.columns:
        raise MeasureError(
            f"no denominator column {denominator_column!r}; the columns are {', '.join(columns)}"
        )
    if date_column in data.columns:
        dates: Any = data[date_column].to_numpy()
    elif _looks_like_dates(data.index):
        dates = data.index
    else:
        dates = range(1, len(data) + 1)
    frame = pd.DataFrame({"date": list(dates), "numerator": data[value_column].to_numpy()})
    denominator = denominator_column or ("denominator" if "denominator" in data.columns else None)
    if denominator is not None:
        frame["denominator"] = data[denominator].to_numpy()
    return frame


def _looks_like_dates(index: Any) -> bool:
    return isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) or (
        len(index) > 0 and all(hasattr(v, "year") for v in index)
    )


def _parse_dates(column: pd.Series) -> tuple[pd.Series, bool]:
    """Timestamps, or whole period numbers when every date is an integer."""
    missing = column.isna()
    if missing.any():
        raise MeasureError(
            f"{_rows(column.index[missing] + 1)} {'have' if missing.sum() > 1 else 'has'} no date: "
            "every point needs a date (or leave the date column out to number points 1, 2, ...)"
        )
    if pd.api.types.is_integer_dtype(column) or all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in column
    ):
        return column.astype("int64"), False
    if isinstance(column.iloc[0], pd.Period):
        column = column.map(lambda p: p.to_timestamp())
    parsed = pd.to_datetime(column, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        examples = ", ".join(repr(str(v)) for v in column[bad].head(_SHOWN))
        raise MeasureError(
            f"{_rows(column.index[bad] + 1)}: {examples} {'are' if bad.sum() > 1 else 'is'} not a "
            "date; write dates as YYYY-MM-DD"
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[ns]"), True


def _parse_numbers(column: pd.Series, name: str) -> pd.Series:
    numbers = pd.to_numeric(column, errors="coerce")
    bad = numbers.isna() & column.notna() & (column.astype(str).str.strip() != "")
    if bad.any():
        examples = ", ".join(repr(str(v)) for v in column[bad].head(_SHOWN))
        raise MeasureError(
            f"column {name!r}, {_rows(column.index[bad] + 1)}: {examples} "
            f"{'are' if bad.sum() > 1 else 'is'} not a number"
        )
    infinite = numbers.isin([np.inf, -np.inf])
    if infinite.any():
        raise MeasureError(
            f"column {name!r}, {_rows(column.index[infinite] + 1)}: infinite values cannot be "
            "charted (was something divided by zero?)"
        )
    return numbers.astype(float)


def _reject_duplicate_dates(frame: pd.DataFrame) -> None:
    duplicated = frame["date"].duplicated(keep=False)
    if duplicated.any():
        dates = sorted({label(d) for d in frame.loc[duplicated, "date"]})
        which = "a date appears" if len(dates) == 1 else f"{len(dates)} dates appear"
        raise MeasureError(
            f"{which} more than once "
            f"({', '.join(dates[:_SHOWN])}{', ...' if len(dates) > _SHOWN else ''}): an SPC "
            "chart needs one value per period; add the rows up (or average them) first"
        )


def _drop_missing(
    frame: pd.DataFrame, column: str, name: str, warnings: list[str]
) -> pd.DataFrame:
    missing = frame[column].isna()
    if missing.any():
        dates = ", ".join(label(d) for d in frame.loc[missing, "date"].head(_SHOWN))
        warnings.append(
            f"{int(missing.sum())} point{'s' if missing.sum() > 1 else ''} without a {name!r} "
            f"left out ({dates}{', ...' if missing.sum() > _SHOWN else ''})"
        )
    return frame[~missing]


def _check_denominators(frame: pd.DataFrame, chart: str, warnings: list[str]) -> None:
    negative = frame["denominator"] < 0
    if negative.any():
        raise MeasureError(
            f"denominators must not be negative: {_rows(frame.loc[negative, '_row'])}"
        )
    zero = frame["denominator"] == 0
    if zero.any():
        dates = ", ".join(label(d) for d in frame.loc[zero, "date"].head(_SHOWN))
        warnings.append(
            f"{int(zero.sum())} point{'s' if zero.sum() > 1 else ''} with a zero denominator "
            f"left out ({dates}): a rate or proportion of nothing has no value"
        )
    if chart in ("p", "pprime"):
        over = (frame["numerator"] > frame["denominator"]) & (frame["denominator"] != 0)
        if over.any():
            raise MeasureError(
                f"a proportion cannot exceed 1: numerator > denominator at "
                f"{_rows(frame.loc[over, '_row'])}; check the columns are not swapped"
            )


def _check_counts(frame: pd.DataFrame, chart: str, name: str, warnings: list[str]) -> None:
    negative = frame["numerator"] < 0
    if negative.any():
        raise MeasureError(
            f"a {chart} chart counts events, so {name!r} cannot be negative: "
            f"{_rows(frame.loc[negative, '_row'])}"
        )
    fractional = int((frame["numerator"] % 1 != 0).sum())
    if fractional:
        warnings.append(
            f"{fractional} value{'s' if fractional > 1 else ''} in {name!r} not whole: "
            f"a {chart} chart expects counts of events"
        )


def _gap_warnings(dates: pd.Series) -> list[str]:
    """List periods missing from a monthly, weekly or daily series (other spacings: no check)."""
    if len(dates) < 3:
        return []
    expected = _expected_dates(dates)
    if expected is None:
        return []
    missing = expected.difference(pd.DatetimeIndex(dates))
    if missing.empty:
        return []
    shown = ", ".join(label(d) for d in missing[:_SHOWN])
    return [
        f"{len(missing)} period{'s' if len(missing) > 1 else ''} missing from the series "
        f"({shown}{', ...' if len(missing) > _SHOWN else ''}): the chart joins the points either "
        "side, and their moving range spans the gap"
    ]


def _expected_dates(dates: pd.Series) -> pd.DatetimeIndex | None:
    first, last = dates.iloc[0], dates.iloc[-1]
    if (dates.dt.day == first.day).all() and (dates.dt.normalize() == dates).all():
        months = dates.dt.year * 12 + dates.dt.month
        if months.diff().dropna().min() >= 1 and first.day <= 28:
            return pd.date_range(first, last, freq=pd.DateOffset(months=1))
    step = dates.diff().dropna().min()
    if step in (pd.Timedelta(days=1), pd.Timedelta(days=7)):
        offsets = (dates - first) / step
        if (offsets % 1 == 0).all():
            return pd.date_range(first, last, freq=step)
    return None


def label(value: Any) -> str:
    """A date as YYYY-MM-DD (with a time only when it has one), a period number as is."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    return str(value)


def _rows(numbers: Any) -> str:
    """'row 3' or 'rows 3, 7, ...' from 1-based input row numbers."""
    numbers = [int(n) for n in numbers]
    listed = ", ".join(str(n) for n in numbers[:_SHOWN])
    more = ", ..." if len(numbers) > _SHOWN else ""
    return f"row {listed}" if len(numbers) == 1 else f"rows {listed}{more}"
