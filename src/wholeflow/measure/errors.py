"""The error raised when an SPC chart or a measure cannot be made from what was given."""

from __future__ import annotations

from wholeflow.errors import WholeflowError


class MeasureError(WholeflowError):
    """Values, dates or options given to an SPC chart or a measure cannot be used.

    The message names the column, row, date or option at fault and how to put it right.
    """
