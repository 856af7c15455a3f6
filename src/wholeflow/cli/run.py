"""``wholeflow run``: simulate a model and write its tables."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(emoji=False)

TABLES = ("kpis", "stays", "referrals", "delays", "journeys", "daily")


def write_results(results, out: Path, csv: bool = True) -> list[Path]:  # type: ignore[no-untyped-def]
    """Write every table (Parquet, and CSV for spreadsheet users) and the KPI summary.

    Both go through Arrow: pandas' own CSV writer formats timestamps about ten times slower.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        table = pa.Table.from_pandas(getattr(results, name), preserve_index=False)
        pq.write_table(table, out / f"{name}.parquet")
        written.append(out / f"{name}.parquet")
        if csv:
            pacsv.write_csv(table, out / f"{name}.csv")
            written.append(out / f"{name}.csv")
    results.summary().to_csv(out / "summary.csv", index=False)
    written.append(out / "summary.csv")
    return written


def simulate_with_progress(model, replications: int, seed: int, scenario: str | None,  # type: ignore[no-untyped-def]
                           label: str, runner=None):
    """Run ``wholeflow.simulate`` with a Rich progress bar over replications."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from wholeflow.engine import simulate

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(label, total=replications)
        return simulate(model, replications=replications, seed=seed, scenario=scenario,
                        runner=runner,
                        progress=lambda done, total: bar.update(task, completed=done))


def run(
    model: Path = typer.Argument(..., help="model file or workspace folder"),
    replications: int = typer.Option(10, "--replications", "-n", min=1,
                                     help="independent replications"),
    seed: int = typer.Option(0, "--seed", "-s", help="random seed (same seed, same results)"),
    scenario: str = typer.Option(None, "--scenario", help="run this scenario instead of the "
                                 "baseline"),
    out: Path = typer.Option(None, "--out", "-o", help="folder for the tables (default: "
                             "<workspace>/.wholeflow/results/<scenario>)"),
) -> None:
    """Simulate a model: print KPIs with 95 % confidence intervals and write the tables."""
    from wholeflow.cli._format import summary_tables
    from wholeflow.model import load_model

    m = load_model(model)
    for w in getattr(m, "warnings", []):
        console.print(f"[yellow]{w}[/]", highlight=False)
    name = scenario or "baseline"
    results = simulate_with_progress(m, replications, seed, scenario, f"simulating {name}")
    for table in summary_tables(results.summary(), f"{m.name} - {name}"):
        console.print(table)
    if out is None:
        base = Path(model) if Path(model).is_dir() else Path(model).parent
        out = base / ".wholeflow" / "results" / name
    write_results(results, out)
    console.print(f"{replications} replications, {results.events:,} events; tables written to "
                  f"[bold]{out}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(run)
