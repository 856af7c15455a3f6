"""The app opens in a real browser, with the NHS design system and no accessibility failures."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_overview_opens_in_chromium(live_server, page, assert_accessible, screenshot):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server.url + "/")
    page.get_by_role("heading", level=1).wait_for()
    assert "Bolton" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("header.nhsuk-header").count() == 1
    # the NHS stylesheet really applied (the header is NHS blue)
    colour = page.eval_on_selector("header.nhsuk-header",
                                   "e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(0, 94, 184)"
    assert_accessible(page)
    screenshot(page, "overview")
    outside = [u for u in requests if not u.startswith((live_server.url, "data:"))]
    assert not outside, f"requests left the machine: {outside}"
