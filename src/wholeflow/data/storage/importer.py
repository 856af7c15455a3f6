"""``import_events``: event-log files into the workspace's store, nothing lost, nothing twice.

Each file is read (:mod:`~wholeflow.data.reading.readers`), its columns matched to fields
(:mod:`~wholeflow.data.reading.mapping`), every row checked
(:mod:`~wholeflow.data.checking.validate_rows`), person identifiers pseudonymised
(:mod:`~wholeflow.data.checking.pseudonymise`), and events paired into stints together with the
stored events of the people they touch (:mod:`~wholeflow.data.episodes.pairing`): the people with
new events, and those with a stint or referral still open, whose figures depend on the end of the
extract. Those people's rows of the shared tables are replaced
(:mod:`~wholeflow.data.episodes.journeys`), so an import's time follows the extract, not the store,
and the result is the same as importing every extract into a fresh store. Everything is written in
one transaction.

Every row is either loaded or quarantined with its reason, so ``rows_in == rows_loaded +
rows_quarantined`` for every file. A file already imported (same bytes) is skipped, unless
``replace=True``, which swaps the earlier import for the new one. Raw identifiers stay in the
in-memory staging database and never reach the store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from wholeflow.data.checking.labels import Labels, event_code_sql
from wholeflow.data.checking.pseudonymise import secret_path, workspace_secret
from wholeflow.data.checking.validate_rows import StagedFile, stage_file
from wholeflow.data.episodes.journey_rows import journey_table
from wholeflow.data.episodes.journeys import Window, build_tables, can_update
from wholeflow.data.episodes.pairing import (
    Pairing,
    order_events,
    pair,
    read_events,
    warm_up,
    write_pairing,
)
from wholeflow.data.reading.mapping import (
    ActivityMap,
    ImportMapping,
    Shape,
    activity_map_from_dict,
    check_fields,
    load_activity_map,
    load_mapping,
    resolve_columns,
    save_mapping,
)
from wholeflow.data.reading.readers import (
    ROW,
    RawTable,
    drop_raw,
    file_format,
    file_hash,
    malformed_row,
    read_file,
)
from wholeflow.data.reading.timestamps import DateOrder
from wholeflow.data.reading.vocabulary import EVENTS
from wholeflow.data.storage.store import (
    Store,
    configure,
    ensure_schema,
    killed_import,
    legacy_events,
    mark_import,
    unmark_import,
    wait_for_lock,
)
from wholeflow.errors import DataError

PathLike = str | Path

_ROW_BITS = 40
"""An event's source row, ``gid``, is (file number << _ROW_BITS) | row for new events, and
-((import id << _ROW_BITS) | row) - 1 for stored ones."""


@dataclass
class FileReport:
    """What happened to one file."""

    file: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    import_id: int | None = None
    shape: str | None = None
    format: str | None = None
    skipped: str | None = None
    """Why the file was not imported (already imported), else None."""


@dataclass(frozen=True)
class StepTime:
    """The time one step of an import took."""

    wall: float
    """Seconds."""
    cpu: float
    """CPU seconds of the whole process during the step, over every thread: a step that runs
    beside another (the event rows are written while pairing runs) shares them."""


@dataclass
class ImportReport:
    """The outcome of one import: rows in = rows loaded + rows quarantined, per file and in all."""

    files: list[FileReport] = field(default_factory=list)
    persons: int = 0
    """People among the loaded rows of this import."""
    by_reason: dict[str, int] = field(default_factory=dict)
    """Quarantined rows by reason (see :data:`wholeflow.data.reading.vocabulary.REASONS`)."""
    other_events: int = 0
    """Loaded events whose activity is in no activity map entry and is no known event type
    (kept as ``other``)."""
    unmapped_activities: dict[str, int] = field(default_factory=dict)
    """Those events by activity, most frequent first."""
    mapped_other: dict[str, int] = field(default_factory=dict)
    """Loaded events of activities the activity map maps to ``other`` on purpose, by
    activity (kept as ``other`` events, and counted as mapped)."""
    unmatched_map_entries: dict[str, list[str]] = field(default_factory=dict)
    """Activity map entries that match no activity in the files (a typo?), each with the
    nearest activity names in the files."""
    missing_ends: dict[str, int] = field(default_factory=dict)
    """Stays in the store, per service, open far longer than the service's closed stays:
    their end was never recorded (see :mod:`wholeflow.data.episodes.journeys`). They stay in the
    store but count in no census and in no fit."""
    max_open_days: float | None = None
    """The open limit in days given for every service, else None (the rule decides)."""
    store: str = ""
    steps: dict[str, StepTime] = field(default_factory=dict)
    """Where the time went, step by step in the order they started (for tuning and
    benchmarks; not part of :meth:`__str__`)."""

    def warnings(self) -> list[str]:
        """What the user should look at: activity map entries that matched nothing."""
        out = []
        for entry, near in self.unmatched_map_entries.items():
            hint = (f"; nearest in the files: {', '.join(map(repr, near))}" if near
                    else "; no activity in the files is close to it")
            out.append(f"activity map entry {entry!r} matches no activity in the files{hint}")
        return out

    @property
    def rows_in(self) -> int:
        return sum(f.rows_in for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def __str__(self) -> str:
        lines = []
        for f in self.files:
            if f.skipped:
                lines.append(f"{f.file}: skipped, {f.skipped}")
            else:
                lines.append(f"{f.file}: {f.rows_in:,} rows in, {f.rows_loaded:,} loaded, "
                             f"{f.rows_quarantined:,} quarantined ({f.shape}, {f.format})")
        lines.append(f"total: {self.rows_in:,} rows in = {self.rows_loaded:,} loaded + "
                     f"{self.rows_quarantined:,} quarantined; {self.persons:,} people")
        for reason, n in sorted(self.by_reason.items(), key=lambda kv: -kv[1]):
            lines.append(f"  quarantined, {reason}: {n:,}")
        if self.other_events:
            top = ", ".join(f"{a!r} ({n:,})" for a, n in list(self.unmapped_activities.items())[:5])
            lines.append(f"  kept as 'other' events (not in the activity map): "
                         f"{self.other_events:,}: {top}")
        if self.mapped_other:
            lines.append(f"  mapped to 'other' by the activity map: "
                         f"{sum(self.mapped_other.values()):,} events")
        lines += [f"  warning: {w}" for w in self.warnings()]
        if self.missing_ends:
            by_service = ", ".join(f"{s} {n:,}" for s, n in self.missing_ends.items())
            limit = (f"more than {self.max_open_days:g} days" if self.max_open_days
                     else "far longer than the service's closed stays")
            lines.append(f"  stays with no end recorded (open {limit}; kept, but left out of "
                         f"the census and of fitting): {sum(self.missing_ends.values()):,}: "
                         f"{by_service}")
        return "\n".join(lines)


def import_events(
    paths: PathLike | Sequence[PathLike],
    workspace: PathLike = ".",
    *,
    person: str | None = None,
    service: str | None = None,
    event: str | None = None,
    timestamp: str | None = None,
    destination: str | None = None,
    patient_class: str | None = None,
    referred: str | None = None,
    decided: str | None = None,
    accepted: str | None = None,
    started: str | None = None,
    ready: str | None = None,
    ended: str | None = None,
    assessments: str | None = None,
    columns: Mapping[str, str] | None = None,
    activity_map: PathLike | Mapping[str, object] | ActivityMap | None = None,
    mapping: PathLike | None = None,
    save_mapping_as: str | None = None,
    shape: Shape | None = None,
    date_order: DateOrder | None = None,
    sheet: str | None = None,
    infer_ends: bool = False,
    replace: bool = False,
    journey_gap_days: float = 1.0,
    extract_end: str | pd.Timestamp | None = None,
    max_open_days: float | None = None,
) -> ImportReport:
    """Import event-log files into ``<workspace>/.wholeflow/store.duckdb``.

    Name the file's columns with the field keywords (``person="PatientID"``,
    ``timestamp="EventDate"``, ...) or ``columns={"person": "PatientID"}``; columns with common
    names (including pm4py/XES ones) are found without help. ``activity_map`` (a CSV/YAML file
    or a dict) maps activity names to services and event types; ``mapping`` reuses a mapping
    saved with ``save_mapping_as``. ``shape`` forces "events" (one row per event) or "stays"
    (one row per stint). Dates are read day-first unless ``date_order`` says otherwise.
    ``infer_ends`` ends a person's stint in one service when they start in another.
    ``extract_end`` is when the extract was taken (default: its last event time); stays open
    then are censored there, unless they have been open so much longer than the service's
    closed stays that their end was surely never recorded: beyond three times the 95th
    percentile of the closed stays, or beyond ``max_open_days`` when given (remembered by the
    store for later imports). Such stays are counted in the report as ``missing_ends``.
    Returns an :class:`ImportReport`.
    """
    ws = Path(workspace)
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not files:
        raise DataError("no files to import: give one or more event-log files")
    if max_open_days is not None and not (
            isinstance(max_open_days, int | float) and 0 < max_open_days < float("inf")):
        raise DataError(f"max_open_days must be a positive number of days, got "
                        f"{max_open_days!r}")
    plan = _mapping(ws, mapping, columns, activity_map, shape, date_order, {
        "person": person, "service": service, "event": event, "timestamp": timestamp,
        "destination": destination, "class": patient_class, "referred": referred,
        "decided": decided, "accepted": accepted, "started": started, "ready": ready,
        "ended": ended, "assessments": assessments,
    })
    store = Store(ws)
    if store.exists() and killed_import(ws):
        store.tidy()  # an import killed part-way left rows and a log behind
    existed = store.exists()
    # folders this import makes: a failed import takes them away again (if nothing else
    # was put in them meanwhile), so the folder is left as it was
    made = [folder for folder in (ws, store.path.parent) if not folder.exists()]
    secret = secret_path(ws)
    keyed = secret.exists()
    try:
        report = _import(store, files, plan, sheet, infer_ends, replace, journey_gap_days,
                         extract_end, max_open_days)
    except BaseException:
        unmark_import(ws)  # first: the mark would keep a folder this import made from being empty
        if not existed:
            leftovers = [store.path, store.path.with_name(store.path.name + ".wal")]
            for leftover in leftovers + ([] if keyed else [secret]):
                leftover.unlink(missing_ok=True)  # no pseudonym made with a new key is kept
        shutil.rmtree(_tmp_dir(ws), ignore_errors=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
        raise
    finally:
        shutil.rmtree(_tmp_dir(ws), ignore_errors=True)
        unmark_import(ws)
    if save_mapping_as:
        save_mapping(ws, save_mapping_as, plan)
    return report


def _mapping(ws: Path, saved: PathLike | None, columns: Mapping[str, str] | None,
             activity_map: PathLike | Mapping[str, object] | ActivityMap | None,
             shape: Shape | None, date_order: DateOrder | None,
             keywords: dict[str, str | None]) -> ImportMapping:
    plan = load_mapping(ws, saved) if saved else ImportMapping()
    given = dict(columns or {})
    check_fields(given)
    given.update({k: v for k, v in keywords.items() if v is not None})
    plan.columns = {**plan.columns, **given}
    if isinstance(activity_map, ActivityMap):
        plan.activity_map = activity_map
    elif isinstance(activity_map, Mapping):
        plan.activity_map = activity_map_from_dict(activity_map, "activity_map")
    elif activity_map is not None:
        plan.activity_map = load_activity_map(activity_map)
    if shape is not None:
        if shape not in ("events", "stays"):
            raise DataError(f"shape must be 'events' or 'stays', got {shape!r}")
        plan.shape = shape
    if date_order is not None:
        if date_order not in ("dmy", "mdy", "ymd"):
            raise DataError(f"date_order must be dmy, mdy or ymd, got {date_order!r}")
        plan.date_order = date_order
    return plan


def _tmp_dir(ws: Path) -> Path:
    return ws / ".wholeflow" / "tmp"


def _staging(ws: Path, store: Store) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    configure(con)
    tmp = _tmp_dir(ws)
    tmp.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET temp_directory = '{_sql_text(tmp)}'")
    store.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        wait_for_lock(store.path, lambda: con.execute(
            f"ATTACH '{_sql_text(store.path)}' AS store"))
    except DataError:
        con.close()
        raise
    return con


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def _store_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'store'").fetchall()}


def _import(store: Store, files: list[Path], plan: ImportMapping, sheet: str | None,
            infer_ends: bool, replace: bool, gap: float,
            extract_end: str | pd.Timestamp | None,
            max_open_days: float | None) -> ImportReport:
    key = workspace_secret(store.workspace)
    report = ImportReport(store=str(store.path))
    step = _Clock(report.steps)
    with _staging(store.workspace, store) as con:
        mark_import(store.workspace)  # the store is ours now: a kill from here leaves a mark
        stored = _store_tables(con)
        earlier = ({h: i for i, h in con.execute(
            "SELECT import_id, file_hash FROM store.imports").fetchall()}
            if "imports" in stored else {})
        next_id = max(earlier.values(), default=0) + 1
        if max_open_days is None and "meta" in stored:
            row = con.execute("SELECT value FROM store.meta WHERE key = 'max_open_days'"
                              ).fetchone()
            max_open_days = float(row[0]) if row else None
        report.max_open_days = max_open_days
        replaced: list[int] = []
        todo: list[tuple[Path, FileReport, str]] = []
        seen: set[str] = set()
        for path in files:
            with step("hash files"):
                digest = file_hash(path) if path.is_file() else ""
            fr = FileReport(str(path), format=file_format(path) if path.is_file() else None)
            if digest in seen:
                fr.skipped = "the same file is given twice"
            elif digest in earlier and not replace:
                fr.skipped = f"already imported (import {earlier[digest]})"
            else:
                if digest in earlier:
                    replaced.append(earlier[digest])
                fr.import_id = next_id
                next_id += 1
                todo.append((path, fr, digest))
            seen.add(digest)
            report.files.append(fr)
        if not todo:
            return report
        warming = threading.Thread(target=_quietly, args=(warm_up,), daemon=True)
        warming.start()  # compiled code loads while DuckDB reads
        labels = Labels.load(con)
        legacy = "events" in stored and legacy_events(con, "store")
        if legacy:
            _code_legacy_events(con, labels)
        malformed: list[tuple[int, int, str]] = []
        staged = []
        # the raw rows stay (in memory, never in the store) until the quarantine has taken
        # the original columns of its rows; closing the connection lets them go in any case
        raws: list[tuple[RawTable, str]] = []
        for k, (path, fr, _) in enumerate(todo):
            with step("read"):
                raw = read_file(con, path, f"raw_{k}", sheet)
            con.execute("SET preserve_insertion_order = false")  # faster from here on
            resolved = resolve_columns(raw.columns, plan, path)
            raws.append((raw, resolved.columns["person"]))
            fr.shape, fr.rows_in = resolved.shape, raw.rows + len(raw.malformed)
            with step("check, code and pseudonymise"):
                staged.append(stage_file(con, raw, resolved, plan, k, key, labels))
            malformed.extend((k, line, what) for line, what in raw.malformed)
        if plan.activity_map is not None and any(s.activities for s in staged):
            report.unmatched_map_entries = plan.activity_map.unmatched(
                a for s in staged for a in s.activities)
        old = "legacy_events" if legacy else "store.events" if "events" in stored else None
        with step("load compiled code"):
            warming.join()  # usually done by now
        with step("fetch events"):
            update = (old == "store.events" and can_update(con, "store"))
            _combine(con, staged, old, replaced, malformed, update)
            stored_span = _stored_span(con, replaced) if update else None
            events = read_events(con)
        # While pairing works on the arrays alone, the new events go into the store in a
        # transaction of their own (DuckDB writes on its own threads). They count only once
        # the main transaction, after pairing, records their import.
        early = not legacy
        writing = _Background(_timed(step, "write events", _write_events), con,
                              todo) if early else None
        try:
            try:
                with step("order and pair"):
                    pairing = pair(order_events(events, labels), labels, infer_ends, gap)
                    del events
                    window = _window(_union(pairing.span, stored_span), extract_end)
                    journeys = None if window is None else journey_table(
                        pairing.episodes, pairing.links, labels.names["service"],
                        labels.names["destination"], labels.names["class"],
                        window.end.value // 1000)
            finally:
                if writing is not None:
                    writing.join()
            with step("quarantine and count"):
                write_pairing(con, pairing, labels)
                _count(con, todo, staged, pairing, labels, report, plan.activity_map)
                _original_values(con, raws)
                for raw, _ in raws:
                    drop_raw(con, raw)  # the raw identifiers go with them
            with step("write the store"):
                _write(con, todo, plan, replaced, window, pairing.rejected > 0, labels,
                       legacy, early, journeys, max_open_days, update)
                if window is not None:
                    report.missing_ends = dict(con.execute(
                        "SELECT service, count(*) FROM store.stays WHERE end_missing "
                        "GROUP BY service ORDER BY service").fetchall())
        except BaseException:
            if early:
                _forget_events(con, todo)
            raise
    return report


class _Clock:
    """Times the steps of an import into ``steps``; a step timed twice (once per file) adds
    up."""

    def __init__(self, steps: dict[str, StepTime]):
        self.steps = steps

    def start(self, name: str) -> None:
        """Give the step ``name`` its place in the order, if it has none yet."""
        self.steps.setdefault(name, StepTime(0.0, 0.0))

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.start(name)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            before = self.steps[name]
            self.steps[name] = StepTime(before.wall + time.perf_counter() - wall,
                                        before.cpu + time.process_time() - cpu)


class _Background:
    """``task(*args)`` in a thread; :meth:`join` waits for it and raises what it raised."""

    def __init__(self, task: Callable[..., None], *args: object):
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(task, *args), daemon=True)
        self._thread.start()

    def _run(self, task: Callable[..., None], *args: object) -> None:
        try:
            task(*args)
        except BaseException as err:  # handed to the caller by join()
            self._error = err

    def join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


def _timed(step: _Clock, name: str, task: Callable[..., None]) -> Callable[..., None]:
    """``task``, timed as the step ``name``, which starts now (for its place in the order)."""
    step.start(name)

    def timed(*args: object) -> None:
        with step(name):
            task(*args)
    return timed


def _quietly(task: Callable[[], None]) -> None:
    """Run ``task``, ignoring failures (a warm-up: the real call will report them)."""
    with contextlib.suppress(Exception):
        task()


def _code_legacy_events(con: duckdb.DuckDBPyConnection, labels: Labels) -> None:
    """The store's events as written before labels (names, not codes), coded, as the temporary
    table ``legacy_events``; :func:`_write` puts them back in the new form."""
    for kind in ("service", "class", "destination", "activity"):
        for (name,) in con.execute(f"SELECT DISTINCT {kind} FROM store.events "
                                   f"WHERE {kind} IS NOT NULL ORDER BY 1").fetchall():
            labels.code(kind, name)
    labels.register(con, "legacy_labels")
    events = "[" + ", ".join(f"'{e}'" for e in EVENTS) + "]"
    joins = " ".join(f"LEFT JOIN legacy_labels l_{c} ON l_{c}.kind = '{c}' "
                     f"AND l_{c}.name = e.{c}" for c in ("service", "class", "destination",
                                                          "activity"))
    con.execute(f"""
        CREATE TEMP TABLE legacy_events AS
        SELECT e.import_id, e."row", e.person, l_class.code AS class, l_service.code AS service,
               CAST(list_position({events}, e.event) - 1 AS TINYINT) AS event, e."timestamp",
               l_destination.code AS destination, e.hint, l_activity.code AS activity
        FROM store.events e {joins}
    """)


def _combine(con: duckdb.DuckDBPyConnection, staged: list[StagedFile], old: str | None,
             replaced: list[int], malformed: list[tuple[int, int, str]],
             update: bool = False) -> None:
    """Views of the new events (with a row id, ``gid``) and of all events to pair (the new
    ones and those of the table ``old``, if any); a reject table.

    With ``update``, only the stored events of the *touched* people are paired again (the
    table ``touched``): those with new events, those of replaced imports, and those with an
    episode still open (``store.open_people``). Pairing is person by person, so the others'
    stays cannot change; see :func:`wholeflow.data.episodes.journeys.build_tables`.
    """
    con.execute("CREATE TEMP VIEW new_events AS " + " UNION ALL ".join(
        f'SELECT *, (CAST(file_no AS BIGINT) << {_ROW_BITS}) | "row" AS gid FROM {s.events}'
        for s in staged))
    con.execute("CREATE TEMP TABLE new_rejects AS " + " UNION ALL ".join(
        f"SELECT * FROM {s.rejects}" for s in staged))
    if malformed:
        con.executemany("INSERT INTO new_rejects VALUES (?, ?, 'malformed_row', ?, NULL, NULL)",
                        [[k, malformed_row(line), f"line {line}: {what}"]
                         for k, line, what in malformed])
    new = ("SELECT person, ts, hint, event, service, destination, class, TRUE AS is_new, gid, "
           "activity FROM new_events")
    if old is not None:
        # only events of recorded imports (an import that failed may have left some)
        skip = "WHERE import_id IN (SELECT import_id FROM store.imports)" + (
            f" AND import_id NOT IN ({', '.join(map(str, replaced))})" if replaced else "")
        if update:
            listed = ", ".join(map(str, replaced)) or "NULL"
            # people with a time after the census's last day: their changes to the census
            # fall on days it did not have (see journeys.update_daily)
            after = "(SELECT CAST(max(date) AS TIMESTAMP) FROM store.daily)"
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE touched AS
                SELECT DISTINCT person FROM new_events
                UNION SELECT person FROM store.events WHERE import_id IN ({listed})
                UNION SELECT person FROM store.open_people
                UNION SELECT person FROM store.stays
                WHERE started > {after} OR ready > {after} OR ended > {after}
                      OR queued > {after}
                UNION SELECT person FROM store.waiting WHERE queued > {after}
            """)
            skip += " AND person IN (SELECT person FROM touched)"
        earlier = ('SELECT person, "timestamp" AS ts, coalesce(hint, "timestamp") AS hint, '
                   "event, service, destination, class, FALSE AS is_new, "
                   f"-((CAST(import_id AS BIGINT) << {_ROW_BITS}) | \"row\") - 1 AS gid, "
                   f"activity FROM {old} {skip}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW all_events AS {new} UNION ALL {earlier}")
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW all_events AS {new}")


