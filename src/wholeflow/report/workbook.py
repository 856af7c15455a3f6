"""The Excel workbook: one sheet per table, for colleagues who live in Excel.

Every sheet has a bold header row on NHS dark blue, frozen so it stays in view, columns sized to
their contents and number formats set (thousands separators, percentages for rates, dates as
dates). Cells hold values, never formulas: text that starts with ``=`` is stored as text. With
suppression on, counts from 1 to ``threshold - 1`` are written as the text ``<8``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from wholeflow.report import suppress as sup
from wholeflow.report.build import suppression_threshold
from wholeflow.report.comparisons import comparison_table, sensitivity_table
from wholeflow.report.sections_results import looks_like_counts
from wholeflow.report.tabulate import RATE_WORDS, humanise

if TYPE_CHECKING:
    from wholeflow.model.schema import Model
    from wholeflow.report.findings import Finding

HEADER_FILL = PatternFill("solid", start_color="003087", end_color="003087")
HEADER_FONT = Font(bold=True, color="FFFFFF")
MAX_WIDTH = 60
_BAD_SHEET_CHARS = re.compile(r"[\[\]\:\*\?\/\\]")


def workbook_tables(
    model: Model | None = None,
    results: Any = None,
    comparison: Any = None,
    sensitivity: Any = None,
    diagnostics: Mapping[str, Any] | None = None,
    measures: Any = None,
    findings: Sequence[Finding] | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables the workbook holds, by sheet name, in sheet order."""
    from wholeflow.report.findings import findings_table
    from wholeflow.report.sections import (
        kpi_summary,
        routes_table,
        service_names,
        services_table,
    )

    comparison = comparison_table(comparison)
    sensitivity = sensitivity_table(sensitivity)
    tables: dict[str, pd.DataFrame] = {}
    summary = kpi_summary(results)
    if summary is not None and len(summary):
        tables["KPIs"] = summary
    kpis = getattr(results, "kpis", None)
    if isinstance(kpis, pd.DataFrame) and len(kpis):
        tables["KPIs by replication"] = kpis
    if comparison is not None and len(comparison):
        tables["Comparison"] = comparison
    if sensitivity is not None and len(sensitivity):
        tables["Sensitivity"] = sensitivity
    for name, df in (diagnostics or {}).items():
        if isinstance(df, pd.DataFrame) and "person" not in df.columns:  # no row-level data
            tables[f"Data {humanise(name)}"] = df
    for name, result in _measure_items(measures):
        points = getattr(result, "points", None)
        if isinstance(points, pd.DataFrame):
            tables[f"SPC {name}"] = points
    if findings:
        names = service_names(model) if model is not None else None
        tables["Findings"] = findings_table(list(findings), names)
    from wholeflow.report.arrows import arrow_tables

    tables.update(arrow_tables(model, summary))
    if model is not None:
        tables["Services"] = services_table(model)
        tables["Routes"] = routes_table(model)
    return tables


def _measure_items(measures: Any) -> list[tuple[str, Any]]:
    if not measures:
        return []
    if isinstance(measures, Mapping):
        return list(measures.items())
    return [(m.name, m.result) for m in measures]


def write_workbook(
    path: str | Path,
    model: Model | None = None,
    results: Any = None,
    comparison: Any = None,
    sensitivity: Any = None,
    diagnostics: Mapping[str, Any] | None = None,
    measures: Any = None,
    findings: Sequence[Finding] | None = None,
    suppress_small_numbers: bool | None = None,
    threshold: int = sup.DEFAULT_THRESHOLD,
) -> Path:
    """Write the workbook to ``path`` and return it (inputs as for ``build_report``)."""
    limit = suppression_threshold(suppress_small_numbers, threshold, bool(diagnostics))
    tables = workbook_tables(model, results, comparison, sensitivity, diagnostics, measures,
                             findings)
    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = "About"
    _about(about, model, tables, limit)
    used = {"About"}
    for name, df in tables.items():
        if limit is not None and name.startswith("SPC ") and looks_like_counts(df):
            df = sup.suppress_table(df, limit, ["value"])  # a measure that counts people
        ws = wb.create_sheet(_sheet_name(name, used))
        _write_table(ws, df, limit)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, no []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub(" ", name).strip()[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in {u.lower() for u in used}:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def _about(ws: Worksheet, model: Model | None, tables: Mapping[str, pd.DataFrame],
           limit: int | None) -> None:
    from wholeflow import __version__

    lines = [
        ["wholeflow workbook", model.name if model is not None else ""],
        ["Made", dt.datetime.now().strftime("%d %B %Y %H:%M")],
        ["wholeflow version", __version__],
        ["Small-number suppression",
         f"on: counts 1 to {limit - 1} shown as <{limit}" if limit else "off"],
        [],
        ["Sheet", "What it holds"],
    ]
    lines += [[name, f"{len(df):,} rows"] for name, df in tables.items()]
    for row in lines:
        ws.append(row)
    ws["A1"].font = Font(bold=True, size=14, color="003087")
    for cell in ws[6]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 60


def _write_table(ws: Worksheet, df: pd.DataFrame, limit: int | None) -> None:
    counts = set(sup.count_columns(df))
    ws.append([humanise(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(humanise(c)) for c in df.columns]
    formats = [_number_format(str(c), df[c], c in counts) for c in df.columns]
    for r, values in enumerate(df.itertuples(index=False, name=None), start=2):
        for c, value in enumerate(values, start=1):
            col = df.columns[c - 1]
            v = _cell_value(value)
            if limit is not None and col in counts and sup.is_small(v, limit):
                v = sup.label(limit)
            cell = ws.cell(row=r, column=c, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
            elif formats[c - 1]:
                cell.number_format = formats[c - 1]
            widths[c - 1] = max(widths[c - 1], len(str(v)) if v is not None else 0)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), MAX_WIDTH)
    ws.freeze_panes = "A2"
    if len(df):
        ws.auto_filter.ref = ws.dimensions


def _number_format(name: str, series: pd.Series, is_count: bool) -> str | None:
    if pd.api.types.is_datetime64_any_dtype(series):
        return "yyyy-mm-dd hh:mm"
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    if is_count or pd.api.types.is_integer_dtype(series):
        return "#,##0"
    if any(w in name.lower() for w in RATE_WORDS):
        values = series.dropna()
        if len(values) and values.abs().max() <= 1.5:
            return "0.0%"
    return "#,##0.00"


def _cell_value(value: Any) -> Any:
    """A value openpyxl can store: plain Python numbers, naive datetimes, text, or empty."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        value = value.tz_convert(None) if value.tzinfo is not None else value
        return value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, dt.date | int | str):
        return value
    if isinstance(value, pd.Timedelta):
        return value.total_seconds() / 86400
    return str(value)
