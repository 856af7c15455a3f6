"""Which column of a file holds which field, and what each activity in a log means.

Two shapes of extract are understood:

* **events** (long): one row per event, with ``person``, ``service``, ``event`` and ``timestamp``
  (and optionally ``destination`` and ``class``). The pm4py/XES names ``case:concept:name``,
  ``concept:name``, ``time:timestamp`` and ``org:resource`` are recognised.
* **stays** (wide): one row per stint, as NHS extracts usually come, with ``person``,
  ``service`` and dates ``referred``, ``decided``, ``started``, ``ready``, ``ended`` (and
  optionally ``accepted``, ``destination``, ``class``, ``assessments``).

Columns are recognised by common names (:data:`COLUMN_SYNONYMS`); a :class:`ColumnMap` given by
the user (``--map PatientID=person``) always wins. Process-mining logs that carry only an
activity name ("Admission NC", "Release A") need an :class:`ActivityMap`: each activity to a
service and an event type. An activity mapped without a service takes the file's service
column when it opens or decides a stay (referral, decision, start) and acts on the person's
current stay otherwise ("Release A" ends whatever stay they are in). A whole
:class:`ImportMapping` can be saved in the workspace
(``data/mappings/<name>.yaml``) and reused by name.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from wholeflow.data.reading.timestamps import DateOrder
from wholeflow.data.reading.vocabulary import EVENTS, SYNONYMS, normalise_label
from wholeflow.errors import DataError

Shape = Literal["events", "stays"]

COMMON_FIELDS = ("person", "service", "class", "destination")
EVENT_FIELDS = ("event", "timestamp")
STAY_FIELDS = ("referred", "decided", "accepted", "started", "ready", "ended", "assessments")
FIELDS: tuple[str, ...] = (*COMMON_FIELDS, *EVENT_FIELDS, *STAY_FIELDS)
#: Fields holding dates and times.
DATE_FIELDS = ("timestamp", "referred", "decided", "started", "ready", "ended")

COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "person": ("person", "person id", "patient", "patient id", "pseudo id", "pseudonym",
               "nhs number", "nhs no", "local patient id", "client", "client id",
               "service user id", "case", "case id", "case:concept:name", "mrn",
               "hospital number", "pid", "subject id"),
    "service": ("service", "service id", "unit", "ward", "team", "setting", "org:resource",
                "resource", "department", "location"),
    "event": ("event", "event type", "activity", "concept:name", "action", "activity name"),
    "timestamp": ("timestamp", "time:timestamp", "datetime", "date time", "event time",
                  "event date", "event datetime", "time", "date", "occurred"),
    "destination": ("destination", "discharge destination", "dest", "next service",
                    "discharged to", "discharge to"),
    "class": ("class", "cohort", "patient class", "pathway", "case:class"),
    "referred": ("referred", "referral date", "referral datetime", "referral received",
                 "date referred", "referred at", "referral time"),
    "decided": ("decided", "decision date", "triage date", "triaged", "date accepted",
                "accepted date", "decided at", "decision time"),
    "accepted": ("accepted", "referral outcome", "outcome", "accepted flag", "decision"),
    "started": ("started", "start", "start date", "admitted", "admission date",
                "admission datetime", "date admitted", "start of care", "care start",
                "admission", "start datetime"),
    "ready": ("ready", "ready date", "medically optimised", "medically optimised date",
              "mfd date", "mffd", "mffd date", "rtmo date", "nctr date", "discharge ready date",
              "ready to move on", "optimised date", "discharge ready"),
    "ended": ("ended", "end", "end date", "discharged", "discharge date", "discharge datetime",
              "date discharged", "care end", "end of care", "discharge", "end datetime"),
    "assessments": ("assessments", "assessment count", "number of assessments",
                    "n assessments"),
}


def _column_key(name: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", name.strip().lower())


_SYNONYM_FIELD = {
    _column_key(word): field_name
    for field_name, words in COLUMN_SYNONYMS.items() for word in words
}


@dataclass(frozen=True)
class ActivityRule:
    """What one activity means: an event type, in a service (or the person's current service)."""

    event: str
    service: str | None = None
    destination: str | None = None


@dataclass
class ActivityMap:
    """Activities of a process-mining log mapped to services and event types."""

    rules: dict[str, ActivityRule] = field(default_factory=dict)
    source: str = "<activity map>"
    names: dict[str, str] = field(default_factory=dict)
    """Each rule's activity as the user wrote it (rules are keyed by a normalised form)."""

    def lookup(self, activity: str) -> ActivityRule | None:
        return self.rules.get(normalise_label(activity))

    def unmatched(self, seen: Iterable[str]) -> dict[str, list[str]]:
        """Entries that match none of the activities ``seen`` (a typo, or an activity of
        another extract), each with the nearest activities seen (at most three)."""
        names = sorted(set(seen))
        keys = {normalise_label(n): n for n in names}
        out = {}
        for key in self.rules:
            if key not in keys:
                near = difflib.get_close_matches(key, list(keys), n=3, cutoff=0.6)
                out[self.names.get(key, key)] = [keys[k] for k in near]
        return out

    def to_dict(self) -> dict[str, dict[str, str]]:
        out = {}
        for label, rule in self.rules.items():
            entry = {"event": rule.event}
            if rule.service:
                entry["service"] = rule.service
            if rule.destination:
                entry["destination"] = rule.destination
            out[label] = entry
        return out


def _event_name(value: str, where: str) -> str:
    event = SYNONYMS.get(normalise_label(value))
    if event is None:
        raise DataError(f"{where}: event {value!r} is not one of {', '.join(EVENTS)}")
    return event


def activity_map_from_dict(data: Mapping[str, object], source: str) -> ActivityMap:
    """``{"Admission NC": {"service": "normal_care", "event": "start"}, "Release A": "end"}``."""
    rules, names = {}, {}
    for activity, spec in data.items():
        where = f"{source}: {activity!r}"
        if isinstance(spec, str):
            spec = {"event": spec}
        if not isinstance(spec, Mapping) or "event" not in spec:
            raise DataError(f"{where}: give an event type, e.g. {{service: acute, event: start}}")
        unknown = set(spec) - {"event", "service", "destination"}
        if unknown:
            raise DataError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))} "
                            "(allowed: event, service, destination)")
        names[normalise_label(str(activity))] = str(activity)
        rules[normalise_label(str(activity))] = ActivityRule(
            event=_event_name(str(spec["event"]), where),
            service=_blank_to_none(spec.get("service")),
            destination=_blank_to_none(spec.get("destination")),
        )
    return ActivityMap(rules, source, names)


