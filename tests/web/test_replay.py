"""The replay page: frames from a stored run or imported data, checked against the run's own
midnight census, and bad requests answered in plain words."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from views_support import add_run


def frames(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="replay-data">(.*?)</script>',
                      html, re.S)
    assert found, "no replay frames on the page"
    return json.loads(found.group(1).replace("<\\/", "</"))


@pytest.fixture
def run_client(client, demo_workspace):
    add_run(demo_workspace)
    return client


def test_nothing_to_replay_says_so(client):
    page = client.get("/replay")
    assert page.status_code == 200
    assert "Nothing to replay yet" in page.text


def test_window_of_a_run_has_a_frame_every_six_hours(run_client):
    page = run_client.get("/replay")
    assert page.status_code == 200
    data = frames(page.text)
    times = [f["t"] for f in data["frames"]]
    assert times[0] == 0 and times[-1] == 28 and len(times) == 28 * 4 + 1
    # the window starts after the model's 60-day warm-up (start 2025-04-01)
    assert data["start"].startswith("2025-05-31")
    assert [p["id"] for p in data["placeInfo"]][:2] == ["acute", "darley_court"]
    assert 'id="replay-clock"' in page.text and 'id="replay-play"' in page.text


def test_counts_match_the_runs_midnight_census(run_client, demo_workspace):
    """Dots in a service at midnight = the daily table's occupancy; delayed ones = its
    delayed occupancy (the engine counts both from the same stays)."""
    page = run_client.get("/replay?replication=1&start=2025-09-01")
    data = frames(page.text)
    assert data["start"].startswith("2025-09-01")
    daily = pd.read_parquet(demo_workspace / ".wholeflow/results/baseline/daily.parquet")
    daily = daily[daily.replication == 1].set_index(["service", "date"])
    checked = 0
    for frame in data["frames"]:
        if frame["t"] != int(frame["t"]):
            continue
        day = pd.Timestamp("2025-09-01") + pd.Timedelta(days=frame["t"])
        for sid, c in frame["c"].items():
            if (sid, day) not in daily.index:
                continue  # exits
            row = daily.loc[(sid, day)]
            assert c["in_care"] + c["delayed"] == row["occupancy"], (sid, day)
            assert c["delayed"] == row["delayed_occupancy"], (sid, day)
            checked += 1
    assert checked == 29 * 8


def test_imported_data_can_be_replayed(client, demo_workspace):
    from wholeflow import import_events

    import_events(demo_workspace / "data" / "bolton-events.csv", demo_workspace)
    page = client.get("/replay?source=data")
    assert page.status_code == 200
    data = frames(page.text)
    assert "imported data" in page.text
    assert sum(len(f["p"]) for f in data["frames"]) > 0  # people on the map


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/replay?start=2020-01-01", 400, "Start: 2020-01-01 is outside the data; choose a date "
                                      "from 2025-05-31 to"),
    ("/replay?start=31/12/2025", 400, "write it as YYYY-MM-DD"),
    ("/replay?replication=7", 400, "has replications 0 to 1; 7 is not one of them"),
    ("/replay?replication=two", 400, "is not a whole number"),
    ("/replay?source=no-such-run", 404, "There is no stored run called &#39;no-such-run&#39;"),
    ("/replay?source=data", 404, "No data has been imported into this workspace yet"),
])
def test_bad_requests_get_plain_words(run_client, url, status, words):
    page = run_client.get(url)
    assert page.status_code == status
    assert words in page.text
    assert "Traceback" not in page.text


def test_runs_without_a_stays_table_are_not_offered(client, demo_workspace):
    import shutil

    full = add_run(demo_workspace)
    only = demo_workspace / ".wholeflow" / "results" / "kpis_only"
    only.mkdir()
    shutil.copy(full / "kpis.parquet", only / "kpis.parquet")
    page = client.get("/replay")
    assert 'value="baseline"' in page.text and 'value="kpis_only"' not in page.text
    shutil.rmtree(full)
    page = client.get("/replay")
    assert "Nothing to replay yet" in page.text and "keep their KPIs only" in page.text
    assert client.get("/replay?source=kpis_only").status_code == 404


def test_a_workspace_holding_only_imported_data_replays_it(tmp_path, demo_workspace):
    from fastapi.testclient import TestClient

    from wholeflow import import_events
    from wholeflow.web import create_app

    only_data = tmp_path / "data-only"
    only_data.mkdir()
    import_events(demo_workspace / "data" / "bolton-events.csv", only_data)
    with TestClient(create_app(only_data)) as c:
        page = c.get("/replay")
        assert page.status_code == 200
        data = frames(page.text)
        # no model: the places come from the data (services, then where people went)
        ids = [p["id"] for p in data["placeInfo"]]
        assert {"acute", "darley_court", "home"} <= set(ids)
        assert [p["label"] for p in data["placeInfo"]][ids.index("darley_court")] == \
            "Darley court"
        assert c.get("/data").status_code == 200
