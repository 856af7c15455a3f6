"""Row by row: each row of a file becomes events, or goes to quarantine with its reason.

Works on a staging table made by :mod:`wholeflow.data.reading.readers` in one pass over its rows,
and makes two views over the result:

* ``events_<k>``: file_no, row, person, class, service, event, ts, destination, hint,
  activity, with names as codes (:mod:`~wholeflow.data.checking.labels`); one row per event (a wide
  stay row gives several: referral, decision, start, assessments, ready, end). ``hint``
  orders events of different stays that share a time: a stay's end sorts before the next
  stay's start at the same moment.
* ``rejects_<k>``: file_no, row, reason, detail, person, values (NULL here: the importer fills
  in every original column of the row, from the raw table, once pairing has added its own
  rejects).

Values that repeat (person identifiers, services, event names) are cleaned once per distinct
value and joined back as codes, which is also where person identifiers are pseudonymised: the
raw identifier never leaves the staging table. Only the first failing rule is reported for a row,
in the order of the checks below. Rules that need the rest of a person's history (duplicates,
overlapping stays, an end with no start) are applied later by :mod:`wholeflow.data.episodes.stints`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from wholeflow.data.checking.labels import Labels, event_code_sql
from wholeflow.data.checking.pseudonymise import pseudonym_sql
from wholeflow.data.reading.mapping import DATE_FIELDS, ImportMapping, ResolvedColumns
from wholeflow.data.reading.readers import ROW, RawTable
from wholeflow.data.reading.timestamps import timestamp_sql
from wholeflow.data.reading.vocabulary import EVENTS, SYNONYMS, normalise_label

_YES = {"yes", "y", "true", "t", "1", "accepted", "accept", "approved", "a"}
_NO = {"no", "n", "false", "f", "0", "rejected", "reject", "declined", "not accepted", "r",
       "inappropriate"}

#: More assessments than this on one stay row is taken as a typing error and capped.
MAX_ASSESSMENTS = 100


@dataclass(frozen=True)
class StagedFile:
    """The views of one staged file, and the tables behind them (dropped when done)."""

    events: str
    rejects: str
    tables: tuple[str, ...]
    activities: tuple[str, ...] = ()
    """The distinct activity names of an events file (for checking the activity map)."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _col(column: str) -> str:
    """A column of the raw table, qualified (the maps have columns of their own)."""
    return "r." + _q(column)


def _as_text(column: str) -> str:
    return f"CAST({_col(column)} AS VARCHAR)"


def stage_file(con: duckdb.DuckDBPyConnection, raw: RawTable, resolved: ResolvedColumns,
               mapping: ImportMapping, file_no: int, key: bytes, labels: Labels) -> StagedFile:
    """Check every row of ``raw``, pseudonymise it, and turn the good ones into events.

    Names are coded with ``labels``, which learns the new ones.
    """
    maps = _Maps(con, raw, file_no, labels)
    maps.persons(resolved.columns["person"], key)
    for name in ("service", "class", "destination"):
        if name in resolved.columns:
            maps.clean(name, resolved.columns[name])
    if resolved.shape == "events":
        staged = _stage_events(con, raw, resolved.columns, mapping, file_no, maps, labels)
    else:
        staged = _stage_stays(con, raw, resolved.columns, mapping, file_no, maps, labels)
    for table in maps.tables:
        con.execute(f"DROP TABLE {table}")
    return staged


