"""Diagnostics against values computed by hand on a small log.

The log has stays that start or end exactly at midnight, a zero-length stay, a referral that
waits over a weekend, a rejected referral, a readmission, and stays still open when the
extract ends (2024-01-31 12:00, the last event). 2024-01-01 is a Monday.
"""

from __future__ import annotations

import pandas as pd
import pytest

from wholeflow.data.diagnosis import diagnostics as dx
from wholeflow.data.diagnosis.discovery import discover

LOG = """
    person,service,event,timestamp,destination
    A,acute,referral,2024-01-01 08:00,
    A,acute,start,2024-01-01 10:00,
    A,acute,ready,2024-01-08 00:00,
    A,community,referral,2024-01-05 09:00,
    A,community,referral_accepted,2024-01-08 09:00,
    A,acute,end,2024-01-10 00:00,community
    A,community,start,2024-01-10 00:00,
    A,community,end,2024-01-31 12:00,home
    B,acute,start,2024-01-02 00:00,
    B,acute,ready,2024-01-05 12:00,
    C,acute,start,2024-01-03 12:00,
    C,acute,end,2024-01-03 12:00,home
    C,acute,start,2024-01-20 12:00,
    C,acute,end,2024-01-22 12:00,home
    D,community,referral,2024-01-06 10:00,
    D,community,referral_rejected,2024-01-08 10:00,
    E,acute,start,2024-01-31 12:00,
"""


@pytest.fixture
def ws(load, workspace):
    report, _ = load(LOG)
    assert report.rows_quarantined == 0, report.by_reason
    return workspace


