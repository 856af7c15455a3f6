"""Helpers for data tests: small logs written inline, imported into a fresh workspace."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from wholeflow.data.importer import import_events
from wholeflow.data.store import Store


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text, encoding="utf-8", bom=False) -> path of a file with dedented text."""

    def _write(name: str, text: str, encoding: str = "utf-8", bom: bool = False) -> Path:
        path = tmp_path / name
        data = textwrap.dedent(text).lstrip("\n").encode(encoding)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return _write


@pytest.fixture
def load(workspace: Path, write):
    """load(csv_text, **import options) -> (report, store) for a log written inline."""
    counter = iter(range(1_000_000))

    def _load(text: str, name: str | None = None, **options):
        path = write(name or f"log{next(counter)}.csv", text)
        report = import_events(path, workspace, **options)
        return report, Store(workspace)

    return _load
