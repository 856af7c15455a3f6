"""Experiment commands: ``compare``, ``search`` and ``sensitivity``.

Replications run on every local core by default (``--workers N``; ``--workers 1`` runs in this
process), or on a Dask cluster (``--cluster tcp://host:8786``, or ``--cluster local`` to start
one here). Runs are kept in the workspace (``.wholeflow/runs/``) and reused by an identical
command; Ctrl-C stops cleanly and keeps every finished replication, so running the same command
again continues from there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from wholeflow.errors import ExperimentError

if TYPE_CHECKING:  # pragma: no cover
    from wholeflow.experiment.compare import Comparison
    from wholeflow.experiment.search import CapacitySearch
    from wholeflow.experiment.sensitivity import Sensitivity

console = Console(emoji=False)

#: Service KPIs shown by ``compare`` unless ``--all`` (system KPIs are always shown).
HEADLINE = ("delayed_days", "mean_wait_days", "mean_occupancy", "utilisation",
            "mean_length_of_stay", "rejected_referrals", "failure_demand_hours", "cost")

MODEL_ARG = typer.Argument(..., help="model file or workspace folder")
SEED = typer.Option(0, "--seed", help="seed of the random numbers (same seed, same results)")
WORKERS = typer.Option(None, "--workers", min=1,
                       help="worker processes (default: every core; 1 = run in this process)")
CLUSTER = typer.Option(None, "--cluster", metavar="ADDRESS|local",
                       help="run on a Dask cluster at ADDRESS, or start one here with 'local'")
NO_STORE = typer.Option(False, "--no-store",
                        help="do not keep or reuse runs in the workspace's .wholeflow/runs")


def share(text: str, what: str) -> float:
    """Read ``5%`` or ``0.05`` as 0.05."""
    t = text.strip()
    try:
        value = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise ExperimentError(f'{what} "{text}": give a percentage like 5% or a share like '
                              "0.05") from None
    if not 0 < value < 1:
        raise ExperimentError(f'{what} "{text}": must be between 0 and 100 %')
    return value


def warm_up_option(text: str | None) -> float | str | None:
    if text is None or text == "auto":
        return text
    try:
        days = float(text)
    except ValueError:
        raise ExperimentError(f'--warm-up "{text}": give a number of days or "auto"') from None
    if days < 0:
        raise ExperimentError(f"--warm-up must not be negative, got {text}")
    return days


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar over replications; yields the ``progress(done, total)`` callback."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, done) or None)

        yield update


@contextmanager
def stopped_cleanly(store: bool) -> Iterator[None]:
    """Turn Ctrl-C into a short message saying what was kept."""
    try:
        yield
    except KeyboardInterrupt:
        kept = ("finished replications are kept in the workspace's .wholeflow/runs; run the "
                "same command again to continue from there" if store
                else "nothing was kept (--no-store)")
        console.print(f"[yellow]stopped (Ctrl-C)[/]: {kept}")
        raise typer.Exit(130) from None


# --- compare ------------------------------------------------------------------------------------


def compare(
    model: Path = MODEL_ARG,
    scenario: list[str] = typer.Option(None, "--scenario", "-s",
                                       help="scenario to compare (repeat; default: all)"),
    replications: int = typer.Option(None, "--replications", "-n", min=2,
                                     help="replications per arm (default 10)"),
    precision: str = typer.Option(None, "--precision",
                                  help="choose replications until the watched KPIs are within "
                                       "this of their means, e.g. 5%"),
    watch: list[str] = typer.Option(None, "--watch", metavar="METRIC@SERVICE",
                                    help="KPIs --precision applies to (repeat; default: "
                                         "system delayed days and length of stay)"),
    max_replications: int = typer.Option(1000, "--max-replications", min=2,
                                         help="cap for --precision"),
    warm_up: str = typer.Option(None, "--warm-up", metavar="DAYS|auto",
                                help="override the model's warm-up; 'auto' = MSER-5 on a pilot"),
    kpi: list[str] = typer.Option(None, "--kpi", metavar="METRIC@SERVICE",
                                  help="KPIs to show (repeat; default: headline KPIs)"),
    show_all: bool = typer.Option(False, "--all", help="show every KPI"),
    out: Path = typer.Option(None, "--out", help="also write summary.csv and differences.csv"),
    seed: int = SEED, workers: int = WORKERS, cluster: str = CLUSTER, no_store: bool = NO_STORE,
) -> None:
    """Compare scenarios with the baseline on common random numbers, with confidence intervals."""
    from wholeflow.experiment.compare import WATCHED
    from wholeflow.experiment.compare import compare as run_compare
    from wholeflow.experiment.session import resolve_model

    if replications is not None and precision is not None:
        raise ExperimentError("give --replications or --precision, not both (with --precision "
                              "the count is chosen for you)")
    m = resolve_model(model)
    with stopped_cleanly(not no_store), progress_bar("replications") as update:
        result = run_compare(
            m, scenario or None, replications=replications or 10,
            precision=share(precision, "--precision") if precision else None,
            watch=watch or WATCHED, max_replications=max_replications, seed=seed,
            warm_up=warm_up_option(warm_up), workers=workers, cluster=cluster,
            store=not no_store, progress=update)
    print_comparison(result, kpi or None, show_all)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        result.summary.to_csv(out / "summary.csv", index=False)
        result.differences.to_csv(out / "differences.csv", index=False)
        console.print(f"tables written to {out}")


def print_comparison(result: Comparison, kpis: list[str] | None, show_all: bool) -> None:
    from wholeflow.experiment.targets import parse_kpi
    from wholeflow.experiment.wording import describe, kpi_words, level, level_decimals

    console.print(f"[bold]{result.model.name}[/]: baseline and {len(result.scenarios)} "
                  f"scenario(s), {result.replications} replications each, seed {result.seed}, "
                  "common random numbers")
    if result.warm_up is not None:
        console.print(result.warm_up.words())
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    if not result.scenarios:
        console.print("no scenarios to compare: add some under scenarios: in the model, or in "
                      "the workspace's scenarios/ folder")
    d = result.differences
    if kpis:
        wanted = {(k.service, k.metric) for k in (parse_kpi(x, result.model) for x in kpis)}
        d = d[[(s, m) in wanted for s, m in zip(d["service"], d["metric"], strict=True)]]
    elif not show_all:
        d = d[(d["service"] == "system") | d["metric"].isin(HEADLINE)]
        d = d[d["clear"] | (d["service"] == "system")]
    names = {sid: s.name for sid, s in result.model.services.items()}
    for scenario in result.scenarios:
        rows = d[d["scenario"] == scenario]
        table = Table(title=f"{scenario} vs baseline", title_justify="left")
        for col in ("KPI", "baseline", scenario, "change (95 % CI)"):
            table.add_column(col, overflow="fold")
        for r in rows.to_dict("records"):
            words = kpi_words(r["metric"], r["service"])
            dec = level_decimals(r["baseline"], words)
            table.add_row(describe(r["metric"], r["service"], names.get(r["service"])),
                          level(r["baseline"], words, dec), level(r["mean"], words, dec),
                          r["change"])
        console.print(table)
        hidden = int((result.differences["scenario"] == scenario).sum()) - len(rows)
        if hidden > 0 and not kpis:
            console.print(f"  ({hidden} other KPIs not shown: no clear difference or not "
                          "headline; --all shows every KPI)")
    if result.workspace is not None:
        console.print(f"runs kept in {result.workspace / '.wholeflow' / 'runs'} "
                      f"({result.simulated} replications run now, the rest reused)")


# --- search -------------------------------------------------------------------------------------


def search(
    model: Path = MODEL_ARG,
    target: str = typer.Option(..., "--target", "-t",
                               help='target, e.g. "delayed_days@acute <= 100" (add "a year" '
                                    "to scale a total to 365 days)"),
    service: str = typer.Option(None, "--service", help="the service whose capacity to find"),
    services: str = typer.Option(None, "--services", metavar="A,B",
                                 help="several services: find the cheapest mix"),
    cost_per_place: str = typer.Option(None, "--cost-per-place", metavar="A=COST,B=COST",
                                       help="cost of one place (default: cost_per_day x 365)"),
    confidence: float = typer.Option(0.95, "--confidence", help="confidence the target is met"),
    replications: int = typer.Option(20, "--replications", "-n", min=2,
                                     help="replications per capacity tried"),
    max_replications: int = typer.Option(160, "--max-replications", min=2,
                                         help="most replications for a capacity near the target"),
    max_capacity: int = typer.Option(None, "--max-capacity", min=1,
                                     help="highest capacity to try (default 4 x the model's)"),
    scenario: str = typer.Option(None, "--scenario", "-s", help="search on top of a scenario"),
    seed: int = SEED, workers: int = WORKERS, cluster: str = CLUSTER, no_store: bool = NO_STORE,
) -> None:
    """Find the smallest capacity (or cheapest mix) that meets a target with confidence."""
    from wholeflow.experiment.search import search_capacity
    from wholeflow.experiment.session import resolve_model

    if (service is None) == (services is None):
        raise ExperimentError("give --service S for one service, or --services A,B for a mix")
    names = [service] if service else [s.strip() for s in services.split(",") if s.strip()]
    costs = parse_costs(cost_per_place) if cost_per_place else None
    m = resolve_model(model)
    with stopped_cleanly(not no_store), progress_bar("replications") as update:
        result = search_capacity(
            m, target, names, cost_per_place=costs, confidence=confidence,
            replications=replications, max_replications=max_replications,
            max_capacity=max_capacity, scenario=scenario, seed=seed, workers=workers,
            cluster=cluster, store=not no_store, progress=update)
    print_search(result)


def parse_costs(text: str) -> dict[str, float]:
    """Read ``acute=1200,darley_court=400``."""
    out = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise ExperimentError(f'--cost-per-place "{text}": write SERVICE=COST pairs '
                                  'separated by commas, e.g. "acute=1200,darley_court=400"'
                                  ) from None
    return out


def print_search(result: CapacitySearch) -> None:
    colour = "green" if result.met else "yellow"
    console.print(f"[{colour}]{'met' if result.met else 'not reachable'}[/]: {result.message}")
    console.print(f"method: {result.method}")
    table = Table(title="capacities tried", title_justify="left")
    for s in result.services:
        table.add_column(s, justify="right")
    for col in ("mean", "bound", "n", "decision"):
        table.add_column(col, justify="right")
    ev = result.evaluations.sort_values(result.services)
    bound = "upper_bound" if result.target.below else "lower_bound"
    for row in ev.to_dict("records"):
        table.add_row(*(str(row[s]) for s in result.services), _num(row["mean"]),
                      _num(row[bound]), str(row["n"]),
                      row["decision"] + (f" ({row['error']})" if row.get("error") else ""))
    console.print(table)


def _num(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:,.4g}"


# --- sensitivity --------------------------------------------------------------------------------


def sensitivity(
    model: Path = MODEL_ARG,
    parameters: str = typer.Option(None, "--parameters", "-p", metavar="PATH,PATH",
                                   help="parameters to vary, e.g. 'services.*.length_of_stay,"
                                        "arrivals.front_door.per_day' (default: the main ones)"),
    change: str = typer.Option("10%", "--change", help="how far to move each parameter"),
    kpi: list[str] = typer.Option(None, "--kpi", metavar="METRIC@SERVICE",
                                  help="KPIs to watch (repeat; default: system delayed days "
                                       "and length of stay)"),
    replications: int = typer.Option(20, "--replications", "-n", min=2),
    scenario: str = typer.Option(None, "--scenario", "-s", help="analyse a scenario instead"),
    seed: int = SEED, workers: int = WORKERS, cluster: str = CLUSTER, no_store: bool = NO_STORE,
) -> None:
    """One-at-a-time ±x % on each parameter: a tornado table of KPI changes with CIs."""
    from wholeflow.experiment.sensitivity import WATCHED
    from wholeflow.experiment.sensitivity import sensitivity as run_sensitivity
    from wholeflow.experiment.session import resolve_model

    paths = [p.strip() for p in parameters.split(",") if p.strip()] if parameters else None
    m = resolve_model(model)
    with stopped_cleanly(not no_store), progress_bar("replications") as update:
        result = run_sensitivity(
            m, paths, change=share(change, "--change"), kpis=kpi or WATCHED,
            replications=replications, scenario=scenario, seed=seed, workers=workers,
            cluster=cluster, store=not no_store, progress=update)
    print_sensitivity(result)


def print_sensitivity(result: Sensitivity) -> None:
    console.print(f"one at a time, ±{result.change:.0%}, {result.replications} replications "
                  f"per value, seed {result.seed}, common random numbers")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    for k in result.kpis:
        rows = result.tornado(str(k))
        widest = rows["swing"].max()
        table = Table(title=f"tornado: {k}", title_justify="left")
        for col in ("parameter", "low → high", "change at low (95 % CI)",
                    "change at high (95 % CI)", "swing", ""):
            table.add_column(col, overflow="fold")
        for r in rows.to_dict("records"):
            swing = float(r["swing"])
            bar = "█" * round(20 * swing / widest) if widest and math.isfinite(swing) else ""
            table.add_row(str(r["parameter"]), f"{_num(r['low_value'])} → {_num(r['high_value'])}",
                          _ci(r["low_change"], r["low_ci_low"], r["low_ci_high"]),
                          _ci(r["high_change"], r["high_ci_low"], r["high_ci_high"]),
                          _num(swing), bar + (f" {r['note']}" if r["note"] else ""))
        console.print(table)


def _ci(x: float, low: float, high: float) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x:+,.4g} ({low:+,.4g} to {high:+,.4g})"


def register(app: typer.Typer) -> None:
    app.command()(compare)
    app.command()(search)
    app.command()(sensitivity)
