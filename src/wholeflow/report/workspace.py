"""Gather everything a workspace holds and write its report (what ``wholeflow report`` does).

A workspace folder has ``wholeflow.yaml`` (the model), ``findings/*.yaml``, ``measures/*.yaml``
and ``.wholeflow/`` with the event store (``store.duckdb``) and stored runs
(``runs/<id>/``: one Parquet file per table — ``kpis``, ``stays``, ``daily``, ``journeys``,
``delays``, ``referrals`` — plus ``comparison`` and ``sensitivity`` when the run was an
experiment). Each part is optional: the report shows what exists. Diagnostics and SPC measures
are included when their packages are installed and the workspace has data for them.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from wholeflow.errors import WholeflowError
from wholeflow.report.suppress import DEFAULT_THRESHOLD

RUN_TABLES = ("kpis", "stays", "daily", "journeys", "delays", "referrals")
BASELINE_NAMES = ("", "baseline", "none")


@dataclass
class ReportFiles:
    """What :func:`report_workspace` wrote."""

    html: Path
    workbook: Path | None
    run: str | None
    suppressed: bool


#: Where runs are stored: experiments under runs/, single ``wholeflow run`` results under results/.
RUN_FOLDERS = ("runs", "results")


def runs_folder(workspace: Path) -> Path:
    return workspace / ".wholeflow" / "runs"


def _run_dirs(workspace: Path) -> list[Path]:
    dirs = [p for name in RUN_FOLDERS if (workspace / ".wholeflow" / name).is_dir()
            for p in (workspace / ".wholeflow" / name).iterdir() if p.is_dir()]
    return sorted(dirs, key=lambda p: p.stat().st_mtime, reverse=True)


def list_runs(workspace: str | Path) -> list[str]:
    """Stored run ids (folder names under .wholeflow/runs and .wholeflow/results), newest first."""
    return [p.name for p in _run_dirs(Path(workspace))]


def load_run(workspace: str | Path, run: str | None = None) -> tuple[str | None, Any]:
    """A stored run as a results-like object, or (None, None) when there is none.

    ``run`` is a run id (folder name) or an experiment's label for it (``baseline``, a
    scenario name); the default is the newest baseline run, else the newest run.
    """
    ws = Path(workspace)
    dirs = _run_dirs(ws)
    if run is None:
        if not dirs:
            return None, None
        baselines = [d for d in dirs if d.name == "baseline" or "baseline" in run_labels(d)]
        folder = (baselines or dirs)[0]
    else:
        matches = [d for d in dirs if d.name == run] or [d for d in dirs if run in run_labels(d)]
        if not matches:
            known = ", ".join(d.name for d in dirs[:10]) or (
                "none yet (run 'wholeflow run' or 'wholeflow compare')")
            raise WholeflowError(f"no stored run '{run}' in {ws / '.wholeflow'}; runs: {known}")
        folder = matches[0]
    run = folder.name
    base = folder / "baseline" if (folder / "baseline").is_dir() else folder
    tables = {name: _read_table(base, name) for name in RUN_TABLES}
    tables = {k: _baseline_rows(v) for k, v in tables.items() if v is not None}
    results = SimpleNamespace(**{k: tables.get(k) for k in RUN_TABLES})
    results.comparison = _read_table(folder, "comparison")
    results.sensitivity = _read_table(folder, "sensitivity")
    return run, results


def _read_table(folder: Path, name: str) -> pd.DataFrame | None:
    """``<name>.parquet``, ``<name>.csv`` or a folder ``<name>/`` of Parquet parts."""
    parts = sorted((folder / name).glob("*.parquet")) if (folder / name).is_dir() else []
    for suffix in (".parquet", ".csv"):
        if (folder / f"{name}{suffix}").is_file():
            parts = [folder / f"{name}{suffix}"]
            break
    if not parts:
        return None
    try:
        frames = [pd.read_csv(p) if p.suffix == ".csv" else pd.read_parquet(p) for p in parts]
    except Exception as err:  # a damaged file: say which one
        raise WholeflowError(f"cannot read the stored run table {folder / name}: {err}") from None
    return pd.concat(frames, ignore_index=True).drop(columns="run", errors="ignore")


def run_labels(folder: Path) -> list[str]:
    """The labels an experiment gave a run (``baseline``, a scenario name, ...)."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return []
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    labels = data.get("labels") or ([data["label"]] if data.get("label") else [])
    return [str(x) for x in labels]


def _baseline_rows(df: pd.DataFrame) -> pd.DataFrame:
    """An experiment's tables may hold every scenario: keep the baseline's rows."""
    if "scenario" not in df:
        return df
    names = df["scenario"].fillna("").astype(str).str.lower()
    return df[names.isin(BASELINE_NAMES)].drop(columns=["scenario"])


