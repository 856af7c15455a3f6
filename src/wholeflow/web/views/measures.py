"""The Measures page: each measure's SPC chart and icons, and adding this week's value.

A measure whose numbers come from a CSV file (``source: {csv: ...}``) can be given a new value
from the page: it is appended to that CSV in the workspace, so the file stays the record and the
CLI sees the same numbers. Measures fed by the event store change when data is imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wholeflow.errors import WholeflowError

if TYPE_CHECKING:
    from wholeflow.measure.register import Measure

DENOMINATOR_CHARTS = ("p", "pprime", "u", "uprime")
POINT_WORDS = {"common_cause": "common cause", "special_cause_improvement": "improvement",
               "special_cause_concern": "concern", "special_cause_neutral_high": "neither (high)",
               "special_cause_neutral_low": "neither (low)"}


class ValueProblem(WholeflowError):
    """A new value that cannot be added, naming the form field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class NewValue:
    """What the form asks for, pre-filled: the next period's date."""

    date: str
    needs_denominator: bool


def csv_path(measure: Measure, workspace: Path) -> Path | None:
    """The measure's CSV file, or None when its numbers come from elsewhere."""
    if measure.source.csv is None:
        return None
    path = Path(measure.source.csv)
    return path if path.is_absolute() else workspace / path


def next_period(series: pd.DataFrame) -> str:
    """The period after the last one (a week on, or the series' own step), as YYYY-MM-DD."""
    dates = pd.to_datetime(series["date"], errors="coerce").dropna().sort_values()
    if dates.empty:
        return dt.date.today().isoformat()
    step = dates.diff().dropna().median() if len(dates) > 1 else pd.Timedelta(days=7)
    if pd.isna(step) or step <= pd.Timedelta(0):
        step = pd.Timedelta(days=7)
    return (dates.iloc[-1] + step).date().isoformat()


def new_value_form(measure: Measure, series: pd.DataFrame | None) -> NewValue:
    return NewValue(next_period(series) if series is not None and len(series) else
                    dt.date.today().isoformat(),
                    measure.source.denominator_column is not None)


def add_value(measure: Measure, workspace: Path, date: str, value: str,
              denominator: str = "") -> tuple[Path, int]:
    """Append one period to the measure's CSV; returns the file and the line written.

    Raises :class:`ValueProblem` naming the field (date, value, denominator) and the fix.
    """
    path = csv_path(measure, workspace)
    if path is None:
        raise ValueProblem("value", f"{measure.name}: its numbers come from the event store "
                                    "(a query), not a CSV file, so they change when data is "
                                    "imported; there is nothing to type in.")
    when = _date(date)
    number = _number("value", value)
    src = measure.source
    row = {src.date_column: when.isoformat(), src.value_column: _plain(number)}
    if src.denominator_column:
        den = _number("denominator", denominator)
        if den <= 0 or not float(den).is_integer():
            raise ValueProblem("denominator", f"Denominator: '{denominator}' must be a whole "
                                              "number above 0 (how many were counted).")
        if measure.chart in ("p", "pprime") and number > den:
            raise ValueProblem("value", f"Value: {_plain(number)} is more than the "
                                        f"denominator {_plain(den)}; a p chart counts how many "
                                        "of the denominator, so it cannot be larger.")
        row[src.denominator_column] = _plain(den)
    if measure.chart in ("p", "pprime", "u", "uprime", "c") and number < 0:
        raise ValueProblem("value", f"Value: {_plain(number)} is a count and cannot be below 0.")
    header, dates = _read(path, src.date_column)
    if when in dates:
        raise ValueProblem("date", f"Date: {when.isoformat()} already has a value in "
                                   f"{path.name} (line {dates[when]}); correct that line in the "
                                   "file, or choose another date.")
    return path, _append(path, header, row, len(dates) + 2)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueProblem("date", f"Date: '{text}' is not a date; write it as YYYY-MM-DD, "
                                   "for example 2018-03-05.") from None


def _number(field: str, text: str) -> float:
    label = field.capitalize()
    try:
        number = float(str(text).strip().replace(",", ""))
    except ValueError:
        raise ValueProblem(field, f"{label}: '{text}' is not a number; write digits only, "
                                  "for example 27 or 31.5.") from None
    if not math.isfinite(number):
        raise ValueProblem(field, f"{label}: '{text}' is not a number.")
    return number


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def _read(path: Path, date_column: str) -> tuple[list[str], dict[dt.date, int]]:
    """The CSV's header and the dates it holds (with their line numbers)."""
    if not path.is_file():
        raise ValueProblem("value", f"The measure's file {path.name} is missing.")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        dates = {}
        for line, row in enumerate(reader, start=2):
            try:
                dates[dt.date.fromisoformat(str(row.get(date_column) or "")[:10])] = line
            except ValueError:
                continue
    return header, dates


def _append(path: Path, header: list[str], row: dict[str, str], line: int) -> int:
    text = path.read_text(encoding="utf-8-sig")
    with path.open("a", newline="", encoding="utf-8") as handle:
        if text and not text.endswith("\n"):
            handle.write("\n")
        writer = csv.DictWriter(handle, fieldnames=header or list(row), extrasaction="ignore",
                                lineterminator="\n")
        writer.writerow({k: row.get(k, "") for k in (header or list(row))})
    return line


def points_table(points: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """The table behind an SPC chart: period, value, centre, limits and what the point shows."""
    out = pd.DataFrame({"date": points["date"], "value": points["value"],
                        "centre": points["centre"], "lower_limit": points["lower"],
                        "upper_limit": points["upper"],
                        "signal": points["point_type"].map(lambda t: POINT_WORDS.get(t, t))})
    if unit:
        out = out.rename(columns={"value": f"value ({unit})"})
    return out


def pdsa_table(measure: Measure) -> pd.DataFrame | None:
    if not measure.pdsa:
        return None
    return pd.DataFrame([{"cycle": c.id, "title": c.title, "change": c.change or "",
                          "started": c.start, "status": c.status, "owner": c.owner or "",
                          "new_limits": c.rebase} for c in measure.pdsa])


def icon(name: str | None) -> dict[str, Any] | None:
    """An icon's image and words (None when there is no icon)."""
    if not name:
        return None
    from wholeflow.measure.icons import ICON_WORDS, icon_data_uri

    return {"src": icon_data_uri(name, 56), "words": ICON_WORDS.get(name, name)}
