"""Data commands: ``import``, ``diagnose``, ``calibrate``, ``check-fit`` and ``example-data``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from wholeflow.cli._workspace import WORKSPACE_OPTION, pick_workspace
from wholeflow.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

console = Console(emoji=False)

WORKSPACE = typer.Option(Path("."), "--workspace", "-w", help="workspace folder")


def import_(
    files: list[Path] = typer.Argument(..., help="event-log files: CSV, Parquet, Excel, XES"),
    workspace: Path = WORKSPACE,
    map_: list[str] = typer.Option([], "--map", "-m", help="COLUMN=FIELD, e.g. --map "
                                   "PatientID=person (fields: person, service, event, "
                                   "timestamp, destination, class, referred, decided, "
                                   "accepted, started, ready, ended, assessments)"),
    activity_map: Path = typer.Option(None, "--activity-map", help="CSV or YAML mapping each "
                                      "activity to a service and an event type"),
    mapping: str = typer.Option(None, "--mapping", help="reuse a mapping saved in the "
                                "workspace (name or file)"),
    save_mapping: str = typer.Option(None, "--save-mapping", help="save this mapping in the "
                                     "workspace under a name"),
    shape: str = typer.Option(None, "--shape", help="events (one row per event) or stays "
                              "(one row per stay); recognised when not given"),
    date_order: str = typer.Option(None, "--date-order", help="dmy (default), mdy or ymd"),
    sheet: str = typer.Option(None, "--sheet", help="Excel sheet (default: the first)"),
    infer_ends: bool = typer.Option(False, "--infer-ends", help="a start in one service ends "
                                    "the person's stays elsewhere"),
    replace: bool = typer.Option(False, "--replace", help="import a file again, replacing "
                                 "its earlier import"),
    extract_end: str = typer.Option(None, "--extract-end", help="when the extract was taken "
                                    "(default: its last event)"),
    quarantine_csv: Path = typer.Option(None, "--quarantine-csv", help="also write the "
                                        "workspace's quarantined rows to this file"),
    max_open_days: float = typer.Option(None, "--max-open-days", help="a stay still open "
                                        "after this many days at the end of the extract has "
                                        "no end recorded (default: 3 x the 95th percentile "
                                        "of the service's closed stays)"),
) -> None:
    """Import event logs into the workspace: every row loaded or quarantined with its reason."""
    from wholeflow.data.reading.mapping import parse_map_options
    from wholeflow.data.storage.importer import import_events
    from wholeflow.data.storage.store import Store

    if shape not in (None, "events", "stays"):
        raise DataError(f"--shape must be events or stays, got {shape!r}")
    if date_order not in (None, "dmy", "mdy", "ymd"):
        raise DataError(f"--date-order must be dmy, mdy or ymd, got {date_order!r}")
    with console.status("importing"):
        report = import_events(
            files, workspace, columns=parse_map_options(map_), activity_map=activity_map,
            mapping=mapping, save_mapping_as=save_mapping, shape=shape,  # type: ignore[arg-type]
            date_order=date_order, sheet=sheet, infer_ends=infer_ends,  # type: ignore[arg-type]
            replace=replace, extract_end=extract_end, max_open_days=max_open_days)
    table = Table(title=f"import into {report.store}", title_justify="left")
    for column in ("file", "rows in", "loaded", "quarantined", "shape"):
        table.add_column(column, justify="left" if column in ("file", "shape") else "right")
    for f in report.files:
        if f.skipped:
            console.print(f"skipped {f.file}: {f.skipped}; --replace imports it again",
                          highlight=False, soft_wrap=True)
        else:
            table.add_row(f.file, f"{f.rows_in:,}", f"{f.rows_loaded:,}",
                          f"{f.rows_quarantined:,}", f"{f.shape} ({f.format})")
    table.add_row("total", f"{report.rows_in:,}", f"{report.rows_loaded:,}",
                  f"{report.rows_quarantined:,}", f"{report.persons:,} people", style="bold")
    console.print(table)
    if report.by_reason:
        reasons = Table("quarantined because", "rows", title_justify="left")
        for reason, n in report.by_reason.items():
            reasons.add_row(reason.replace("_", " "), f"{n:,}")
        console.print(reasons)
    if report.other_events:
        top = ", ".join(f"{a} ({n:,})" for a, n in list(report.unmapped_activities.items())[:8])
        console.print(f"{report.other_events:,} events kept as 'other' (not in the activity "
                      f"map): {top}", highlight=False)
    if report.mapped_other:
        console.print(f"{sum(report.mapped_other.values()):,} events mapped to 'other' by the "
                      "activity map (kept, counted as mapped)", highlight=False)
    for warning in report.warnings():
        console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    if report.missing_ends:
        ends = Table("service", "stays with no end recorded", title_justify="left",
                     title="open far longer than closed stays: kept, but in no census or fit")
        for service, n in report.missing_ends.items():
            ends.add_row(service, f"{n:,}")
        console.print(ends)
    if quarantine_csv is not None and Store(workspace).exists():
        n = Store(workspace).export_quarantine(quarantine_csv)
        console.print(f"{n:,} quarantined rows written to {quarantine_csv}", highlight=False)


def _hours(options: list[str]) -> float | dict[str, float] | None:
    if not options:
        return None
    out: dict[str, float] = {}
    for option in options:
        service, sep, hours = option.rpartition("=")
        try:
            value = float(hours)
        except ValueError:
            raise DataError(f"--handling-hours {option!r}: write HOURS or SERVICE=HOURS, "
                            "e.g. --handling-hours imc_home=0.5") from None
        if not sep:
            if len(options) > 1:
                raise DataError("--handling-hours: give one number for all services, or "
                                "SERVICE=HOURS for each")
            return value
        out[service] = value
    return out


def _frame_table(frame: pd.DataFrame, title: str, columns: dict[str, str]) -> Table:
    """A Rich table of some columns of ``frame``: counts as integers, measures rounded."""
    import pandas as pd

    from wholeflow.cli._format import number

    table = Table(title=title, title_justify="left")
    for i, label in enumerate(columns.values()):
        table.add_column(label, justify="left" if i == 0 else "right")
    for _, row in frame.iterrows():
        cells = []
        for column in columns:
            value = row[column]
            if pd.api.types.is_integer_dtype(frame[column]):
                cells.append(f"{int(value):,}")
            elif pd.api.types.is_float_dtype(frame[column]):
                cells.append(number(float(value)))
            else:
                cells.append(str(value))
        table.add_row(*cells)
    return table


def diagnose(
    workspace: Path = typer.Argument(Path("."), help="workspace folder"),
    workspace_option: Path | None = WORKSPACE_OPTION,
    out: Path = typer.Option(None, "--out", "-o", help="folder for the tables (default: "
                             "<workspace>/diagnostics)"),
    handling_hours: list[str] = typer.Option([], "--handling-hours", help="clinical hours per "
                                             "rejected referral: HOURS, or SERVICE=HOURS"),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet"),
) -> None:
    """Measure flow from the imported data: every diagnostic, printed in brief and saved."""
    from wholeflow.data.diagnosis.diagnostics import diagnose as run_diagnostics

    workspace = pick_workspace(workspace, workspace_option)
    if fmt not in ("csv", "parquet"):
        raise DataError(f"--format must be csv or parquet, got {fmt!r}")
    with console.status("diagnosing"):
        result = run_diagnostics(workspace, handling_hours=_hours(handling_hours))
    console.print(_frame_table(result["occupancy"], "midnight census", {
        "service": "service", "mean_occupancy": "mean", "peak_occupancy": "peak",
        "mean_delayed_occupancy": "ready to move on", "mean_queue": "queue"}))
    console.print(_frame_table(result["length_of_stay"], "length of stay (days)", {
        "service": "service", "completed": "stays ended", "open": "still open",
        "median": "median", "p90": "p90", "km_median": "median incl. open"}))
    console.print(_frame_table(result["referrals"], "referrals", {
        "service": "service", "referrals": "referrals", "rejected": "rejected",
        "acceptance_rate": "acceptance", "failure_demand_hours": "hours lost"}))
    delayed = result["delayed_days"]
    console.print(_frame_table(delayed[delayed["destination"] == "all"], "delayed days", {
        "service": "service", "delayed_stays": "stays delayed", "delayed_days": "days"}))
    console.print(_frame_table(result["variants"].head(5), "most frequent journeys", {
        "path": "journey", "journeys": "journeys", "share": "share",
        "mean_assessments": "assessments"}))
    folder = out or workspace / "diagnostics"
    paths = result.save(folder, fmt)
    console.print(f"{len(paths)} tables written to [bold]{folder}[/]", highlight=False)


def calibrate(
    workspace: Path = typer.Argument(Path("."), help="workspace folder"),
    workspace_option: Path | None = WORKSPACE_OPTION,
    out: Path = typer.Option(..., "--out", "-o", help="model file to write"),
    name: str = typer.Option("calibrated", "--name", help="model name"),
    capacity: str = typer.Option("peak", "--capacity", help="peak (observed peak census) or "
                                 "none (unlimited)"),
    classes: bool = typer.Option(True, "--classes/--no-classes", help="fit classes "
                                 "separately where the data have a class column"),
) -> None:
    """Calibrate a model from the imported data; each number is commented with its evidence."""
    from wholeflow.data.calibration.calibrate import calibrate as run_calibration

    workspace = pick_workspace(workspace, workspace_option)
    with console.status("calibrating"):
        result = run_calibration(workspace, name=name, out=out, capacity=capacity,
                                 by_class=classes)
    fits = result.fits
    chosen = fits[fits["chosen"].astype(bool)].assign(
        quantity=lambda f: f["quantity"].str.replace("_", " "),
        verdict=lambda f: f["verdict"].map({"ok": "[green]ok[/]", "check": "[yellow]check[/]",
                                            "refused": "[red]refused[/]"}))
    table = _frame_table(chosen, "fitted durations, each checked against its data", {
        "service": "service", "class": "class", "quantity": "what", "family": "family",
        "mean": "mean (days)", "observed_median": "median seen", "median": "median fitted",
        "n": "n", "n_censored": "open", "verdict": "verdict"})
    console.print(table)
    for _, row in result.verdicts.iterrows():
        if row["verdict"] != "ok":
            what = str(row["quantity"]).replace("_", " ")
            console.print(f"[yellow]{row['verdict']}[/] {row['service']} {what} "
                          f"({row['class']}): {row['family']}; {row['reason']}",
                          highlight=False, soft_wrap=True)
    m = result.model
    console.print(f"[green]ok[/] {out}: {len(m.services)} services, {len(m.exits)} exits, "
                  f"{len(m.arrivals)} arrival streams. Check it with: wholeflow check-fit "
                  f"{workspace} --model {out}", highlight=False)


def check_fit(
    workspace: Path = typer.Argument(Path("."), help="workspace folder"),
    workspace_option: Path | None = WORKSPACE_OPTION,
    model: Path = typer.Option(None, "--model", help="model to check (default: calibrate "
                               "one from the data now)"),
    replications: int = typer.Option(10, "--replications", "-n", min=2),
    seed: int = typer.Option(0, "--seed", "-s"),
) -> None:
    """Simulate the calibrated model and compare it with the data it came from."""
    from wholeflow.data.calibration.checkfit import check_fit as run_check

    workspace = pick_workspace(workspace, workspace_option)
    with console.status("simulating"):
        table = run_check(workspace, model, replications=replications, seed=seed)
    from wholeflow.cli._format import number

    verdict = table["plausible"].map({True: "yes", False: "[red]no, check[/]"})
    shown = table.assign(
        plausible=verdict.where(table["note"] == "", "[dim]" + table["note"] + "[/]"),
        metric=table["metric"].str.replace("_", " "),
        range=[f"{number(lo)} to {number(hi)}"
               for lo, hi in zip(table["range_low"], table["range_high"], strict=True)])
    console.print(_frame_table(shown, "observed vs simulated", {
        "service": "service", "metric": "measure", "observed": "observed",
        "simulated": "simulated", "range": "plausible range", "difference_pct": "diff %",
        "plausible": "in range"}))


def example_data(
    people: int = typer.Option(1000, "--people", "-p", min=1, help="people in the log"),
    out: Path = typer.Option(Path("example-events.csv"), "--out", "-o", help="CSV or Parquet "
                             "file to write"),
    model: Path = typer.Option(None, "--model", help="model to simulate (default: the "
                               "Bolton example)"),
    seed: int = typer.Option(0, "--seed", "-s"),
) -> None:
    """Simulate a model (the Bolton example by default) and write its event log."""
    from wholeflow.data.synthetic.logs import example_log

    with console.status("simulating"):
        log = example_log(people, model, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() in (".parquet", ".pq"):
        log.to_parquet(out, index=False)
    else:
        log.to_csv(out, index=False)
    console.print(f"{len(log):,} events of {log['person'].nunique():,} people written to "
                  f"[bold]{out}[/]. Import them with: wholeflow import {out}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(diagnose)
    app.command()(calibrate)
    app.command("check-fit")(check_fit)
    app.command("example-data")(example_data)
