"""Every Python example in the README and docs/ runs, in a fresh temporary folder.

A fenced block that starts with ```python is executed; blocks in one file share a namespace
(like a notebook). A block whose first line is ``# doc: skip`` is not run (used only for
examples that need a cluster or a browser). A block's expected output, if the file shows one in
a following ```text block starting with ``# output``, is compared line by line.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"```(python|text)\n(.*?)```", re.S)


def blocks(path: Path) -> list[tuple[str, str | None]]:
    found = BLOCK.findall(path.read_text(encoding="utf-8"))
    out: list[tuple[str, str | None]] = []
    for i, (lang, body) in enumerate(found):
        if lang != "python" or body.startswith("# doc: skip"):
            continue
        expected = None
        if i + 1 < len(found) and found[i + 1][0] == "text" and \
                found[i + 1][1].startswith("# output"):
            expected = found[i + 1][1].split("\n", 1)[1]
        out.append((body, expected))
    return out


@pytest.mark.parametrize("path", [p for p in DOCS if blocks(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_documented_examples_run(path: Path, tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for code, expected in blocks(path):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, str(path), "exec"), namespace)
            if expected is not None:
                assert out.getvalue().strip() == expected.strip()
    finally:
        os.chdir(cwd)
