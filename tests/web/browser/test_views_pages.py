"""The map, replay, data, measures and report pages in a real browser (Chromium).

Each page is checked with axe-core (no serious or critical violations), used with the keyboard
where it matters, and photographed for the docs (docs/images/app/<page>.png). Waits are on
conditions in the page, never on time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from views_support import add_run

pytestmark = pytest.mark.browser


@pytest.fixture
def server(serve, demo_workspace):
    """A live server on the demo workspace holding a stored run."""
    add_run(demo_workspace)
    with serve(demo_workspace) as live:
        yield live


@pytest.fixture
def local_only(page, server):
    """Fails the test if the page asks for anything beyond this machine."""
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((server.url, "data:", "blob:")) else None)
    yield
    assert not outside, f"requests left the machine: {outside}"


def scroll_to(page, selector: str, above: int = 0) -> None:
    """Put ``selector`` at the top of the window (less ``above`` pixels), for the screenshot."""
    page.evaluate("([s, a]) => window.scrollTo(0, document.querySelector(s)"
                  ".getBoundingClientRect().top + window.scrollY - a)", [selector, above])


def test_map_shows_eight_services_and_opens_one_by_keyboard_and_click(
        page, server, local_only, assert_accessible, screenshot):
    page.goto(server.url + "/map")
    page.wait_for_function(
        "() => { const m = document.getElementById('system-map');"
        " return m && m.data && m.data.some(t => t.name === 'services'); }")
    services = page.evaluate(
        "() => document.getElementById('system-map').data"
        ".find(t => t.name === 'services').customdata.map(c => c[0])")
    assert len(services) == 8
    assert page.locator("#service-list a").count() == 8
    # keyboard: tab to a service in the list and press Enter
    link = page.locator('#service-list a[data-service="darley_court"]')
    link.focus()
    page.keyboard.press("Enter")
    page.locator("#service-name", has_text="Darley Court").wait_for()
    page.wait_for_function("() => document.activeElement.id === 'service-panel'")
    assert page.locator("#service-kpis").count() == 1  # KPIs with CIs from the stored run
    # mouse: click the acute circle on the map
    box = page.evaluate(
        "() => { const m = document.getElementById('system-map');"
        " const i = m.data.findIndex(t => t.name === 'services');"
        " const t = m.querySelectorAll('.scatterlayer .trace')[i];"
        " const p = t.querySelectorAll('path.point')[0]; p.scrollIntoView({block: 'center'});"
        " const r = p.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }")
    page.mouse.move(*box)  # plotly picks the point under the pointer, then the click
    page.locator(".hoverlayer", has_text="Royal Bolton Hospital").wait_for()
    page.mouse.click(*box)
    page.locator("#service-name", has_text="Royal Bolton Hospital").wait_for()
    assert_accessible(page)
    page.mouse.move(0, 0)  # no hover label in the picture
    page.locator(".hoverlayer .hovertext").wait_for(state="detached")
    scroll_to(page, "#services-heading", 10)
    screenshot(page, "map")


def test_replay_plays_and_the_day_clock_advances(page, server, local_only, assert_accessible,
                                                 screenshot):
    page.goto(server.url + "/replay")
    clock = page.locator("#replay-clock")
    clock.wait_for()
    assert clock.get_attribute("data-day") == "0"
    page.locator("#replay-speed").select_option("8")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "() => parseFloat(document.getElementById('replay-clock').dataset.day) >= 1")
    page.get_by_role("button", name="Pause").click()
    stopped = float(clock.get_attribute("data-day"))
    assert stopped >= 1 and "Day" in clock.inner_text()
    # keyboard: focus the picture, step forward a quarter of a day with the arrow key
    page.locator("#replay-stage").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("day => parseFloat(document.getElementById('replay-clock')"
                           ".dataset.day) === day", arg=stopped + 0.25)
    assert page.locator("#replay-stage rect").count() > 100  # people as dots
    assert page.locator("#replay-counts tbody tr").count() == 8
    assert_accessible(page)
    scroll_to(page, "#replay-player", 10)
    screenshot(page, "replay")


def test_upload_with_bad_rows_shows_the_quarantine_counts(page, server, local_only,
                                                          assert_accessible, screenshot,
                                                          tmp_path):
    lines = (server.workspace / "data" / "bolton-events.csv").read_text().splitlines()
    extract = tmp_path / "extract.csv"
    bad = ["P9,acute,start,not a date,,general", ",acute,start,2025-04-02 10:00:00,,general"]
    extract.write_text("\n".join([*lines, *bad]) + "\n")  # the demo's whole log, and two bad
    page.goto(server.url + "/data")
    assert_accessible(page)
    page.set_input_files("#file", str(extract))
    page.get_by_role("button", name="Upload and check the columns").click()
    page.get_by_role("heading", name="Check the columns of extract.csv").wait_for()
    assert page.locator("#column_person").input_value() == "person"
    assert_accessible(page)
    page.get_by_role("button", name="Import").click()
    page.get_by_role("heading", name="Import report").wait_for()
    assert page.locator("#rows-loaded").inner_text() == f"{len(lines) - 1:,}"
    assert page.locator("#rows-quarantined").inner_text() == "2"
    assert_accessible(page)
    page.goto(server.url + "/data")
    page.wait_for_function("() => document.querySelectorAll('.wf-plot[data-drawn]').length > 0")
    assert "2 rows quarantined" in page.locator("#quarantine-total").inner_text()
    assert_accessible(page)
    scroll_to(page, "#diagnostics", 10)
    screenshot(page, "data")


def test_measures_show_their_charts_and_take_a_value(page, server, local_only, assert_accessible,
                                                    screenshot):
    page.goto(server.url + "/measures")
    page.wait_for_function("() => document.querySelectorAll('.wf-plot[data-drawn]').length === 2")
    assert page.locator(".wf-spc-icons img").count() >= 2
    assert_accessible(page)
    scroll_to(page, "#title-darley_court_los", 10)
    screenshot(page, "measures")
    page.locator("#darley_court_los-value").fill("24.5")
    page.locator("#measure-darley_court_los").get_by_role("button", name="Add the value").click()
    page.locator("#value-added").wait_for()
    assert page.locator("#latest-darley_court_los").inner_text() == "24.5"


def test_report_downloads(page, server, local_only, assert_accessible, screenshot):
    page.goto(server.url + "/report")
    assert_accessible(page)
    screenshot(page, "report")
    with page.expect_download() as got:
        page.locator("#download-report").click()
    report = got.value
    assert report.suggested_filename == "bolton-report.html"
    text = Path(report.path()).read_text(encoding="utf-8")
    assert "Bolton Intermediate Tier" in text and "All KPIs with 95 % confidence" in text
    with page.expect_download() as got:
        page.locator("#download-workbook").click()
    assert got.value.suggested_filename == "bolton-workbook.xlsx"
    assert Path(got.value.path()).read_bytes()[:2] == b"PK"  # a zip: an .xlsx file


def test_a_finding_added_elsewhere_appears_on_the_open_map(page, browser, server, local_only):
    page.goto(server.url + "/map?service=acute")
    count = page.locator("#map-findings-count")
    assert count.inner_text() == "7"
    page.wait_for_function("() => document.querySelector('#system-map[data-drawn]')")
    # a participant's browser adds a finding pinned to the acute hospital
    other = browser.new_context()
    try:
        phone = other.new_page()
        phone.goto(server.url + "/findings")
        token = next(c["value"] for c in other.cookies() if c["name"] == "wf_csrf")
        sent = phone.request.post(server.url + "/findings", form={
            "arrow": "people", "kind": "niggle", "source": "staff", "services": "acute",
            "text": "Ward rounds finish after the transport has gone", "csrf_token": token},
            max_redirects=0)
        assert sent.status == 303
    finally:
        other.close()
    # the open map updates without a reload: badge count, redrawn figure and the panel
    page.wait_for_function("() => document.getElementById('map-findings-count')"
                           ".textContent === '8'")
    page.locator("#service-findings", has_text="Ward rounds finish").wait_for()
    page.wait_for_function("() => document.querySelector('#system-map[data-drawn]')")
