"""The error raised when an SPC chart or a measure cannot be made from what was given."""

from __future__ import annotations

from wholeflow.errors import ModelError, Problem, WholeflowError


class MeasureError(WholeflowError):
    """Values, dates or options given to an SPC chart or a measure cannot be used.

    The message names the column, row, date or option at fault and how to put it right.
    """


class MeasureFileError(ModelError):
    """One or more measure files are invalid; ``problems`` locates each (file, line, field)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in the measures register:"]
        lines += [f"  {p}" for p in self.problems]
        self.args = ("\n".join(lines),)