class _Maps:
    """Small tables mapping each distinct raw value to its code, joined to the rows."""

    def __init__(self, con: duckdb.DuckDBPyConnection, raw: RawTable, k: int, labels: Labels):
        self.con, self.raw, self.k, self.labels = con, raw, k, labels
        self.tables: list[str] = []
        self.joins: list[str] = []
        self.fields: dict[str, str] = {}

    def _distinct(self, column: str) -> list[str]:
        """The column's distinct values, sorted: new names get their codes in this order, so
        the same files give the same codes on every run (DuckDB's DISTINCT has no order)."""
        rows = self.con.execute(f"SELECT DISTINCT {_as_text(column)} AS v FROM "
                                f"{_q(self.raw.table)} r WHERE {_col(column)} IS NOT NULL "
                                "ORDER BY v").fetchall()
        return [r[0] for r in rows]

    def _join(self, name: str, column: str) -> str:
        table = f"map_{name}_{self.k}"
        self.tables.append(table)
        self.joins.append(f"LEFT JOIN {table} ON {table}.raw = {_as_text(column)}")
        return table

    def persons(self, column: str, key: bytes) -> None:
        table = self._join("person", column)
        self.con.execute(f"""
            CREATE TEMP TABLE {table} AS
            SELECT raw, CASE WHEN trim(raw) <> '' THEN {pseudonym_sql(key, 'raw')} END AS value
            FROM (SELECT DISTINCT {_as_text(column)} AS raw FROM {_q(self.raw.table)} r
                  WHERE {_col(column)} IS NOT NULL)
        """)
        self.fields["person"] = f"{table}.value"

    def clean(self, name: str, column: str) -> None:
        """The code of the trimmed text, empty as NULL."""
        labels = self.labels
        self.table(name, column, lambda v: (labels.code(name, v.strip() or None),),
                   (pa.int32(),), ("value",))

    def table(self, name: str, column: str, clean: Callable[[str], tuple[object, ...]],
              types: tuple[pa.DataType, ...], names: tuple[str, ...]) -> str:
        """A map of ``column``'s distinct values through ``clean`` (one output per name)."""
        values = self._distinct(column)
        outputs = [clean(v) for v in values]
        arrow = pa.table({"raw": pa.array(values, pa.string()), **{
            n: pa.array([o[i] for o in outputs], t)
            for i, (n, t) in enumerate(zip(names, types, strict=True))}})
        table = self._join(name, column)
        self.con.register(f"{table}_arrow", arrow)
        self.con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM {table}_arrow")
        self.con.unregister(f"{table}_arrow")
        self.fields[name] = f"{table}.{names[0]}"
        return table

    def field(self, name: str) -> str:
        return self.fields.get(name, "CAST(NULL AS INTEGER)")

    def sql_joins(self) -> str:
        return "\n".join(self.joins)


def _label(mapping: ImportMapping, labels: Labels,
           seen: list[str]) -> Callable[[str], tuple[object, ...]]:
    """Event text -> codes of (event type, service, destination, activity), and whether it
    came from the activity map. Each text is added to ``seen``."""
    amap = mapping.activity_map

    def coded(event: str | None, service: str | None, destination: str | None,
              mapped: bool, text: str) -> tuple[object, ...]:
        activity = labels.code("activity", text.strip() or None) if mapped else None
        return (None if event is None else EVENTS.index(event), labels.code("service", service),
                labels.code("destination", destination), activity, mapped)

    def clean(text: str) -> tuple[object, ...]:
        seen.append(text.strip())
        rule = amap.lookup(text) if amap else None
        if rule is not None:
            return coded(rule.event, rule.service, rule.destination, True, text)
        event = SYNONYMS.get(normalise_label(text))
        if event is None and amap is not None:
            return coded("other", None, None, True, text)
        return coded(event, None, None, False, text)

    return clean


def _year_ok(column: str) -> str:
    return f"(year({column}) BETWEEN 1900 AND 2100)"


def _detail(field: str, text: str) -> str:
    return f"'{field} ' || to_json({text})::VARCHAR"


