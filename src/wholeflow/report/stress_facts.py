"""Facts the STRESS-DES appendix states, from the model file, the workspace and the machine.

Each function answers one question a reader of a simulation study asks (Monks et al. 2019):

- :func:`parameter_notes` — every number written in the model file, with its line and the
  comment written next to it (``# seed: ...``, ``# assumption: ...``): where it came from;
- :func:`scenario_diff` — what a scenario changes in the baseline, path by path, as the
  validated models differ (not as the patch was written, so defaults and scaling show);
- :func:`data_files` — the workspace's data: imports recorded in the event store (hash, rows,
  date range) and files under ``data/`` and ``measures/`` that were not imported;
- :func:`system_facts` — software versions, operating system and hardware.

Nothing here changes a file or draws a random number.
"""

from __future__ import annotations

import hashlib
import math
import os
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from wholeflow.model.schema import Model
from wholeflow.model.yaml_lines import load_yaml

#: Top-level model keys that are not input parameters (described elsewhere in the appendix).
NOT_PARAMETERS = ("name", "description", "scenarios")
#: libyaml's dumper when PyYAML was built with it (several times faster), else pure Python.
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
#: Packages whose versions can change the numbers or the outputs.
PACKAGES = ("wholeflow", "numpy", "numba", "scipy", "pandas", "pyarrow", "duckdb", "pydantic",
            "PyYAML", "plotly")


@dataclass(frozen=True)
class ParameterNote:
    """One value written in the model file and the note beside it."""

    path: str  # dotted, as scenarios write it: services.acute.capacity, routes.acute.0.to
    value: Any
    line: int | None
    note: str  # the comment on the value's line, above it, or on its nearest parent ("" if none)

    @property
    def kind(self) -> str:
        """``assumption``, ``cited`` (a note that names its source in a few words before a
        colon: ``seed: ...``, ``PAS 2024/25: ...``), ``note`` or ``none``."""
        text = self.note.strip().lower()
        if not text:
            return "none"
        if "assumption" in text:
            return "assumption"
        head = text.split(":", 1)[0].strip()
        if ":" in text and head and len(head) <= 40 and len(head.split()) <= 4:
            return "cited"  # "seed: ...", "PAS 2024/25: ...", "bed plan: ..."
        return "note"

    @property
    def distribution(self) -> str:
        """The distribution family of a stochastic input (``gamma``...), or ``fixed``."""
        if isinstance(self.value, dict) and "dist" in self.value:
            return str(self.value["dist"])
        return "fixed"


def flow(value: Any) -> str:
    """A value as one line of YAML (``{dist: gamma, mean: 2, sd: 1}``, ``seven_day``); numbers
    to 12 significant digits, so ``1.5 × 1.1`` reads 1.65, not 1.6500000000000001."""
    text = yaml.dump(_tidy(value), Dumper=_Dumper, default_flow_style=True, width=1 << 30,
                     sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def _tidy(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.12g}")
    if isinstance(value, dict):  # a distribution shows only the parameters it uses
        unused = "dist" in value
        return {k: _tidy(v) for k, v in value.items() if not (unused and v is None)}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value


def dotted(path: tuple[str | int, ...]) -> str:
    """``("routes", "acute", 0, "to")`` -> ``routes.acute.0.to`` (the scenario path syntax)."""
    return ".".join(str(p) for p in path)


# ---------------------------------------------------------------- notes in the model file
def parameter_notes(model: Model) -> list[ParameterNote]:
    """Every value of the model file (a distribution counts as one value), in file order.

    The note of a value is its line's trailing comment, else the block of comment lines just
    above it, else the note of its nearest parent (``darley_court:  # assumption: all shares``
    covers every route written under it). Empty when the model was not read from a file.
    """
    if not model.source or not Path(model.source).is_file():
        return []
    text = Path(model.source).read_text(encoding="utf-8")
    loaded = load_yaml(text, model.source)
    if not isinstance(loaded.data, dict):
        return []
    comments = _Comments(text.splitlines())
    lines = loaded.source.lines
    out: list[ParameterNote] = []
    for path, value in _leaves(loaded.data, (), lines):
        if path and (path[0] in NOT_PARAMETERS or path[-1] in ("name", "description")):
            continue
        note = ""
        for end in range(len(path), 0, -1):  # the value's own note, else its parents'
            note = comments.at(lines.get(path[:end]))
            if note:
                break
        out.append(ParameterNote(dotted(path), value, lines.get(path), note))
    return out


def _leaves(node: Any, path: tuple[str | int, ...], lines: dict[Any, int] | None = None
            ) -> list[tuple[tuple[str | int, ...], Any]]:
    """The values under ``node``: scalars and distributions (a mapping with ``dist``).

    With the file's ``lines``, a mapping written on one line (``{to: home, probability: 0.9}``,
    a weekday profile) is one value too, as its author wrote it.
    """
    if isinstance(node, dict) and "dist" not in node and node:
        if lines is not None and _one_line(node, path, lines):
            return [(path, node)]
        return [leaf for k, v in node.items() for leaf in _leaves(v, (*path, str(k)), lines)]
    if isinstance(node, list) and node:
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, (*path, i), lines)]
    return [(path, node)]


