"""Importing messy extracts: every row loaded or quarantined, nothing twice, all or nothing."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import textwrap
import time

import duckdb
import numpy as np
import pandas as pd
import pytest

from wholeflow.data.storage import importer
from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import Store
from wholeflow.errors import DataError

LOG = """
    person,service,event,timestamp,destination
    1,acute,referral,2024-01-01 08:00,
    1,acute,start,2024-01-01 10:00,
    1,acute,ready,2024-01-03 10:00,
    1,acute,end,2024-01-05 12:00,community
    1,community,start,2024-01-05 12:00,
    1,community,end,2024-01-20,home
    2,acute,start,2024-01-02,
"""


def balanced(report) -> bool:
    return report.rows_in == report.rows_loaded + report.rows_quarantined and all(
        f.rows_in == f.rows_loaded + f.rows_quarantined for f in report.files)


def test_a_clean_log_loads_whole_and_builds_the_shared_tables(load):
    report, store = load(LOG)
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (7, 7, 0)
    assert report.persons == 2
    stays = store.read("stays").sort_values(["started"])
    assert stays["service"].tolist() == ["acute", "acute", "community"]
    assert stays["destination"].fillna("(open)").tolist() == ["community", "(open)", "home"]
    assert stays["length_of_stay"].iloc[0] == pytest.approx(4 + 2 / 24)
    journeys = store.read("journeys")
    assert sorted(journeys["path"]) == ["acute", "acute > community"]
    assert set(store.read("referrals")["to_service"]) == {"acute"}


def test_the_report_times_each_step_in_the_order_they_start(load):
    started = time.perf_counter()
    report, _ = load(LOG)
    took = time.perf_counter() - started
    assert list(report.steps) == [
        "hash files", "read", "check, code and pseudonymise", "load compiled code",
        "fetch events", "write events", "order and pair", "quarantine and count",
        "write the store"]
    assert all(t.wall >= 0 and t.cpu >= 0 for t in report.steps.values())
    # the event rows are written beside pairing; every other step runs one after another
    in_turn = sum(t.wall for name, t in report.steps.items() if name != "write events")
    assert in_turn <= took
    assert report.steps["write events"].wall <= took


def test_semicolons_bom_na_person_excel_serials_and_mixed_dates(write, workspace):
    path = write("messy.csv", """
        PatientID;Unit;What;When
        NA;acute;Admission;01/04/2024 10:00
        NA;acute;Discharged;45386.5
        7;acute;admitted;2024-04-02
        7;acute;discharge;3 Apr 2024 18:30
    """, bom=True)
    report = import_events(path, workspace, person="PatientID", service="Unit", event="What",
                           timestamp="When")
    assert report.files[0].rows_quarantined == 0, report.by_reason
    stays = Store(workspace).read("stays").sort_values("started")
    assert stays["started"].tolist() == [pd.Timestamp("2024-04-01 10:00"),
                                         pd.Timestamp("2024-04-02")]
    assert stays["ended"].tolist() == [pd.Timestamp("2024-04-04 12:00"),
                                       pd.Timestamp("2024-04-03 18:30")]
    assert report.persons == 2  # "NA" is a person, not a missing value


def test_the_map_option_and_keywords_name_columns(write, workspace):
    path = write("log.csv", "who,where,what,when\n1,acute,start,2024-01-01\n")
    report = import_events(path, workspace, columns={"person": "who", "service": "where",
                                                     "event": "what", "timestamp": "when"})
    assert report.rows_loaded == 1


def test_an_empty_file_is_an_error_that_says_so(write, workspace):
    path = write("empty.csv", "")
    with pytest.raises(DataError, match="empty"):
        import_events(path, workspace)
    assert not Store(workspace).exists()


def test_a_header_only_file_loads_nothing_and_balances(write, workspace):
    path = write("header.csv", "person,service,event,timestamp\n")
    report = import_events(path, workspace)
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (0, 0, 0)


def test_missing_columns_are_named_with_the_map_flag_that_fixes_them(write, workspace):
    path = write("log.csv", "PatientID,Unit,Activity,EventDate\n1,acute,start,2024-01-01\n")
    with pytest.raises(DataError) as err:
        import_events(path, workspace)
    message = str(err.value)
    assert "cannot find the column for person, timestamp" in message  # Unit is a service
    assert "--map PatientID=person" in message and "EventDate" in message


def test_garbage_rows_are_quarantined_and_counted(write, workspace):
    rng = np.random.default_rng(7)
    good = [f"{p},acute,{e},2024-01-{d:02d}" for p in range(40)
            for e, d in (("start", 1 + p % 10), ("end", 12 + p % 10))]
    garbage = ["zz,acute,start,not a date", ",acute,start,2024-01-01", "3,acute,fly,2024-01-02",
               "4,acute,start,", "5,acute,start,2024-01-02,extra,fields", "6,,start,2024-01-03",
               "7,acute,start,31/02/2024", "8,acute,start,1066-10-14"]
    lines = good + [garbage[i % len(garbage)] for i in range(len(good) // 10)]
    rng.shuffle(lines)
    path = write("garbage.csv", "person,service,event,timestamp\n" + "\n".join(lines) + "\n")
    report = import_events(path, workspace)
    assert balanced(report)
    assert report.rows_in == len(lines)
    assert report.rows_quarantined == len(good) // 10
    assert set(report.by_reason) == {"unparseable_date", "missing_person", "unknown_event",
                                     "missing_timestamp", "malformed_row", "missing_service",
                                     "implausible_date"}
    quarantine = Store(workspace).quarantine()
    assert len(quarantine) == report.rows_quarantined
    assert quarantine["row"].notna().all() and (quarantine["file"] == str(path)).all()


def test_importing_the_same_file_twice_adds_nothing(load, workspace, write):
    path = write("log.csv", LOG)
    first = import_events(path, workspace)
    second = import_events(path, workspace)
    assert first.rows_loaded == 7
    assert second.rows_in == 0 and "already imported" in (second.files[0].skipped or "")
    store = Store(workspace)
    assert len(store.read("events")) == 7 and len(store.imports()) == 1


def test_replace_swaps_an_earlier_import(workspace, write):
    path = write("log.csv", LOG)
    import_events(path, workspace)
    report = import_events(path, workspace, replace=True)
    assert report.rows_loaded == 7
    store = Store(workspace)
    assert len(store.read("events")) == 7
    assert store.imports()["import_id"].tolist() == [2]


def test_overlapping_extracts_quarantine_the_repeated_events(workspace, write):
    a = write("a.csv", LOG)
    b = write("b.csv", LOG + "    3,acute,start,2024-01-09,\n")
    import_events(a, workspace)
    report = import_events(b, workspace)
    assert report.rows_loaded == 1 and report.by_reason == {"duplicate": 7}
    assert len(Store(workspace).read("stays")) == 4


def test_new_events_that_contradict_stored_ones_are_quarantined(workspace, write):
    import_events(write("a.csv", "person,service,event,timestamp\n1,acute,start,2024-01-01\n"
                                 "1,acute,end,2024-01-10\n"), workspace)
    report = import_events(write("b.csv", "person,service,event,timestamp\n"
                                          "1,acute,end,2024-01-05\n"), workspace)
    assert report.by_reason == {"conflicts_with_stored": 1}
    stays = Store(workspace).read("stays")
    assert stays["ended"].tolist() == [pd.Timestamp("2024-01-10")]


def test_a_failure_part_way_leaves_the_store_as_it_was(workspace, write, monkeypatch):
    import_events(write("a.csv", LOG), workspace)
    store = Store(workspace)
    before = {t: store.read(t) for t in ("events", "stays", "imports", "quarantine")}

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importer, "ensure_schema", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_events(write("b.csv", LOG + "    9,acute,start,2024-02-01,\n"), workspace)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(store.read(table), frame)


def test_a_failure_after_the_events_are_written_takes_them_out_again(workspace, write,
                                                                     monkeypatch):
    import_events(write("a.csv", LOG), workspace)
    store = Store(workspace)
    before = {t: store.read(t) for t in ("events", "stays", "imports", "quarantine")}
    monkeypatch.setattr(importer, "build_tables", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        import_events(write("b.csv", LOG + "    9,acute,start,2024-02-01,\n"), workspace)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(store.read(table), frame)
    with duckdb.connect(str(store.path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM events").fetchone() == (7,)


def test_events_left_by_an_import_that_never_finished_do_not_count(workspace, write):
    import_events(write("a.csv", LOG), workspace)
    store = Store(workspace)
    with duckdb.connect(str(store.path)) as con:  # as if an import died after its events
        con.execute("INSERT INTO events SELECT 99, \"row\", person, class, service, event, "
                    "\"timestamp\" + INTERVAL 1 DAY, destination, hint, activity FROM events")
    assert len(store.read("events")) == 7
    # counted, they would overlap person 1's stays, and conflict with the new ones below
    report = import_events(write("b.csv", "person,service,event,timestamp,destination\n"
                                          "1,acute,start,2024-03-01,\n"
                                          "1,acute,end,2024-03-02,home\n"), workspace)
    assert (report.rows_loaded, report.rows_quarantined) == (2, 0)
    assert len(store.read("stays")) == 4
    with duckdb.connect(str(store.path), read_only=True) as con:
        assert con.execute("SELECT DISTINCT import_id FROM events ORDER BY 1").fetchall() == [
            (1,), (2,)]


def test_a_failed_first_import_leaves_no_store(workspace, write, monkeypatch):
    monkeypatch.setattr(importer, "build_tables", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        import_events(write("a.csv", LOG), workspace)
    assert not Store(workspace).exists()


def test_wide_stays_rows_become_stints_and_bad_rows_are_quarantined(write, workspace):
    header = ("NHS Number,Ward,Referral Date,Admission Date,Medically Optimised Date,"
              "Discharge Date,Discharge Destination")
    path = write("stays.csv", header + "\n" + textwrap.dedent("""\
        1,acute,,01/01/2024,03/01/2024,05/01/2024,home
        2,acute,,02/01/2024,,,
        3,acute,,10/01/2024,,08/01/2024,home
        4,acute,,11/01/2024,15/01/2024,14/01/2024,home
        5,acute,,xx,,,
        6,acute,,05/01/2024,,09/01/2024,home
        6,acute,,07/01/2024,,12/01/2024,home
        7,community,04/01/2024,03/01/2024,,,
    """))
    report = import_events(path, workspace)
    assert report.files[0].shape == "stays"
    assert balanced(report)
    assert report.by_reason == {"end_before_start": 1, "end_before_ready": 1,
                                "unparseable_date": 1, "overlapping_stay": 1,
                                "start_before_referral": 1}
    assert Store(workspace).quarantine()["row"].tolist() == [3, 4, 5, 7, 8]  # file order
    stays = Store(workspace).read("stays").sort_values("started")
    assert len(stays) == 3
    first = stays.iloc[0]
    assert first["delayed_days"] == pytest.approx(2.0) and first["destination"] == "home"


def test_a_row_rejected_in_pairing_keeps_its_values_in_the_quarantine(write, workspace):
    path = write("stays.csv", """
        person,class,service,referred,started,ready,ended,destination
        6,frail,acute,,2024-01-05,,2024-01-09,home
        6,frail,acute,2024-01-06,2024-01-07,2024-01-10,2024-01-12,care_home
    """)
    report = import_events(path, workspace)
    # the first of its events to be refused gives the reason: a referral during a stay
    assert report.by_reason == {"referral_during_stay": 1}
    (row,) = Store(workspace).quarantine().to_dict("records")
    assert (row["row"], row["reason"]) == (2, "referral_during_stay")
    # every original column of the row but the raw person identifier, as the file had it
    assert json.loads(row["values"]) == {
        "class": "frail", "service": "acute", "referred": "2024-01-06",
        "started": "2024-01-07", "ready": "2024-01-10", "ended": "2024-01-12",
        "destination": "care_home"}


def test_an_event_rejected_in_pairing_keeps_its_values_in_the_quarantine(write, workspace):
    path = write("events.csv", """
        person,service,event,timestamp,destination
        1,acute,start,2024-01-01 10:00,
        1,acute,end,2024-01-03 09:30,home
        1,acute,end,2024-01-03 09:30,home
    """)
    report = import_events(path, workspace)
    assert report.by_reason == {"duplicate": 1}
    (row,) = Store(workspace).quarantine().to_dict("records")
    assert row["row"] == 3
    assert json.loads(row["values"]) == {
        "service": "acute", "event": "end", "timestamp": "2024-01-03 09:30", "destination": "home"}


def test_back_to_back_stays_in_one_service_on_the_same_day_are_not_overlaps(write, workspace):
    path = write("stays.csv", """
        person,service,started,ended
        1,acute,2024-01-01,2024-01-05
        1,acute,2024-01-05,2024-01-09
    """)
    report = import_events(path, workspace)
    assert report.rows_quarantined == 0
    assert len(Store(workspace).read("stays")) == 2


def test_rejected_referrals_in_a_stays_extract(write, workspace):
    path = write("refs.csv", """
        person,service,referred,decided,accepted,started,ended
        1,imc,2024-01-01,2024-01-02,No,,
        2,imc,2024-01-01,2024-01-02,Yes,2024-01-03,2024-01-10
        3,imc,2024-01-01,,maybe,,
    """)
    report = import_events(path, workspace)
    assert report.by_reason == {"bad_outcome": 1}
    refs = Store(workspace).read("referrals").sort_values("person")
    assert sorted(refs["accepted"].tolist()) == [False, True]


def test_parquet_excel_xes_and_gzip(tmp_path, workspace):
    frame = pd.DataFrame({
        "person": ["a", "a", "b"], "service": ["acute", "acute", "acute"],
        "event": ["start", "end", "start"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-02"]),
    })
    frame.to_parquet(tmp_path / "log.parquet")
    excel = frame.assign(person=["c", "c", "d"])
    excel.to_excel(tmp_path / "log.xlsx", index=False)
    xes = tmp_path / "log.xes.gz"
    with gzip.open(xes, "wt", encoding="utf-8") as handle:
        handle.write("""<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0"><trace><string key="concept:name" value="e"/>
