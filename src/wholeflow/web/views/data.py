"""What the Data page shows: an uploaded file's preview and mapping, the import report, and the
diagnostics of the workspace's event store.

The file is read by the importer's own readers and its columns recognised by
:func:`wholeflow.data.reading.mapping.recognise_columns`, so the preview pre-fills exactly what
``wholeflow import`` would find on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wholeflow.errors import DataError

if TYPE_CHECKING:
    from wholeflow.data.storage.importer import ImportReport

#: File endings the importer reads (compressed CSV and XES too).
UPLOAD_TYPES: tuple[str, ...] = (".csv", ".csv.gz", ".txt", ".parquet", ".pq", ".xlsx", ".xlsm",
                                 ".xes", ".xes.gz")
UPLOADS = Path("data") / "uploads"
PREVIEW_ROWS = 5
MAX_ACTIVITIES = 60

#: Each field of an extract, with the words used on the page.
FIELD_WORDS: dict[str, str] = {
    "person": "Person identifier",
    "service": "Service (ward, team, unit)",
    "class": "Patient class or cohort",
    "destination": "Destination (where the person went)",
    "event": "Event or activity (one row per event)",
    "timestamp": "Date and time of the event",
    "referred": "Referral date",
    "decided": "Decision (triage) date",
    "accepted": "Referral accepted (yes or no)",
    "started": "Start (admission) date",
    "ready": "Ready to move on (medically optimised) date",
    "ended": "End (discharge) date",
    "assessments": "Number of assessments",
}

DIAGNOSTIC_TITLES: dict[str, str] = {
    "referrals": "Referrals, acceptance and failure demand",
    "referral_waits": "Waits from referral to start, by weekday sent",
    "occupancy": "Occupancy",
    "length_of_stay": "Length of stay",
    "length_of_stay_histogram": "Length of stay, in bands",
    "delayed_days": "Delayed days by service and destination",
    "stranded": "Stranded and super-stranded people",
    "journeys": "Journeys",
    "variants": "The commonest journeys",
    "readmissions": "Readmissions",
    "discharges_by_weekday": "Discharges by weekday",
    "weekend_waits": "Referrals waiting over a weekend",
    "daily_census": "Midnight census",
}


#: Diagnostics the report draws no chart for: one number per service as a bar chart
#: (column, title, unit).
SERVICE_BARS: dict[str, tuple[str, str, str]] = {
    "referrals": ("failure_demand_hours", "Failure demand: clinical hours on rejected referrals",
                  "hours"),
    "occupancy": ("mean_occupancy", "Mean occupancy at midnight", "people"),
    "daily_census": ("mean_delayed_occupancy", "People ready to move on but still there, "
                                               "mean at midnight", "people"),
    "readmissions": ("readmission_rate", "Share of journeys followed by a readmission",
                     "share"),
    "weekend_waits": ("share_over_weekend", "Share of referrals waiting over a weekend",
                      "share"),
}


def upload_name(filename: str | None) -> str:
    """A safe file name for an upload (no folders, plain characters), or DataError naming the
    types the importer reads."""
    name = Path((filename or "").replace("\\", "/")).name.strip()
    if not name:
        raise DataError("Choose a file to upload: a CSV, Parquet, Excel (.xlsx) or XES event "
                        "log.")
    if not name.lower().endswith(UPLOAD_TYPES):
        raise DataError(f"{name}: this type of file cannot be imported. Upload a CSV, Parquet, "
                        "Excel (.xlsx) or XES file (.csv.gz and .xes.gz too).")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")
    return safe or "upload.csv"


@dataclass
class Preview:
    """An uploaded file as the importer reads it: columns, first rows, recognised fields and
    (for event logs) its activities with the event type each is recognised as."""

    columns: list[str]
    rows: pd.DataFrame
    total_rows: int
    recognised: dict[str, str]
    shape: str
    activities: list[tuple[str, int, str | None]] = field(default_factory=list)


def preview(path: Path, sheet: str | None = None) -> Preview:
    """Read ``path`` (raises DataError in plain words when it cannot be read)."""
    import duckdb

    from wholeflow.data.reading.mapping import recognise_columns
    from wholeflow.data.reading.readers import ROW, read_file
    from wholeflow.data.reading.vocabulary import SYNONYMS, normalise_label

    con = duckdb.connect()
    try:
        raw = read_file(con, path, "raw_preview", sheet)
        columns = list(raw.columns)
        rows = con.execute(f'SELECT * EXCLUDE ("{ROW}") FROM raw_preview ORDER BY "{ROW}" '
                           f"LIMIT {PREVIEW_ROWS}").df()
        recognised = recognise_columns(columns)
        shape = "events" if "event" in recognised else "stays"
        activities: list[tuple[str, int, str | None]] = []
        if "event" in recognised:
            col = recognised["event"].replace('"', '""')
            found = con.execute(
                f'SELECT trim(CAST("{col}" AS VARCHAR)) AS a, count(*) FROM raw_preview '
                f"WHERE a IS NOT NULL AND a <> '' GROUP BY a ORDER BY 2 DESC, a "
                f"LIMIT {MAX_ACTIVITIES}").fetchall()
            activities = [(str(a), int(n), SYNONYMS.get(normalise_label(str(a))))
                          for a, n in found]
        return Preview(columns, rows, raw.rows, recognised, shape, activities)
    finally:
        con.close()


def activity_map_from_form(form: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The activity map a user filled in: rows ``activity_N`` with ``event_N``, ``service_N``
    and ``destination_N``; rows left blank are not in the map (the importer's own vocabulary
    applies to them)."""
    out: dict[str, dict[str, str]] = {}
    for key in form:
        m = re.fullmatch(r"activity_(\d+)", str(key))
        if not m:
            continue
        n = m.group(1)
        activity = str(form.get(key) or "").strip()
        entry = {k: str(form.get(f"{k}_{n}") or "").strip()
                 for k in ("event", "service", "destination")}
        if not activity or not any(entry.values()):
            continue
        if not entry["event"]:
            raise DataError(f"Activity map, row for '{activity}': choose what the activity "
                            "means (an event type), or leave the row blank.")
        out[activity] = {k: v for k, v in entry.items() if v}
    return out


