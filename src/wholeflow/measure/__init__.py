"""Measure improvement: SPC charts with the NHS "Making Data Count" rules, and PDSA cycles.

- :func:`spc` makes an XmR, run, p, p′, u, u′ or c chart and reads it (limits as
  NHSRplotthedots and qicharts2 compute them), returning an :class:`SpcResult`.
- :func:`spc_figure` draws a result as an interactive plotly chart with icons and PDSA cycles.
- :func:`load_measures` reads a workspace's measures register (``measures/*.yaml``);
  :func:`measure_series` gets a measure's data; :func:`measure_spc` charts it.
"""

from __future__ import annotations

from wholeflow.measure.errors import MeasureError
from wholeflow.measure.figure import spc_figure
from wholeflow.measure.register import (
    Measure,
    PdsaCycle,
    find_measure,
    load_measure_file,
    load_measures,
)
from wholeflow.measure.result import POINT_COLUMNS, SpcResult
from wholeflow.measure.sources import measure_series, measure_spc
from wholeflow.measure.spc import CHARTS, spc

__all__ = [
    "CHARTS",
    "POINT_COLUMNS",
    "Measure",
    "MeasureError",
    "PdsaCycle",
    "SpcResult",
    "find_measure",
    "load_measure_file",
    "load_measures",
    "measure_series",
    "measure_spc",
    "spc",
    "spc_figure",
]
