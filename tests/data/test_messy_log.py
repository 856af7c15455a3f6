"""A small hand-written log with the traits of real extracts, every count worked out by hand.

Traits: one activity column mapped by an activity map; lab tests logged at the same minute as
each other; a true repeat; an emergency stay with no end event, open far longer than every
other; one open only hours at the end of the extract; a person who comes back; UK dates, a
byte-order mark, stray spaces and a free-text column the mapping does not use.
"""

from __future__ import annotations

import pandas as pd
import pytest

from wholeflow.data.diagnosis.diagnostics import data_quality, length_of_stay
from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import Store

LOG = """\
case,activity,time,ward,note
p1,Registration,01/01/2024 08:00,ED,walk-in
p1,CRP,01/01/2024 08:30,ED,
p1,Leucocytes,01/01/2024 08:30,ED,
p1,Discharge,01/01/2024 11:00,ED,
p2,Registration,02/01/2024 09:00,ED,
p2, Discharge ,02/01/2024 15:00,ED,
p3,Registration,03/01/2024 10:00,ED,
p3,Discharge,03/01/2024 12:00,ED,
p3,Discharge,03/01/2024 12:00,ED,
p4,Registration,04/01/2024 07:00,ED,
p4,Discharge,04/01/2024 13:00,ED,
p5,Registration,05/01/2024 08:00,ED,
p5,Transfer out,05/01/2024 14:00,ED,
p5,Admission,05/01/2024 14:00,Ward,
p5,Discharge,12/01/2024 14:00,Ward,
p6,Registration,06/01/2024 08:00,ED,no discharge recorded
p1,Registration,10/02/2024 08:00,ED,back again
p1,Discharge,10/02/2024 10:00,ED,
p7,Registration,29/02/2024 22:00,ED,
p8,Registration,01/03/2024 09:00,ED,
p8,Discharge,01/03/2024 10:00,ED,
"""

# an end mapped without a service acts on the person's latest stay: "Transfer out" names ED,
# since p5 starts on the Ward at the same minute
AMAP = {"Registration": {"event": "start"}, "Admission": {"event": "start"},
        "Transfer out": {"event": "end", "service": "ED"},
        "Discharge": {"event": "end", "destination": "home"}}
COLUMNS = {"person": "case", "event": "activity", "timestamp": "time", "service": "ward"}


@pytest.fixture
def imported(tmp_path):
    def _imported(**options):
        path = tmp_path / "log.csv"
        path.write_bytes(b"\xef\xbb\xbf" + LOG.encode())
        ws = tmp_path / "ws"
        report = import_events(path, ws, columns=COLUMNS, activity_map=AMAP, **options)
        return report, Store(ws)
    return _imported


def test_every_count_of_the_messy_log(imported):
    report, store = imported()
    # 21 rows; row 9 repeats row 8 exactly (p3's discharge): the only duplicate. Rows 2 and 3
    # (CRP, Leucocytes at 08:30) differ in activity: both loaded, as 'other' events.
    assert report.rows_in == 21
    assert report.by_reason == {"duplicate": 1}
    assert (report.rows_loaded, report.rows_quarantined) == (20, 1)
    assert report.other_events == 2 and report.persons == 8
    stays = store.read("stays")
    # ED: p1 twice, p2..p8 once = 9; Ward: p5 = 1
    assert stays.groupby("service").size().to_dict() == {"ED": 9, "Ward": 1}
    # ED closed stays (days): p1 3h .125, p2 6h .25, p3 2h .0833, p4 6h .25, p5 6h .25,
    # p1 again 2h .0833, p8 1h .0417: 7 (>= 5), p95 <= .25, 3 x p95 <= .75 < 1 day, so the
    # open limit is the 1-day minimum. The extract ends at p8's discharge, 01/03 10:00.
    # p6 is open 06/01 08:00 -> 01/03 10:00 = 31 + 24 days + 2 h = 55.083 days: missing end.
    # p7 is open 29/02 22:00 -> 01/03 10:00 = 0.5 day: still open. Ward: 1 closed stay (< 5),
    # no limit.
    assert report.missing_ends == {"ED": 1}
    flagged = stays[stays["end_missing"]]
    assert flagged["started"].tolist() == [pd.Timestamp("2024-01-06 08:00")]
    assert stays["ended"].isna().sum() == 2  # p6 and p7: nothing dropped
    limits = store.read("open_limits").set_index("service")
    assert limits.loc["ED", "open_limit_days"] == pytest.approx(1.0)
    assert limits.loc["ED", "closed_stays"] == 7
    assert pd.isna(limits.loc["Ward", "open_limit_days"])
    # the census: ED stays all end the day they start, but p7 (in at midnight 01/03) and,
    # without the rule, p6 (in at every midnight 07/01 .. 01/03). p5 is on the Ward at the
    # midnights 06/01 .. 12/01 (in 05/01 14:00, out 12/01 14:00): 7.
    daily = store.read("daily")
    ed = daily[daily["service"] == "ED"].set_index("date")["occupancy"]
    assert ed.sum() == 1 and ed[pd.Timestamp("2024-03-01")] == 1
    assert daily[daily["service"] == "Ward"]["occupancy"].sum() == 7
    # journeys: p1 came back (2 journeys), p5 went ED -> Ward in one: 9 journeys
    journeys = store.read("journeys")
    assert len(journeys) == 9
    assert journeys.groupby("person").size().max() == 2
    # the data-quality table shows it all
    quality = data_quality(store.workspace).set_index("service")
    assert quality.loc["ED", ["stays", "completed", "open_at_end", "end_missing"]].tolist() == [
        9, 7, 1, 1]
    assert quality.loc["ED", "longest_open_days"] == pytest.approx(55 + 2 / 24)
    assert quality.loc["all", "end_missing"] == 1
    los = length_of_stay(store.workspace).set_index("service")
    assert los.loc["ED", ["open", "end_missing"]].tolist() == [1, 1]