<event><string key="concept:name" value="start"/><string key="org:resource" value="acute"/>
<date key="time:timestamp" value="2024-01-01T10:00:00.000+01:00"/></event>
<event><string key="concept:name" value="end"/><string key="org:resource" value="acute"/>
<date key="time:timestamp" value="2024-01-03T10:00:00.000+01:00"/></event></trace></log>""")
    report = import_events([tmp_path / "log.parquet", tmp_path / "log.xlsx", xes], workspace)
    assert [f.format for f in report.files] == ["parquet", "excel", "xes"]
    assert report.rows_loaded == 8 and report.persons == 5
    stays = Store(workspace).read("stays")
    # 10:00 at +01:00 in January is 09:00 GMT, UK local time
    xes_stay = stays[stays["started"] == pd.Timestamp("2024-01-01 09:00")]
    assert xes_stay["length_of_stay"].tolist() == [2.0]


def test_excel_serial_numbers_and_text_person_ids_in_a_workbook(tmp_path, workspace):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["person", "service", "event", "timestamp"])
    sheet.append(["NA", "acute", "start", 45292.25])         # a number: Excel serial day
    sheet.append(["NA", "acute", "end", dt.datetime(2024, 1, 3, 6)])
    sheet.append([None, None, None, None])                   # an empty row is not a row
    book.save(tmp_path / "serial.xlsx")
    report = import_events(tmp_path / "serial.xlsx", workspace)
    assert report.rows_in == 2 and report.rows_loaded == 2
    stays = Store(workspace).read("stays")
    assert stays["started"].tolist() == [pd.Timestamp("2024-01-01 06:00")]


def test_a_latin_1_file_is_read(workspace, write):
    path = write("latin.csv", "person,service,event,timestamp\n1,Caf\xe9 ward,start,2024-01-01\n",
                 encoding="latin-1")
    import_events(path, workspace)
    assert Store(workspace).read("stays")["service"].tolist() == ["Café ward"]


def test_files_from_two_organisations_link_into_one_journey(workspace, write):
    acute = write("acute.csv", "person,service,event,timestamp\n"
                               "9434765919,acute,start,2024-01-01\n"
                               "9434765919,acute,end,2024-01-05\n")
    council = write("council.csv", "NHS Number,Team,Event,Date\n"
                                   "9434765919 ,reablement,start,05/01/2024\n"
                                   "9434765919,reablement,end,20/01/2024\n")
    import_events(acute, workspace)
    import_events(council, workspace)
    journeys = Store(workspace).read("journeys")
    assert journeys["path"].tolist() == ["acute > reablement"]


def test_quarantine_export_names_file_row_and_reason(load, workspace):
    _, store = load("person,service,event,timestamp\n1,acute,start,2024-13-45\n")
    out = workspace / "q.csv"
    assert store.export_quarantine(out) == 1
    exported = pd.read_csv(out)
    assert exported.loc[0, "reason"] == "unparseable_date"
    assert exported.loc[0, "row"] == 1
    assert "2024-13-45" in exported.loc[0, "detail"]


def test_the_store_is_a_plain_duckdb_file(load):
    _, store = load(LOG)
    con = duckdb.connect(str(store.path), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"events", "quarantine", "imports", "stays", "referrals", "delays", "journeys",
            "daily", "meta"} <= tables


def test_many_events_of_one_person_at_one_moment(write, workspace):
    rows = ["person,service,event,timestamp"] + [
        f"1,ward{k % 40},{'start' if k < 40 else 'end'},2024-01-01 09:00" for k in range(80)]
    report = import_events(write("burst.csv", "\n".join(rows) + "\n"), workspace)
    assert report.rows_quarantined == 0
    stays = Store(workspace).read("stays")
    assert len(stays) == 40 and (stays["length_of_stay"] == 0).all()


def test_a_failed_import_leaves_the_folder_as_it_was(tmp_path, write):
    bad = write("bad.csv", "person,service,event,timestamp\n")  # a header and no rows: fine
    missing = tmp_path / "nope.csv"
    new = tmp_path / "new-workspace"
    with pytest.raises(DataError):
        import_events(missing, new)
    assert not new.exists()  # no empty workspace left behind
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "notes.txt").write_text("keep me")
    with pytest.raises(DataError):
        import_events([bad, missing], existing)
    assert sorted(p.name for p in existing.iterdir()) == ["notes.txt"]
