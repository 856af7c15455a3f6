"""Diagnose from data: import event logs, measure flow, discover journeys, calibrate a model.

``import_events`` reads extracts into the workspace's DuckDB store (:mod:`.store`), rebuilding
the shared tables of :mod:`wholeflow.tables`; ``diagnose`` and ``discover`` measure flow on a
workspace or on simulation results alike; ``calibrate`` turns the data into a model and
``check_fit`` simulates it against them. Modules: readers, mapping, timestamps, validate_rows,
pseudonymise, stints, pairing, journeys, importer, store, source, diagnostics, discovery,
calendars, fit, calibrate, model_yaml, checkfit, synthetic, vocabulary.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "import_events": "wholeflow.data.importer",
    "ImportReport": "wholeflow.data.importer",
    "Store": "wholeflow.data.store",
    "diagnose": "wholeflow.data.diagnostics",
    "Diagnostics": "wholeflow.data.diagnostics",
    "discover": "wholeflow.data.discovery",
    "JourneyMap": "wholeflow.data.discovery",
    "calibrate": "wholeflow.data.calibrate",
    "Calibration": "wholeflow.data.calibrate",
    "check_fit": "wholeflow.data.checkfit",
    "open_source": "wholeflow.data.source",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """The package's main functions, imported on first use (``wholeflow.data.diagnose``)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wholeflow.data' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
