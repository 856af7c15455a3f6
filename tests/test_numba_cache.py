"""Compiled kernels live in the user's cache, keyed by source content, not by install path.

Each test copies the package to fresh folders (two "installs") with a user cache of its own
(XDG_CACHE_HOME) and runs the KPI passes in a new process, recording what numba compiled.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "wholeflow"

KPIS = """
import json
from numba.core import event
compiled = []
class Listener(event.Listener):
    def on_start(self, ev):
        f = ev.data["dispatcher"].py_func
        if f.__module__.startswith("wholeflow"):
            compiled.append(f.__name__)
    def on_end(self, ev):
        pass
event.register("numba:compile", Listener())
from wholeflow.precompile import compile_group
compile_group("kpis")
from wholeflow.engine.kpis import _tally
print(json.dumps({"compiled": compiled, "cache": _tally.stats.cache_path}))
"""


def install(into: Path) -> Path:
    shutil.copytree(PACKAGE, into / "wholeflow", ignore=shutil.ignore_patterns("__pycache__"))
    return into


def run(site: Path, user_cache: Path, **env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    environment.update(PYTHONPATH=str(site), XDG_CACHE_HOME=str(user_cache),
                       WHOLEFLOW_PRECOMPILE="0", **env)
    out = subprocess.run([sys.executable, "-c", KPIS], env=environment, capture_output=True,
                         text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_second_install_finds_the_kernels_the_first_compiled(tmp_path):
    user_cache = tmp_path / "user-cache"
    first = run(install(tmp_path / "first"), user_cache)
    assert "_tally" in first["compiled"]
    assert Path(first["cache"]).is_relative_to(user_cache / "wholeflow" / "numba")
    second = run(install(tmp_path / "second"), user_cache)
    assert second["compiled"] == []
    assert second["cache"] == first["cache"]


def test_changed_source_compiles_afresh(tmp_path):
    user_cache = tmp_path / "user-cache"
    run(install(tmp_path / "first"), user_cache)
    changed = install(tmp_path / "changed")
    kpis = changed / "wholeflow" / "engine" / "kpis.py"
    kpis.write_text(kpis.read_text() + "\n# a change\n")
    again = run(changed, user_cache)
    assert "_tally" in again["compiled"]


def test_numba_cache_dir_still_decides(tmp_path):
    chosen = tmp_path / "chosen"
    out = run(install(tmp_path / "site"), tmp_path / "user-cache", NUMBA_CACHE_DIR=str(chosen))
    assert Path(out["cache"]).is_relative_to(chosen)
    assert not (tmp_path / "user-cache" / "wholeflow").exists()