def _blank_to_none(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def load_activity_map(path: str | Path) -> ActivityMap:
    """Read an activity map: a CSV (columns activity, service, event[, destination]) or YAML."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"activity map {p}: no such file")
    if p.suffix.lower() in {".yaml", ".yml"}:
        data = yaml.safe_load(p.read_text(encoding="utf-8-sig")) or {}
        if not isinstance(data, Mapping):
            raise DataError(f"activity map {p}: expected 'activity: {{service, event}}' entries")
        return activity_map_from_dict(data, str(p))
    with p.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        names = {_column_key(n): n for n in reader.fieldnames or []}
        if "activity" not in names or "event" not in names:
            raise DataError(f"activity map {p}: needs columns activity and event (and service, "
                            f"destination where known); it has {', '.join(names.values())}")
        entries: dict[str, object] = {}
        for line, row in enumerate(reader, start=2):
            activity = (row.get(names["activity"]) or "").strip()
            if not activity:
                continue
            entries[activity] = {
                key: row.get(names[key]) for key in ("event", "service", "destination")
                if key in names
            }
            _event_name(str(row.get(names["event"]) or ""), f"activity map {p} line {line}")
        return activity_map_from_dict(entries, str(p))


@dataclass
class ImportMapping:
    """How to read one kind of extract: columns, shape, activity map and date order."""

    columns: dict[str, str] = field(default_factory=dict)
    """field -> column, as given by the user; other fields are recognised by name."""
    shape: Shape | None = None
    activity_map: ActivityMap | None = None
    date_order: DateOrder = "dmy"

    def to_yaml(self) -> str:
        data: dict[str, object] = {"columns": dict(self.columns), "date_order": self.date_order}
        if self.shape:
            data["shape"] = self.shape
        if self.activity_map:
            data["activity_map"] = self.activity_map.to_dict()
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    @classmethod
    def from_yaml(cls, text: str, source: str) -> ImportMapping:
        data = yaml.safe_load(text) or {}
        if not isinstance(data, Mapping):
            raise DataError(f"{source}: expected a mapping with columns, shape, activity_map")
        unknown = set(data) - {"columns", "shape", "activity_map", "date_order"}
        if unknown:
            raise DataError(f"{source}: unknown keys {', '.join(sorted(map(str, unknown)))}")
        columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
        check_fields(columns, source)
        shape = data.get("shape")
        if shape not in (None, "events", "stays"):
            raise DataError(f"{source}: shape must be events or stays, got {shape!r}")
        order = data.get("date_order", "dmy")
        if order not in ("dmy", "mdy", "ymd"):
            raise DataError(f"{source}: date_order must be dmy, mdy or ymd, got {order!r}")
        amap = data.get("activity_map")
        return cls(
            columns=columns,
            shape=shape,
            activity_map=activity_map_from_dict(amap, source) if amap else None,
            date_order=order,
        )


def check_fields(columns: Mapping[str, str], source: str = "column map") -> None:
    """Every key of a column map must be a field wholeflow knows."""
    unknown = [f for f in columns if f not in FIELDS]
    if unknown:
        raise DataError(f"{source}: unknown field {', '.join(map(repr, unknown))}; the fields "
                        f"are {', '.join(FIELDS)}")


def parse_map_options(options: Iterable[str]) -> dict[str, str]:
    """CLI ``--map COLUMN=FIELD`` options as a field -> column map.

    ``FIELD=COLUMN`` is understood too when only the left side is a field name.
    """
    out: dict[str, str] = {}
    for option in options:
        left, sep, right = option.partition("=")
        left, right = left.strip(), right.strip()
        if not sep or not left or not right:
            raise DataError(f"--map {option!r}: write COLUMN=FIELD, e.g. --map PatientID=person")
        if right in FIELDS:
            out[right] = left
        elif left in FIELDS:
            out[left] = right
        else:
            raise DataError(f"--map {option!r}: {right!r} is not a field; the fields are "
                            f"{', '.join(FIELDS)}")
    return out


def mapping_path(workspace: Path, name: str) -> Path:
    """Where a saved mapping called ``name`` lives in a workspace."""
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        raise DataError(f"mapping name {name!r}: use letters, digits, '-' and '_' only")
    return workspace / "data" / "mappings" / f"{name}.yaml"


def load_mapping(workspace: Path, name_or_path: str | Path) -> ImportMapping:
    """A saved mapping, by name (in the workspace) or by file path."""
    p = Path(name_or_path)
    if not p.suffix:
        p = mapping_path(workspace, str(name_or_path))
    if not p.exists():
        raise DataError(f"mapping {name_or_path}: no file {p}. Save one with --save-mapping NAME")
    return ImportMapping.from_yaml(p.read_text(encoding="utf-8"), str(p))


def save_mapping(workspace: Path, name: str, mapping: ImportMapping) -> Path:
    p = mapping_path(workspace, name)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(mapping.to_yaml(), encoding="utf-8")
    return p


@dataclass(frozen=True)
class ResolvedColumns:
    """The columns of one file that hold each field, and the file's shape."""

    shape: Shape
    columns: dict[str, str]


def recognise_columns(file_columns: Iterable[str]) -> dict[str, str]:
    """Fields recognised by name among ``file_columns`` (field -> column; the first column
    with a field's name wins), as :func:`resolve_columns` finds them when none is given."""
    found: dict[str, str] = {}
    for name in file_columns:
        fld = _SYNONYM_FIELD.get(_column_key(name))
        if fld and fld not in found:
            found[fld] = name
    return found


def resolve_columns(file_columns: Iterable[str], mapping: ImportMapping,
                    path: Path) -> ResolvedColumns:
    """Match a file's columns to fields: the user's map first, then names we recognise."""
    available = list(file_columns)
    check_fields(mapping.columns)
    missing_given = [c for c in mapping.columns.values() if c not in available]
    if missing_given:
        raise DataError(
            f"{path}: no column {', '.join(map(repr, missing_given))} (from the column map); "
            f"its columns are {', '.join(available)}"
        )
    columns = dict(mapping.columns)
    used = set(columns.values())
    for name in available:
        fld = _SYNONYM_FIELD.get(_column_key(name))
        if fld and fld not in columns and name not in used:
            columns[fld] = name
            used.add(name)
    shape = mapping.shape or _guess_shape(columns)
    required = _required(shape, mapping)
    if shape == "stays" and "started" not in columns and "referred" not in columns:
        required = (*required, "started")
    missing = [f for f in required if f not in columns]
    if missing:
        example = next((c for c in available if c not in used), "COLUMN")
        raise DataError(
            f"{path}: cannot find the column for {', '.join(missing)} ({shape} shape). "
            f"Its columns are: {', '.join(available)}. Say which column holds each with "
            f"--map, e.g. --map {example}={missing[0]} (in Python: "
            f"import_events(..., {missing[0]}={example!r}))."
        )
    wanted = EVENT_FIELDS if shape == "events" else STAY_FIELDS
    keep = {f: c for f, c in columns.items() if f in COMMON_FIELDS or f in wanted}
    return ResolvedColumns(shape, keep)


def _guess_shape(columns: Mapping[str, str]) -> Shape:
    if "event" in columns:
        return "events"
    if "started" in columns or "referred" in columns or "ended" in columns:
        return "stays"
    return "events"


def _required(shape: Shape, mapping: ImportMapping) -> tuple[str, ...]:
    if shape == "stays":
        return ("person", "service")
    if mapping.activity_map is not None:
        return ("person", "event", "timestamp")
    return ("person", "service", "event", "timestamp")
