"""Runners: where replications run — in this process, on local worker processes, or on Dask.

A runner is anything with ``map(fn, items)`` that yields ``fn(item)`` for each item *in input
order* (``wholeflow.simulate`` and the experiment functions accept any such object). Replication
``r`` of seed ``s`` draws the same random numbers wherever it runs, so every runner gives
identical results; only the wall time differs.

- :class:`SerialRunner` runs in this process.
- :class:`LocalRunner` starts worker processes once (the first time a run is big enough to need
  them) and reuses them for every later ``map``. The function (which carries the compiled model)
  is pickled once per ``map`` and written to a private temporary folder; each worker reads it
  once and keeps it, so a model is sent to each worker once, not with every replication.
  Replications go out in chunks, several per worker, so the numba kernel (cached on disk and
  loaded once) and the model are never reloaded per replication. Workers fork from a server
  process that has imported the engine and loaded the kernel once, so they start with both in
  memory. A small run does not start a pool: until the pool is up, replications run in this
  process, and the pool starts only when the work left is estimated (from the replications
  already timed) to take longer than :data:`POOL_WORTH` seconds. While the workers start, this
  process keeps working through chunks no worker has taken yet, so start-up costs no time.
- :class:`DaskRunner` runs on a Dask distributed cluster: an existing one (``"tcp://host:8786"``)
  or a ``LocalCluster`` it starts (``"local"``). The function is scattered to every worker once
  per ``map``; chunks are submitted as tasks. A scheduler that does not answer within the timeout
  raises :class:`~wholeflow.errors.ExperimentError` before anything runs.

Worker processes ignore Ctrl-C: the parent stops handing out work, keeps what finished, and
closes the pool.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import OrderedDict, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from wholeflow.errors import ExperimentError, MissingExtraError, SimulationError, WholeflowError

#: Chunks handed to each worker per map (more balances load; fewer costs less overhead).
CHUNKS_PER_WORKER = 4
#: Largest chunk of replications sent as one task.
MAX_CHUNK = 25
#: Aim for chunks of about this many seconds of work (when the time per item is known), so
#: Ctrl-C loses little and the last chunks balance across workers (1 s chunks left one worker
#: idle for half a second at the end of a 9 s run).
CHUNK_SECONDS = 0.25
#: The same for Dask, whose tasks cost more to schedule and to send back.
DASK_CHUNK_SECONDS = 1.0
#: Start worker processes only when the work left would take longer than this (seconds) here.
POOL_WORTH = 3.0
#: Time replications in this process for at least this long (seconds) before deciding.
PROBE = 0.5
#: Seconds to wait for a Dask scheduler before giving up.
CLUSTER_TIMEOUT = 5.0


class Runner(Protocol):
    """Anything that maps a function over items and yields the results in input order."""

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]: ...


def available_cores() -> int:
    """Cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - not Linux


def chunks(items: list[Any], workers: int, per_worker: int = CHUNKS_PER_WORKER,
           largest: int = MAX_CHUNK) -> list[list[Any]]:
    """Split items into consecutive chunks, about ``per_worker`` per worker, none over ``largest``.
    """
    if not items:
        return []
    size = max(1, min(largest, math.ceil(len(items) / (workers * per_worker))))
    return [items[i:i + size] for i in range(0, len(items), size)]


def chunk_limit(seconds_each: float | None, target: float) -> int:
    """The most items in a chunk: about ``target`` seconds of work, at most MAX_CHUNK (which is
    also the answer while the time of one item is unknown)."""
    if not seconds_each or seconds_each <= 0:
        return MAX_CHUNK
    return max(1, min(MAX_CHUNK, round(target / seconds_each)))


class _Failure:
    """An exception raised in a worker, carried back so the parent can raise it again."""

    def __init__(self, err: BaseException):
        self.text = "".join(traceback.format_exception(err))
        try:
            self.error: BaseException | None = pickle.loads(pickle.dumps(err))
        except Exception:  # an exception class that cannot be rebuilt from its args
            self.error = None
        self.kind = type(err).__name__
        self.message = str(err)
        self.user_error = isinstance(err, WholeflowError)
        self.simulation_error = isinstance(err, SimulationError)

    def reraise(self) -> None:
        if self.error is not None:
            raise self.error
        if self.simulation_error:
            raise SimulationError(self.message)
        if self.user_error:
            raise WholeflowError(self.message)
        raise RuntimeError(f"{self.kind} in a worker: {self.message}\n{self.text}")


