"""The Report page: the HTML report and the Excel workbook of what the app shows."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from views_support import add_run


def test_page_lists_what_the_downloads_hold(client):
    page = client.get("/report")
    assert page.status_code == 200
    contents = re.search(r'id="report-contents">(.*?)</dl>', page.text, re.S).group(1)
    assert "Bolton Intermediate Tier: 8 services" in contents
    assert "None yet: volumes expected from the model" in contents
    assert ">7<" in contents  # findings
    assert "2: Darley Court length of stay, IMC@Home discharge dates set" in contents
    assert 'href="/report/download.html?suppress=auto"' in page.text


def test_html_report_of_the_model_alone(client):
    got = client.get("/report/download.html")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/html")
    assert got.headers["content-disposition"] == 'attachment; filename="bolton-report.html"'
    html = got.text
    assert "<title>Bolton Intermediate Tier" in html
    assert "The system on one page" in html
    # self-contained: nothing is loaded from elsewhere
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', html)


def test_report_and_workbook_of_a_stored_run(client, demo_workspace):
    add_run(demo_workspace)
    assert "The newest baseline run (baseline)" in client.get("/report").text
    page = client.get("/report?run=baseline")
    assert "Stored run baseline" in page.text
    html = client.get("/report/download.html?run=baseline").text
    assert "All KPIs with 95 % confidence intervals" in html
    got = client.get("/report/download.xlsx?run=baseline")
    assert got.status_code == 200
    assert got.headers["content-disposition"] == (
        'attachment; filename="bolton-baseline-workbook.xlsx"')
    book = load_workbook(io.BytesIO(got.content), read_only=True)
    assert {"About", "KPIs", "Services", "Routes", "Findings"} <= set(book.sheetnames)
    services = book["Services"]
    assert services.max_row == 1 + 8  # header and 8 services


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/report?run=nope", 404, "There is no stored run called &#39;nope&#39;"),
    ("/report/download.html?run=nope", 404, "There is no stored run called"),
    ("/report/download.xlsx?run=nope", 404, "Runs kept in this workspace: none yet"),
    ("/report?suppress=maybe", 400, "Small-number suppression: &#39;maybe&#39; is not one of"),
    ("/report/download.html?suppress=maybe", 400, "is not one of auto, on or off"),
])
def test_bad_requests_get_plain_words(client, url, status, words):
    page = client.get(url)
    assert page.status_code == status
    assert words in page.text
    assert "Traceback" not in page.text


def test_a_broken_model_gives_its_problems_not_a_report(client, demo_workspace):
    model = demo_workspace / "wholeflow.yaml"
    model.write_text(model.read_text().replace("run_days: 365", "run_days: -1", 1))
    got = client.get("/report/download.html")
    assert got.status_code == 422
    assert "run_days" in got.text