def _stored_span(con: duckdb.DuckDBPyConnection, replaced: list[int]
                 ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last time of the stored events that stay (every stored event was kept by
    pairing when it came; those of replaced imports go)."""
    skip = f" AND import_id NOT IN ({', '.join(map(str, replaced))})" if replaced else ""
    [(first, last)] = con.execute(
        'SELECT min("timestamp"), max("timestamp") FROM store.events '
        f"WHERE import_id IN (SELECT import_id FROM store.imports){skip}").fetchall()
    return None if first is None else (pd.Timestamp(first), pd.Timestamp(last))


def _union(a: tuple[pd.Timestamp, pd.Timestamp] | None,
           b: tuple[pd.Timestamp, pd.Timestamp] | None
           ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])


def _window(span: tuple[pd.Timestamp, pd.Timestamp] | None,
            extract_end: str | pd.Timestamp | None) -> Window | None:
    if span is None:
        return None
    first, last = span
    end = pd.Timestamp(extract_end) if extract_end is not None else last
    if end < last:
        raise DataError(f"extract_end {end} is before the last event ({last})")
    return Window(first.floor("D"), end)


def _count(con: duckdb.DuckDBPyConnection, todo: list[tuple[Path, FileReport, str]],
           staged: list[StagedFile], pairing: Pairing, labels: Labels,
           report: ImportReport, amap: ActivityMap | None) -> None:
    """Rows loaded and quarantined per file, each counted from its own source.

    Loaded rows passed the row checks and had no event rejected by pairing; quarantined rows
    are the row rejects, the pairing rejects and malformed lines. That they add up to the rows
    read is checked, not assumed.
    """
    if pairing.rejected:
        _quarantine_paired_out(con)
    passed = dict(con.execute(" UNION ALL ".join(
        f"SELECT {k}, count(*) FILTER (WHERE reason IS NULL) FROM {s.tables[0]}"
        for k, s in enumerate(staged))).fetchall())
    paired_out = dict(con.execute(
        f"SELECT gid >> {_ROW_BITS}, count(*) FROM event_rejects GROUP BY ALL").fetchall())
    quarantined = dict(con.execute(
        'SELECT file_no, count(DISTINCT "row") FROM new_rejects GROUP BY file_no').fetchall())
    for k, (path, fr, _) in enumerate(todo):
        fr.rows_loaded = int(passed.get(k, 0)) - int(paired_out.get(k, 0))
        fr.rows_quarantined = int(quarantined.get(k, 0))
        if fr.rows_in != fr.rows_loaded + fr.rows_quarantined:  # pragma: no cover - a bug
            raise RuntimeError(f"{path}: {fr.rows_in} rows read but {fr.rows_loaded} loaded "
                               f"and {fr.rows_quarantined} quarantined")
    report.persons = pairing.persons
    report.by_reason = dict(con.execute(
        "SELECT reason, count(*) FROM new_rejects GROUP BY reason ORDER BY 2 DESC").fetchall())
    if pairing.other_events:
        others = con.execute(f"""
            SELECT activity, count(*) FROM new_events
            WHERE event = {event_code_sql('other')}
              AND gid NOT IN (SELECT gid FROM event_rejects)
            GROUP BY 1 ORDER BY 2 DESC
        """).fetchall()
        names = labels.names["activity"]
        for a, n in others:
            name = "(none)" if a is None else names[a]
            on_purpose = amap is not None and a is not None and amap.lookup(name) is not None
            (report.mapped_other if on_purpose else report.unmapped_activities)[name] = int(n)
    report.other_events = pairing.other_events - sum(report.mapped_other.values())


def _quarantine_paired_out(con: duckdb.DuckDBPyConnection) -> None:
    """Quarantine rows that pairing refused (``event_rejects``): one row each, however many
    events it gave (a wide stay row gives several); :func:`_original_values` adds what the
    row held."""
    con.execute("""
        INSERT INTO new_rejects
        SELECT e.file_no, e."row", any_value(r.reason), NULL, min(e.person), NULL
        FROM new_events e JOIN event_rejects r USING (gid)
        GROUP BY e.file_no, e."row"
    """)


def _original_values(con: duckdb.DuckDBPyConnection, raws: list[tuple[RawTable, str]]) -> None:
    """The table ``reject_values`` (file_no, row, values): every original column of each
    quarantined row, as JSON, but the raw person identifier (the quarantine holds its
    pseudonym). Malformed lines have no columns: their detail gives the line."""
    parts = []
    for k, (raw, person) in enumerate(raws):
        fields = ", ".join(f"'{name.replace(chr(39), chr(39) * 2)}': r.{_quote(name)}"
                           for name in raw.columns if name != person)
        values = f"to_json({{{fields}}})::VARCHAR" if fields else "NULL"
        parts.append(f"""
            SELECT {k} AS file_no, r.{_quote(ROW)} AS "row", {values} AS "values"
            FROM {_quote(raw.table)} r
            WHERE r.{_quote(ROW)} IN (SELECT "row" FROM new_rejects
                                     WHERE file_no = {k} AND reason <> 'malformed_row')""")
    con.execute("CREATE OR REPLACE TEMP TABLE reject_values AS " + " UNION ALL ".join(parts))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_events(con: duckdb.DuckDBPyConnection,
                  todo: list[tuple[Path, FileReport, str]]) -> None:
    """Write every new event into the store, in a transaction of its own, under its import's
    id. Until :func:`_write` records those imports they are not part of the store: readers
    take only the events of recorded imports, and the next import deletes leftovers of one
    that failed. Events of rows that pairing rejects are deleted by :func:`_write`.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        ensure_schema(con, "store")
        con.execute("DELETE FROM store.events WHERE import_id NOT IN "
                    "(SELECT import_id FROM store.imports)")
        _insert_new_events(con, todo)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _forget_events(con: duckdb.DuckDBPyConnection,
                   todo: list[tuple[Path, FileReport, str]]) -> None:
    """After a failure, take out the events :func:`_write_events` wrote (they are not part of
    the store either way; this only saves space), ignoring errors."""
    ids = ", ".join(str(fr.import_id) for _, fr, _ in todo)
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DELETE FROM store.events WHERE import_id IN ({ids}) AND import_id NOT IN "
                    "(SELECT import_id FROM store.imports)")


