"""The forgiving CSV reader: one bad line is one malformed row, every other line a row."""

from __future__ import annotations

import pytest

from wholeflow.data.reading.csv_lenient import split_text
from wholeflow.errors import DataError


def test_bad_lines_are_malformed_with_their_line_numbers_and_good_lines_keep_theirs():
    text = ("a;b;c\r\n1;2;3\r\n4;5\r6\r\n\r\n7;\"8;9\r\n10;11;12\r\n1;2;3;4\r\n")
    rows = split_text(text, "f.csv")
    assert rows.delimiter == ";" and rows.names == ["a", "b", "c"]
    assert rows.cells == [["1", "2", "3"], ["10", "11", "12"]]
    assert rows.rows == [1, 5]  # line number - 1
    assert [line for line, _ in rows.malformed] == [3, 5, 7]
    assert "carriage return" in rows.malformed[0][1]
    assert "quotes" in rows.malformed[1][1] and "found 4" in rows.malformed[2][1]


def test_empty_cells_are_none_and_blank_or_repeated_header_names_are_named():
    rows = split_text("x,,x\n1,,3\n", "f.csv")
    assert rows.names == ["x", "column1", "x_1"] and rows.cells == [["1", None, "3"]]


def test_old_mac_line_endings_are_lines():
    rows = split_text("a,b\r1,2\r3,4", "f.csv")
    assert rows.cells == [["1", "2"], ["3", "4"]] and rows.malformed == []


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_a_file_without_a_header_is_a_plain_message(text):
    with pytest.raises(DataError, match="no header"):
        split_text(text, "f.csv")
