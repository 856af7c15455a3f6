"""Small helpers the view pages share: tables in NHS style, figures as JSON, stored runs.

Tables use the NHS design system's classes, numbers formatted as the report formats them
(:func:`wholeflow.report.tabulate.format_cell`), headers as ``<th scope="col">`` and the first
column as ``<th scope="row">``. Figures go to the page as plotly JSON that ``static/js/map.js``
draws; the table behind each chart is always on the page too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from markupsafe import Markup

from wholeflow.report import suppress as sup
from wholeflow.report.tabulate import format_cell, humanise

T = TypeVar("T")

MAX_ROWS = 200


def nhs_table(df: pd.DataFrame | None, caption: str = "", *, max_rows: int = MAX_ROWS,
              threshold: int | None = None, table_id: str = "",
              hide_caption: bool = False, raw_headers: bool = False) -> Markup:
    """``df`` as an NHS-styled, accessible HTML table (empty markup for no table).

    ``hide_caption`` keeps the caption for screen readers only (when a heading says it);
    ``raw_headers`` shows column names as they are (a file's own columns)."""
    if df is None:
        return Markup("")
    counts = set(sup.count_columns(df))
    shown = df.head(max_rows)
    head = "".join(f'<th scope="col" class="nhsuk-table__header">'
                   f"{escape(str(c) if raw_headers else humanise(c))}</th>"
                   for c in shown.columns)
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = []
        for i, (col, value) in enumerate(zip(shown.columns, values, strict=True)):
            small = threshold is not None and col in counts and sup.is_small(value, threshold)
            text = sup.label(threshold or 8) if small else format_cell(value, str(col),
                                                                       col in counts)
            numeric = not isinstance(value, str | bool) and _is_number(value)
            cls = "nhsuk-table__cell" + (" nhsuk-table__cell--numeric" if numeric else "")
            if i == 0:
                cells.append(f'<th scope="row" class="{cls}">{escape(text)}</th>')
            else:
                cells.append(f'<td class="{cls}">{escape(text)}</td>')
        rows.append('<tr class="nhsuk-table__row">' + "".join(cells) + "</tr>")
    hidden = " nhsuk-u-visually-hidden" if hide_caption else ""
    cap = (f'<caption class="nhsuk-table__caption{hidden}">{escape(caption)}</caption>'
           if caption else "")
    more = ""
    if len(df) > max_rows:
        more = (f'<p class="nhsuk-body-s">Showing the first {max_rows:,} of {len(df):,} rows; '
                "the workbook on the Report page has them all.</p>")
    ident = f' id="{escape(table_id)}"' if table_id else ""
    return Markup(
        # a wide table scrolls sideways: the region takes focus so keys can scroll it
        f'<div class="nhsuk-table-container" tabindex="0" role="region" '
        f'aria-label="{escape(caption or "Table")}"><table class="nhsuk-table"{ident}>{cap}'
        f'<thead class="nhsuk-table__head"><tr class="nhsuk-table__row">{head}</tr></thead>'
        f'<tbody class="nhsuk-table__body">{"".join(rows)}</tbody></table></div>{more}')


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def figure_json(fig: Any) -> Markup:
    """A plotly figure as JSON safe to put inside ``<script type="application/json">``."""
    text = fig.to_json()
    # "</" would end the script element early; "<!--" could start a comment
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\!--"))


# -- stored runs ---------------------------------------------------------------------------------

_RUNS: OrderedDict[tuple[Any, ...], tuple[str | None, Any]] = OrderedDict()
_RUNS_LOCK = threading.Lock()
_KEEP = 4


def _stamp(root: Path) -> tuple[Any, ...]:
    """What changes when a run is added or grows: the run folders' manifests and times."""
    out = []
    for name in ("runs", "results"):
        folder = root / ".wholeflow" / name
        if not folder.is_dir():
            continue
        for run in folder.iterdir():
            marker = run / "manifest.json"
            target = marker if marker.is_file() else run
            try:
                st = target.stat()
            except OSError:
                continue
            out.append((str(run), st.st_mtime_ns))
    return tuple(sorted(out))


def stored_run(root: Path, run: str | None = None) -> tuple[str | None, Any]:
    """A stored run of the workspace (default: the newest baseline), as
    :func:`wholeflow.report.workspace.load_run` returns it; kept in memory until the runs
    change. Raises WholeflowError (plain words) for an unknown run id."""
    from wholeflow.report.workspace import load_run

    key = (str(root), run, _stamp(root))
    with _RUNS_LOCK:
        if key in _RUNS:
            _RUNS.move_to_end(key)
            return _RUNS[key]
    found = load_run(root, run)
    with _RUNS_LOCK:
        _RUNS[key] = found
        while len(_RUNS) > _KEEP:
            _RUNS.popitem(last=False)
    return found


def has_table(root: Path, run: str, table: str) -> bool:
    """Whether stored run ``run`` kept ``table`` (experiments keep KPIs only unless asked)."""
    for name in ("runs", "results"):
        folder = root / ".wholeflow" / name / run
        if not folder.is_dir():
            continue
        base = folder / "baseline" if (folder / "baseline").is_dir() else folder
        if any((base / table).glob("*.parquet")) or any(
                (base / f"{table}{suffix}").is_file() for suffix in (".parquet", ".csv")):
            return True
    return False


def run_choices(root: Path) -> list[str]:
    """Stored run ids, newest first (what the run selects offer)."""
    from wholeflow.report.workspace import list_runs

    return list_runs(root)


# -- results kept while their files are unchanged -------------------------------------------

_MEMO: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_MEMO_LOCK = threading.Lock()
_MEMO_SIZE = 48


def files_stamp(*paths: Path) -> tuple[Any, ...]:
    """What changes when any of ``paths`` (files, or every file under a folder) changes."""
    out: list[Any] = []
    for path in paths:
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            try:
                st = f.stat()
                out.append((str(f), st.st_mtime_ns, st.st_size))
            except OSError:
                out.append((str(f), None, None))
    return tuple(out)


def runs_stamp(root: Path) -> tuple[Any, ...]:
    """What changes when a stored run is added or grows."""
    return _stamp(root)


def memo(key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """``make()``, remembered under ``key`` (which must include the stamps of the files it
    reads, so a changed file gives a new key); the least recently used results are dropped."""
    with _MEMO_LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]  # type: ignore[no-any-return]
    value = make()
    with _MEMO_LOCK:
        _MEMO[key] = value
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value
