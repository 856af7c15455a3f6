"""Writing the workspace's text files safely: one writer at a time, never a half-written file.

Everything the app changes is a YAML file in the workspace (``scenarios/<name>.yaml``,
``findings/room.yaml``), so it stays reviewable and the CLI reads the same thing. Two people
saving at once must lose nothing, so every read-modify-write holds an exclusive lock
(:func:`locked`: ``fcntl.flock`` on a ``.lock`` file beside the target, plus a lock within this
process, since flock is per open file), and every write goes to a temporary file that then
replaces the target (:func:`write_text`), so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

#: Names the app gives to files it writes: lower case, digits and underscores.
NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")

_process_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def check_name(name: str) -> str | None:
    """None if ``name`` can name a scenario file, else what is wrong with it (plain words)."""
    if not NAME.match(name or ""):
        return ("use lower-case letters, digits and underscores, starting with a letter "
                "(for example imc_every_day), at most 48 characters")
    return None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the write lock of ``path`` (other threads and processes wait)."""
    key = str(path.resolve())
    with _guard:
        lock = _process_locks.setdefault(key, threading.Lock())
    with lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = path.with_name(f".{path.name}.lock")
        with open(lock_file, "a+") as handle:
            try:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            except ImportError:  # pragma: no cover - not POSIX: the process lock still holds
                pass
            yield


def write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def dump_yaml(data: Any, header: str = "") -> str:
    """YAML as people write it: keys in the given order, unicode kept, block style."""
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False,
                          width=100)
    return (header + body) if header else body