def _stage_events(con: duckdb.DuckDBPyConnection, raw: RawTable, cols: dict[str, str],
                  mapping: ImportMapping, k: int, maps: _Maps, names: Labels) -> StagedFile:
    seen: list[str] = []
    labels = maps.table("label", cols["event"], _label(mapping, names, seen),
                        (pa.int8(), pa.int32(), pa.int32(), pa.int32(), pa.bool_()),
                        ("event", "rule_service", "rule_destination", "activity", "mapped"))
    ts = timestamp_sql(_col(cols["timestamp"]), mapping.date_order,
                       raw.columns[cols["timestamp"]])
    label_text = f"NULLIF(trim({_as_text(cols['event'])}), '')"
    acts_on_stay = ", ".join(event_code_sql(e) for e in ("assessment", "ready", "end"))
    service = (f"CASE WHEN {labels}.rule_service IS NOT NULL THEN {labels}.rule_service "
               # a mapped activity with no service acts on the person's current stay
               f"WHEN {labels}.mapped AND {labels}.event IN ({acts_on_stay}) "
               f"THEN NULL ELSE {maps.field('service')} END")
    destination = f"coalesce({labels}.rule_destination, {maps.field('destination')})"
    needs_service = ", ".join(event_code_sql(e) for e in (
        "referral", "referral_accepted", "referral_rejected", "start"))
    staged = f"staged_{k}"
    # innermost: one pass over the rows; text is kept only where it is needed (an activity
    # name, or a value to show in the quarantine)
    con.execute(f"""
        CREATE TEMP TABLE {staged} AS
        SELECT "row", person, class, service, event, ts, destination, activity, label, ts_text,
               CASE
                WHEN person IS NULL THEN 'missing_person'
                WHEN event IS NULL AND label IS NULL THEN 'missing_event'
                WHEN event IS NULL THEN 'unknown_event'
                WHEN ts IS NULL AND ts_text IS NULL THEN 'missing_timestamp'
                WHEN ts IS NULL THEN 'unparseable_date'
                WHEN NOT {_year_ok('ts')} THEN 'implausible_date'
                WHEN service IS NULL AND event IN ({needs_service}) THEN 'missing_service'
               END AS reason
        FROM (
            SELECT *, CASE WHEN ts IS NULL OR NOT {_year_ok('ts')}
                           THEN NULLIF(trim(CAST(ts_raw AS VARCHAR)), '') END AS ts_text
            FROM (
                SELECT r.{_q(ROW)} AS "row",
                       {maps.field('person')} AS person, {maps.field('class')} AS class,
                       {service} AS service, {labels}.event AS event, {ts} AS ts,
                       {destination} AS destination, {labels}.activity AS activity,
                       CASE WHEN {labels}.mapped OR {labels}.event IS NULL
                            THEN {label_text} END AS label,
                       {_col(cols['timestamp'])} AS ts_raw  -- text only when shown
                FROM {_q(raw.table)} r {maps.sql_joins()}))
    """)
    con.execute(f"""
        CREATE TEMP VIEW events_{k} AS
        SELECT {k} AS file_no, "row", person, class, service, event, ts, destination,
               ts AS hint, activity
        FROM {staged} WHERE reason IS NULL
    """)
    # text only where it is needed: a value to show in the quarantine
    con.execute(f"""
        CREATE TEMP VIEW rejects_{k} AS
        SELECT {k} AS file_no, "row", reason,
               CASE WHEN reason = 'unknown_event' THEN {_detail('event', 'label')}
                    WHEN reason IN ('unparseable_date', 'implausible_date')
                    THEN {_detail('timestamp', 'ts_text')} END AS detail,
               person, CAST(NULL AS VARCHAR) AS "values"
        FROM {staged} WHERE reason IS NOT NULL
    """)
    return StagedFile(f"events_{k}", f"rejects_{k}", (staged,), tuple(seen))


def _outcome(text: str) -> tuple[object, ...]:
    key = normalise_label(text)
    return (True if key in _YES else False if key in _NO else None,)


