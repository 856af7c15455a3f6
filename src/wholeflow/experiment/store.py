"""Runs kept in the workspace: ``.wholeflow/runs/<id>/`` with Parquet tables and a manifest.

A *run* is the replications of one model (the baseline, a scenario, or a variant made by a
capacity search or a sensitivity analysis) with one seed. Its id is a hash of what decides the
numbers: the model's content (without its name, description and scenario definitions), the seed,
and the versions of wholeflow and numpy. So rerunning an identical experiment finds its runs and
reuses them; asking for more replications runs only the missing ones (replication numbers
continue, so arms stay paired on common random numbers); asking for fewer reads the first ones.

Layout::

    .wholeflow/runs/<id>/manifest.json          what, when, with which versions
    .wholeflow/runs/<id>/kpis/part-000000-000049.parquet
    .wholeflow/runs/<id>/daily/part-000000-000049.parquet
    ...

Every Parquet file has the columns of :mod:`wholeflow.tables` plus ``run`` (the id), so the
whole store can be queried with DuckDB::

    SELECT m.label, k.metric, avg(k.value)
    FROM read_parquet('.wholeflow/runs/*/kpis/*.parquet') k
    JOIN read_json_auto('.wholeflow/runs/*/manifest.json') m ON k.run = m.id
    WHERE k.service = 'acute' GROUP BY ALL;

:func:`connect` opens a DuckDB connection with those views ready (``runs``, ``kpis``, ...).
Parts are written before the manifest counts them, so a run stopped half-way (Ctrl-C, a lost
cluster) keeps every replication that finished and never counts one that did not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from wholeflow.model.schema import Model

RUNS = Path(".wholeflow") / "runs"
TABLES = ("kpis", "daily", "stays", "journeys", "referrals", "delays")
_IGNORED_FIELDS = {"name", "description", "scenarios"}


def model_hash(model: Model) -> str:
    """A hash of everything in ``model`` that can change simulated numbers."""
    data = model.model_dump(mode="json", by_alias=True, exclude=_IGNORED_FIELDS)
    text = json.dumps(data, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    """Versions of the packages that made (or could change) the numbers."""
    out = {"python": platform.python_version()}
    for name in ("wholeflow", "numpy", "numba", "pandas", "pyarrow", "scipy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - all installed
            out[name] = "not installed"
    return out


def run_id(model: Model, seed: int) -> str:
    """The id of the run of ``model`` with ``seed`` under the installed versions."""
    v = versions()
    key = f"{model_hash(model)}|{seed}|{v['wholeflow']}|{v['numpy']}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


class Run(Protocol):
    """Stored replications of one model and seed (on disk or in memory)."""

    @property
    def id(self) -> str: ...

    @property
    def replications(self) -> int: ...

    @property
    def tables(self) -> tuple[str, ...]: ...

    def load(self, table: str, n: int) -> pd.DataFrame: ...

    def append(self, tables: dict[str, pd.DataFrame], first: int, last: int) -> None: ...

    def reset(self, tables: tuple[str, ...]) -> None: ...


@dataclass
class MemoryRun:
    """A run kept in memory only (no workspace, or storing switched off)."""

    id: str
    tables: tuple[str, ...]
    replications: int = 0
    parts: dict[str, list[pd.DataFrame]] = field(default_factory=dict)

    def load(self, table: str, n: int) -> pd.DataFrame:
        return _first(self.parts.get(table, []), n)

    def append(self, tables: dict[str, pd.DataFrame], first: int, last: int) -> None:
        if first != self.replications:
            raise ValueError(f"replications must be appended in order: have {self.replications}, "
                             f"got {first}")
        for name in self.tables:
            self.parts.setdefault(name, []).append(tables[name])
        self.replications = last + 1

    def reset(self, tables: tuple[str, ...]) -> None:
        self.tables, self.replications, self.parts = tables, 0, {}


class DiskRun:
    """A run stored under ``<workspace>/.wholeflow/runs/<id>/``."""

    def __init__(self, folder: Path, manifest: dict[str, Any]):
        self.folder = folder
        self.manifest = manifest
        self.id: str = manifest["id"]
        self._drop_uncounted_parts()

    @property
    def replications(self) -> int:
        return int(self.manifest["replications"])

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.manifest["tables"])

    def _parts(self, table: str) -> list[Path]:
        return sorted((self.folder / table).glob("part-*.parquet"))

    def _drop_uncounted_parts(self) -> None:
        for table in TABLES:
            for part in self._parts(table):
                if _part_range(part)[0] >= self.replications:
                    part.unlink()

    def load(self, table: str, n: int) -> pd.DataFrame:
        parts = [p for p in self._parts(table) if _part_range(p)[0] < n]
        frames = [pd.read_parquet(p) for p in parts]
        return _first(frames, n).drop(columns="run", errors="ignore")

    def append(self, tables: dict[str, pd.DataFrame], first: int, last: int) -> None:
        if first != self.replications:
            raise ValueError(f"replications must be appended in order: have {self.replications}, "
                             f"got {first}")
        for name in self.tables:
            folder = self.folder / name
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"part-{first:06d}-{last:06d}.parquet"
            tmp = path.with_suffix(".tmp")
            frame = tables[name].assign(run=self.id)
            frame.to_parquet(tmp, index=False)
            tmp.replace(path)
        self.manifest["replications"] = last + 1
        self.manifest["updated"] = _now()
        self.save()

    def reset(self, tables: tuple[str, ...]) -> None:
        """Forget every stored replication (e.g. to keep more tables than before)."""
        self.manifest["replications"] = 0
        self.manifest["tables"] = list(tables)
        self.save()
        self._drop_uncounted_parts()

    def add_label(self, label: str) -> None:
        if label not in self.manifest["labels"]:
            self.manifest["labels"].append(label)
            self.save()

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "manifest.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.manifest, indent=2, default=str), encoding="utf-8")
        tmp.replace(path)


class RunStore:
    """The runs of one workspace (``memory=True``: kept in this process only)."""

    def __init__(self, workspace: Path | str | None = None, memory: bool = False):
        self.workspace = Path(workspace) if workspace is not None else None
        self.memory = memory or workspace is None
        self._memory_runs: dict[str, MemoryRun] = {}

    @property
    def root(self) -> Path | None:
        """The runs folder, or None for a memory store."""
        return None if self.memory or self.workspace is None else self.workspace / RUNS

    def open(self, model: Model, seed: int, label: str, patches: dict[str, Any],
             tables: tuple[str, ...]) -> Run:
        """The run of ``model`` with ``seed``: found if stored, else created empty."""
        rid = run_id(model, seed)
        if self.root is None:
            return self._memory_runs.setdefault(rid, MemoryRun(rid, tables))
        folder = self.root / rid
        path = folder / "manifest.json"
        if path.exists():
            run = DiskRun(folder, json.loads(path.read_text(encoding="utf-8")))
            run.add_label(label)
            return run
        manifest = {
            "id": rid, "label": label, "labels": [label], "model": model.name,
            "model_source": model.source, "model_hash": model_hash(model), "patches": patches,
            "seed": seed, "replications": 0, "tables": list(tables),
            "warm_up_days": model.warm_up_days, "run_days": model.run_days,
            "start_date": str(model.start_date), "created": _now(), "updated": _now(),
            "versions": versions(),
        }
        run = DiskRun(folder, manifest)
        run.save()
        return run


def connect(workspace: Path | str) -> Any:
    """A DuckDB connection with views ``runs`` (the manifests) and one per stored table."""
    import duckdb

    root = Path(workspace) / RUNS
    con = duckdb.connect()
    manifests = sorted(root.glob("*/manifest.json"))
    if manifests:
        con.execute("CREATE VIEW runs AS SELECT * FROM "
                    f"read_json_auto('{_glob(root)}/manifest.json')")
    for table in TABLES:
        if any(root.glob(f"*/{table}/part-*.parquet")):
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM "
                        f"read_parquet('{_glob(root)}/{table}/part-*.parquet', union_by_name=true)")
    return con


def _glob(root: Path) -> str:
    return (root.as_posix() + "/*").replace("'", "''")


def _first(frames: list[pd.DataFrame], n: int) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    if "replication" in frame.columns:
        frame = frame[frame["replication"] < n].reset_index(drop=True)
    return frame


def _part_range(path: Path) -> tuple[int, int]:
    _, first, last = path.stem.split("-")
    return int(first), int(last)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
