"""The workspace of a command, given as its argument or with ``--workspace`` (``-w``).

``wholeflow import`` names the workspace with ``--workspace``; the commands that read one
(``diagnose``, ``calibrate``, ``check-fit``, ``report``) take it as their argument. Each of
those takes the option as well, so that either habit works.
"""

from __future__ import annotations

from pathlib import Path

import typer

from wholeflow.errors import DataError

WORKSPACE_OPTION = typer.Option(None, "--workspace", "-w", show_default=False,
                                help="workspace folder (the same as the argument)")


def pick_workspace(argument: Path, option: Path | None) -> Path:
    """The workspace given by the argument or the option; giving two different ones is an
    error."""
    if option is None:
        return argument
    if argument != Path(".") and argument != option:
        raise DataError(f"two workspaces given: {argument} and --workspace {option}; "
                        "give one")
    return option