def _stage_stays(con: duckdb.DuckDBPyConnection, raw: RawTable, cols: dict[str, str],
                 mapping: ImportMapping, k: int, maps: _Maps, names: Labels) -> StagedFile:
    dates = [f for f in DATE_FIELDS if f != "timestamp"]

    def text(name: str) -> str:
        return (f"NULLIF(trim({_as_text(cols[name])}), '')" if name in cols
                else "CAST(NULL AS VARCHAR)")

    select = [
        f"{k} AS file_no", f'r.{_q(ROW)} AS "row"', f"{maps.field('person')} AS person",
        f"{maps.field('class')} AS class", f"{maps.field('service')} AS service",
        f"{maps.field('destination')} AS destination", f"{text('accepted')} AS accepted_text",
        f"coalesce(TRY_CAST({text('assessments')} AS INTEGER), 0) AS assessments",
    ]
    if "accepted" in cols:
        outcomes = maps.table("accepted", cols["accepted"], _outcome, (pa.bool_(),),
                              ("outcome",))
        select.append(f"{outcomes}.outcome AS accepted")
    else:
        select.append("CAST(NULL AS BOOLEAN) AS accepted")
    for fld in dates:
        select.append(f"{text(fld)} AS {fld}_text")
        column = cols.get(fld)
        select.append(f"{timestamp_sql(_col(column), mapping.date_order, raw.columns[column])}"
                      f" AS {fld}" if column else f"CAST(NULL AS TIMESTAMP) AS {fld}")
    unreadable = " ".join(
        f"WHEN {f}_text IS NOT NULL AND {f} IS NULL THEN 'unparseable_date'" for f in dates)
    implausible = " OR ".join(f"({f} IS NOT NULL AND NOT {_year_ok(f)})" for f in dates)
    reason = f"""CASE
        WHEN person IS NULL THEN 'missing_person'
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
    detail = (f"CASE {detail_parts} WHEN accepted_text IS NOT NULL AND accepted IS NULL "
              f"THEN {_detail('accepted', 'accepted_text')} END")
    staged = f"staged_{k}"
    con.execute(f"""
        CREATE TEMP TABLE {staged} AS
        SELECT *, {reason} AS reason
        FROM (SELECT {', '.join(select)} FROM {_q(raw.table)} r {maps.sql_joins()})
    """)
    con.execute(f"""
        CREATE TEMP VIEW rejects_{k} AS
        SELECT file_no, "row", reason, {detail} AS detail, person,
               CAST(NULL AS VARCHAR) AS "values"
        FROM {staged} WHERE reason IS NOT NULL
    """)
    common = 'file_no, "row", person, class, service'
    hint = "coalesce(referred, started) AS hint, CAST(NULL AS INTEGER) AS activity"
    ok = f"(SELECT * FROM {staged} WHERE reason IS NULL)"

    def ev(name: str) -> str:
        return event_code_sql(name)

    con.execute(f"""
        CREATE TEMP VIEW events_{k} AS
        SELECT {common}, {ev('referral')} AS event, referred AS ts,
               CAST(NULL AS INTEGER) AS destination, {hint}
        FROM {ok} WHERE referred IS NOT NULL
        UNION ALL
        SELECT {common}, {ev('referral_accepted')}, decided, NULL, {hint}
        FROM {ok} WHERE decided IS NOT NULL AND accepted IS DISTINCT FROM FALSE
        UNION ALL
        SELECT {common}, {ev('referral_rejected')}, coalesce(decided, referred), NULL, {hint}
        FROM {ok} WHERE accepted = FALSE
        UNION ALL
        SELECT {common}, {ev('start')}, started, NULL, {hint} FROM {ok}
        WHERE started IS NOT NULL
        UNION ALL
        SELECT {common}, {ev('assessment')}, started, NULL, {hint}
        FROM (SELECT *, unnest(range(least(assessments, {MAX_ASSESSMENTS})))
              FROM {ok} WHERE started IS NOT NULL AND assessments > 0)
        UNION ALL
        SELECT {common}, {ev('ready')}, ready, NULL, {hint} FROM {ok} WHERE ready IS NOT NULL
        UNION ALL
        SELECT {common}, {ev('end')}, ended, destination, {hint} FROM {ok}
        WHERE ended IS NOT NULL
    """)
    return StagedFile(f"events_{k}", f"rejects_{k}", (staged,))

