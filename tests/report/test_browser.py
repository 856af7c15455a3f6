"""The report in a real browser: headless Chromium opens it offline, with no errors.

Skipped when Chromium is missing, except in CI (the CI variable is set), where it fails: CI
installs Chromium from Debian's packages (see .ci/run). Screenshots of the page and of the
system map are saved in test-artefacts/.
"""

import os
from pathlib import Path

import pytest
from report_browser import find_chromium, open_page

from wholeflow.report import parse_findings, write_report

pytestmark = pytest.mark.browser

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"

FINDINGS = """
- {arrow: information, kind: root cause, source: staff, services: [darley_court],
   text: The referral form is so long that staff fill it in badly to get it done.}
- {arrow: people, kind: no-no, source: lived experience, services: [acute],
   text: I had told my story ten times before I reached the ward.}
- {arrow: workforce, kind: nugget, source: staff, routes: [acute > imc_at_home],
   text: Therapy instructors now meet people within 24 hours of leaving the bedded unit.}
- {arrow: finance and resources, kind: niggle, source: data, services: [imc_at_home],
   text: Referrals sent on Friday wait until Monday to be looked at.}
"""


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("headless Chromium is required in CI: apt-get install -y chromium")
        pytest.skip("headless Chromium is not installed (apt-get install -y chromium)")
    return path


def test_report_opens_offline_with_no_errors(chromium, tmp_path, bolton_results, comparison,
                                             sensitivity):
    model = bolton_results.model
    findings = parse_findings(FINDINGS, "findings.yaml", model)
    page = write_report(tmp_path / "report.html", model, results=bolton_results,
                        comparison=comparison, sensitivity=sensitivity, findings=findings)
    shots = {"#scenarios": ARTEFACTS / "report-scenarios.png"}
    seen = open_page(chromium, page, tmp_path / "profile", shots, height=1900)
    assert seen.errors == []
    assert seen.figures >= 10
    assert seen.plots == seen.figures  # every chart was drawn
    assert_picture(shots["#scenarios"])


def assert_picture(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 20_000  # a picture, not a blank page


def test_bolton_example_report_in_the_browser(chromium, tmp_path):
    """The shipped Bolton example, simulated, with findings: what ``wholeflow demo`` shows."""
    import shutil

    import wholeflow
    from wholeflow.report import report_workspace

    workspace = tmp_path / "bolton"
    shutil.copytree(Path(wholeflow.__file__).parent / "examples" / "bolton", workspace)
    assert (workspace / "findings").is_dir()  # the example ships its diagnostic findings
    model = wholeflow.load_model(workspace)
    results = wholeflow.simulate(model, replications=3, seed=1)
    files = report_workspace(workspace, results=results)
    shots = {"viewport": ARTEFACTS / "report.png", "#figure-1": ARTEFACTS / "map.png"}
    seen = open_page(chromium, files.html, tmp_path / "profile", shots, height=1900)
    assert seen.errors == []
    assert seen.plots == seen.figures >= 8
    for path in shots.values():
        assert_picture(path)



def test_the_check_catches_errors_and_outside_requests(chromium, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><img src='http://127.0.0.1:9/logo.png' alt=''>"
        "<script>console.error('bad thing'); throw new Error('kaboom');</script>"
        "</body></html>", encoding="utf-8")
    errors = open_page(chromium, page, tmp_path / "profile", {}).errors
    assert any("kaboom" in e for e in errors)
    assert any(e.startswith("console: bad thing") for e in errors)
    assert any(e.startswith("external request: http://127.0.0.1:9/") for e in errors)
