"""The run queue: comparisons, capacity searches and sensitivity analyses run one after another
in a background thread, with progress for every connected browser.

The web app holds no simulation logic: a job calls :func:`wholeflow.compare`,
:func:`wholeflow.search_capacity` or :func:`wholeflow.sensitivity` with the workspace's model and
a :class:`~wholeflow.experiment.runners.LocalRunner` kept for the life of the server (its worker
processes start once and are reused, so a second run does not pay for them again).
Replications go to the workspace's run store (``.wholeflow/runs``) as with the CLI, so an
identical run is read back instead of simulated again.

Each job is recorded in ``.wholeflow/app/jobs/<id>.json`` and its result tables beside it
(``<id>.<table>.parquet``, keeping each column's type), so results survive a restart of the
server. A job that was queued or running when the server stopped is shown as *interrupted*
(run it again: its finished replications are in the store). Cancelling stops a running job
after the replication in hand; its finished replications are kept.

Events published (see :mod:`wholeflow.web.events`): ``run_queued``, ``run_started``,
``run_progress`` (at most every :data:`PROGRESS_EVERY` seconds, and at the end), and one of
``run_finished``, ``run_failed``, ``run_cancelled``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from wholeflow.errors import WholeflowError

if TYPE_CHECKING:
    import pandas as pd

    from wholeflow.web.events import EventBroker
    from wholeflow.web.state import Workspace

log = logging.getLogger("wholeflow.web")

#: Kinds of job and what each runs.
KINDS = ("compare", "search", "sensitivity")
#: Seconds between progress events of one job.
PROGRESS_EVERY = 0.25
#: Statuses after which a job changes no more.
FINAL = ("finished", "failed", "cancelled", "interrupted")


class RunCancelled(Exception):
    """Raised from the progress callback to stop a job the user cancelled."""


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


@dataclass
class Job:
    """One queued piece of work and what became of it."""

    id: str
    kind: str
    label: str
    params: dict[str, Any]
    status: str = "queued"
    done: int = 0
    total: int = 0
    created: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None
    message: str = ""
    tables: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status not in FINAL

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def event(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "label": self.label, "status": self.status,
                "done": self.done, "total": self.total, "message": self.message}


class RunQueue:
    """Jobs run one at a time by a background thread; see the module docstring."""

    def __init__(self, ws: Workspace, events: EventBroker, workers: int | None = None):
        self.ws = ws
        self.events = events
        self.workers = workers
        self.folder = ws.app_dir / "jobs"
        self._jobs: dict[str, Job] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._pending: queue.Queue[str | None] = queue.Queue()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._runner: Any = None
        self._warming: threading.Thread | None = None
        self._load()

    # -- records ----------------------------------------------------------------------------

    def _load(self) -> None:
        for path in sorted(self.folder.glob("*.json")):
            try:
                job = Job(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue  # a damaged record is skipped, never fatal
            if job.active:
                job.status = "interrupted"
                job.message = ("the server stopped before this finished; run it again (its "
                               "finished replications are kept)")
                self._save(job)
            self._jobs[job.id] = job

    def _save(self, job: Job) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{job.id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(job), indent=2, default=str), encoding="utf-8")
        tmp.replace(path)

    def after(self, warming: threading.Thread) -> None:
        """Start the first job only once ``warming`` (the kernel warm-up) has finished: the
        kernel is then compiled once, into numba's cache, and worker processes load it from
        there instead of each compiling it again."""
        self._warming = warming

    def jobs(self) -> list[Job]:
        """Every job, newest first."""
        with self._changed:
            return sorted(self._jobs.values(), key=lambda j: (j.created, j.id), reverse=True)

    def get(self, job_id: str) -> Job | None:
        with self._changed:
            return self._jobs.get(job_id)

    def table(self, job: Job, name: str) -> pd.DataFrame | None:
        """A result table of a finished job (None if it has none of that name)."""
        import pandas as pd

        if name not in job.tables:
            return None
        path = self.folder / f"{job.id}.{name}.parquet"
        return pd.read_parquet(path) if path.is_file() else None

    # -- submitting and cancelling -------------------------------------------------------------

    def submit(self, kind: str, label: str, params: dict[str, Any]) -> Job:
        """Queue a job; it starts when the jobs before it have finished."""
        if kind not in KINDS:
            raise WholeflowError(f"unknown kind of run '{kind}'; use one of {', '.join(KINDS)}")
        job = Job(id=dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3),
                  kind=kind, label=label, params=params)
        with self._changed:
            self._jobs[job.id] = job
            self._cancel[job.id] = threading.Event()
            self._save(job)
        self._ensure_thread()
        self._pending.put(job.id)
        self.events.publish("run_queued", **job.event())
        return job

    def cancel(self, job_id: str) -> bool:
        """Ask a queued or running job to stop; False if it is unknown or already over."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None or not job.active:
                return False
            self._cancel.setdefault(job_id, threading.Event()).set()
            if job.status == "queued":
                self._finish(job, "cancelled", "cancelled before it started")
        return True

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """Block until the job is over (tests, the benchmark); returns it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while self._jobs[job_id].active:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError(f"job {job_id} still {self._jobs[job_id].status}")
                self._changed.wait(left)
            return self._jobs[job_id]

    def shutdown(self) -> None:
        """Stop the worker thread (the job in hand is cancelled) and the worker processes."""
        with self._changed:
            for job in self._jobs.values():
                if job.active:
                    self._cancel.setdefault(job.id, threading.Event()).set()
        self._pending.put(None)
        if self._thread is not None:
            self._thread.join(60)
        self._close_runner()

    # -- the worker ----------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        with self._changed:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="wholeflow-runs",
                                                daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            job_id = self._pending.get()
            if job_id is None:
                return
            job = self.get(job_id)
            if job is None or job.status != "queued":
                continue
            self._run(job)

    def _finish(self, job: Job, status: str, message: str = "") -> None:
        """Record a job's end (caller holds ``_changed``) and tell everyone."""
        job.status, job.message, job.finished = status, message, _now()
        self._save(job)
        self._changed.notify_all()
        self.events.publish(f"run_{status}", **job.event())

    def _run(self, job: Job) -> None:
        with self._changed:
            job.status, job.started = "running", _now()
            self._save(job)
        self.events.publish("run_started", **job.event())
        warming, self._warming = self._warming, None
        if warming is not None and warming.is_alive():
            job.message = "preparing the simulation engine (once after installing)"
            self.events.publish("run_progress", **job.event())
            warming.join()
            job.message = ""
        stop = self._cancel.setdefault(job.id, threading.Event())
        last = [0.0]

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY or done >= total:
                last[0] = now
                self.events.publish("run_progress", **job.event())
            if stop.is_set():
                raise RunCancelled

        try:
            tables, info = self._execute(job, progress)
        except RunCancelled:
            self._close_runner()  # its workers may still hold chunks of the stopped run
            with self._changed:
                self._finish(job, "cancelled", "cancelled; finished replications are kept")
            return
        except WholeflowError as err:
            with self._changed:
                self._finish(job, "failed", str(err))
            return
        except Exception as err:  # a bug: keep the server up, log the details
            log.error("run %s failed", job.id, exc_info=err)
            with self._changed:
                self._finish(job, "failed", f"internal error ({type(err).__name__}); the "
                             "details are in the server's log")
            return
        for name, frame in tables.items():
            frame.to_parquet(self.folder / f"{job.id}.{name}.parquet", index=False)
        with self._changed:
            job.tables, job.info = list(tables), info
            self._finish(job, "finished")

    def _runner_now(self) -> Any:
        if self._runner is None:
            from wholeflow.experiment.runners import LocalRunner

            self._runner = LocalRunner(self.workers)
        return self._runner

    def _close_runner(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            try:
                runner.close()
            except Exception:  # closing is best effort
                log.debug("closing the runner failed", exc_info=True)

    def _execute(self, job: Job, progress: Any) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        """Run the job through the public experiment functions; its tables and facts."""
        import wholeflow

        model = self.ws.model()
        p = dict(job.params)
        common = {"seed": int(p.pop("seed", 0)), "runner": self._runner_now(),
                  "workspace": self.ws.root, "progress": progress}
        if job.kind == "compare":
            result = wholeflow.compare(model, p["scenarios"],
                                       replications=int(p.get("replications", 10)), **common)
            return ({"differences": result.differences, "summary": result.summary},
                    {"replications": result.replications, "simulated": result.simulated,
                     "notes": result.notes, "scenarios": result.scenarios})
        if job.kind == "search":
            found = wholeflow.search_capacity(
                model, p["target"], p["services"], scenario=p.get("scenario") or None,
                replications=int(p.get("replications", 20)), **common)
            return ({"evaluations": found.evaluations},
                    {"met": found.met, "capacities": found.capacities, "message": found.message,
                     "method": found.method})
        s = wholeflow.sensitivity(model, p.get("parameters") or None,
                                  change=float(p.get("change", 0.1)),
                                  scenario=p.get("scenario") or None,
                                  replications=int(p.get("replications", 20)), **common)
        return {"table": s.table}, {"notes": s.notes, "change": s.change}