def test_max_open_days_overrides_the_rule_and_is_remembered(imported, tmp_path):
    report, store = imported(max_open_days=60)
    # p6, open 55.08 days, is within 60: still open, and in the ED census at every midnight
    # from 07/01 to 01/03 (25 in January, 29 in February, 1 in March = 55), p7 at one
    assert report.missing_ends == {} and report.max_open_days == 60
    daily = store.read("daily")
    assert daily[daily["service"] == "ED"]["occupancy"].sum() == 55 + 1
    # a later import without the option keeps the limit the store was given
    extra = tmp_path / "more.csv"
    extra.write_text("case,activity,time,ward\np9,Registration,01/03/2024 10:00,ED\n"
                     "p9,Discharge,01/03/2024 10:00,ED\n")
    again = import_events(extra, store.workspace, columns=COLUMNS, activity_map=AMAP)
    assert again.max_open_days == 60 and again.missing_ends == {}


def test_max_open_days_must_be_positive(imported):
    from wholeflow.errors import DataError

    with pytest.raises(DataError, match="max_open_days must be a positive number"):
        imported(max_open_days=0)


def test_a_return_is_a_reattendance_and_check_fit_says_what_it_cannot_compare(imported):
    from wholeflow.data.calibration.calibrate import calibrate
    from wholeflow.data.calibration.checkfit import check_fit

    _, store = imported()
    cal = calibrate(store.workspace)
    # the extract runs from 01/01 00:00 to 01/03 10:00: 31 + 29 days + 10 h = 60.4167 days.
    # First journeys into ED: p1..p8 = 8; p1's second (10/02) is a re-attendance: 1.
    days = 60 + 10 / 24
    arrivals = cal.model.arrivals
    assert arrivals["ed_arrivals"].per_day == pytest.approx(8 / days, rel=1e-3)
    assert arrivals["ed_reattendances"].per_day == pytest.approx(1 / days, rel=1e-3)
    assert "re-attendances" in cal.yaml and "known people, not new ones" in cal.yaml
    table = check_fit(store.workspace, cal.model, replications=2, ids=cal.ids)
    delayed = table[table["metric"] == "delayed_days"]
    # no ready times in this log: nothing to compare, and the table says so
    assert (delayed["note"] == "no delayed days observed (no ready times)").all()


def test_journeys_follow_the_stints_of_each_journey(imported):
    from wholeflow.data.diagnosis.discovery import discover

    _, store = imported()
    found = discover(store.workspace)
    edges = found.edges
    transfers = edges[edges["kind"] == "transfer"]
    # p5 moved ED -> Ward; p1's return is a new journey, not a move ED -> ED
    assert transfers[["source", "target", "journeys"]].values.tolist() == [["ED", "Ward", 1]]
    arrivals = edges[edges["kind"] == "arrival"]
    assert arrivals[["target", "journeys"]].values.tolist() == [["ED", 9]]
    # variants: 8 journeys of ED alone (p1 twice, p2, p3, p4, p6, p7, p8), 1 ED > Ward
    assert dict(zip(found.variants["path"], found.variants["journeys"], strict=True)) == {
        "ED": 8, "ED > Ward": 1}


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace>
    <string key="concept:name" value="A"/>
    <event>
      <string key="concept:name" value="Admission NC"/>
      <date key="time:timestamp" value="2014-10-22T11:15:00.000+02:00"/>
    </event>
    <event>
      <string key="concept:name" value="Release A"/>
      <date key="time:timestamp" value="2014-10-24T09:00:00.000+02:00"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="B"/>
    <event>
      <string key="concept:name" value="Admission NC"/>
      <date key="time:timestamp" value="2014-12-01T23:30:00.000+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Release A"/>
      <date key="time:timestamp" value="2014-12-03T00:30:00.000+01:00"/>
    </event>
  </trace>
</log>
"""


def test_xes_offsets_are_honoured_in_uk_local_time(tmp_path):
    path = tmp_path / "log.xes"
    path.write_text(XES)
    amap = {"Admission NC": {"event": "start", "service": "nc"}, "Release A": "end"}
    report = import_events(path, tmp_path / "ws", activity_map=amap)
    assert (report.rows_in, report.rows_loaded) == (4, 4)
    stays = Store(tmp_path / "ws").read("stays").sort_values("started")
    # A: 11:15 at +02:00 in October is 09:15 UTC, 10:15 BST; 09:00 +02:00 is 08:00 BST.
    # B: 23:30 at +01:00 in December is 22:30 UTC = GMT; 00:30 +01:00 on 03/12 is 23:30 on 02/12
    assert stays["started"].tolist() == [pd.Timestamp("2014-10-22 10:15"),
                                         pd.Timestamp("2014-12-01 22:30")]
    assert stays["ended"].tolist() == [pd.Timestamp("2014-10-24 08:00"),
                                       pd.Timestamp("2014-12-02 23:30")]
    # 1 day 21 h 45 min = 1.90625 days; 1 day 1 h = 1.041667 days
    assert stays["length_of_stay"].tolist() == pytest.approx([1 + 21.75 / 24, 1 + 1 / 24])
    # B is in at one midnight (02/12); the extract ends at 23:30 on 02/12. With the offsets
    # dropped it would run to 00:30 on 03/12, with B in at that midnight too.
    daily = Store(tmp_path / "ws").read("daily").set_index("date")["occupancy"]
    assert daily[pd.Timestamp("2014-12-01"):].tolist() == [0, 1]
