"""Small-number suppression, the NHS disclosure-control convention.

Counts of people or events from 1 to ``threshold - 1`` (1–7 by default) could identify someone,
so they are shown as ``"<8"``; zero and larger counts are shown as they are. A column holds
counts when its name says so (``people``, ``referrals``, ``stays``, ``n``, ...) or when it is an
integer column that is not a label (replication, weekday, stint, ...). Suppression is applied to
every table, chart and workbook cell of a report when it is on; it is on by default whenever a
report includes imported (real) data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 8

#: Words that make a column a count wherever they appear in its name.
COUNT_WORDS = ("people", "persons", "patients", "referrals", "stays", "admissions",
               "discharges", "journeys", "arrivals", "departures", "rejected", "accepted",
               "stranded", "count", "number", "attendances", "breaches", "events", "rows",
               "readmissions", "frequency", "transfers", "numerator", "denominator")
#: Integer columns that are labels or sizes, not counts of people.
NOT_COUNTS = {"replication", "stint", "step", "weekday", "day", "year", "month", "week", "hour",
              "rank", "segment", "capacity", "id", "order", "assessments", "handovers",
              "information_breaks", "services", "age", "threshold", "replications"}
_WORD = re.compile(r"[a-z]+")


def label(threshold: int = DEFAULT_THRESHOLD) -> str:
    """How a suppressed count is shown: ``"<8"``."""
    return f"<{threshold}"


def is_small(value: Any, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True for a count that must be hidden: it would show as 1 to ``threshold - 1``."""
    if value is None or isinstance(value, bool | str):
        return False
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and 1 <= round(v) < threshold


def is_count_column(name: str, series: pd.Series | None = None) -> bool:
    """Whether a column holds counts of people or events (see the module docstring)."""
    words = _WORD.findall(str(name).lower())
    if any(w in NOT_COUNTS for w in words) and not any(w in COUNT_WORDS for w in words):
        return False
    if str(name).lower() in ("n", "n_people", "n_stays") or any(w in COUNT_WORDS for w in words):
        return series is None or pd.api.types.is_numeric_dtype(series)
    if series is not None and pd.api.types.is_integer_dtype(series):
        return not any(w in ("days", "hours", "wait", "los") for w in words)
    return False


def count_columns(df: pd.DataFrame) -> list[str]:
    """The columns of ``df`` that hold counts."""
    return [c for c in df.columns if is_count_column(str(c), df[c])]


def suppress_table(
    df: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, columns: Iterable[str] | None = None
) -> pd.DataFrame:
    """A copy of ``df`` with small counts replaced by ``"<8"`` in its count columns."""
    out = df.copy()
    cols = list(columns) if columns is not None else count_columns(df)
    for c in cols:
        if c not in out:
            continue
        small = out[c].map(lambda v: is_small(v, threshold)).astype(bool)
        if small.any():
            out[c] = out[c].astype(object)
            out.loc[small, c] = label(threshold)
    return out


def mask_small(values: Iterable[Any], threshold: int = DEFAULT_THRESHOLD) -> list[float]:
    """Values with small counts replaced by NaN (for chart data: nothing drawn, nothing shown)."""
    return [float("nan") if is_small(v, threshold) else float(v) for v in values]


def visible_small_counts(values: Iterable[Any], threshold: int = DEFAULT_THRESHOLD
                         ) -> list[Any]:
    """The values that would breach suppression (for checks and tests)."""
    return [v for v in values if is_small(v, threshold)]


def as_array(values: Any) -> np.ndarray:
    """Plotly array-ish (tuple, list, numpy, typed-array dict) as a float numpy array."""
    if values is None:
        return np.array([], dtype=float)
    return np.asarray(values, dtype=float)
