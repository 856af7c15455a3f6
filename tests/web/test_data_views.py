"""The Data page's pure helpers: safe upload names and the activity map read from a form."""

from __future__ import annotations

import pytest

from wholeflow.errors import DataError
from wholeflow.web.views.data import activity_map_from_form, upload_name


@pytest.mark.parametrize(("given", "kept"), [
    ("extract.csv", "extract.csv"),
    ("My Extract (April).CSV", "My_Extract_April_.CSV"),
    ("../../etc/passwd.csv", "passwd.csv"),
    ("C:\\Users\\flow\\log.xes.gz", "log.xes.gz"),
    (".hidden.parquet", "hidden.parquet"),
])
def test_upload_names_lose_folders_and_odd_characters(given, kept):
    assert upload_name(given) == kept


@pytest.mark.parametrize("given", ["", None, "notes.docx", "data.xls", "archive.zip"])
def test_unreadable_types_are_refused_naming_the_ones_read(given):
    with pytest.raises(DataError, match="CSV, Parquet, Excel"):
        upload_name(given)


def test_activity_map_keeps_only_filled_rows():
    form = {"activity_0": "Admission NC", "event_0": "start", "service_0": "normal_care",
            "destination_0": "", "activity_1": "Release A", "event_1": "end",
            "activity_2": "ER Triage", "event_2": "", "service_2": "",
            "file": "log.csv", "column_person": "case"}
    assert activity_map_from_form(form) == {
        "Admission NC": {"event": "start", "service": "normal_care"},
        "Release A": {"event": "end"}}


def test_an_activity_row_needs_its_event_type():
    with pytest.raises(DataError, match="row for 'Triage': choose what the activity means"):
        activity_map_from_form({"activity_3": "Triage", "destination_3": "ward"})