def _one_line(node: dict[Any, Any], path: tuple[str | int, ...], lines: dict[Any, int]) -> bool:
    own = lines.get(path)
    return own is not None and all(lines.get((*path, str(k))) == own for k in node)


class _Comments:
    """Comments of a YAML text by line: trailing ones, and blocks of comment lines above."""

    def __init__(self, lines: list[str]):
        self.lines = lines

    def at(self, line: int | None) -> str:
        if line is None or not 1 <= line <= len(self.lines):
            return ""
        own = _trailing(self.lines[line - 1])
        if own:
            return own
        above: list[str] = []
        i = line - 2
        while i >= 0 and self.lines[i].lstrip().startswith("#"):
            above.insert(0, self.lines[i].lstrip()[1:].strip())
            i -= 1
        return " ".join(a for a in above if a)


def _trailing(line: str) -> str:
    """The comment at the end of a YAML line (a ``#`` after a space, outside quotes)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1:].strip() if line[:i].strip() else ""
    return ""


# ---------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class Change:
    """One value a scenario changes: ``before`` is None for a new value, ``after`` for a removed
    one (``added``/``removed`` say which)."""

    path: str
    before: Any
    after: Any
    added: bool = False
    removed: bool = False


def scenario_diff(model: Model, name: str) -> list[Change]:
    """The values scenario ``name`` changes, comparing the validated baseline and scenario models.

    Values are compared after validation, so a number given as ``x1.1`` shows as the number it
    became and a fixed time as ``{dist: fixed, value: ...}``. A part present in only one model
    (a removed service, an added route) is one change, not one per value inside it. Changes come
    in the models' own order.
    """
    from wholeflow.model.scenarios import apply_scenario

    return _diff(_dump(model), _dump(apply_scenario(model, name)), ())


def _dump(model: Model) -> dict[str, Any]:
    return model.model_dump(by_alias=True, mode="json",
                            exclude={"scenarios", "name", "description"})


def _diff(before: Any, after: Any, path: tuple[str | int, ...]) -> list[Change]:
    if _is_branch(before) and _is_branch(after) and type(before) is type(after):
        if isinstance(before, dict):
            keys = list(dict.fromkeys([*before, *after]))
        else:
            keys = list(range(max(len(before), len(after))))
        out: list[Change] = []
        for key in keys:
            here = (*path, key)
            if not _has(before, key):
                out.append(Change(dotted(here), None, after[key], added=True))
            elif not _has(after, key):
                out.append(Change(dotted(here), before[key], None, removed=True))
            else:
                out += _diff(before[key], after[key], here)
        return out
    return [] if before == after else [Change(dotted(path), before, after)]


def _is_branch(node: Any) -> bool:
    return isinstance(node, list) or (isinstance(node, dict) and "dist" not in node)


def _has(node: Any, key: Any) -> bool:
    return key in node if isinstance(node, dict) else key < len(node)


def diff_text(model: Model, name: str) -> str:
    """Scenario ``name`` as a YAML diff: ``-path: baseline`` and ``+path: scenario`` lines."""
    out = []
    for c in scenario_diff(model, name):
        if not c.added:
            out.append(f"-{c.path}: {flow(c.before)}")
        if not c.removed:
            out.append(f"+{c.path}: {flow(c.after)}")
    return "\n".join(out)


# ---------------------------------------------------------------- data
@dataclass(frozen=True)
class DataFile:
    """One data source of the workspace."""

    file: str
    sha256: str
    rows: int | None
    first: str  # first date in the data, "" when not known
    last: str
    use: str  # what the workspace uses it for


def workspace_of(model: Model) -> Path | None:
    """The workspace folder of a model read from ``<folder>/wholeflow.yaml``, else None."""
    if model.source and Path(model.source).name == "wholeflow.yaml":
        return Path(model.source).parent
    return None


def data_files(workspace: Path | None) -> list[DataFile]:
    """Imports recorded in the event store, then data files of the workspace not imported."""
    if workspace is None:
        return []
    found = _imports(workspace)
    hashes = {f.sha256 for f in found}
    for folder, use in (("data", "event log (not imported into the store)"),
                        ("measures", "SPC measure")):
        for path in sorted((workspace / folder).glob("*")):
            if path.suffix.lower() not in {".csv", ".parquet", ".xlsx", ".xes"}:
                continue
            digest = file_hash(path)
            if digest in hashes:
                continue
            rows, first, last = _csv_facts(path)
            found.append(DataFile(str(path.relative_to(workspace)), digest, rows, first, last,
                                  use))
    return found


def file_hash(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _imports(workspace: Path) -> list[DataFile]:
    from wholeflow.data.storage.store import Store, _tables
    from wholeflow.errors import DataError

    store = Store(workspace)
    if not store.exists():
        return []
    try:
        con = store.connect()
    except DataError:  # e.g. another command holds the store: the appendix goes without it
        return []
    with con:
        if not {"imports", "events"} <= _tables(con):  # a store holding shared tables only
            return []
        rows = con.execute(
            "SELECT i.file, i.file_hash, i.rows_in, i.rows_loaded, i.rows_quarantined, "
            "min(e.timestamp), max(e.timestamp) FROM imports i LEFT JOIN events e "
            "USING (import_id) GROUP BY ALL ORDER BY min(i.import_id)").fetchall()
    out = []
    for file, digest, rows_in, loaded, quarantined, first, last in rows:
        out.append(DataFile(str(file), str(digest or ""), int(rows_in or 0),
                            f"{first:%Y-%m-%d}" if first is not None else "",
                            f"{last:%Y-%m-%d}" if last is not None else "",
                            f"event log in the store: {loaded:,} rows loaded, "
                            f"{quarantined:,} quarantined"))
    return out


def _csv_facts(path: Path) -> tuple[int | None, str, str]:
    """Rows and the date range of a CSV's date or time columns (blank when there are none)."""
    if path.suffix.lower() != ".csv" or path.stat().st_size > 200_000_000:
        return None, "", ""
    import warnings

    import pandas as pd

    try:
        frame = pd.read_csv(path, low_memory=False)
    except (ValueError, OSError, UnicodeDecodeError):
        return None, "", ""
    cols = [c for c in frame.columns  # text columns named like dates (not counts of them)
            if not pd.api.types.is_numeric_dtype(frame[c])
            and any(w in str(c).lower() for w in ("date", "time", "week", "month", "day"))]
    firsts, lasts = [], []
    for col in cols:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            when = pd.to_datetime(frame[col], errors="coerce", format="mixed").dropna()
        if len(when):
            firsts.append(when.min())
            lasts.append(when.max())
    if not firsts:
        return len(frame), "", ""
    return len(frame), f"{min(firsts):%Y-%m-%d}", f"{max(lasts):%Y-%m-%d}"


# ---------------------------------------------------------------- software and hardware
def versions() -> dict[str, str]:
    """Python and the versions of the packages that made the numbers."""
    out = {"Python": f"{platform.python_version()} ({platform.python_implementation()})"}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def system_facts() -> dict[str, str]:
    """Operating system, processor, cores and memory of this machine."""
    facts = {
        "operating system": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "logical cores": str(os.cpu_count() or "unknown"),
    }
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        facts["memory"] = f"{memory / 2**30:.1f} GiB"
    except (ValueError, OSError, AttributeError):  # not on every platform
        facts["memory"] = "unknown"
    return facts
