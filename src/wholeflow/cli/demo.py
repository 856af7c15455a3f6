"""``wholeflow demo``: the Bolton Intermediate Tier example, end to end.

Copies the example workspace into a folder, simulates the baseline, compares the redesign
scenarios with it on common random numbers, prints the differences with 95 % confidence
intervals, and writes the tables and a self-contained HTML report.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from wholeflow.errors import WholeflowError
from wholeflow.examples import DEFAULT, example_folder

console = Console(emoji=False)

#: A file that marks a folder as made by ``wholeflow demo`` (so a rerun may reuse it).
MARKER = ".wholeflow/demo"

#: The headline measures of the comparison, in this order: (metric, service, label).
HEADLINES = [
    ("delayed_days", "acute", "acute delayed days"),
    ("delayed_days", "system", "all delayed days"),
    ("mean_system_length_of_stay", "system", "system LOS (days)"),
    ("assessments_per_journey", "system", "assessments/journey"),
    ("failure_demand_hours", "system", "failure demand (h)"),
    ("cost", "system", "cost"),
]


def prepare_workspace(out: Path, example: str = DEFAULT) -> Path:
    """Copy the example into ``out``; a folder from an earlier demo of it is reused as it is."""
    if (out / MARKER).exists():
        made_from = (out / MARKER).read_text(encoding="utf-8").split()[-1]
        if made_from == "demo":  # "made by wholeflow demo": a Bolton folder of an older version
            made_from = DEFAULT
        if made_from == example:
            return out
        raise WholeflowError(f"{out} holds the {made_from} example, not {example}; choose "
                             "another folder with --out")
    source = example_folder(example)
    if out.exists() and any(out.iterdir()):
        raise WholeflowError(
            f"{out} already exists and is not a wholeflow demo folder; choose another with "
            "--out, or remove it")
    shutil.copytree(source, out, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "__init__.py"))
    (out / MARKER).parent.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(f"made by wholeflow demo of {example}\n", encoding="utf-8")
    return out


def comparison_table(differences, scenario: str, description: str) -> Table:  # type: ignore[no-untyped-def]
    """One scenario's headline differences from the baseline, in plain words."""
    from wholeflow.cli._format import number

    t = Table(title=f"{scenario}: {description}", title_justify="left", show_lines=False)
    t.add_column("measure (a year)", no_wrap=True)
    t.add_column("baseline", justify="right")
    t.add_column("scenario", justify="right")
    t.add_column("difference (95 % CI)", justify="right", no_wrap=True)
    d = differences[differences["scenario"] == scenario].set_index(["metric", "service"])
    for metric, service, label in HEADLINES:
        if (metric, service) not in d.index:
            continue
        r = d.loc[(metric, service)]
        diff = f"{number(r['difference'])} ({number(r['ci_low'])} to {number(r['ci_high'])})"
        if metric == "cost":  # millions keep the table narrow
            diff = (f"{r['difference'] / 1e6:,.2f}m ({r['ci_low'] / 1e6:,.2f}m to "
                    f"{r['ci_high'] / 1e6:,.2f}m)")
        style = "green" if bool(r["clear"]) else "dim"
        base, scen = number(r["baseline"]), number(r["mean"])
        if metric == "cost":
            base, scen = f"{r['baseline'] / 1e6:,.2f}m", f"{r['mean'] / 1e6:,.2f}m"
        t.add_row(label, base, scen, f"[{style}]{diff}[/]")
    return t


def demo(
    example: str = typer.Argument(DEFAULT, help="which example (see 'wholeflow examples')"),
    out: Path = typer.Option(None, "--out", "-o", show_default=False,
                             help="folder for the example workspace and its results "
                                  "(default: wholeflow-demo, or wholeflow-demo-EXAMPLE)"),
    replications: int = typer.Option(10, "--replications", "-n", min=2,
                                     help="replications per scenario"),
    seed: int = typer.Option(2025, "--seed", "-s", help="random seed"),
    workers: int = typer.Option(None, "--workers", help="worker processes (default: all cores)"),
) -> None:
    """Run an example end to end (Bolton by default): simulate, compare scenarios, write a
    report."""
    from wholeflow.cli._format import summary_tables
    from wholeflow.cli.run import simulate_with_progress
    from wholeflow.experiment.compare import compare
    from wholeflow.model import load_model
    from wholeflow.model.scenarios import list_scenarios
    from wholeflow.report.workspace import report_workspace

    if out is None:
        out = Path("wholeflow-demo" if example == DEFAULT else f"wholeflow-demo-{example}")
    ws = prepare_workspace(out, example)
    model = load_model(ws)
    scenarios = list_scenarios(model)
    console.print(f"[bold]{model.name}[/]: {len(model.services)} services, "
                  f"{len(scenarios)} scenarios, {replications} replications each, seed {seed}\n"
                  f"workspace: {ws.resolve()}", highlight=False)

    baseline = simulate_with_progress(model, replications, seed, None, "simulating baseline")
    for table in summary_tables(baseline.summary(), "baseline"):
        console.print(table)

    with console.status("comparing scenarios with the baseline (common random numbers)"):
        comparison = compare(ws, scenarios, replications=replications, seed=seed,
                             workers=workers)
    for name in scenarios:
        console.print(comparison_table(comparison.differences, name,
                                       model.scenarios[name].description))
    comparison.differences.to_csv(ws / "comparison.csv", index=False)

    with console.status("writing the report"):
        files = report_workspace(ws, results=baseline, comparison=comparison)
    console.print(f"\nruns:       {ws / '.wholeflow' / 'runs'} (Parquet, one folder per arm)\n"
                  f"comparison: {ws / 'comparison.csv'}\n"
                  f"workbook:   wholeflow report {ws} --xlsx report.xlsx (for Excel users)\n"
                  f"[bold]report:     {files.html}[/]\n"
                  f"app:        wholeflow serve {ws}  (then open http://127.0.0.1:8000/)",
                  highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(demo)