def report_tables(report: ImportReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The import report as tables: one row per file (rows in, loaded, quarantined) and the
    quarantined rows by reason."""
    from wholeflow.data.reading.vocabulary import REASONS

    files = pd.DataFrame([{
        "file": Path(f.file).name, "rows_in": f.rows_in, "rows_loaded": f.rows_loaded,
        "rows_quarantined": f.rows_quarantined, "shape": f.shape or "–",
        "note": f"skipped: {f.skipped}" if f.skipped else ""} for f in report.files])
    reasons = pd.DataFrame([{"reason": reason.replace("_", " "), "rows": n,
                             "what_it_means": REASONS.get(reason, "")}
                            for reason, n in sorted(report.by_reason.items(),
                                                    key=lambda kv: -kv[1])],
                           columns=["reason", "rows", "what_it_means"])
    return files, reasons


@dataclass
class DiagnosticBlock:
    """One diagnostic: a heading, a chart when there is one, and its table."""

    key: str
    title: str
    figure: Any
    table: pd.DataFrame


def diagnostic_blocks(tables: Mapping[str, pd.DataFrame], model: Any,
                      threshold: int | None) -> list[DiagnosticBlock]:
    """Charts and readable tables of ``wholeflow.diagnose``'s tables, in the report's way."""
    from wholeflow.report.diagnostic_charts import diagnostic_chart, readable_table
    from wholeflow.report.sections import service_names

    names = service_names(model) if model is not None else {}
    out = []
    for key, df in tables.items():
        if not isinstance(df, pd.DataFrame) or not len(df) or "person" in df.columns:
            continue
        table = readable_table(key, df)
        try:
            fig = diagnostic_chart(key, df, names, model, threshold) or _service_bar(
                key, table, names)
        except (KeyError, ValueError, TypeError):  # a table shaped unlike the report expects
            fig = None
        if "service" in table.columns and names:
            table = table.assign(service=table["service"].map(lambda v: names.get(v, v)))
        out.append(DiagnosticBlock(key, DIAGNOSTIC_TITLES.get(key, key.replace("_", " ")
                                                               .capitalize()), fig, table))
    return out


def _service_bar(key: str, df: pd.DataFrame, names: Mapping[str, str]) -> Any:
    """A bar per service for the diagnostics listed in :data:`SERVICE_BARS`, else None."""
    from wholeflow.report.charts import summary_bar

    if key not in SERVICE_BARS or "service" not in df.columns:
        return None
    column, title, unit = SERVICE_BARS[key]
    if column not in df.columns:
        return None
    rows = df[df["service"].notna() & (df["service"].astype(str) != "all")]
    values = pd.Series(rows[column].astype(float).to_numpy(),
                       index=[names.get(str(v), str(v)) for v in rows["service"]])
    if unit == "share":
        values, unit = values * 100, "%"
    return summary_bar(values.sort_values(ascending=False), title, unit)
