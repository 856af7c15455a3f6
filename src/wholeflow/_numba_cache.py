"""Where wholeflow's compiled kernels are cached: in the user's cache, one folder per source file
content, so a fresh install of the same wholeflow finds the kernels an earlier one compiled.

numba keeps a kernel's machine code next to its source (``__pycache__``) or, where that cannot
be written, in a folder named after the source's path. Either way every fresh install (a new
virtual environment, a reinstall, a container build, a CI run) starts with nothing compiled and
pays about 9 CPU-seconds on its first run. A cache entry is valid for any copy of the same source
file: numba checks the source's content, its own version, the Python version and the processor
before it uses one. wholeflow therefore keeps its entries in
``<user cache>/wholeflow/numba/<module>-<content hash>`` (``~/.cache/wholeflow/numba/...`` on
Linux): a source file whose content changes gets a new folder, and nothing compiled for other
code is ever loaded. ``NUMBA_CACHE_DIR``, when set, still decides for every function; numba's
own functions and other packages' keep numba's usual places.

Importing this module installs the locator; it must happen before a module defining cached
kernels is imported (``wholeflow.engine`` and the data kernels' modules import it first).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any

from numba.core import caching, config
from numba.misc.appdirs import AppDirs

#: The wholeflow package folder: only functions defined in files under it use this cache.
PACKAGE = Path(__file__).resolve().parent


def cache_root() -> Path:
    """The folder holding wholeflow's compiled kernels (the user's cache folder)."""
    return Path(AppDirs(appname="wholeflow", appauthor=False).user_cache_dir) / "numba"


@functools.cache
def _content_hash(path: str, mtime: float, size: int) -> bytes:
    # mtime and size are in the key so that an edited file is hashed again
    return hashlib.sha256(Path(path).read_bytes()).digest()


class InstallIndependentLocator(caching._CacheLocator):
    """numba cache locator for wholeflow's kernels: the folder depends on the source file's
    module name and content, not on where the package is installed."""

    def __init__(self, py_func: Any, py_file: str):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        module = getattr(py_func, "__module__", None) or Path(py_file).stem
        self._cache_path = str(cache_root() / f"{module}-{self.get_source_stamp().hex()[:16]}")

    def get_cache_path(self) -> str:
        return self._cache_path

    def get_source_stamp(self) -> bytes:
        st = os.stat(self._py_file)
        return _content_hash(self._py_file, st.st_mtime, st.st_size)

    def get_disambiguator(self) -> str:
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> InstallIndependentLocator | None:
        if getattr(config, "CACHE_DIR", ""):  # NUMBA_CACHE_DIR is set: it decides
            return None
        try:
            if not Path(py_file).resolve().is_relative_to(PACKAGE):
                return None
            locator = cls(py_func, py_file)
            locator.ensure_cache_path()
        except OSError:  # no such file, or the user cache cannot be written: numba's defaults
            return None
        return locator


def install() -> bool:
    """Put the locator first in numba's list (once); the others stay as numba's fallbacks.

    False when this numba keeps its list elsewhere: kernels are then cached where numba's
    defaults say, as before (numba named the class ``_CacheImpl`` before 0.62).
    """
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    classes = getattr(impl, "_locator_classes", None)
    if not isinstance(classes, list):  # pragma: no cover - a numba this was not written for
        return False
    if InstallIndependentLocator not in classes:
        classes.insert(0, InstallIndependentLocator)
    return True


install()
