"""Report command: ``wholeflow report`` writes the HTML report (and an Excel workbook)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from wholeflow.cli._workspace import WORKSPACE_OPTION, pick_workspace

console = Console(emoji=False)


def report(
    workspace: Path = typer.Argument(Path("."), help="workspace folder (holds wholeflow.yaml)"),
    workspace_option: Path | None = WORKSPACE_OPTION,
    run: str | None = typer.Option(None, "--run", help="stored run id (default: the newest)"),
    out: Path | None = typer.Option(
        None, "--out", help="HTML file to write (default: WORKSPACE/report.html)"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="also write an Excel workbook here"),
    suppress_small_numbers: bool | None = typer.Option(
        None, "--suppress-small-numbers/--no-suppress-small-numbers",
        help="show counts 1-7 as <8 (default: on when the report includes imported data)",
        show_default=False),
    threshold: int = typer.Option(8, "--threshold", min=2,
                                  help="suppress counts below this number"),
) -> None:
    """Write one self-contained HTML report of a workspace: model, map, flows, diagnostics,
    scenario results, measures and findings. It opens offline and prints cleanly."""
    from wholeflow.report.workspace import report_workspace

    workspace = pick_workspace(workspace, workspace_option)
    files = report_workspace(workspace, run=run, out=out, xlsx=xlsx,
                             suppress_small_numbers=suppress_small_numbers, threshold=threshold)
    what = f"results of run {files.run}" if files.run else "the model alone: no stored run"
    console.print(f"[green]report[/] {files.html} ({what})", highlight=False)
    if files.workbook is not None:
        console.print(f"[green]workbook[/] {files.workbook}", highlight=False)
    if files.suppressed:
        console.print(f"small numbers suppressed: counts below {threshold} shown as <{threshold}",
                      highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(report)
