"""Compiling ahead (wholeflow.precompile) fills numba's cache with exactly what real runs use.

Each test starts from an empty cache of its own (NUMBA_CACHE_DIR in a temporary folder) and
checks, in a fresh process, which wholeflow functions numba still had to compile: none, when the
groups were compiled ahead. A kernel compiled ahead for a signature that real runs do not use
would leave the first real run compiling, and these tests would name the function.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wholeflow.precompile import GROUPS, precompile

SRC = str(Path(__file__).resolve().parents[1] / "src")

# Records every wholeflow function numba compiles (rather than loads from its cache).
LISTEN = """
import json, sys
from numba.core import event
compiled = []
class Listener(event.Listener):
    def on_start(self, ev):
        f = ev.data["dispatcher"].py_func
        if f.__module__.startswith("wholeflow"):
            compiled.append(f.__module__ + ":" + f.__name__)
    def on_end(self, ev):
        pass
event.register("numba:compile", Listener())
"""

SIMULATE = """
import wholeflow
from wholeflow.cli.demo import example_folder
from wholeflow.engine.kpis import journey_counts
results = wholeflow.simulate(wholeflow.load_model(example_folder()), replications=2, seed=1)
_ = results.kpis
journey_counts(results.compiled, results.replications[0])
"""

IMPORT = """
import tempfile
from pathlib import Path
from wholeflow.cli.demo import example_folder
from wholeflow.data.storage.importer import import_events
lines = (example_folder() / "data" / "bolton-events.csv").read_text().splitlines()[:400]
with tempfile.TemporaryDirectory() as folder:
    (Path(folder) / "log.csv").write_text("\\n".join(lines) + "\\n")
    import_events(Path(folder) / "log.csv", workspace=folder)
"""

REPORT = """
from wholeflow.precompile import GROUPS, is_compiled
print(json.dumps({"compiled": compiled, "cached": {g: is_compiled(g) for g in GROUPS}}))
"""


def python(code: str, cache: Path, **env: str) -> dict:
    """Run code in a fresh interpreter on the given numba cache; return its JSON report."""
    environment = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=SRC, **env)
    out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True,
                         text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_each_group_names_cached_compiled_functions():
    from numba.core.caching import FunctionCache

    from wholeflow.precompile import _dispatcher

    for names in GROUPS.values():
        for name in names:
            dispatcher = _dispatcher(name)
            assert isinstance(dispatcher._cache, FunctionCache), f"{name}: no cache=True"
            assert dispatcher.targetoptions.get("inline", "never") == "never", name


def test_compiled_ahead_a_first_run_and_import_compile_nothing(tmp_path):
    cache = tmp_path / "cache"
    before = python(LISTEN + REPORT, cache)
    assert before["cached"] == {g: False for g in GROUPS}
    python(LISTEN + "from wholeflow.precompile import precompile\n"
           "c = precompile(['engine', 'kpis', 'data'], wait=True)\n"
           "assert c.done() and c.groups == ['data', 'engine', 'kpis'], c\n" + REPORT, cache)
    after = python(LISTEN + SIMULATE + IMPORT + REPORT, cache)
    assert after["compiled"] == []
    assert after["cached"] == {g: True for g in GROUPS}


def test_a_cold_event_loop_compiles_the_kpis_alongside(tmp_path):
    cache = tmp_path / "cache"
    # one replication: only the event loop is used here, the KPI passes compile next to it
    ran = python(LISTEN + "from wholeflow.engine import compile_model, run_replication\n"
                 "from wholeflow.precompile import _tiny_model\n"
                 "run_replication(compile_model(_tiny_model()), 0, 0)\n" + REPORT, cache)
    assert "wholeflow.engine.kernel:run_kernel" in ran["compiled"]
    assert not any(name.startswith("wholeflow.engine.kpis") for name in ran["compiled"])
    # the process waited for its child at exit: the KPI passes are in the cache
    assert python(LISTEN + REPORT, cache)["cached"]["kpis"]


def test_nothing_starts_when_turned_off_or_already_compiled(monkeypatch):
    monkeypatch.setenv("WHOLEFLOW_PRECOMPILE", "0")
    assert precompile(wait=True).groups == []


def test_an_unknown_group_is_named():
    with pytest.raises(ValueError, match=r"unknown kernel group.*'engin'"):
        precompile(["engin"])