def load_diagnostics(workspace: Path) -> dict[str, pd.DataFrame] | None:
    """Diagnostics of the imported event log, if there is one and the data package is here."""
    if not (workspace / ".wholeflow" / "store.duckdb").is_file():
        return None
    try:
        diagnose = importlib.import_module("wholeflow.data").diagnose
    except (ImportError, AttributeError):
        return None
    found = diagnose(workspace)
    if isinstance(found, dict):
        tables = found
    else:
        tables = {k: v for k, v in vars(found).items() if isinstance(v, pd.DataFrame)}
    tables = {k: v for k, v in tables.items() if isinstance(v, pd.DataFrame) and len(v)}
    return tables or None


def load_observed(workspace: Path) -> Any:
    """The imported tables of the workspace's event store, or None when nothing is imported."""
    store = workspace / ".wholeflow" / "store.duckdb"
    if not store.is_file():
        return None
    import duckdb

    try:
        con = duckdb.connect(str(store), read_only=True)
    except duckdb.Error as err:
        raise WholeflowError(f"cannot open the event store {store}: {err}") from None
    try:
        present = {r[0] for r in con.execute("select table_name from information_schema.tables"
                                             ).fetchall()}
        tables = {name: con.execute(f"select * from {name}").df()
                  for name in ("stays", "journeys", "daily", "delays", "referrals")
                  if name in present}
    finally:
        con.close()
    if not any(len(t) for t in tables.values()):
        return None
    return SimpleNamespace(**{k: tables.get(k) for k in ("stays", "journeys", "daily", "delays",
                                                         "referrals")})


def load_measure_charts(workspace: Path) -> list[Any] | None:
    """SPC results of the workspace's measures, if the measure package is here."""
    from wholeflow.report.sections_results import MeasureChart

    if not (workspace / "measures").is_dir():
        return None
    try:
        measure = importlib.import_module("wholeflow.measure")
        load_measures, measure_spc = measure.load_measures, measure.measure_spc
    except (ImportError, AttributeError):
        return None  # the SPC package is not installed: skip quietly
    charts = []
    for m in load_measures(workspace).values():  # a broken register is the user's to fix
        charts.append(MeasureChart(m.name, measure_spc(m, workspace), m.definition, m.pdsa))
    return charts or None


def _workspace_folder(path: Path) -> Path:
    """The workspace folder a report is made of: ``path``, or the folder of a
    ``wholeflow.yaml`` given directly. Any other file is an error that says what to do."""
    from wholeflow.model.loader import WORKSPACE_MODEL

    if not path.is_file():
        return path
    if path.name == WORKSPACE_MODEL:
        return path.parent
    raise WholeflowError(
        f"{path} is a file; a report is made of a workspace folder, which holds the model as "
        f"{WORKSPACE_MODEL} (and imported data in .wholeflow/). To report on this model and "
        f"your data, copy it into the workspace: cp {path} WORKSPACE/{WORKSPACE_MODEL}, then "
        "run: wholeflow report WORKSPACE")


def report_workspace(
    workspace: str | Path = ".",
    run: str | None = None,
    out: str | Path | None = None,
    xlsx: str | Path | None = None,
    suppress_small_numbers: bool | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    results: Any = None,
    comparison: Any = None,
    sensitivity: pd.DataFrame | None = None,
) -> ReportFiles:
    """Write the workspace's report (and workbook, when ``xlsx`` is given).

    ``results``/``comparison``/``sensitivity`` already in memory (as in ``wholeflow demo``) are
    used as they are; otherwise the stored run ``run`` (default: the newest) is read. The report
    goes to ``out`` (default ``<workspace>/report.html``).
    """
    from wholeflow.model import load_model
    from wholeflow.report.build import suppression_threshold, write_report
    from wholeflow.report.findings import load_findings
    from wholeflow.report.workbook import write_workbook

    ws = _workspace_folder(Path(workspace))
    model = load_model(ws)
    findings = load_findings(ws, model)
    run_id = None
    if results is None:
        run_id, results = load_run(ws, run)
        if results is not None:
            comparison = comparison if comparison is not None else results.comparison
            sensitivity = sensitivity if sensitivity is not None else results.sensitivity
            if results.kpis is None:
                results = None
    observed = load_observed(ws)
    diagnostics = load_diagnostics(ws) if observed is not None else None
    measures = load_measure_charts(ws)
    imported = bool(diagnostics) or observed is not None
    limit = suppression_threshold(suppress_small_numbers, threshold, imported)
    inputs: dict[str, Any] = {
        "results": results, "comparison": comparison, "sensitivity": sensitivity,
        "diagnostics": diagnostics, "measures": measures, "findings": findings,
        "suppress_small_numbers": limit is not None, "threshold": threshold}
    html = write_report(Path(out) if out else ws / "report.html", model, observed=observed,
                        **inputs)
    book = write_workbook(xlsx, model, **inputs) if xlsx else None
    return ReportFiles(html, book, run_id, limit is not None)
