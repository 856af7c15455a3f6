"""Warnings from numerical code never reach the screen; running out of memory is a plain
message with exit code 2, not an internal error (issue 16, defect 8)."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from wholeflow.cli import main


def _overflowing_command(args, standalone_mode):
    assert os.environ.get("PYTHONWARNINGS") == "ignore"  # worker processes start quiet too
    with np.errstate(all="warn"):
        cost = np.array([1e308]) * np.array([10.0])  # numpy: "overflow encountered"
    warnings.warn("a library's future change", FutureWarning, stacklevel=1)
    assert np.isinf(cost).all()


def test_numpy_and_library_warnings_are_not_printed(monkeypatch, capsys):
    monkeypatch.setattr(main, "app", _overflowing_command)
    before = os.environ.get("PYTHONWARNINGS")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        main.run(["anything"])
    out = capsys.readouterr()
    assert seen == [] and "Warning" not in out.out + out.err
    assert os.environ.get("PYTHONWARNINGS") == before  # put back after the command


def test_running_out_of_memory_is_a_plain_message_with_exit_code_2(monkeypatch, capsys):
    def command(args, standalone_mode):
        raise MemoryError

    monkeypatch.setattr(main, "app", command)
    with pytest.raises(SystemExit) as done:
        main.run(["anything"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "ran out of memory" in err and "internal error" not in err
