"""wholeflow: whole-system patient flow for health and social care.

The public API is small and pinned by ``tests/test_public_api.py``. Names are imported lazily
so that ``import wholeflow`` (and the CLI's ``--help``) does not pay for numba or pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "load_model": "wholeflow.model.loader",
    "parse_model": "wholeflow.model.loader",
    "apply_scenario": "wholeflow.model.scenarios",
    "list_scenarios": "wholeflow.model.scenarios",
    "simulate": "wholeflow.engine.simulate",
    "Results": "wholeflow.engine.results",
    "Model": "wholeflow.model.schema",
    "WholeflowError": "wholeflow.errors",
    "ModelError": "wholeflow.errors",
    "DataError": "wholeflow.errors",
    "SimulationError": "wholeflow.errors",
    "DeadlockError": "wholeflow.errors",
    "spc": "wholeflow.measure.spc",
    "SpcResult": "wholeflow.measure.result",
    "MeasureError": "wholeflow.measure.errors",
    "spc_figure": "wholeflow.measure.figure",
    "load_measures": "wholeflow.measure.register",
    "measure_series": "wholeflow.measure.sources",
    "measure_spc": "wholeflow.measure.sources",
    "build_report": "wholeflow.report.build",
    "write_report": "wholeflow.report.build",
    "write_workbook": "wholeflow.report.workbook",
    "system_map": "wholeflow.report.map",
    "load_findings": "wholeflow.report.findings",
    "ExperimentError": "wholeflow.errors",
    "compare": "wholeflow.experiment.compare",
    "search_capacity": "wholeflow.experiment.search",
    "sensitivity": "wholeflow.experiment.sensitivity",
    # the data package resolves its own names lazily (wholeflow.data._EXPORTS)
    "import_events": "wholeflow.data",
    "ImportReport": "wholeflow.data",
    "Store": "wholeflow.data",
    "diagnose": "wholeflow.data",
    "Diagnostics": "wholeflow.data",
    "discover": "wholeflow.data",
    "JourneyMap": "wholeflow.data",
    "calibrate": "wholeflow.data",
    "Calibration": "wholeflow.data",
    "check_fit": "wholeflow.data",
}

__all__ = ["__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:  # pragma: no cover
    from wholeflow.data.calibration.calibrate import Calibration, calibrate
    from wholeflow.data.calibration.checkfit import check_fit
    from wholeflow.data.diagnosis.diagnostics import Diagnostics, diagnose
    from wholeflow.data.diagnosis.discovery import JourneyMap, discover
    from wholeflow.data.storage.importer import ImportReport, import_events
    from wholeflow.data.storage.store import Store
    from wholeflow.engine.results import Results
    from wholeflow.engine.simulate import simulate
    from wholeflow.errors import (
        DataError,
        DeadlockError,
        ExperimentError,
        ModelError,
        SimulationError,
        WholeflowError,
    )
    from wholeflow.experiment.compare import compare
    from wholeflow.experiment.search import search_capacity
    from wholeflow.experiment.sensitivity import sensitivity
    from wholeflow.measure.errors import MeasureError
    from wholeflow.measure.figure import spc_figure
    from wholeflow.measure.register import load_measures
    from wholeflow.measure.result import SpcResult
    from wholeflow.measure.sources import measure_series, measure_spc
    from wholeflow.measure.spc import spc
    from wholeflow.model.loader import load_model, parse_model
    from wholeflow.model.scenarios import apply_scenario, list_scenarios
    from wholeflow.model.schema import Model
    from wholeflow.report.build import build_report, write_report
    from wholeflow.report.findings import load_findings
    from wholeflow.report.map import system_map
    from wholeflow.report.workbook import write_workbook


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wholeflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
