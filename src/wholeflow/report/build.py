"""Build the report: gather the sections that have something to say and render them.

:func:`build_report` is the one entry point (the CLI, ``wholeflow demo`` and the web app call it
or :func:`write_report`). Everything is optional except the model: a report of a model alone
shows its map with expected volumes and its assumptions; results, comparisons, sensitivity,
imported-data diagnostics, SPC measures and findings each add their sections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pandas as pd

from wholeflow.report import sections as base
from wholeflow.report import sections_results as more
from wholeflow.report.arrows import arrows_section
from wholeflow.report.comparisons import comparison_table, sensitivity_table
from wholeflow.report.document import Section
from wholeflow.report.stress import stress_section
from wholeflow.report.suppress import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from wholeflow.model.schema import Model
    from wholeflow.report.findings import Finding


def suppression_threshold(
    suppress_small_numbers: bool | None, threshold: int, has_imported_data: bool
) -> int | None:
    """The threshold in force, or None when counts are shown as they are.

    ``suppress_small_numbers=None`` means "on when the report includes imported data".
    """
    on = has_imported_data if suppress_small_numbers is None else suppress_small_numbers
    if not on:
        return None
    if threshold < 2:
        from wholeflow.errors import WholeflowError

        raise WholeflowError(f"--threshold must be 2 or more, got {threshold}")
    return int(threshold)


def report_sections(
    model: Model,
    results: Any = None,
    comparison: pd.DataFrame | None = None,
    sensitivity: pd.DataFrame | None = None,
    diagnostics: Mapping[str, Any] | None = None,
    measures: Any = None,
    findings: Sequence[Finding] | None = None,
    threshold: int | None = None,
    observed: Any = None,
) -> list[Section]:
    """The report's sections in reading order, leaving out those with nothing to show.

    ``observed`` holds imported row-level tables (``.stays``, ``.journeys``, ``.daily``,
    ``.delays``, ``.referrals``); without simulation results the map, flows and queues are
    drawn from them.
    """
    reps = _replications(results)
    flows_from = results if results is not None else observed
    stays = getattr(observed, "stays", None) if results is None else None
    candidates: list[Section | None] = [
        base.summary_section(model, results, comparison, reps, observed, threshold),
        base.map_section(model, results, findings, stays, threshold),
        more.flows_section(flows_from, model, threshold) if flows_from is not None else None,
        more.queues_section(flows_from, model, threshold) if flows_from is not None else None,
        more.diagnostics_section(diagnostics, model, threshold) if diagnostics else None,
        more.scenarios_section(comparison, sensitivity, model),
        more.measures_section(measures, threshold),
        base.findings_section(findings or [], model),
        base.model_section(model),
        arrows_section(results, model),
        base.kpi_section(results, model),
        stress_section(model, results),  # the reproducibility appendix: always last
    ]
    return [s for s in candidates if s is not None]


def build_report(
    model: Model,
    results: Any = None,
    comparison: Any = None,
    sensitivity: Any = None,
    diagnostics: Mapping[str, Any] | None = None,
    measures: Any = None,
    findings: Sequence[Finding] | None = None,
    suppress_small_numbers: bool | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    title: str | None = None,
    observed: Any = None,
) -> str:
    """The report as one self-contained HTML document (text).

    ``results`` is a simulation's results (``.kpis``, ``.stays``, ``.daily``, ``.journeys``,
    ``.delays``, ``.referrals``, ``.summary()``); ``comparison`` and ``sensitivity`` come from
    the experiments (``wholeflow.compare`` / ``wholeflow.sensitivity``); ``diagnostics`` is a
    mapping of table name to DataFrame from ``wholeflow.diagnose``; ``measures`` maps a measure
    name to its SPC result (or is a list of :class:`~wholeflow.report.sections_results.
    MeasureChart`); ``findings`` come from :func:`~wholeflow.report.findings.load_findings`;
    ``observed`` holds the imported tables of the event store (same columns as results).
    Small-number suppression is on when asked, or by default when the report includes
    imported data (``diagnostics`` or ``observed``).
    """
    from wholeflow import __version__
    from wholeflow.report.html import render

    comparison = comparison_table(comparison)
    sensitivity = sensitivity_table(sensitivity)
    if observed is None:
        observed = _observed_from(diagnostics)
    imported = bool(diagnostics) or observed is not None
    limit = suppression_threshold(suppress_small_numbers, threshold, imported)
    parts = report_sections(model, results, comparison, sensitivity, diagnostics, measures,
                            findings, limit, observed)
    subtitle = model.description.strip().splitlines()[0] if model.description.strip() else ""
    return render(parts, title or model.name, subtitle, limit, __version__)


def write_report(path: str | Path, model: Model, **inputs: Any) -> Path:
    """Write :func:`build_report`'s HTML to ``path`` (folders are created); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(model, **inputs), encoding="utf-8")
    return out


def _replications(results: Any) -> int | None:
    kpis = getattr(results, "kpis", None)
    if isinstance(kpis, pd.DataFrame) and "replication" in kpis and len(kpis):
        return int(kpis["replication"].nunique())
    return None


ROW_TABLES = ("stays", "journeys", "daily", "delays", "referrals")


def _observed_from(diagnostics: Mapping[str, Any] | None) -> Any:
    """Row-level imported tables carried in ``diagnostics`` (``stays``, ...), if any."""
    if not diagnostics:
        return None
    found = {k: diagnostics.get(k) for k in ROW_TABLES}
    found = {k: v for k, v in found.items()
             if isinstance(v, pd.DataFrame) and "person" in v.columns and len(v)}
    if not found:
        return None
    return SimpleNamespace(**{k: found.get(k) for k in ROW_TABLES})
