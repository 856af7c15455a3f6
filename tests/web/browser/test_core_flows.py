"""The app's core flows in a real browser (Debian's Chromium through Playwright).

Open the demo workspace; make IMC@Home accept referrals every day, run it and read acute
delayed days falling with a confidence interval on Compare; the same flow by keyboard only; two
browsers in room mode (a finding sent from one appears in the other without a reload); axe on
every page; screenshots for the how-to guide.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

CALENDAR = "#f-services-imc_at_home-referral-calendar"


def no_outside_requests(page, base):
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    return lambda: [u for u in seen if not u.startswith((base, "data:", "blob:"))]


def acute_delayed_days_row(page):
    row = page.locator('#headline-table tr[data-metric="delayed_days"][data-service="acute"]')
    row.wait_for()
    difference = float(row.locator(".wf-difference").inner_text().split()[-1].replace(",", ""))
    ci = row.locator(".wf-ci").inner_text()
    low, high = (float(x.replace(",", "")) for x in re.findall(r"-?[\d,]+(?:\.\d+)?", ci)[-2:])
    return difference, low, high


def test_imc_every_day_cuts_acute_delayed_days(live_server, page, assert_accessible,
                                               screenshot):
    outside = no_outside_requests(page, live_server.url)
    page.goto(live_server.url + "/scenarios")
    assert_accessible(page)
    screenshot(page, "scenarios")
    page.get_by_role("link", name="Create a scenario").click()
    page.get_by_label("Scenario name").fill("imc_every_day")
    page.get_by_label("What does it test?").fill("IMC@Home accepts referrals every day")
    page.select_option(CALENDAR, "seven_day")
    assert_accessible(page)
    page.locator(CALENDAR).scroll_into_view_if_needed()
    screenshot(page, "scenario-edit")
    page.get_by_role("button", name="Save scenario").click()
    page.get_by_text("Scenario imc_every_day saved").wait_for()
    page.fill("#reps-imc_every_day", "10")
    page.get_by_role("button", name="Run imc_every_day").click()
    page.wait_for_url(re.compile(r"/compare\?job="))
    difference, low, high = acute_delayed_days_row(page)  # the page reloads when it is done
    assert difference < 0 and low < high < 0, (difference, low, high)
    page.locator("#forest .main-svg").first.wait_for()  # the forest plot drew
    assert "fall" in page.locator("#verdicts").inner_text()
    assert_accessible(page)
    screenshot(page, "compare", full_page=True)
    assert not outside()


def test_whole_scenario_flow_by_keyboard_only(live_server, page):
    page.goto(live_server.url + "/scenarios")

    def tab_to(predicate_js, most=400):
        for _ in range(most):
            page.keyboard.press("Tab")
            if page.evaluate(predicate_js):
                return
        raise AssertionError(f"Tab never reached {predicate_js}")

    tab_to("document.activeElement.textContent.trim() === 'Create a scenario'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/scenarios/new")
    tab_to("document.activeElement.id === 'name'")
    page.keyboard.type("imc_keyboard")
    tab_to(f"document.activeElement.id === '{CALENDAR[1:]}'")
    page.keyboard.press("ArrowDown")  # weekdays -> seven day
    assert page.locator(CALENDAR).input_value() == "seven_day"
    tab_to("document.activeElement.textContent.trim() === 'Save scenario'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/scenarios?saved=imc_keyboard*")
    tab_to("document.activeElement.id === 'reps-imc_keyboard'")
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Run imc_keyboard"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/compare\?job="))
    difference, _, high = acute_delayed_days_row(page)
    assert difference < 0 and high < 0


def test_room_finding_appears_in_the_other_browser(live_server, browser, assert_accessible,
                                                   screenshot):
    facilitator = browser.new_context(viewport={"width": 1280, "height": 900})
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        screen = facilitator.new_page()
        screen.goto(live_server.url + "/room")
        link = screen.locator("#participant-link").inner_text()
        assert_accessible(screen)
        screenshot(screen, "room")
        screen.goto(live_server.url + "/findings")
        # the facilitator's page is listening to the room before the phone sends
        screen.wait_for_function("document.body.dataset.sse === 'open'")
        assert_accessible(screen)
        screen.evaluate("window.notReloaded = true")

        mobile = phone.new_page()
        mobile.goto(link.replace(link.split("/j/")[0], live_server.url))
        mobile.wait_for_url("**/join")
        assert_accessible(mobile)
        mobile.get_by_label("What did you find?").fill("Nobody told me when I could go home")
        mobile.get_by_label("Niggle").check()
        mobile.get_by_label("People").check()
        mobile.get_by_label("Lived experience").check()
        mobile.evaluate("window.scrollTo(0, 0)")
        screenshot(mobile, "join-phone")
        mobile.get_by_role("button", name="Send finding").click()
        mobile.get_by_text("Your finding is on the shared screen").wait_for()

        screen.get_by_role("cell", name="Nobody told me when I could go home").wait_for(
            timeout=10_000)
        assert screen.evaluate("window.notReloaded === true")  # it came without a reload
        screenshot(screen, "findings")
        presenter = facilitator.new_page()
        presenter.goto(live_server.url + "/room/presenter")
        presenter.locator(".wf-finding", has_text="Nobody told me when I could go").wait_for()
        assert_accessible(presenter)
        screenshot(presenter, "presenter")
    finally:
        facilitator.close()
        phone.close()


def test_other_pages_are_accessible(live_server, page, assert_accessible):
    for path in ("/", "/runs", "/scenarios/imc_weekends/edit", "/scenarios/new", "/compare",
                 "/findings", "/room", "/room/presenter", "/join", "/join/thanks",
                 "/no-such-page"):
        page.goto(live_server.url + path)
        page.locator("h1").first.wait_for()
        assert_accessible(page)
