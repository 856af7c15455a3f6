"""Helpers of the view pages' tests: a stored run of the demo model, made once per session.

The run is the Bolton example simulated for 2 replications with seed 1, written the way
``wholeflow run`` writes it (``.wholeflow/results/baseline``); :func:`add_run` copies it into
a test's workspace, so pages read it through the same public functions as the CLI.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

RUN_NAME = "baseline"


@functools.cache
def _run_folder() -> Path:
    import wholeflow
    from wholeflow.cli.demo import example_folder
    from wholeflow.cli.run import write_results

    model = wholeflow.load_model(example_folder())
    results = wholeflow.simulate(model, replications=2, seed=1)
    out = Path(tempfile.mkdtemp(prefix="wholeflow-web-run-")) / RUN_NAME
    write_results(results, out, csv=False)
    return out


def add_run(workspace: Path) -> Path:
    """Copy the session's stored run into ``workspace``; returns its folder there."""
    target = workspace / ".wholeflow" / "results" / RUN_NAME
    shutil.copytree(_run_folder(), target)
    return target
