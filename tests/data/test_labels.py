"""The store keeps names as codes: stable across imports, read back as names, old stores
converted."""

from __future__ import annotations

import duckdb

from wholeflow.data.checking.labels import Labels
from wholeflow.data.storage.store import Store

FIRST = """
person,service,event,timestamp,destination,class
1,acute,start,2024-01-01 10:00,,frail
2,ward b,start,2024-01-02 10:00,,general
"""

SECOND = """
person,service,event,timestamp,destination,class
1,acute,end,2024-01-05 10:00,ward b,frail
3,rehab,start,2024-01-06 10:00,,general
2,ward b,end,2024-01-07 10:00,home,general
"""


def test_codes_are_given_once_and_in_order_of_first_sight():
    labels = Labels({"service": ["acute"]})
    assert labels.code("service", "acute") == 0
    assert labels.code("service", "rehab") == 1
    assert labels.code("service", "rehab") == 1
    assert labels.code("class", None) is None
    assert labels._rows(new_only=True).to_pylist() == [
        {"kind": "service", "code": 1, "name": "rehab"}]
    assert list(Labels({"service": ["b", "a", "c"]}).ranks("service")) == [1, 0, 2]


def test_events_read_back_with_names_after_two_imports(load):
    load(FIRST)
    _, store = load(SECOND)
    events = store.read("events")
    assert list(events["service"]) == ["acute", "ward b", "acute", "rehab", "ward b"]
    assert list(events["event"]) == ["start", "start", "end", "start", "end"]
    assert list(events["class"]) == ["frail", "general", "frail", "general", "general"]
    assert events["destination"].tolist()[2::2] == ["ward b", "home"]
    with store.connect() as con:
        kinds = con.execute("SELECT kind, count(*), count(DISTINCT code) FROM labels "
                            "GROUP BY kind ORDER BY kind").fetchall()
        coded = con.execute("SELECT typeof(service) FROM events LIMIT 1").fetchone()
    assert ("service", 3, 3) in kinds and ("class", 2, 2) in kinds
    assert coded == ("INTEGER",)
    stays = store.read("stays").sort_values("started")
    assert stays["ended"].notna().sum() == 2  # ends of the second file closed the first's


def _make_legacy(store: Store) -> None:
    """Turn the store's events back into names, as wholeflow wrote them before labels."""
    con = duckdb.connect(str(store.path))
    decoded = con.execute("SELECT * FROM events").df()  # codes
    names = {kind: dict(con.execute("SELECT code, name FROM labels WHERE kind = ?",
                                    [kind]).fetchall())
             for kind in ("service", "class", "destination", "activity")}
    events = ["referral", "referral_accepted", "referral_rejected", "start", "assessment",
              "ready", "end", "other"]
    for kind, table in names.items():
        decoded[kind] = decoded[kind].map(table)
    decoded["event"] = decoded["event"].map(lambda code: events[code])
    con.execute("DROP TABLE events")
    con.execute("DROP TABLE labels")
    con.execute('CREATE TABLE events (import_id INTEGER, "row" BIGINT, person BIGINT, '
                "class VARCHAR, service VARCHAR, event VARCHAR, \"timestamp\" TIMESTAMP, "
                "destination VARCHAR, hint TIMESTAMP, activity VARCHAR)")
    con.execute("INSERT INTO events SELECT import_id, \"row\", person, class, service, event, "
                "\"timestamp\", destination, hint, activity FROM decoded")
    con.close()


def test_a_store_of_names_is_converted_on_the_next_import(load):
    _, store = load(FIRST)
    _make_legacy(store)
    assert list(store.read("events")["service"]) == ["acute", "ward b"]  # names, as they were
    report, store = load(SECOND)
    assert report.rows_loaded == 3 and report.rows_quarantined == 0
    events = store.read("events")
    assert list(events["service"]) == ["acute", "ward b", "acute", "rehab", "ward b"]
    assert list(events["event"]) == ["start", "start", "end", "start", "end"]
    stays = store.read("stays")
    assert len(stays) == 3 and stays["ended"].notna().sum() == 2


def test_the_same_file_gets_the_same_codes_on_every_run(tmp_path):
    from wholeflow.data.storage.importer import import_events

    services = [f"ward_{k:02d}" for k in range(40)]
    rows = ["person,service,event,timestamp"] + [
        f"p{k},{services[(k * 7) % 40]},start,2024-01-{1 + k % 28:02d}" for k in range(400)]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    codes = []
    for run in range(2):
        workspace = tmp_path / f"ws{run}"
        import_events(path, workspace)
        with duckdb.connect(str(workspace / ".wholeflow" / "store.duckdb"),
                            read_only=True) as con:
            codes.append(con.execute("SELECT kind, code, name FROM labels "
                                     "ORDER BY kind, code").fetchall())
    assert codes[0] == codes[1]
    assert [name for kind, _, name in codes[0] if kind == "service"] == sorted(services)
