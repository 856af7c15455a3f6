"""The Data page: upload, column mapping, activity map, import report, quarantine, diagnostics."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from wholeflow.data.storage.store import Store

GOOD_ROWS = 200


def events_with_bad_rows(workspace: Path) -> bytes:
    """The demo's event log cut to its first 200 rows, plus two bad ones: a date that is not
    a date, and a row with no person."""
    lines = (workspace / "data" / "bolton-events.csv").read_text().splitlines()
    extra = ["P9,acute,start,not a date,,general", ",acute,start,2025-04-02 10:00:00,,general"]
    return ("\n".join(lines[: GOOD_ROWS + 1] + extra) + "\n").encode()


def upload(client, name: str, body: bytes):
    # httpx takes multipart fields as a dict (client.form sends a list of pairs)
    return client.post("/data/upload", data={"csrf_token": client.csrf()},
                       files={"file": (name, body, "text/csv")})


def mapping_choices(html: str) -> dict[str, str]:
    return dict(re.findall(r'<select class="nhsuk-select" id="(column_\w+)" name="\1">\s*'
                           r'<option value="">[^<]*</option>.*?(?:<option value="([^"]*)" '
                           r"selected>|</select>)", html, re.S))


def test_page_offers_an_upload_form(client):
    page = client.get("/data")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert 'name="csrf_token"' in page.text
    assert "No data has been imported into this workspace yet" in page.text


def test_upload_with_bad_rows_shows_the_quarantine_counts(client, demo_workspace):
    sent = upload(client, "bolton extract.csv", events_with_bad_rows(demo_workspace))
    assert sent.status_code == 303
    assert sent.headers["location"] == "/data/map?file=bolton_extract.csv"
    assert (demo_workspace / "data" / "uploads" / "bolton_extract.csv").is_file()

    page = client.get(sent.headers["location"])
    assert page.status_code == 200
    chosen = mapping_choices(page.text)
    # every column of the file is recognised by name and filled in
    assert chosen["column_person"] == "person" and chosen["column_event"] == "event"
    assert chosen["column_timestamp"] == "timestamp" and chosen["column_service"] == "service"
    assert chosen["column_started"] == ""  # a stays field: not in this file

    fields = {k: v for k, v in chosen.items() if v}
    report = client.form("/data/import", {"file": "bolton_extract.csv", **fields})
    assert report.status_code == 200
    totals = re.search(r'<p id="import-totals">(.*?)</p>', report.text, re.S).group(1)
    words = re.sub(r"<[^>]+>", "", totals)
    assert words.startswith(f"{GOOD_ROWS + 2} rows in = {GOOD_ROWS} loaded + 2 quarantined")
    assert "unparseable date" in report.text and "missing person" in report.text

    quarantine = client.get("/data/quarantine.csv")
    assert quarantine.status_code == 200
    assert quarantine.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(quarantine.text)))
    assert sorted(r["reason"] for r in rows) == ["missing_person", "unparseable_date"]
    assert len(Store(demo_workspace).quarantine()) == 2

    overview = client.get("/data")
    assert re.search(r'id="quarantine-total">2 rows quarantined', overview.text)
    assert 'id="imports"' in overview.text
    # diagnostics as charts with their tables
    assert 'id="diag-delayed_days"' in overview.text
    assert 'id="fig-referrals-data"' in overview.text or 'id="fig-variants-data"' in overview.text


def test_activity_map_turns_activities_into_stays(client, demo_workspace):
    log = ("case:concept:name,concept:name,time:timestamp\n"
           "c1,Admission NC,2024-01-01 10:00\n"
           "c1,Release A,2024-01-05 12:00\n"
           "c2,Admission NC,2024-01-02 09:00\n"
           "c2,Release A,2024-01-03 09:00\n")
    upload(client, "log.csv", log.encode())
    page = client.get("/data/map?file=log.csv")
    assert 'id="activity-map"' in page.text
    assert '<th scope="col" class="nhsuk-table__header">case:concept:name</th>' in page.text
    activities = dict(re.findall(r'name="(activity_\d+)" value="([^"]*)"', page.text))
    index = {v: k.split("_")[1] for k, v in activities.items()}
    assert set(index) == {"Admission NC", "Release A"}
    a, r = index["Admission NC"], index["Release A"]
    form = {"file": "log.csv", "column_person": "case:concept:name",
            "column_event": "concept:name", "column_timestamp": "time:timestamp",
            "date_order": "ymd", **{k: v for k, v in activities.items()},
            f"event_{a}": "start", f"service_{a}": "normal_care", f"event_{r}": "end"}
    report = client.form("/data/import", {**form, "save_as": "care-log"})
    assert report.status_code == 200, report.text
    saved = (demo_workspace / "data" / "mappings" / "care-log.yaml").read_text()
    assert "admission nc:" in saved and "normal_care" in saved  # reusable next time
    assert "4</strong> rows in = <strong id=\"rows-loaded\">4</strong>" in report.text
    stays = Store(demo_workspace).read("stays")
    assert sorted(stays["service"]) == ["normal_care", "normal_care"]
    assert stays["ended"].notna().all()


def test_a_mapping_that_cannot_work_is_explained_on_the_form(client):
    upload(client, "log.csv", b"who,where,what,when\n1,a,start,2024-01-01\n")
    page = client.form("/data/import", {"file": "log.csv", "column_service": "where"})
    assert page.status_code == 400
    assert 'id="import-error"' in page.text
    assert "cannot find the column for person" in page.text
    assert "--map" in page.text or "Say which column" in page.text


def test_an_activity_row_without_an_event_type_is_refused(client):
    upload(client, "log.csv", b"person,service,event,timestamp\n1,a,Admit,2024-01-01\n")
    page = client.form("/data/import", {"file": "log.csv", "activity_0": "Admit",
                                        "service_0": "acute"})
    assert page.status_code == 400
    assert "row for &#39;Admit&#39;: choose what the activity means" in page.text


@pytest.mark.parametrize(("name", "body", "words"), [
    ("notes.exe", b"abc", "this type of file cannot be imported"),
    ("empty.csv", b"", "empty.csv is empty"),
])
def test_bad_uploads_are_refused_in_plain_words(client, name, body, words):
    page = upload(client, name, body)
    assert page.status_code == 400
    assert words in page.text
    assert 'class="nhsuk-error-summary"' in page.text


def test_upload_without_the_csrf_token_is_refused(client):
    page = client.post("/data/upload", files={"file": ("a.csv", b"x,y\n1,2\n", "text/csv")})
    assert page.status_code == 403


@pytest.mark.parametrize("url", ["/data/map?file=missing.csv",
                                 "/data/map?file=../../wholeflow.yaml",
                                 "/data/quarantine.csv"])
def test_unknown_files_are_404(client, url):
    page = client.get(url)
    assert page.status_code == 404
    assert "Traceback" not in page.text


def test_a_file_that_cannot_be_read_says_why(client, demo_workspace):
    upload(client, "broken.xlsx", b"this is not a spreadsheet")
    page = client.get("/data/map?file=broken.xlsx")
    assert page.status_code == 400
    assert "This file cannot be read" in page.text


def test_every_diagnostic_has_a_table_and_the_bars_match_it(client, demo_workspace):
    import json

    from wholeflow import diagnose, import_events

    import_events(demo_workspace / "data" / "bolton-events.csv", demo_workspace)
    page = client.get("/data")
    assert page.status_code == 200
    tables = diagnose(demo_workspace)
    for key, df in tables.items():
        if len(df):
            assert f'id="diag-{key}"' in page.text  # each diagnostic shown, with its table
    found = re.search(r'id="fig-referrals-data">(.*?)</script>', page.text, re.S)
    bars = json.loads(found.group(1).replace("<\\/", "</"))["data"][0]
    referrals = tables["referrals"]
    referrals = referrals[referrals["service"].notna() & (referrals["service"] != "all")]
    x = bars["x"]
    if isinstance(x, dict):  # plotly sends numbers as a typed array
        import base64

        import numpy as np

        x = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
    assert sorted(x) == pytest.approx(sorted(referrals["failure_demand_hours"]))
    assert "Darley Court (nursing-led community beds)" in bars["y"]  # names, not ids


def test_a_bad_mapping_name_is_refused(client):
    upload(client, "log.csv", b"person,service,event,timestamp\n1,a,start,2024-01-01\n")
    page = client.form("/data/import", {"file": "log.csv", "save_as": "my mapping!"})
    assert page.status_code == 400
    assert "mapping name &#39;my mapping!&#39;: use letters, digits" in page.text
    assert not Store(client.app.state.ws.root).exists()  # refused before anything was imported


def test_an_oversized_upload_is_refused_and_not_kept(demo_workspace):
    from fastapi.testclient import TestClient

    from wholeflow.web import create_app

    with TestClient(create_app(demo_workspace, max_upload_mb=0.01)) as small:
        small.get("/data")
        token = small.cookies.get("wf_csrf")
        page = small.post("/data/upload", data={"csrf_token": token},
                          files={"file": ("big.csv", b"person,service\n" + b"p,a\n" * 5000,
                                          "text/csv")})
    assert page.status_code == 413
    assert not (demo_workspace / "data" / "uploads" / "big.csv").exists()


def test_a_damaged_store_is_reported_not_a_crash(client, demo_workspace):
    store = demo_workspace / ".wholeflow" / "store.duckdb"
    store.parent.mkdir(exist_ok=True)
    store.write_bytes(b"not a database" * 100)
    page = client.get("/data")
    assert page.status_code == 200
    assert "cannot open the store" in page.text
    assert client.get("/data/quarantine.csv").status_code == 400
    assert client.get("/replay?source=data").status_code == 400
