"""The system map page: the map's data, the service panel, colours, and bad requests."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from views_support import add_run

from wholeflow.report.sections import summarise_kpis

SERVICES = ["acute", "darley_court", "laburnum_lodge", "four_seasons", "wilfred_geere",
            "imc_at_home", "reablement", "iv_therapy"]


def figure(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="system-map-data">(.*?)</script>',
                      html, re.S)
    assert found, "no map figure on the page"
    return json.loads(found.group(1).replace("<\\/", "</"))


def trace(fig: dict, name: str) -> dict:
    (found,) = [t for t in fig["data"] if t.get("name") == name]
    return found


@pytest.fixture
def run_client(client, demo_workspace):
    add_run(demo_workspace)
    return client


def test_map_of_the_demo_shows_eight_services_in_map_and_list(client):
    page = client.get("/map")
    assert page.status_code == 200
    services = trace(figure(page.text), "services")
    assert [c[0] for c in services["customdata"]] == SERVICES
    listed = re.findall(r'data-service="([a-z_]+)"', page.text)
    assert listed == SERVICES
    assert "what the model expects" in page.text  # no run yet
    assert 'id="map-services"' in page.text  # the table behind the map
    assert page.text.count('<tr class="nhsuk-table__row">') >= 9  # header + 8 services


def test_service_panel_shows_settings_and_findings_without_a_run(client):
    page = client.get("/map/service/darley_court")
    assert page.status_code == 200
    assert "Darley Court (nursing-led community beds)" in page.text
    assert "46%" in page.text  # acceptance
    # pinned: by service (30 % could have gone home) and by route (acute > darley_court)
    assert page.text.count("<li><strong class=\"nhsuk-tag") == 2
    assert "No stored run has results" in page.text


def test_kpis_with_confidence_intervals_come_from_the_stored_run(run_client, demo_workspace):
    page = run_client.get("/map?service=acute")
    assert page.status_code == 200
    assert "Results from stored run <strong>baseline</strong>" in page.text
    assert 'href="/report?run=baseline"' in page.text
    assert 'href="/replay?source=baseline"' in page.text
    kpis = pd.read_parquet(demo_workspace / ".wholeflow/results/baseline/kpis.parquet")
    s = summarise_kpis(kpis[(kpis.service == "acute") & (kpis.metric == "delayed_days")])
    row = re.search(r'<th scope="row"[^>]*>Delayed days</th>(.*?)</tr>', page.text, re.S)
    assert row, "no delayed-days row in the KPI table"
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells[0] == f"{s['mean'].iloc[0]:,.0f}"
    assert cells[1] == f"{s['ci_low'].iloc[0]:,.0f} to {s['ci_high'].iloc[0]:,.0f}"
    assert "Means over 2 replications" in page.text
    occupancy = re.search(r">Occupancy \(share of places\)</th><td[^>]*>(\d+)%</td>", page.text)
    util = kpis[(kpis.service == "acute") & (kpis.metric == "utilisation")]["value"].mean()
    assert occupancy and int(occupancy.group(1)) == round(util * 100)


def test_delayed_days_by_cause_and_target_add_up(run_client, demo_workspace):
    page = run_client.get("/map/service/acute")
    delays = pd.read_parquet(demo_workspace / ".wholeflow/results/baseline/delays.parquet")
    acute = delays[delays.service == "acute"]
    table = re.search(r'id="service-delays".*?</table>', page.text, re.S)
    assert table
    shown = [float(v.replace(",", "")) for v in
             re.findall(r'numeric">([\d,.]+)</td></tr>', table.group(0))]
    expected = acute["days"].sum() / 2  # mean over 2 replications, a 365-day run
    assert sum(shown) == pytest.approx(expected, rel=0.01, abs=len(shown))
    top = acute.groupby(["target", "cause"])["days"].sum().max() / 2
    assert shown[0] == pytest.approx(top, abs=0.5)


def test_colour_by_failure_demand_uses_the_run(run_client, demo_workspace):
    page = run_client.get("/map?colour=failure_demand")
    assert page.status_code == 200
    values = {c[0]: c[1] for c in trace(figure(page.text), "services")["customdata"]}
    kpis = pd.read_parquet(demo_workspace / ".wholeflow/results/baseline/kpis.parquet")
    hours = kpis[(kpis.service == "imc_at_home") & (kpis.metric == "failure_demand_hours")]
    assert values["imc_at_home"] == pytest.approx(hours["value"].mean())  # 365-day run
    assert values["imc_at_home"] > 0
    assert '<option value="failure_demand" selected>' in page.text


def test_figure_fragment_counts_the_findings(client):
    page = client.get("/map/figure?colour=delayed_days")
    assert page.status_code == 200
    assert '<span id="map-findings-count">7</span>' in page.text
    assert "<html" not in page.text  # a fragment for htmx


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/map/service/nowhere", 404, "The model has no service &#39;nowhere&#39;"),
    ("/map?service=nowhere", 404, "Its services are: acute, darley_court"),
    ("/map?run=no-such-run", 404, "There is no stored run called &#39;no-such-run&#39;"),
    ("/map/service/acute?run=zzz", 404, "no stored run called"),
    ("/map?colour=mood", 400, "Colour by &#39;mood&#39; is not one of"),
])
def test_bad_requests_get_plain_words(client, url, status, words):
    page = client.get(url)
    assert page.status_code == status
    assert words in page.text
    assert "Traceback" not in page.text


def test_a_broken_model_shows_its_problems(client, demo_workspace):
    model = demo_workspace / "wholeflow.yaml"
    model.write_text(model.read_text().replace("capacity: 50", "capacity: -3", 1))
    page = client.get("/map")
    assert page.status_code == 422
    assert "capacity" in page.text and "wholeflow.yaml" in page.text


def test_a_new_finding_shows_on_the_map_at_once(client, demo_workspace):
    assert '<span id="map-findings-count">7</span>' in client.get("/map/figure").text
    (demo_workspace / "findings" / "room.yaml").write_text(
        "- {arrow: people, kind: niggle, source: staff, text: Weekend gap, services: [acute]}\n")
    page = client.get("/map/figure")
    assert '<span id="map-findings-count">8</span>' in page.text
    assert "Weekend gap" in client.get("/map/service/acute").text


def test_a_run_with_kpis_only_gives_delays_by_cause(client, demo_workspace):
    """Runs made by comparisons keep their KPIs only: causes come from the KPIs then."""
    import shutil

    full = add_run(demo_workspace)
    only = demo_workspace / ".wholeflow" / "results" / "kpis_only"
    only.mkdir()
    shutil.copy(full / "kpis.parquet", only / "kpis.parquet")
    shutil.rmtree(full)
    page = client.get("/map/service/acute?run=kpis_only")
    assert page.status_code == 200
    table = re.search(r'id="service-delays".*?</table>', page.text, re.S).group(0)
    assert "not recorded in this run" in table
    shown = [float(v.replace(",", "")) for v in
             re.findall(r'numeric">([\d,.]+)</td></tr>', table)]
    kpis = pd.read_parquet(only / "kpis.parquet")
    total = kpis[(kpis.service == "acute") & (kpis.metric == "delayed_days")]["value"].mean()
    assert sum(shown) == pytest.approx(total, abs=len(shown))  # the causes add up
