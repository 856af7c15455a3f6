"""Column recognition, activity maps for process-mining logs, and saved mappings."""

from __future__ import annotations

import pytest

from wholeflow.data.reading.mapping import (
    ImportMapping,
    load_activity_map,
    load_mapping,
    parse_map_options,
    resolve_columns,
)
from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import Store
from wholeflow.errors import DataError

SEPSIS = """
    case:concept:name,concept:name,time:timestamp,org:resource
    A,ER Registration,2014-10-22T11:15:41.000+02:00,A
    A,Admission NC,2014-10-22T14:13:19.000+02:00,E
    A,CRP,2014-10-23T08:00:00.000+02:00,B
    A,Admission IC,2014-10-24T09:00:00.000+02:00,E
    A,Release A,2014-11-02T15:15:00.000+01:00,E
"""


def test_pm4py_names_are_recognised():
    resolved = resolve_columns(["case:concept:name", "concept:name", "time:timestamp",
                                "org:resource"], ImportMapping(), "x.csv")  # type: ignore[arg-type]
    assert resolved.shape == "events"
    assert resolved.columns == {"person": "case:concept:name", "event": "concept:name",
                                "timestamp": "time:timestamp", "service": "org:resource"}


def test_wide_extracts_are_recognised_by_their_date_columns():
    resolved = resolve_columns(["NHS Number", "Ward", "Admission Date", "Discharge Date",
                                "Notes"], ImportMapping(), "x.csv")  # type: ignore[arg-type]
    assert resolved.shape == "stays"
    assert resolved.columns == {"person": "NHS Number", "service": "Ward",
                                "started": "Admission Date", "ended": "Discharge Date"}


def test_map_options_accept_column_equals_field_and_the_reverse():
    assert parse_map_options(["PatientID=person", "timestamp=Event Date"]) == {
        "person": "PatientID", "timestamp": "Event Date"}
    with pytest.raises(DataError, match="not a field"):
        parse_map_options(["PatientID=patient"])


def test_an_activity_map_turns_activities_into_events_and_keeps_the_rest(write, workspace):
    amap = write("activities.csv", """
        activity;service;event;destination
        Admission NC;normal_care;start;
        Admission IC;intensive_care;start;
        Release A;;end;home
    """)
    log = write("sepsis.csv", SEPSIS)
    report = import_events(log, workspace, activity_map=amap, infer_ends=True)
    assert report.rows_quarantined == 0
    assert report.other_events == 2
    assert report.unmapped_activities == {"ER Registration": 1, "CRP": 1}
    stays = Store(workspace).read("stays").sort_values("started")
    assert stays["service"].tolist() == ["normal_care", "intensive_care"]
    assert stays["destination"].tolist() == ["intensive_care", "home"]
    events = Store(workspace).read("events")
    assert set(events.loc[events["event"] == "other", "activity"]) == {"ER Registration", "CRP"}


def test_without_an_activity_map_unknown_activities_are_quarantined(write, workspace):
    report = import_events(write("sepsis.csv", SEPSIS), workspace)
    assert report.by_reason == {"unknown_event": 5}


def test_a_yaml_activity_map_and_its_errors(write):
    good = write("a.yaml", "Admission NC: {service: nc, event: admission}\nRelease A: end\n")
    amap = load_activity_map(good)
    assert amap.lookup("admission  nc").event == "start"  # type: ignore[union-attr]
    assert amap.lookup("Release A").service is None  # type: ignore[union-attr]
    bad = write("b.yaml", "Admission NC: {service: nc, event: teleport}\n")
    with pytest.raises(DataError, match="teleport"):
        load_activity_map(bad)


def test_a_saved_mapping_is_reused_by_name(write, workspace):
    log = write("log.csv", "who,where,what,when\n1,acute,start,01/02/2024\n")
    import_events(log, workspace, person="who", service="where", event="what",
                  timestamp="when", save_mapping_as="pas")
    saved = load_mapping(workspace, "pas")
    assert saved.columns == {"person": "who", "service": "where", "event": "what",
                             "timestamp": "when"}
    again = write("log2.csv", "who,where,what,when\n2,acute,start,02/02/2024\n")
    report = import_events(again, workspace, mapping="pas")
    assert report.rows_loaded == 1
    assert (workspace / "data" / "mappings" / "pas.yaml").exists()


def test_an_unknown_field_in_a_column_map_is_an_error(write, workspace):
    with pytest.raises(DataError, match="unknown field 'patient'"):
        import_events(write("x.csv", "a\n1\n"), workspace, columns={"patient": "a"})


def test_recognise_columns_finds_fields_by_common_names() -> None:
    from wholeflow.data.reading.mapping import recognise_columns

    found = recognise_columns(["Patient ID", "Ward", "Admission Date", "Discharge_Date",
                               "MFFD date", "Notes", "ward"])
    assert found == {"person": "Patient ID", "service": "Ward", "started": "Admission Date",
                     "ended": "Discharge_Date", "ready": "MFFD date"}
    assert recognise_columns(["case:concept:name", "concept:name", "time:timestamp"]) == {
        "person": "case:concept:name", "event": "concept:name", "timestamp": "time:timestamp"}


def test_unmatched_entries_warn_with_the_nearest_names_and_explicit_other_is_mapped(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case,activity,time,unit\n"
                   "1,Admission NC,2024-01-01 08:00,nc\n"
                   "1,Lab Test,2024-01-01 09:00,nc\n"
                   "1,Lab Test,2024-01-01 10:00,nc\n"
                   "1,Porter call,2024-01-01 10:30,nc\n"
                   "1,Release A,2024-01-02 08:00,nc\n")
    amap = {"Admision NC": {"event": "start", "service": "nc"},  # a typo
            "Admission NC": {"event": "start", "service": "nc"},
            "Lab Test": "other", "Release A": "end", "Release Z": "end"}
    report = import_events(log, tmp_path / "ws", person="case", event="activity",
                           timestamp="time", service="unit", activity_map=amap)
    # 'Admision NC' is one letter from 'Admission NC'; 'Release Z' is nearest 'Release A'
    assert report.unmatched_map_entries == {"Admision NC": ["Admission NC"],
                                            "Release Z": ["Release A"]}
    assert any("'Admision NC' matches no activity" in w and "'Admission NC'" in w
               for w in report.warnings())
    # the two lab tests are mapped to 'other' on purpose; the porter call is not in the map
    assert report.mapped_other == {"Lab Test": 2}
    assert report.other_events == 1 and report.unmapped_activities == {"Porter call": 1}
    assert "warning: activity map entry 'Admision NC'" in str(report)
