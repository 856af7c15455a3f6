"""Imported by each worker of a LocalCluster that the Dask runner starts itself (``preload``).

Gets the worker ready as :mod:`wholeflow.experiment._warm` does, and quietens the worker's own
log: when such a cluster shuts down on a busy machine, a worker whose heartbeat was on its way
as the scheduler closed logs a ``CommClosedError`` traceback to the terminal (a known Dask
behaviour, dask/distributed#7105). Errors in replications still reach the user, through the
results the runner collects; only the worker's log of its own housekeeping is silenced.
"""

from __future__ import annotations

import logging

import wholeflow.experiment._warm  # noqa: F401  (malloc tuning, the kernel loaded)

logging.getLogger("distributed.worker").setLevel(logging.CRITICAL)
