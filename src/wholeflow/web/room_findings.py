"""Findings added in the room: validated like the register, written to ``findings/room.yaml``.

The app adds findings to one file of the workspace's register (``findings/room.yaml``), in the
same form as hand-written ones (:mod:`wholeflow.report.findings`), so the report and the CLI
read them too. Each gets an id ``room-N``. Adding and editing hold the file's lock
(:func:`wholeflow.web.workspace_files.locked`) for the whole read-modify-write, so findings sent
at the same moment from several phones are all kept. Findings in other files are shown but
edited in their file (the app never rewrites a hand-written file and its comments).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from wholeflow.report.findings import ARROWS, KINDS, SOURCES, Finding
from wholeflow.web.workspace_files import dump_yaml, locked, write_text

if TYPE_CHECKING:
    from wholeflow.web.state import Workspace

ROOM_FILE = "room.yaml"
HEADER = ("# Findings added in the wholeflow app (the room). Same form as any findings file:\n"
          "# edit freely; the app adds new findings at the end.\n")
#: The 4N's first, then root cause, as the form offers them.
FORM_KINDS = {k: KINDS[k] for k in ("no_no", "niggle", "nugget", "nice_if", "root_cause")}
_ROOM_ID = re.compile(r"^room-(\d+)$")
MAX_TEXT = 2000


class FindingProblems(Exception):
    """The form's answers cannot make a finding: ``problems`` maps field -> message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def check(ws: Workspace, form: dict[str, Any]) -> dict[str, Any]:
    """The finding entry the form describes (as written to YAML); FindingProblems if not."""
    problems: dict[str, str] = {}
    text = str(form.get("text", "")).strip()
    if not text:
        problems["text"] = "Enter what you found, in your own words"
    elif len(text) > MAX_TEXT:
        problems["text"] = f"Keep it under {MAX_TEXT} characters"
    for name, choices, label in (("arrow", ARROWS, "which arrow it is about"),
                                 ("kind", FORM_KINDS, "what kind of finding it is"),
                                 ("source", SOURCES, "where it comes from")):
        if form.get(name) not in choices:
            problems[name] = f"Select {label}"
    services = [s for s in form.get("services", []) if s]
    status = ws.model_status()
    if status.model is not None:
        unknown = [s for s in services if s not in status.model.services]
        if unknown:
            problems["services"] = f"Not a service of the model: {', '.join(unknown)}"
    who = str(form.get("who", "")).strip()[:100]
    if problems:
        raise FindingProblems(problems)
    entry: dict[str, Any] = {"arrow": form["arrow"], "kind": form["kind"], "text": text,
                             "source": form["source"]}
    if services:
        entry["services"] = services
    if who:
        entry["who"] = who
    entry["date"] = dt.date.today()
    try:
        Finding.model_validate(entry)
    except ValidationError as err:  # pragma: no cover - the checks above cover the schema
        raise FindingProblems({str(e["loc"][0]): str(e["msg"]) for e in err.errors()}) from None
    return entry


def _read(path: Any) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "findings" in data:
        data = data["findings"]
    return list(data or [])


def add(ws: Workspace, form: dict[str, Any]) -> dict[str, Any]:
    """Validate and append a finding to findings/room.yaml; returns the entry with its id."""
    entry = check(ws, form)
    path = ws.findings_dir / ROOM_FILE
    with locked(path):
        entries = _read(path)
        numbers = [int(m.group(1)) for e in entries
                   if isinstance(e, dict) and (m := _ROOM_ID.match(str(e.get("id", ""))))]
        entry = {"id": f"room-{max(numbers, default=0) + 1}", **entry}
        entries.append(entry)
        write_text(path, dump_yaml(entries, HEADER))
    return entry


def editable(finding: Finding) -> bool:
    """True for findings the app wrote (in findings/room.yaml)."""
    return bool(_ROOM_ID.match(finding.id)) and str(finding._where[0] or "").endswith(ROOM_FILE)


def update(ws: Workspace, finding_id: str, form: dict[str, Any]) -> dict[str, Any] | None:
    """Replace finding ``finding_id`` of findings/room.yaml; None if it is not there."""
    entry = check(ws, form)
    path = ws.findings_dir / ROOM_FILE
    with locked(path):
        entries = _read(path)
        for i, old in enumerate(entries):
            if isinstance(old, dict) and str(old.get("id")) == finding_id:
                entry = {"id": finding_id, **entry,
                         **({"date": old["date"]} if old.get("date") else {})}
                entries[i] = entry
                write_text(path, dump_yaml(entries, HEADER))
                return entry
    return None
