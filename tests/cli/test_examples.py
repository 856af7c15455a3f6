"""``wholeflow examples`` lists the shipped examples; ``wholeflow demo NAME`` refuses clearly what
is not shipped."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wholeflow.examples import PLANNED, shipped_examples


def cli(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "wholeflow", *args], capture_output=True,
                          text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def test_examples_lists_one_line_each():
    code, out, _ = cli("examples")
    assert code == 0
    lines = [line for line in out.splitlines() if line and not line.startswith("Run one")]
    assert [line.split()[0] for line in lines] == list(shipped_examples())
    assert lines[0].startswith("bolton  Bolton Intermediate Tier: ")


def test_demo_of_an_example_not_shipped_yet_exits_2(tmp_path):
    missing = [name for name in PLANNED if name not in shipped_examples()]
    if not missing:
        pytest.skip("every planned example is shipped")
    code, out, err = cli("demo", missing[0], "--out", str(tmp_path / "x"))
    assert code == 2
    assert f"the {missing[0]} example is not shipped yet" in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "x").exists()


def test_demo_of_an_unknown_example_exits_2(tmp_path):
    code, _, err = cli("demo", "atlantis", "--out", str(tmp_path / "x"))
    assert code == 2 and "no example 'atlantis'" in err
