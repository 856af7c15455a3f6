"""``wholeflow examples``: the example workspaces shipped with wholeflow, one line each."""

from __future__ import annotations

import typer
from rich.console import Console

console = Console(emoji=False)


def examples() -> None:
    """List the example workspaces shipped with wholeflow, one line each."""
    from wholeflow.examples import shipped_examples

    for name, found in shipped_examples().items():
        console.print(f"[bold]{name}[/]  {found.title}: {found.summary}", highlight=False,
                      soft_wrap=True)
    console.print("Run one with: wholeflow demo NAME", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(examples)
