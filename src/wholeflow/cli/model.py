"""Model commands: ``validate`` and ``schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

console = Console(emoji=False, highlight=False, soft_wrap=True)
err_console = Console(emoji=False, stderr=True, highlight=False, soft_wrap=True)


def validate(model: Path = typer.Argument(..., help="model file or workspace folder")) -> None:
    """Check a model (and its scenarios): print ok and any warnings, or every problem.

    Each problem names the file, line, field and a fix. Exit code 2 when the model is invalid.
    """
    from wholeflow.errors import ModelError
    from wholeflow.model import load_model

    try:
        m = load_model(model)
    except ModelError as err:
        n = len(err.problems)
        err_console.print(f"[bold red]invalid:[/] {n} problem{'s' if n != 1 else ''} "
                          f"in {escape(str(model))}")
        for problem in err.problems:
            err_console.print(f"  {escape(str(problem))}")
        for warning in err.warnings:
            err_console.print(f"  [yellow]{escape(str(warning))}[/]")
        sys.exit(2)
    scenarios = f"{len(m.scenarios)} scenario{'s' if len(m.scenarios) != 1 else ''}"
    console.print(
        f"[green]ok[/] {escape(str(m.source))}: {len(m.services)} services, "
        f"{len(m.exits)} exits, {len(m.arrivals)} arrival streams, {scenarios}"
    )
    for warning in m.warnings:
        console.print(f"  [yellow]{escape(str(warning))}[/]")


def schema() -> None:
    """Print the model file's JSON Schema (for editor autocompletion)."""
    from wholeflow.model.schema import Model

    typer.echo(json.dumps(Model.model_json_schema(by_alias=True), indent=2))


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(schema)
