"""Model commands: ``validate`` and ``schema``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

console = Console()


def validate(model: Path = typer.Argument(..., help="model file or workspace folder")) -> None:
    """Check a model file and report every problem, with file, line, field and a fix."""
    from wholeflow.model import load_model

    m = load_model(model)
    console.print(
        f"[green]ok[/] {m.source}: {len(m.services)} services, {len(m.exits)} exits, "
        f"{len(m.arrivals)} arrival streams, {len(m.scenarios)} scenarios"
    )


def schema() -> None:
    """Print the model file's JSON Schema (for editor autocompletion)."""
    from wholeflow.model.schema import Model

    typer.echo(json.dumps(Model.model_json_schema(by_alias=True), indent=2))


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(schema)
