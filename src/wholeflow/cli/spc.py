"""The ``wholeflow spc`` command: chart a CSV file or a measure, print what the chart says.

It writes the points table (CSV) and a self-contained interactive chart (HTML, plotly.js
embedded, so it opens offline) and prints the signals in plain words.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:  # pragma: no cover
    from wholeflow.measure import Measure, SpcResult

console = Console(emoji=False)

_STYLE = {"improvement": "bold blue", "concern": "bold dark_orange", "Special cause (neither":
          "bold magenta", "Non-random": "bold magenta", "Latest point": "bold", "Target": "bold"}


def spc(
    source: str = typer.Argument(
        ..., help="a CSV file (date,value[,denominator]), a measure file (.yaml) or the id of "
                  "a measure in the workspace's measures/ folder"),
    chart: str | None = typer.Option(
        None, "--chart", help="xmr | run | p | pprime | u | uprime | c (default: the "
                              "measure's chart, else xmr)"),
    rebase: list[str] | None = typer.Option(
        None, "--rebase", help="a date (YYYY-MM-DD) where the process changed: new limits "
                               "from there; repeat for more"),
    target: float | None = typer.Option(None, "--target", help="target, in the chart's units"),
    direction: str | None = typer.Option(
        None, "--direction", help="which way is better: increase | decrease | neutral"),
    out: Path | None = typer.Option(
        None, "--out", help="folder for the points CSV and the HTML chart (default: "
                            "findings/spc in the workspace for a measure, ./spc for a file)"),
    value_column: str = typer.Option("value", "--value-column", help="CSV value column"),
    date_column: str = typer.Option("date", "--date-column", help="CSV date column"),
    denominator_column: str | None = typer.Option(
        None, "--denominator-column", help="CSV denominator column (p and u charts)"),
    baseline: int | None = typer.Option(
        None, "--baseline", help="fix the limits on the first N points (N ≥ 12)"),
    no_screen: bool = typer.Option(
        False, "--no-screen", help="keep large moving ranges in XmR limits (as the MDC Excel "
                                   "tool does)"),
    multiply: float | None = typer.Option(
        None, "--multiply", help="scale values for display, e.g. 100 for %"),
    title: str | None = typer.Option(None, "--title", help="chart title"),
    workspace: Path = typer.Option(
        Path("."), "--workspace", "-w", help="workspace folder (for measures)"),
) -> None:
    """Make an SPC chart the NHS "Making Data Count" way and say what it shows."""
    options: dict[str, Any] = {
        "chart": chart, "target": target, "improvement_direction": direction,
        "baseline": baseline, "multiply": multiply,
        "screen_moving_ranges": False if no_screen else None,
    }
    rebase_points = [_period(r) for r in rebase or []]
    path = Path(source)
    if _is_measure(path):
        measure, folder = _measure(path, source, workspace)
        result = _chart_measure(measure, folder, options, rebase_points)
        stem, default_out, pdsa = measure.id, folder / "findings" / "spc", measure.pdsa
        title = title or measure.name
        y_title = measure.unit
    else:
        result = _chart_file(path, options, rebase_points, date_column, value_column,
                             denominator_column)
        stem, default_out, pdsa, y_title = path.stem, Path("spc"), [], value_column
        title = title or path.stem
    folder_out = out or default_out
    points = result.write_points(folder_out / f"{stem}-points.csv")
    html = folder_out / f"{stem}.html"
    result.figure(title=title, pdsa=pdsa, y_title=y_title).write_html(
        html, include_plotlyjs=True, full_html=True)
    _print(result, title, points, html)


def _period(text: str) -> Any:
    """A rebase date, or a period number for series without dates."""
    return int(text) if text.strip().isdigit() else text


def _is_measure(path: Path) -> bool:
    """A measure file (.yaml) or a measure id; anything else is a data file."""
    yaml_file = path.suffix.lower() in (".yaml", ".yml")
    return yaml_file or (not path.is_file() and path.suffix.lower() not in (".csv", ".txt"))


def _measure(path: Path, source: str, workspace: Path) -> tuple[Measure, Path]:
    from wholeflow.measure import find_measure, load_measure_file
    from wholeflow.measure.errors import MeasureError

    if path.suffix.lower() in (".yaml", ".yml"):
        if not path.is_file():
            raise MeasureError(f"no measure file {path}")
        measure = load_measure_file(path)
        folder = path.resolve().parent
        home = folder.parent if folder.name == "measures" else workspace
        return measure, home
    return find_measure(workspace, source), workspace


def _chart_measure(
    measure: Measure, workspace: Path, options: dict[str, Any], rebase: list[Any]
) -> SpcResult:
    from wholeflow.measure import measure_spc

    return measure_spc(measure, workspace, rebase=rebase, **options)


def _chart_file(
    path: Path,
    options: dict[str, Any],
    rebase: list[Any],
    date_column: str,
    value_column: str,
    denominator_column: str | None,
) -> SpcResult:
    import pandas as pd

    from wholeflow.errors import DataError
    from wholeflow.measure import spc as make_chart

    if not path.is_file():
        raise DataError(f"no file {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot read it as CSV ({err})") from None
    chosen = {k: v for k, v in options.items() if v is not None}
    return make_chart(frame, rebase=rebase or None, date_column=date_column,
                      value_column=value_column, denominator_column=denominator_column,
                      **chosen)


def _print(result: SpcResult, title: str, points: Path, html: Path) -> None:
    segments = len(result.segments)
    console.print(
        f"[bold]{title}[/]: {result.chart} chart of {len(result.points)} points"
        + (f" in {segments} segments" if segments > 1 else "")
        + f", improvement direction {result.improvement_direction}",
        highlight=False, soft_wrap=True,
    )
    for sentence in result.signals:
        style = next((s for key, s in _STYLE.items() if key in sentence), "")
        text = f"[{style}]{sentence}[/]" if style else sentence
        console.print(f"  • {text}", highlight=False, soft_wrap=True)
    for warning in result.warnings:
        console.print(f"  [yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    console.print(f"wrote {points}\nwrote {html}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command(name="spc")(spc)
