"""The app's frame: pages render, errors are plain words, a broken model does not crash it."""

from __future__ import annotations

from wholeflow.web import create_app


def test_overview_summarises_the_demo(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "Bolton" in r.text
    assert "Intermediate Care at Home (IMC@Home)" in r.text
    assert 'href="#maincontent"' in r.text  # skip link
    assert "/static/nhsuk/nhsuk-frontend.min.css" in r.text


def test_unknown_page_is_a_plain_404(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert "Page not found" in r.text
    assert "Traceback" not in r.text


def test_static_assets_are_served_from_the_package(client):
    for path in ("/static/nhsuk/nhsuk-frontend.min.css", "/static/nhsuk/nhsuk-frontend.min.js",
                 "/static/htmx/htmx.min.js", "/static/htmx/sse.min.js", "/static/js/app.js"):
        assert client.get(path).status_code == 200, path


def test_broken_model_shows_located_problems(demo_workspace):
    model = demo_workspace / "wholeflow.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("capacity: 17", "capacity: -3", 1), encoding="utf-8")
    from fastapi.testclient import TestClient

    r = TestClient(create_app(demo_workspace)).get("/")
    assert r.status_code == 200
    assert "problem" in r.text
    assert "wholeflow.yaml" in r.text and "capacity" in r.text
    line = next(i for i, ln in enumerate(model.read_text().splitlines(), 1) if "capacity: -3" in ln)
    assert f"line {line}" in r.text


def test_a_bug_is_a_plain_500_page_without_traceback(demo_workspace, monkeypatch):
    from fastapi.testclient import TestClient

    from wholeflow.web.state import Workspace

    def broken(self):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Workspace, "run_manifests", broken)
    r = TestClient(create_app(demo_workspace), raise_server_exceptions=False).get("/")
    assert r.status_code == 500
    assert "Sorry, there is a problem with the app" in r.text
    assert "secret internals" not in r.text and "Traceback" not in r.text


def test_malformed_form_body_is_a_4xx(client):
    r = client.post("/findings", content=b"\xff\xfe%%%", headers={
        "content-type": "multipart/form-data; boundary=x", "X-CSRF-Token": client.csrf()})
    assert 400 <= r.status_code < 500


def test_workspace_that_is_not_a_folder_is_refused(tmp_path):
    import pytest

    from wholeflow.errors import WholeflowError

    with pytest.raises(WholeflowError, match="is not a folder"):
        create_app(tmp_path / "missing")


def test_folder_without_a_model_still_serves(tmp_path):
    from fastapi.testclient import TestClient

    r = TestClient(create_app(tmp_path)).get("/")
    assert r.status_code == 200
    assert "without wholeflow.yaml" in r.text


def test_overview_counts_runs_and_findings(client):
    r = client.get("/")
    assert 'id="runs-count">0<' in r.text
    assert "No data imported yet" in r.text


def test_kernel_warm_up_runs_in_the_background():
    import sys

    from wholeflow.web.app import start_warm_up

    thread = start_warm_up()
    assert thread.daemon  # never holds the server open
    thread.join(600)
    assert not thread.is_alive()
    assert "wholeflow.experiment._warm" in sys.modules  # the kernel is loaded in this process


def test_overview_summarises_imported_data(client, demo_workspace):
    import wholeflow

    wholeflow.import_events(demo_workspace / "data" / "bolton-events.csv",
                            workspace=demo_workspace)
    r = client.get("/")
    assert "7,934 events loaded from 1 import (7,934 rows in, 0 quarantined)" in r.text
    assert "2025-04-01 to 2025-05-08" in r.text


def test_without_the_web_extra_the_message_says_how_to_install_it(demo_workspace, monkeypatch):
    import sys

    import pytest

    from wholeflow.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if fastapi were not installed
    monkeypatch.delitem(sys.modules, "wholeflow.web.app", raising=False)
    with pytest.raises(MissingExtraError, match=r"pip install 'wholeflow\[web\]'"):
        create_app(demo_workspace)
