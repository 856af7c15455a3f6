"""The workspace the app serves, as one object shared by every request (``app.state.ws``).

:class:`Workspace` names the workspace's folders and files and reads them through the same
public functions as the CLI. The model is read again whenever one of its files changes (a
scenario saved from the app or edited in a text editor), so every page sees the files as they
are. A broken model never raises out of :meth:`Workspace.model_status`: its problems (file, line,
field, fix) are returned for the page to show.

Every path a request names goes through :meth:`Workspace.path`, which refuses anything that
would leave the workspace (``..``, absolute paths, symbolic links pointing out).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wholeflow.errors import ModelError, Problem, WholeflowError

if TYPE_CHECKING:
    from wholeflow.model.schema import Model
    from wholeflow.report.findings import Finding


class OutsideWorkspaceError(WholeflowError):
    """A requested path would leave the workspace."""


@dataclass
class ModelStatus:
    """The model as read now: ``model`` is None when the files have problems."""

    model: Model | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.model is not None


class Workspace:
    """One workspace folder: ``wholeflow.yaml``, ``scenarios/``, ``data/``, ``measures/``,
    ``findings/`` and ``.wholeflow/`` (runs, the event store, the app's own files)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self.model_file = self.root / "wholeflow.yaml"
        self.scenarios_dir = self.root / "scenarios"
        self.data_dir = self.root / "data"
        self.measures_dir = self.root / "measures"
        self.findings_dir = self.root / "findings"
        self.state_dir = self.root / ".wholeflow"
        self.runs_dir = self.state_dir / "runs"
        self.store_file = self.state_dir / "store.duckdb"
        self.app_dir = self.state_dir / "app"  # the app's own records (run queue, ...)
        self._lock = threading.Lock()
        self._cache: tuple[tuple[Any, ...], ModelStatus] | None = None
        self._data_cache: tuple[Any, dict[str, Any] | None] | None = None

    # -- paths -------------------------------------------------------------------------------

    def path(self, relative: str | Path) -> Path:
        """``relative`` resolved inside the workspace; :class:`OutsideWorkspaceError` if it
        would leave it (``..``, an absolute path, a link pointing out)."""
        text = str(relative)
        if "\x00" in text:
            raise OutsideWorkspaceError(f"'{text!r}' is not a file name")
        target = (self.root / text).resolve()
        if target != self.root and self.root not in target.parents:
            raise OutsideWorkspaceError(f"'{text}' is outside the workspace")
        return target

    def relative(self, path: str | Path) -> str:
        """``path`` as written relative to the workspace (for messages)."""
        try:
            return str(Path(path).resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    # -- the model ---------------------------------------------------------------------------

    def _stamp(self) -> tuple[Any, ...]:
        files = [self.model_file]
        if self.scenarios_dir.is_dir():
            files += sorted([*self.scenarios_dir.glob("*.yaml"), *self.scenarios_dir.glob("*.yml")])
        stamp: list[tuple[str, int | None, int | None]] = []
        for f in files:
            try:
                st = f.stat()
                stamp.append((str(f), st.st_mtime_ns, st.st_size))
            except OSError:
                stamp.append((str(f), None, None))
        return tuple(stamp)

    def model_status(self) -> ModelStatus:
        """The model read from the files as they are now (cached until a file changes)."""
        from wholeflow.model import load_model

        with self._lock:
            stamp = self._stamp()
            if self._cache is not None and self._cache[0] == stamp:
                return self._cache[1]
            try:
                model = load_model(self.root)
                status = ModelStatus(model, [], list(model.warnings))
            except ModelError as err:
                status = ModelStatus(None, err.problems, err.warnings)
            self._cache = (stamp, status)
            return status

    def model(self) -> Model:
        """The valid model; :class:`ModelError` (shown as a located 422 page) if it is not."""
        status = self.model_status()
        if status.model is None:
            raise ModelError(status.problems)
        return status.model

    def forget_model(self) -> None:
        """Drop the cached model (after the app wrote a file within the same clock tick)."""
        with self._lock:
            self._cache = None

    # -- other contents ----------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        """The findings register (``findings/*.yaml``); ModelError if a file is invalid."""
        from wholeflow.report.findings import load_findings

        status = self.model_status()
        return load_findings(self.root, status.model)

    def run_manifests(self) -> list[dict[str, Any]]:
        """Manifests of the runs kept in ``.wholeflow/runs`` (newest first)."""
        import json

        out = []
        for path in self.runs_dir.glob("*/manifest.json"):
            try:
                out.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        return sorted(out, key=lambda m: str(m.get("updated", "")), reverse=True)

    def has_data(self) -> bool:
        """True when events have been imported into the workspace's store."""
        return self.store_file.is_file()

    def data_summary(self) -> dict[str, Any] | None:
        """What has been imported: imports, rows in / loaded / quarantined, the period covered
        (None without a store; ``{"error": text}`` when it cannot be read now, e.g. during an
        import). Read again only when the store file changes."""
        try:
            st = self.store_file.stat()
        except OSError:
            return None
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._data_cache is not None and self._data_cache[0] == stamp:
                return self._data_cache[1]
        from wholeflow.data.storage.store import Store

        try:
            store = Store(self.root)
            imports = store.imports()
            window = store.window()
            summary: dict[str, Any] = {
                "imports": len(imports), "rows_in": int(imports["rows_in"].sum()),
                "loaded": int(imports["rows_loaded"].sum()),
                "quarantined": int(imports["rows_quarantined"].sum()),
                "start": window.start, "end": window.end}
        except Exception as err:  # a store being written, or damaged: say so, never crash
            return {"error": f"the event store cannot be read just now ({type(err).__name__})"}
        with self._lock:
            self._data_cache = (stamp, summary)
        return summary
