"""Row by row: each row of a file becomes events, or goes to quarantine with its reason.

Works on a staging table made by :mod:`wholeflow.data.readers` and makes two tables:

* ``events_<k>``: file_no, row, person_raw, class, service, event, ts, destination, hint,
  activity; one row per event (a wide stay row gives several: referral, decision, start,
  assessments, ready, end). ``hint`` orders events of different stays that share a time: a
  stay's end sorts before the next stay's start at the same moment.
* ``rejects_<k>``: file_no, row, reason, detail, person_raw, values (the row's mapped fields
  as JSON, without the person).

Only the first failing rule is reported for a row, in the order of the checks below. Rules that
need the rest of a person's history (duplicates, overlapping stays, an end with no start) are
applied later by :mod:`wholeflow.data.stints`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from wholeflow.data.mapping import DATE_FIELDS, ImportMapping, ResolvedColumns
from wholeflow.data.readers import RawTable
from wholeflow.data.timestamps import timestamp_sql
from wholeflow.data.vocabulary import SYNONYMS, normalise_label

_YES = {"yes", "y", "true", "t", "1", "accepted", "accept", "approved", "a"}
_NO = {"no", "n", "false", "f", "0", "rejected", "reject", "declined", "not accepted", "r",
       "inappropriate"}


#: More assessments than this on one stay row is taken as a typing error and capped.
MAX_ASSESSMENTS = 100


@dataclass(frozen=True)
class StagedFile:
    events: str
    rejects: str


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _col(column: str) -> str:
    """A column of the raw table, qualified (the label tables have columns of their own)."""
    return "r." + _q(column)


def _text(column: str | None) -> str:
    """Trimmed text of a raw column, NULL when empty or absent."""
    if column is None:
        return "CAST(NULL AS VARCHAR)"
    return f"NULLIF(trim(CAST({_col(column)} AS VARCHAR)), '')"


def stage_file(con: duckdb.DuckDBPyConnection, raw: RawTable, resolved: ResolvedColumns,
               mapping: ImportMapping, file_no: int) -> StagedFile:
    """Check every row of ``raw`` and turn the good ones into events."""
    if resolved.shape == "events":
        return _stage_events(con, raw, resolved.columns, mapping, file_no)
    return _stage_stays(con, raw, resolved.columns, mapping, file_no)


def _register(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.execute(f"DROP TABLE IF EXISTS {_q(name)}")
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE TEMP TABLE {_q(name)} AS SELECT * FROM {_q(name + '_arrow')}")
    con.unregister(f"{name}_arrow")


def _distinct(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[str]:
    rows = con.execute(f"SELECT DISTINCT {_text(column)} FROM {_q(table)} r").fetchall()
    return [r[0] for r in rows if r[0] is not None]


def _label_table(labels: Iterable[str], mapping: ImportMapping) -> pa.Table:
    """Each distinct event text -> event type, service and destination from the maps."""
    out: dict[str, list[object]] = {
        "label": [], "event": [], "rule_service": [], "rule_destination": [], "mapped": []
    }
    amap = mapping.activity_map
    for label in labels:
        rule = amap.lookup(label) if amap else None
        event: str | None
        if rule is not None:
            event, service, destination, mapped = (rule.event, rule.service, rule.destination,
                                                   True)
        else:
            event = SYNONYMS.get(normalise_label(label))
            service = destination = None
            mapped = False
            if event is None and amap is not None:
                event, mapped = "other", True
        out["label"].append(label)
        out["event"].append(event)
        out["rule_service"].append(service)
        out["rule_destination"].append(destination)
        out["mapped"].append(mapped)
    return pa.table({
        "label": pa.array(out["label"], pa.string()),
        "event": pa.array(out["event"], pa.string()),
        "rule_service": pa.array(out["rule_service"], pa.string()),
        "rule_destination": pa.array(out["rule_destination"], pa.string()),
        "mapped": pa.array(out["mapped"], pa.bool_()),
    })


def _year_ok(column: str) -> str:
    return f"(year({column}) BETWEEN 1900 AND 2100)"


def _detail(field: str, text: str) -> str:
    return f"'{field} ' || to_json({text})::VARCHAR"


def _stage_events(con: duckdb.DuckDBPyConnection, raw: RawTable, cols: dict[str, str],
                  mapping: ImportMapping, k: int) -> StagedFile:
    labels = f"labels_{k}"
    _register(con, labels, _label_table(_distinct(con, raw.table, cols["event"]), mapping))
    ts_type = raw.columns[cols["timestamp"]]
    ts_text = f"CAST({_col(cols['timestamp'])} AS VARCHAR)"
    staged = f"staged_{k}"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {staged} AS
        SELECT {k} AS file_no, r.rowid + 1 AS "row",
               {_text(cols['person'])} AS person_raw,
               {_text(cols.get('class'))} AS class,
               CASE WHEN m.rule_service IS NOT NULL THEN m.rule_service
                    -- a mapped activity with no service acts on the person's current stay
                    WHEN m.mapped AND m.event IN ('assessment', 'ready', 'end') THEN NULL
                    ELSE {_text(cols.get('service'))} END AS service,
               m.event AS event,
               {_text(cols['event'])} AS label,
               coalesce(m.mapped, FALSE) AS mapped,
               NULLIF(trim({ts_text}), '') AS ts_text,
               {timestamp_sql(_col(cols['timestamp']), mapping.date_order, ts_type)} AS ts,
               coalesce(m.rule_destination, {_text(cols.get('destination'))}) AS destination
        FROM {_q(raw.table)} r LEFT JOIN {labels} m ON m.label = {_text(cols['event'])}
    """)
    reason = f"""CASE
        WHEN person_raw IS NULL THEN 'missing_person'
        WHEN label IS NULL THEN 'missing_event'
        WHEN event IS NULL THEN 'unknown_event'
        WHEN ts_text IS NULL THEN 'missing_timestamp'
        WHEN ts IS NULL THEN 'unparseable_date'
        WHEN NOT {_year_ok('ts')} THEN 'implausible_date'
        WHEN service IS NULL AND event IN ('referral', 'referral_accepted',
             'referral_rejected', 'start') THEN 'missing_service'
    END"""
    detail = f"""CASE
        WHEN event IS NULL AND label IS NOT NULL THEN {_detail('event', 'label')}
        WHEN ts IS NULL OR NOT {_year_ok('ts')} THEN {_detail('timestamp', 'ts_text')}
    END"""
    values = ("to_json({'class': class, 'service': service, 'event': label, "
              "'timestamp': ts_text, 'destination': destination})::VARCHAR")
    checked = f"checked_{k}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {checked} AS "
                f"SELECT *, {reason} AS reason FROM {staged}")
    con.execute(f"DROP TABLE {staged}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE rejects_{k} AS
        SELECT file_no, "row", reason, {detail} AS detail, person_raw, {values} AS "values"
        FROM {checked} WHERE reason IS NOT NULL
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE events_{k} AS
        SELECT file_no, "row", person_raw, class, service, event, ts, destination,
               ts AS hint, CASE WHEN mapped THEN label END AS activity
        FROM {checked} WHERE reason IS NULL
    """)
    con.execute(f"DROP TABLE {checked}; DROP TABLE {labels}")
    return StagedFile(f"events_{k}", f"rejects_{k}")


def _outcome_table(values: Iterable[str]) -> pa.Table:
    labels, outcomes = [], []
    for value in values:
        key = normalise_label(value)
        labels.append(value)
        outcomes.append(True if key in _YES else False if key in _NO else None)
    return pa.table({"label": pa.array(labels, pa.string()),
                     "outcome": pa.array(outcomes, pa.bool_())})


def _stage_stays(con: duckdb.DuckDBPyConnection, raw: RawTable, cols: dict[str, str],
                 mapping: ImportMapping, k: int) -> StagedFile:
    dates = [f for f in DATE_FIELDS if f != "timestamp"]
    select = [
        f"{k} AS file_no", 'r.rowid + 1 AS "row"',
        f"{_text(cols['person'])} AS person_raw",
        f"{_text(cols.get('class'))} AS class",
        f"{_text(cols.get('service'))} AS service",
        f"{_text(cols.get('destination'))} AS destination",
        f"{_text(cols.get('accepted'))} AS accepted_text",
        f"coalesce(TRY_CAST({_text(cols.get('assessments'))} AS INTEGER), 0) AS assessments",
    ]
    for fld in dates:
        column = cols.get(fld)
        select.append(f"{_text(column)} AS {fld}_text")
        if column is None:
            select.append(f"CAST(NULL AS TIMESTAMP) AS {fld}")
        else:
            select.append(f"{timestamp_sql(_col(column), mapping.date_order, raw.columns[column])}"
                          f" AS {fld}")
    join = ""
    if "accepted" in cols:
        _register(con, f"outcomes_{k}",
                  _outcome_table(_distinct(con, raw.table, cols["accepted"])))
        select.append("o.outcome AS accepted")
        join = f"LEFT JOIN outcomes_{k} o ON o.label = {_text(cols['accepted'])}"
    else:
        select.append("CAST(NULL AS BOOLEAN) AS accepted")
    staged = f"staged_{k}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {staged} AS SELECT {', '.join(select)} "
                f"FROM {_q(raw.table)} r {join}")
    unreadable = " ".join(
        f"WHEN {f}_text IS NOT NULL AND {f} IS NULL THEN 'unparseable_date'" for f in dates)
    implausible = " OR ".join(f"({f} IS NOT NULL AND NOT {_year_ok(f)})" for f in dates)
    reason = f"""CASE
        WHEN person_raw IS NULL THEN 'missing_person'
        WHEN service IS NULL THEN 'missing_service'
        WHEN {' AND '.join(f'{f}_text IS NULL' for f in dates)} THEN 'missing_timestamp'
        {unreadable}
        WHEN {implausible} THEN 'implausible_date'
        WHEN accepted_text IS NOT NULL AND accepted IS NULL THEN 'bad_outcome'
        WHEN accepted = FALSE AND started IS NOT NULL THEN 'bad_outcome'
        WHEN started < referred OR decided < referred THEN 'start_before_referral'
        WHEN started IS NULL AND (ready IS NOT NULL OR ended IS NOT NULL)
             THEN 'no_matching_start'
        WHEN ended < started OR ready < started THEN 'end_before_start'
        WHEN ended < ready THEN 'end_before_ready'
        WHEN referred IS NULL AND started IS NULL THEN 'missing_timestamp'
    END"""
    detail_parts = " ".join(
        f"WHEN {f}_text IS NOT NULL AND ({f} IS NULL OR NOT {_year_ok(f)}) "
        f"THEN {_detail(f, f + '_text')}" for f in dates)
    detail = f"CASE {detail_parts} WHEN accepted_text IS NOT NULL AND accepted IS NULL " \
             f"THEN {_detail('accepted', 'accepted_text')} END"
    fields = ", ".join(f"'{f}': {f}_text" for f in dates)
    values = (f"to_json({{'class': class, 'service': service, {fields}, "
              f"'accepted': accepted_text, 'destination': destination}})::VARCHAR")
    checked = f"checked_{k}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {checked} AS "
                f"SELECT *, {reason} AS reason FROM {staged}")
    con.execute(f"DROP TABLE {staged}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE rejects_{k} AS
        SELECT file_no, "row", reason, {detail} AS detail, person_raw, {values} AS "values"
        FROM {checked} WHERE reason IS NOT NULL
    """)
    common = 'file_no, "row", person_raw, class, service'
    hint = "coalesce(referred, started) AS hint"
    ok = f"(SELECT * FROM {checked} WHERE reason IS NULL)"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE events_{k} AS
        SELECT {common}, 'referral' AS event, referred AS ts, NULL AS destination, {hint}
        FROM {ok} WHERE referred IS NOT NULL
        UNION ALL
        SELECT {common}, 'referral_accepted', decided, NULL, {hint}
        FROM {ok} WHERE decided IS NOT NULL AND accepted IS DISTINCT FROM FALSE
        UNION ALL
        SELECT {common}, 'referral_rejected', coalesce(decided, referred), NULL, {hint}
        FROM {ok} WHERE accepted = FALSE
        UNION ALL
        SELECT {common}, 'start', started, NULL, {hint} FROM {ok} WHERE started IS NOT NULL
        UNION ALL
        SELECT {common}, 'assessment', started, NULL, {hint}
        FROM (SELECT *, unnest(range(least(assessments, {MAX_ASSESSMENTS})))
              FROM {ok} WHERE started IS NOT NULL AND assessments > 0)
        UNION ALL
        SELECT {common}, 'ready', ready, NULL, {hint} FROM {ok} WHERE ready IS NOT NULL
        UNION ALL
        SELECT {common}, 'end', ended, destination, {hint} FROM {ok} WHERE ended IS NOT NULL
    """)
    con.execute(f"ALTER TABLE events_{k} ADD COLUMN activity VARCHAR")
    con.execute(f"DROP TABLE {checked}")
    if "accepted" in cols:
        con.execute(f"DROP TABLE outcomes_{k}")
    return StagedFile(f"events_{k}", f"rejects_{k}")