def _insert_new_events(con: duckdb.DuckDBPyConnection,
                       todo: list[tuple[Path, FileReport, str]], where: str = "") -> None:
    """Append the new events (those ``where`` keeps) to the store's ``events``."""
    con.execute(f"""
        INSERT INTO store.events
        SELECT {_import_ids(todo)}, "row", person, class, service, event, ts, destination,
               NULLIF(hint, ts), activity
        FROM new_events {where}
    """)


def _import_ids(todo: list[tuple[Path, FileReport, str]], file_no: str = "file_no") -> str:
    """SQL giving the import id of each file number."""
    return _by_file(file_no, [str(fr.import_id) for _, fr, _ in todo])


def _by_file(file_no: str, values: list[str]) -> str:
    """SQL giving ``values[k]`` (SQL) for file number ``k``."""
    return f"CASE {file_no} " + " ".join(
        f"WHEN {k} THEN {value}" for k, value in enumerate(values)) + " END"


def _write(con: duckdb.DuckDBPyConnection, todo: list[tuple[Path, FileReport, str]],
           plan: ImportMapping, replaced: list[int], window: Window | None,
           any_rejected: bool, labels: Labels, legacy: bool, early: bool,
           journeys: pa.Table | None, max_open_days: float | None, update: bool) -> None:
    """Everything else in one transaction: the store changes completely or not at all.

    The new events are in the store already when ``early`` (see :func:`_write_events`; those
    of rows pairing rejected are deleted here), else they are written here. The shared
    tables are built straight into the store, inside the transaction. A store whose events
    hold names (``legacy``) gets them back as codes.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        if legacy:
            con.execute("DROP TABLE store.events")
        ensure_schema(con, "store")
        if legacy:
            con.execute("INSERT INTO store.events SELECT * FROM legacy_events")
        labels.write_new(con, "store.labels")
        if replaced:
            listed = ", ".join(map(str, replaced))
            for table in ("events", "quarantine", "imports"):
                con.execute(f"DELETE FROM store.{table} WHERE import_id IN ({listed})")
        if early and any_rejected:
            # deleting from the committed events is cheap (in the transaction that wrote
            # them it would rewrite them all)
            con.execute(f"""
                DELETE FROM store.events e USING event_rejects r
                WHERE e.import_id = {_import_ids(todo, f"(r.gid >> {_ROW_BITS})")}
                  AND e."row" = r.gid & {(1 << _ROW_BITS) - 1}
            """)
        elif not early:
            _insert_new_events(con, todo, "WHERE gid NOT IN (SELECT gid FROM event_rejects)"
                               if any_rejected else "")
        names = _by_file("file_no", [f"'{_sql_text(path)}'" for path, _, _ in todo])
        con.execute(f"""
            INSERT INTO store.quarantine
            SELECT {_import_ids(todo)}, {names}, "row", reason, detail, person,
                   coalesce(v."values", q."values")
            FROM new_rejects q LEFT JOIN reject_values v USING (file_no, "row")
            -- in no order: readers order it (sorting it here cost more)
        """)
        now = dt.datetime.now().replace(microsecond=0)
        for path, fr, digest in todo:
            con.execute(
                "INSERT INTO store.imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [fr.import_id, str(path), digest, now, fr.shape, fr.format,
                 json.dumps(plan.columns), fr.rows_in, fr.rows_loaded, fr.rows_quarantined,
                 None, None])
        if window is not None:
            con.execute("USE store")
            try:
                build_tables(con, window, journeys, max_open_days,
                             "temp.touched" if update else None, only_added=not replaced)
            finally:
                con.execute("USE memory")
            con.execute("DELETE FROM store.meta")
            con.execute("INSERT INTO store.meta VALUES ('extract_start', ?), "
                        "('extract_end', ?), ('built_at', ?)",
                        [str(window.start), str(window.end), str(now)])
            if max_open_days is not None:
                con.execute("INSERT INTO store.meta VALUES ('max_open_days', ?)",
                            [repr(float(max_open_days))])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
