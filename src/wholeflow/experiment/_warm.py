"""Imported only by worker processes as they start (the local runner's fork server, Dask
workers through ``preload``): get a worker ready to run replications.

1. Load the engine's compiled kernel once. Local workers fork from the server, so they start
   with the engine imported and numba's cached machine code already in memory. The tiny model
   (:data:`wholeflow.precompile.TINY_MODEL`) goes through the kernel's main paths.
2. Keep freed memory for reuse (glibc ``mallopt``). By default glibc hands large freed blocks
   back to the system, and a fresh worker then faults every page of each replication's arrays
   in again: measured on the Bolton example, ~1,000 page faults and ~4 ms of system time per
   replication in a worker against ~270 and 1 ms in a long-running process. Workers are
   short-lived and run the same sizes again and again, so keeping the memory is the right trade.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys

from wholeflow.engine import Results, compile_model, run_replication
from wholeflow.model.schema import Model
from wholeflow.precompile import TINY_MODEL

#: glibc mallopt parameters (malloc.h) and the values workers use.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
TRIM_THRESHOLD = 512 * 2**20  # return memory to the system only above 512 MB free at the top
MMAP_THRESHOLD = 64 * 2**20  # serve blocks below 64 MB from the heap (reused) rather than mmap

_TINY = Model.model_validate(TINY_MODEL)


def keep_freed_memory() -> bool:
    """Tune glibc's malloc to reuse freed memory; False where that is not glibc."""
    if not sys.platform.startswith("linux"):  # pragma: no cover - Linux only
        return False
    name = ctypes.util.find_library("c")
    if name is None:  # pragma: no cover - no libc found
        return False
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "mallopt"):  # pragma: no cover - musl and others
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def warm() -> None:
    """Run one replication of the tiny model (loads every kernel function it touches)."""
    compiled = compile_model(_TINY)
    results = Results(_TINY, compiled, [run_replication(compiled, 0, 0)])
    _ = results.kpis


# never stop a worker over its preparation: it would then only be a little slower
with contextlib.suppress(Exception):
    keep_freed_memory()
with contextlib.suppress(Exception):
    warm()
