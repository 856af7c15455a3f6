"""DataFrames as accessible, readable HTML tables (and the words used for their columns).

Numbers are formatted the way a board paper prints them: thousands separators, one decimal for
small values, rates as percentages, dates as ``1 Apr 2025``, missing values as an en dash.
Headers are ``<th scope="col">`` and the first column ``<th scope="row">`` so screen readers can
announce each cell with its row and column.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from wholeflow.report import suppress as sup

MAX_ROWS = 200
RATE_WORDS = ("rate", "share", "utilisation", "acceptance", "percent", "proportion")
WORDS = {"los": "LOS", "kpi": "KPI", "ci": "CI", "p90": "90th percentile", "p95": "95th percentile",
         "p5": "5th percentile", "p25": "25th percentile", "p75": "75th percentile",
         "sd": "SD", "n": "n", "imc": "IMC"}


def humanise(name: Any) -> str:
    """``mean_length_of_stay`` -> ``Mean length of stay``; ``ci_low`` -> ``CI low``."""
    parts = str(name).replace("-", "_").split("_")
    words = [WORDS.get(p.lower(), p) for p in parts if p]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else ""


def format_cell(value: Any, column: str = "", is_count: bool = False) -> str:
    """One cell as text (see the module docstring for the conventions)."""
    if value is None or value is pd.NaT:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp | dt.datetime):
        if pd.isna(value):
            return "–"
        ts = pd.Timestamp(value)
        return ts.strftime("%-d %b %Y") if ts == ts.normalize() else ts.strftime("%-d %b %Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%-d %b %Y")
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "–"
    if is_count or isinstance(value, int | np.integer) or v == 0:
        return f"{v:,.0f}"
    lower = column.lower()
    if any(w in lower for w in RATE_WORDS) and -1.5 <= v <= 1.5:
        return f"{v:.0%}"
    if float(v).is_integer() and abs(v) >= 1:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:,.1f}"
    return f"{v:,.2f}"


def html_table(
    df: pd.DataFrame,
    caption: str = "",
    threshold: int | None = None,
    max_rows: int = MAX_ROWS,
    row_headers: bool = True,
) -> Markup:
    """``df`` as an HTML table; small counts shown as ``<8`` when ``threshold`` is given."""
    counts = set(sup.count_columns(df))
    shown = df.head(max_rows)
    head = "".join(f'<th scope="col">{escape(humanise(c))}</th>' for c in shown.columns)
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = []
        for i, (col, value) in enumerate(zip(shown.columns, values, strict=True)):
            is_count = col in counts
            if threshold is not None and is_count and sup.is_small(value, threshold):
                text = sup.label(threshold)
            else:
                text = format_cell(value, str(col), is_count)
            numeric = not isinstance(value, str) and _is_number(value)
            cls = ' class="num"' if numeric or text == sup.label(threshold or 8) else ""
            tag = "th" if (i == 0 and row_headers) else "td"
            scope = ' scope="row"' if tag == "th" else ""
            cells.append(f"<{tag}{scope}{cls}>{escape(text)}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    more = ""
    if len(df) > max_rows:
        more = (f'<p class="note">Showing the first {max_rows:,} of {len(df):,} rows; the '
                "workbook has them all.</p>")
    return Markup(
        f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{more}"
    )


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
