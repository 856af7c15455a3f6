"""Diagnose from data: import event logs, measure flow, discover journeys, calibrate a model.

``import_events`` reads extracts into the workspace's DuckDB store, updating the shared tables
of :mod:`wholeflow.tables`; ``diagnose`` and ``discover`` measure flow on a workspace or on
simulation results alike; ``calibrate`` turns the data into a model and ``check_fit``
simulates it against them. The subpackages follow the data through the pipeline:

1. :mod:`.reading`: files read, columns matched to fields, activities to events, times read;
2. :mod:`.checking`: every row checked, names coded, person identifiers pseudonymised;
3. :mod:`.episodes`: events ordered, paired into stints, linked into journeys, shared tables;
4. :mod:`.storage`: the import, the workspace's DuckDB store, and one way in to its tables;
5. :mod:`.diagnosis`: diagnostics and journey-map discovery;
6. :mod:`.calibration`: a model fitted, checked against the data and simulated against it;
7. :mod:`.synthetic`: event logs drawn from a model.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "import_events": "wholeflow.data.storage.importer",
    "ImportReport": "wholeflow.data.storage.importer",
    "Store": "wholeflow.data.storage.store",
    "diagnose": "wholeflow.data.diagnosis.diagnostics",
    "Diagnostics": "wholeflow.data.diagnosis.diagnostics",
    "discover": "wholeflow.data.diagnosis.discovery",
    "JourneyMap": "wholeflow.data.diagnosis.discovery",
    "calibrate": "wholeflow.data.calibration.calibrate",
    "Calibration": "wholeflow.data.calibration.calibrate",
    "check_fit": "wholeflow.data.calibration.checkfit",
    "open_source": "wholeflow.data.storage.source",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """The package's main functions, imported on first use (``wholeflow.data.diagnose``)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wholeflow.data' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
