"""Shared machinery of the fuzz suite: the real CLI run in this process, and the tally.

:func:`cli` calls :func:`wholeflow.cli.main.run` with an argument list, exactly as the
``wholeflow`` command does, capturing what it prints and its exit code (in-process is about a
hundred times faster than a subprocess per input). Every call is counted by command and exit
code; the counts are printed at the end of the test session (the figures the issue asks for).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections import Counter
from dataclasses import dataclass

import pytest

#: Examples per fuzz test: WHOLEFLOW_FUZZ_EXAMPLES multiplies the CI defaults (e.g. 10).
SCALE = max(float(os.environ.get("WHOLEFLOW_FUZZ_EXAMPLES", "1") or 1), 0.01)

TALLY: Counter[tuple[str, int]] = Counter()
REASONS: Counter[tuple[str, str]] = Counter()
"""Refusals (exit 2) by kind of input and the first words of their message."""


def examples(ci_default: int) -> int:
    """How many examples a fuzz test draws: its CI default times ``WHOLEFLOW_FUZZ_EXAMPLES``."""
    return max(1, round(ci_default * SCALE))


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def cli(*args: str, kind: str | None = None) -> Outcome:
    """Run ``wholeflow ARGS`` in this process; count it under ``kind`` (default: the command)."""
    from wholeflow.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main.run(list(args))
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    TALLY[(kind or args[0], code)] += 1
    if code == 2:
        REASONS[(kind or args[0], _gist(err.getvalue() + out.getvalue()))] += 1
    return Outcome(code, out.getvalue(), err.getvalue())


def _gist(text: str) -> str:
    """The first words of a refusal, paths and numbers taken out."""
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[1] if lines and lines[0].startswith("invalid:") and len(lines) > 1 else (
        lines[0] if lines else "")
    first = re.sub(r"(/\S+|\S+\.yaml:\d+|\d[\d,.]*)", "#", first)
    return " ".join(first.split()[:7])


def assert_clean(outcome: Outcome) -> None:
    """Exit code 0 or 2, and no traceback or Python warning printed."""
    text = outcome.text
    assert outcome.code in (0, 2), f"exit {outcome.code}:\n{text}"
    assert "Traceback" not in text, text
    assert "Warning:" not in text and "warnings.warn" not in text, text


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    terminalreporter.section("wholeflow fuzz tally (inputs tried by exit code)")
    kinds = sorted({k for k, _ in TALLY})
    for kind in kinds:
        codes = {c: n for (k, c), n in TALLY.items() if k == kind}
        total = sum(codes.values())
        listed = ", ".join(f"exit {c}: {n}" for c, n in sorted(codes.items()))
        terminalreporter.write_line(f"{kind}: {total} inputs; {listed}")
        top = sorted(((n, r) for (k, r), n in REASONS.items() if k == kind), reverse=True)[:4]
        for n, reason in top:
            terminalreporter.write_line(f"    refused {n}x: {reason}")