def on(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def census(ws, column: str, service: str = "acute") -> dict[str, int]:
    daily = dx.daily_census(ws)
    mine = daily[daily["service"] == service]
    return dict(zip(pd.to_datetime(mine["date"]).dt.strftime("%m-%d"), mine[column],
                    strict=True))


def test_midnight_census_counts_starts_at_midnight_in_and_ends_at_midnight_out(ws):
    occ = census(ws, "occupancy")
    assert len(occ) == 31
    assert [occ[d] for d in ("01-01", "01-02", "01-03", "01-04", "01-09", "01-10")] == [
        0, 2, 2, 2, 2, 1]
    assert [occ[d] for d in ("01-21", "01-22", "01-23", "01-31")] == [2, 2, 1, 1]


def test_people_ready_to_move_on_and_queues_at_midnight(ws):
    delayed = census(ws, "delayed_occupancy")
    assert [delayed[d] for d in ("01-05", "01-06", "01-08", "01-09", "01-10", "01-31")] == [
        0, 1, 2, 2, 1, 1]
    queue = census(ws, "queue", "community")
    assert {d: q for d, q in queue.items() if q} == {"01-09": 1}


def test_stranded_and_super_stranded(ws):
    frame = dx.stranded(ws)
    acute = frame[frame["service"] == "acute"].set_index(
        pd.to_datetime(frame.loc[frame["service"] == "acute", "date"]).dt.strftime("%m-%d"))
    assert acute.loc[["01-08", "01-09", "01-10"], "stranded"].tolist() == [0, 2, 1]
    assert acute.loc[["01-22", "01-23", "01-31"], "super_stranded"].tolist() == [0, 1, 1]


def test_length_of_stay_counts_open_stays_apart(ws):
    los = on(dx.length_of_stay(ws), service="acute")
    assert (los["stays"], los["completed"], los["open"]) == (5, 3, 2)
    assert los["mean"] == pytest.approx((8 + 14 / 24 + 0 + 2) / 3)
    assert los["max"] == pytest.approx(8 + 14 / 24)
    hist = dx.length_of_stay_histogram(ws)
    acute = hist[hist["service"] == "acute"]
    assert acute.loc[acute["low"] == 0, "stays"].item() == 1      # the zero-length stay
    assert acute.loc[acute["low"] == 7, "stays"].item() == 1      # A: 8.6 days
    assert acute["stays"].sum() == 3


def test_delayed_days_by_destination_run_to_the_extract_end_while_open(ws):
    frame = dx.delayed_days(ws)
    assert on(frame, service="acute", destination="community")["delayed_days"] == \
        pytest.approx(2.0)
    assert on(frame, service="acute", destination="(waiting)")["delayed_days"] == \
        pytest.approx(26.0)
    assert on(frame, service="acute", destination="all")["delayed_days"] == pytest.approx(28.0)


def test_referrals_acceptance_and_failure_demand(ws):
    frame = dx.referrals(ws, handling_hours={"community": 1.5})
    community = on(frame, service="community")
    assert (community["referrals"], community["accepted"], community["rejected"]) == (2, 1, 1)
    assert community["acceptance_rate"] == 0.5
    assert community["failure_demand_hours"] == 1.5
    assert on(frame, service="all")["referrals"] == 3


def test_waits_by_weekday_of_referral(ws):
    frame = dx.referral_waits(ws)
    assert on(frame, service="community", weekday="fri")["median_wait"] == \
        pytest.approx(4 + 15 / 24)
    assert on(frame, service="acute", weekday="mon")["median_wait"] == pytest.approx(2 / 24)


def test_waits_over_a_weekend(ws):
    frame = dx.weekend_waits(ws)
    community = on(frame, service="community")
    assert (community["referrals"], community["over_weekend"], community["sent_at_weekend"]) \
        == (2, 2, 1)
    assert on(frame, service="acute")["over_weekend"] == 0


def test_discharges_by_weekday(ws):
    frame = dx.discharges_by_weekday(ws)
    acute = frame[frame["service"] == "acute"].set_index("weekday")["discharges"]
    assert acute.to_dict() == {"mon": 1, "tue": 0, "wed": 2, "thu": 0, "fri": 0, "sat": 0,
                               "sun": 0}
    assert on(frame, service="acute", weekday="wed")["days"] == 5  # five Wednesdays in January


def test_journeys_variants_and_readmissions(ws):
    summary = dx.journey_summary(ws).set_index("metric")
    assert summary.loc["services", "journeys"] == 5  # A, B, E and C twice
    assert summary.loc["handovers", "max"] == 1
    variants = dx.variants(ws)
    assert variants[["path", "journeys"]].values.tolist() == [["acute", 4],
                                                              ["acute > community", 1]]
    assert variants["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    readmitted = dx.readmissions(ws, within_days=20)
    acute = on(readmitted, service="acute")
    assert (acute["journeys_ended"], acute["readmitted"]) == (1, 1)
    assert dx.readmissions(ws, within_days=10)["readmitted"].sum() == 0


def test_diagnose_gives_every_table_and_saves_them(ws, tmp_path):
    result = dx.diagnose(ws, handling_hours=1.0)
    assert set(result) == {"referrals", "referral_waits", "occupancy", "daily_census",
                           "length_of_stay", "length_of_stay_histogram", "delayed_days",
                           "stranded", "journeys", "variants", "readmissions",
                           "discharges_by_weekday", "weekend_waits", "data_quality"}
    assert on(result["occupancy"], service="acute")["peak_occupancy"] == 2
    paths = result.save(tmp_path / "out")
    assert len(paths) == 14 and all(p.exists() for p in paths)


def test_discovery_edges_volumes_and_transfer_times(ws):
    found = discover(ws)
    edges = found.edges.set_index(["source", "target"])
    assert edges.loc[("(arrival)", "acute"), "journeys"] == 5  # A, B, E and C twice
    assert edges.loc[("acute", "community"), "kind"] == "transfer"
    assert edges.loc[("acute", "community"), "median_transfer_days"] == 0.0
    assert edges.loc[("acute", "community"), "median_wait_from_ready_days"] == \
        pytest.approx(2.0)
    assert edges.loc[("community", "home"), "kind"] == "exit"
    nodes = found.nodes.set_index("service")
    assert nodes.loc["acute", "stays"] == 5 and nodes.loc["acute", "people"] == 4


def test_the_package_exposes_its_main_functions():
    import wholeflow
    import wholeflow.data as data

    assert data.diagnose is dx.diagnose is wholeflow.diagnose
    assert data.discover is discover
    with pytest.raises(AttributeError):
        _ = data.no_such_function


def test_a_hand_made_store_with_only_some_stay_columns(workspace):
    import duckdb

    (workspace / ".wholeflow").mkdir()
    stays = pd.DataFrame({"person": ["a", "b", "c"], "service": "acute",  # noqa: F841
                          "started": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                          "ended": pd.to_datetime(["2024-01-04", None, "2024-01-05"])})
    con = duckdb.connect(str(workspace / ".wholeflow" / "store.duckdb"))
    con.execute("CREATE TABLE stays AS SELECT * FROM stays")
    con.close()
    result = dx.diagnose(workspace)
    los = on(result["length_of_stay"], service="acute")
    assert (los["stays"], los["completed"], los["mean"]) == (3, 2, 2.5)
    assert on(result["occupancy"], service="acute")["peak_occupancy"] == 3
