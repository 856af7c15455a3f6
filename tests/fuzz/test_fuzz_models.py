"""Fuzzing the model file: no damaged Bolton model ever ends in a crash, a hang or an
unlocated message.

Each example damages the Bolton example model (see :mod:`tests.fuzz.mutations`: deleted,
renamed and retyped keys; extreme, infinite and NaN numbers; bad type tags; aliases and alias
bombs; truncation; stray quotes, tabs and carriage returns; bytes that are not UTF-8) and runs
the real CLI entry point in this process. It asserts: exit code 0 or 2, never 3; no traceback
and no Python warning printed; every problem of an invalid model located as ``file:line``.
Most examples run ``wholeflow validate``; a subset runs ``wholeflow run`` for 3 days.

In CI: 300 models validated and 60 run (under a minute alone). For a longer
search set ``WHOLEFLOW_FUZZ_EXAMPLES`` to a multiplier, e.g. ``WHOLEFLOW_FUZZ_EXAMPLES=10``
(3,000 models validated, 600 run). The examples are derandomized: the same inputs every run.
The tally of inputs by command and exit code is printed at the end of the session.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from tests.fuzz.conftest import Outcome, assert_clean, cli, examples
from tests.fuzz.mutations import MODEL_TEXT, model_file


def fuzz(ci_default: int) -> settings:
    """Derandomized settings drawing ``examples(ci_default)`` examples."""
    return settings(max_examples=examples(ci_default), deadline=None, derandomize=True,
                    database=None, suppress_health_check=[
                        HealthCheck.too_slow, HealthCheck.data_too_large,
                        HealthCheck.filter_too_much])


def _assert_located(outcome: Outcome, file: Path) -> None:
    """Every problem listed under a model error names the file and a line."""
    lines = outcome.text.splitlines()
    listing = False
    for line in lines:
        if re.search(r"(invalid: \d+ problems? in|\d+ problems? in the model:)", line):
            listing = True
            continue
        if listing and line.startswith("  "):
            assert re.match(rf"  (warning: )?{re.escape(str(file))}:\d+[ :]", line), \
                f"unlocated model message: {line!r}\n{outcome.text}"
        elif listing:
            listing = False


def _check(data: bytes, command: list[str]) -> Outcome:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.yaml"
        path.write_bytes(data)
        outcome = cli(*command[:1], str(path), *command[1:], kind=f"model {command[0]}")
        assert_clean(outcome)
        _assert_located(outcome, path)
        return outcome


@fuzz(300)
@given(model_file())
def test_a_damaged_model_validates_or_is_refused_with_located_problems(data):
    _check(data, ["validate"])


@fuzz(60)
@given(model_file(runnable=True))
def test_a_damaged_model_runs_or_is_refused_cleanly(data):
    with tempfile.TemporaryDirectory() as out:
        _check(data, ["run", "-n", "1", "--out", out])


def test_the_undamaged_model_validates_and_runs():
    assert _check(MODEL_TEXT.encode(), ["validate"]).code == 0
    short = MODEL_TEXT.replace("run_days: 365", "run_days: 3")
    with tempfile.TemporaryDirectory() as out:
        assert _check(short.encode(), ["run", "-n", "1", "--out", out]).code == 0


def test_damaged_models_through_a_real_subprocess(tmp_path):
    """A couple of inputs through ``python -m wholeflow`` itself, as a user runs it."""
    cases = {
        "tag.yaml": MODEL_TEXT.replace("run_days: 365", "run_days: !!int abc"),
        "bomb.yaml": MODEL_TEXT + "\nx:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)),
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        done = subprocess.run([sys.executable, "-m", "wholeflow", "validate", str(path)],
                              capture_output=True, text=True, timeout=120)
        outcome = Outcome(done.returncode, done.stdout, done.stderr)
        assert outcome.code == 2
        assert_clean(outcome)
        _assert_located(outcome, path)
