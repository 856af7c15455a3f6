"""Show it: the system map, flow pictures, the self-contained HTML report, the Excel workbook
and the findings register.

Entry points: :func:`build_report` / :func:`write_report` (HTML), :func:`write_workbook`
(Excel), :func:`system_map` (the map as a plotly figure), :func:`load_findings` and
:func:`report_workspace` (everything a workspace holds, as ``wholeflow report`` does).
"""

from wholeflow.report.build import build_report, write_report
from wholeflow.report.findings import Finding, load_findings, parse_findings
from wholeflow.report.map import system_map
from wholeflow.report.workbook import write_workbook
from wholeflow.report.workspace import report_workspace

__all__ = [
    "Finding",
    "build_report",
    "load_findings",
    "parse_findings",
    "report_workspace",
    "system_map",
    "write_report",
    "write_workbook",
]
