"""``wholeflow stress``: write the STRESS-DES reproducibility appendix of a workspace as Markdown.

The same appendix ends every HTML report. Replications, seed and run time come from the newest
stored run of the baseline (``wholeflow compare``), or from a run this command times itself when
``--replications`` is given.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer
from rich.console import Console

from wholeflow.cli._workspace import WORKSPACE_OPTION, pick_workspace

console = Console(emoji=False, stderr=True)


def stress(
    workspace: Path = typer.Argument(Path("."), help="workspace folder (or a model file)"),
    workspace_option: Path | None = WORKSPACE_OPTION,
    out: Path | None = typer.Option(
        None, "--out", "-o",
        help="Markdown file to write (default: WORKSPACE/stress-des.md; '-' for the screen)"),
    replications: int | None = typer.Option(
        None, "--replications", "-n", min=1,
        help="simulate the baseline this many times now, to state its run time"),
    seed: int = typer.Option(0, "--seed", "-s", help="random seed of that run"),
) -> None:
    """Write the STRESS-DES reproducibility appendix (Monks et al. 2019) as Markdown: every
    checklist item, filled from the model, its comments, the data and this machine."""
    from wholeflow.model import load_model
    from wholeflow.report.stress import RunFacts, run_facts, stress_markdown

    workspace = pick_workspace(workspace, workspace_option)
    model = load_model(workspace)
    if replications is not None:
        from wholeflow.cli.run import simulate_with_progress

        start = time.perf_counter()
        simulate_with_progress(model, replications, seed, None, "timing the baseline")
        run = RunFacts(replications, seed, time.perf_counter() - start,
                       "timed by wholeflow stress, one process, including compilation")
    else:
        run = run_facts(model, None)
    text = stress_markdown(model, run)
    if out is not None and str(out) == "-":
        sys.stdout.write(text)
        return
    folder = workspace if workspace.is_dir() else workspace.parent
    target = out or folder / "stress-des.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    console.print(f"[green]STRESS-DES appendix[/] {target}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(stress)