def _run_chunk(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """Run ``fn`` over a chunk; an exception stops the chunk and travels back as a value."""
    out: list[Any] = []
    for item in items:
        try:
            out.append(fn(item))
        except Exception as err:
            out.append(_Failure(err))
            break
    return out


def _unpack(results: list[Any]) -> Iterator[Any]:
    for r in results:
        if isinstance(r, _Failure):
            r.reraise()
        yield r


def in_order(fn: Callable[[Any], Any], parts: list[list[Any]], workers: int,
             submit: Callable[[list[Any]], Any],
             collect: Callable[[Any], list[Any]]) -> Iterator[Any]:
    """Yield ``fn`` over every chunk, in order, running chunks through ``submit``.

    Chunks are handed out lazily (about two per worker in flight), and until the first
    submitted chunk comes back this process takes chunks nobody has started yet, so the time
    workers take to start is not lost; results are buffered to keep the order. Futures still
    pending when the caller stops are cancelled.
    """
    waiting = deque(range(len(parts)))  # chunks not handed to anyone yet, in order
    futures: dict[int, Any] = {}
    done_here: dict[int, list[Any]] = {}
    warm = False  # a worker has finished a chunk: from now on this process only waits
    try:
        for i in range(len(parts)):
            while True:
                while waiting and len(futures) < 2 * workers + 1:
                    j = waiting.popleft()
                    futures[j] = submit(parts[j])
                if i in done_here:
                    results = done_here.pop(i)
                    break
                warm = warm or any(f.done() for f in futures.values())
                if warm or not waiting:
                    results = collect(futures.pop(i))
                    break
                j = waiting.popleft()  # the workers are still starting: take a chunk here
                done_here[j] = _run_chunk(fn, parts[j])
            yield from _unpack(results)
    finally:
        for future in futures.values():
            future.cancel()


class SerialRunner:
    """Runs everything one after another in this process."""

    workers = 1

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        return map(fn, items)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "SerialRunner()"


# --- local worker processes -------------------------------------------------------------------

_WORKER_FUNCTIONS: OrderedDict[str, Callable[[Any], Any]] = OrderedDict()
_WORKER_KEEP = 4


def _init_worker(parent: int) -> None:
    """In each worker: leave Ctrl-C to the parent (it stops the run and keeps what finished),
    and exit if the parent is gone (killed outright, it cannot tell the workers to stop)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True,
                     name="wholeflow-parent-watch").start()


def _exit_with(parent: int, every: float = 1.0) -> None:
    while True:
        time.sleep(every)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # pragma: no cover - a new process with another owner
            os._exit(1)


def _worker_function(key: str, path: str) -> Callable[[Any], Any]:
    fn = _WORKER_FUNCTIONS.get(key)
    if fn is None:
        fn = pickle.loads(Path(path).read_bytes())
        _WORKER_FUNCTIONS[key] = fn
        while len(_WORKER_FUNCTIONS) > _WORKER_KEEP:
            _WORKER_FUNCTIONS.popitem(last=False)
    return fn


def _pool_result(future: Any) -> list[Any]:
    try:
        return list(future.result())
    except BrokenProcessPool:
        raise ExperimentError(
            "the worker processes stopped unexpectedly. If you call wholeflow from a script, "
            'put the call under `if __name__ == "__main__":` (worker processes import the '
            "script again), or run with workers=1; finished replications were kept") from None


def _run_published_chunk(key: str, path: str, items: list[Any]) -> list[Any]:
    try:
        fn = _worker_function(key, path)
    except Exception as err:
        return [_Failure(err)]
    return _run_chunk(fn, items)


#: Settings of a LocalCluster the Dask runner starts: its processes (scheduler, workers and their
#: nannies) otherwise wake up every 20 ms to check their event loops, sample stacks 100 times a
#: second for a profile, measure memory 10 times a second and rebalance tasks 10 times a second:
#: on a machine whose cores all run replications that cost the replications about a sixth of a
#: core. No dashboard shows them here, and the tasks are alike, so there is nothing to steal.
_QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}

#: What the fork server imports before it forks any worker: the engine, and its kernel loaded.
_FORKSERVER_PRELOAD = ["wholeflow.experiment.replicate", "wholeflow.experiment._warm"]


def _process_context() -> Any:
    import multiprocessing as mp

    if sys.platform.startswith("linux"):
        # Workers fork from a small server that has the engine imported already: quick to start,
        # and safe (no threads of this process are copied).
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(_FORKSERVER_PRELOAD)
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - not Linux


def _warm_up_forkserver() -> None:
    """Start the fork server now, without waiting for it.

    It takes a couple of seconds to import the engine and load the kernel; started as soon as
    the first item of a run suggests a pool may be worth it, that happens on another core while
    this process times a few more, and the pool, if it is started, does not wait as long.
    """
    context = _process_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


class LocalRunner:
    """Worker processes on this machine, started once and reused for every map.

    ``workers`` defaults to every core this process may use. Until the pool is up, items run in
    this process; the pool starts when the items left would take longer than ``pool_worth``
    seconds here (estimated after at least ``probe`` seconds of work), so a small run never
    pays for starting processes. ``pool_worth=0`` starts the pool for any run of 2 or more.
    """

    def __init__(self, workers: int | None = None, pool_worth: float = POOL_WORTH,
                 probe: float = PROBE):
        self.workers = workers if workers is not None else available_cores()
        if self.workers < 1:
            raise ExperimentError(f"workers must be at least 1, got {self.workers}")
        self.pool_worth = pool_worth
        self.probe = probe
        self._pool: ProcessPoolExecutor | None = None
        self._seconds_each: float | None = None  # measured time of one item, once known
        self._abandoned = False  # a map stopped early: close() need not wait for its chunks
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    @property
    def started(self) -> bool:
        """True once the worker processes are up."""
        return self._pool is not None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._folder = tempfile.TemporaryDirectory(prefix="wholeflow-runner-")
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=_process_context(),
                                             initializer=_init_worker, initargs=(os.getpid(),))
        return self._pool

    def _publish(self, fn: Callable[[Any], Any]) -> tuple[str, str]:
        assert self._folder is not None
        blob = pickle.dumps(fn, protocol=pickle.HIGHEST_PROTOCOL)
        key = hashlib.blake2b(blob, digest_size=12).hexdigest()
        path = Path(self._folder.name) / f"{key}.pickle"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(blob)
            tmp.replace(path)
        return key, str(path)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        todo = list(items)
        if not self.started:
            done = yield from self._here_while_small(fn, todo)
            todo = todo[done:]
            if not todo:
                return
        yield from self._on_pool(fn, todo)

    def _here_while_small(self, fn: Callable[[Any], Any],
                          todo: list[Any]) -> Generator[Any, None, int]:
        """Run items here until the rest looks big enough for a pool; return how many ran."""
        if self.workers == 1:
            yield from map(fn, todo)
            return len(todo)
        if self.pool_worth <= 0 and len(todo) > 1:
            return 0
        start = time.perf_counter()
        first_took = 0.0
        for i, item in enumerate(todo):
            yield fn(item)
            elapsed = time.perf_counter() - start
            left = len(todo) - i - 1
            if i == 0:
                first_took = elapsed  # includes one-off costs (loading the kernel)
                if elapsed * left > self.pool_worth / 2:  # a pool may well be worth it
                    _warm_up_forkserver()
            if left and elapsed >= self.probe:
                each = (elapsed - first_took) / i if i else elapsed
                self._seconds_each = each
                if each * left > self.pool_worth:
                    return i + 1
        return len(todo)

    def _on_pool(self, fn: Callable[[Any], Any], todo: list[Any]) -> Iterator[Any]:
        """Run chunks on the pool, yielding in order; help out here while the pool starts."""
        pool = self._ensure_pool()
        key, path = self._publish(fn)
        largest = chunk_limit(self._seconds_each, CHUNK_SECONDS)
        finished = False
        try:
            yield from in_order(
                fn, chunks(todo, self.workers, largest=largest), self.workers,
                lambda chunk: pool.submit(_run_published_chunk, key, path, chunk), _pool_result)
            finished = True
        finally:
            if not finished:
                self._abandoned = True

    def close(self) -> None:
        """Stop the workers and remove the temporary folder.

        After a map that stopped early (Ctrl-C, an error) the workers are stopped at once: the
        chunks they were running would be thrown away anyway.
        """
        if self._pool is not None:
            if self._abandoned:
                # no public way to stop a ProcessPoolExecutor's running workers before 3.14
                for process in list(getattr(self._pool, "_processes", {}).values()):
                    process.terminate()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalRunner(workers={self.workers})"


# --- Dask ---------------------------------------------------------------------------------------


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:  # pragma: no cover - the extra is installed in tests
        raise MissingExtraError("running on a Dask cluster", "cluster") from None
    return distributed


class DaskRunner:
    """Runs on a Dask distributed cluster.

    ``cluster`` is a scheduler address (``"tcp://10.0.0.5:8786"``), ``"local"`` to start a
    ``LocalCluster`` of ``workers`` single-threaded processes, or an existing
    ``distributed.Client``. Worker machines need wholeflow installed (the same version).

    A ``LocalCluster`` starts in the background (a few seconds: processes, imports, the
    kernel): until it is up, ``map`` runs items in this process, so its start-up costs little.
    """

    def __init__(self, cluster: Any = "local", workers: int | None = None,
                 timeout: float = CLUSTER_TIMEOUT):
        distributed = _import_distributed()
        self._own_cluster: Any = None
        self._own_client = False
        self._client: Any = None
        self._starting: threading.Thread | None = None
        self._start_error: BaseException | None = None
        self.address = ("local" if cluster == "local"
                        else str(getattr(cluster, "scheduler", cluster)))
        if isinstance(cluster, distributed.Client):
            self._client = cluster
        elif cluster == "local":
            self.workers = workers or available_cores()
            self._own_client = True
            self._starting = threading.Thread(target=self._start_local, args=(distributed,),
                                              daemon=True, name="wholeflow-dask-start")
            self._starting.start()
            return
        else:
            self._client = self._connect(distributed, str(cluster), timeout)
            self._own_client = True
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    def _start_local(self, distributed: Any) -> None:
        import dask

        try:
            # Workers fork from a server that has imported Dask and the engine and loaded the
            # kernel once (as the local runner's do), instead of each starting a new Python
            # and importing everything again: on two cores that halved the start-up work.
            # The preload still runs in each worker, and is instant there.
            context = _process_context()
            with dask.config.set({"distributed.worker.multiprocessing-method":
                                  context.get_start_method(), **_QUIET_CLUSTER}):
                if context.get_start_method() == "forkserver":
                    distributed.utils.get_mp_context()  # Dask sets its own preload list first
                    context.set_forkserver_preload(["distributed", *_FORKSERVER_PRELOAD])
                self._own_cluster = distributed.LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, preload=["wholeflow.experiment._dask_worker"])
            self._client = distributed.Client(self._own_cluster)
        except BaseException as err:  # raised again where the client is first needed
            self._start_error = err

    @property
    def ready(self) -> bool:
        """True once the cluster answers (a LocalCluster may still be starting)."""
        return self._starting is None or not self._starting.is_alive()

    @property
    def client(self) -> Any:
        """The ``distributed.Client``; waits for a LocalCluster that is still starting."""
        if self._starting is not None:
            self._starting.join()
            if self._start_error is not None:
                raise ExperimentError(
                    f"could not start a local Dask cluster ({self._start_error}); nothing "
                    "stored was changed") from self._start_error
        return self._client

    @staticmethod
    def _connect(distributed: Any, address: str, timeout: float) -> Any:
        try:
            return distributed.Client(address, timeout=f"{timeout}s")
        except (OSError, TimeoutError, ValueError) as err:
            raise ExperimentError(
                f"cannot reach a Dask scheduler at {address} within {timeout:g} s ({err}). "
                "Check the address and that `dask scheduler` is running there, or use "
                "--cluster local to start one on this machine; nothing was run and nothing "
                "stored was changed.") from None

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        todo = list(items)
        # Run here while the cluster starts, and at least the first item, whose time sizes
        # the chunks (about DASK_CHUNK_SECONDS of work each, so the last ones balance).
        here, first_took, start = 0, 0.0, time.perf_counter()
        while here < len(todo) and (here == 0 or not self.ready):
            yield fn(todo[here])
            here += 1
            if here == 1:
                first_took = time.perf_counter() - start
        each = ((time.perf_counter() - start - first_took) / (here - 1) if here > 1
                else first_took)  # the first item also pays one-off costs: used alone if need be
        todo = todo[here:]
        if not todo:
            return
        largest = chunk_limit(each, DASK_CHUNK_SECONDS)
        client = self.client
        shared = client.scatter(fn, broadcast=True, hash=False)
        yield from in_order(
            fn, chunks(todo, self.workers, largest=largest), self.workers,
            lambda chunk: client.submit(_run_chunk, shared, chunk, pure=False),
            self._collect)

    def _collect(self, future: Any) -> list[Any]:
        try:
            return list(future.result())
        except (OSError, TimeoutError) as err:
            raise ExperimentError(
                f"the Dask cluster at {self.address} stopped answering ({err}); "
                "the replications that finished before were kept") from None

    def close(self) -> None:
        """Disconnect; shut down the LocalCluster if this runner started it."""
        if self._starting is not None:
            self._starting.join()
        if self._own_client and self._client is not None:
            self._client.close()
        if self._own_cluster is not None:
            self._own_cluster.close()
            self._own_cluster = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DaskRunner({self.address!r}, workers={self.workers})"


AnyRunner = SerialRunner | LocalRunner | DaskRunner


def make_runner(workers: int | None = None, cluster: Any = None) -> AnyRunner:
    """The runner a command asks for: Dask when ``cluster`` is given, else local processes.

    ``workers=1`` without a cluster runs in this process.
    """
    if cluster is not None:
        return DaskRunner(cluster, workers)
    if workers == 1:
        return SerialRunner()
    return LocalRunner(workers)
