"""Duplicates are exact repeats only; the quarantine keeps every original column of a row."""

from __future__ import annotations

import json

from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import Store

# A process-mining extract: one activity column, lab tests at the same minute, a free-text
# column the mapping never uses.
LOG = """\
case,activity,time,ward,note
1,ED Registration,2024-01-01 08:00,ED,walk-in
1,Lab Test CRP,2024-01-01 09:00,ED,
1,Lab Test Leucocytes,2024-01-01 09:00,ED,
1,Lab Test Lactic Acid,2024-01-01 09:00,ED,
1,Lab Test CRP,2024-01-01 09:00,ED,
1,IV Antibiotics,2024-01-01 09:00,ED,
1,IV Liquid,2024-01-01 09:00,ED,
1,ED Discharge,2024-01-01 12:00,ED,home
2,ED Registration,2024-01-01 08:00,ED,
2,ED Registration,2024-01-01 08:00,ED,
2,Lab Test CRP,2024-01-01 09:00,ED,first
2,Lab Test CRP,2024-01-01 09:00,ED,second
2,ED Discharge,2024-01-01 10:00,ED,
"""

AMAP = {
    "ED Registration": {"event": "start"},
    "ED Discharge": {"event": "end", "destination": "home"},
}


def test_only_exact_repeats_are_duplicates(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG)
    report = import_events(path, tmp_path / "ws", person="case", event="activity",
                           timestamp="time", service="ward", activity_map=AMAP)
    # 13 rows. Person 1 at 09:00 has six rows: five activities, CRP twice (rows 2 and 5);
    # row 5 is the only repeat of person 1. Person 2 repeats the registration (row 10) and
    # CRP (row 12: its note differs, but the note is mapped to nothing, so it is the same
    # event). Duplicates: 1 + 2 = 3; loaded 13 - 3 = 10.
    assert report.by_reason == {"duplicate": 3}
    assert (report.rows_loaded, report.rows_quarantined) == (10, 3)
    store = Store(tmp_path / "ws")
    quarantine = store.quarantine()
    assert quarantine["row"].tolist() == [5, 10, 12]
    # every original column but the raw person identifier, as the file had it
    assert json.loads(quarantine["values"][2]) == {
        "activity": "Lab Test CRP", "time": "2024-01-01 09:00", "ward": "ED",
        "note": "second"}
    # one stay each; the other activities are kept as events of type 'other':
    # person 1: 8 rows - 1 repeat - start - end = 5; person 2: CRP once = 1
    assert len(store.read("stays")) == 2
    assert report.other_events == 6


def test_a_row_rejected_while_reading_keeps_every_original_column(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("person,service,event,timestamp,source system\n"
                    "1,acute,start,2024-01-01,PAS\n"
                    "2,acute,start,not a date,PAS\n")
    report = import_events(path, tmp_path / "ws")
    assert report.by_reason == {"unparseable_date": 1}
    (row,) = Store(tmp_path / "ws").quarantine().to_dict("records")
    assert json.loads(row["values"]) == {"service": "acute", "event": "start",
                                         "timestamp": "not a date", "source system": "PAS"}
