"""Fixtures of the web app's tests.

- ``demo_workspace``: a fresh copy of the Bolton example (as ``wholeflow demo`` makes it).
- ``client``: a :class:`WebClient` (FastAPI TestClient) on that workspace, runs in-process;
  ``client.form(url, data)`` posts a form with the page's CSRF token, as a browser would.
- ``serve`` (fixture giving ``serve(workspace, **create_app_options)``): a context manager
  running uvicorn on a free loopback port in a thread (ready when uvicorn says it started;
  no sleeps); yields a
  :class:`LiveServer` (``url``, ``app``). ``live_server`` is one on ``demo_workspace``.
- ``browser`` (session) / ``page`` (per test): Playwright driving Debian's /usr/bin/chromium
  (never ``playwright install``), with background networking off. Browser tests are marked
  ``@pytest.mark.browser`` and skip only when /usr/bin/chromium is absent.
- ``assert_accessible`` (fixture giving ``assert_accessible(page)``): axe-core on the page;
  fails on serious or critical violations.
- ``screenshot`` (fixture giving ``screenshot(page, name)``): writes
  docs/images/app/<name>.png (the docs show the app as it is).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from wholeflow.cli.demo import prepare_workspace
from wholeflow.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "images" / "app"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-default-apps", "--disable-quic", "--metrics-recording-only",
                 "--disable-domain-reliability", "--disable-client-side-phishing-detection"]


class WebClient(TestClient):
    """A TestClient that can post forms with the CSRF token a page would carry."""

    def csrf(self) -> str:
        """The CSRF token of this client (fetching a page first sets it)."""
        token = self.cookies.get("wf_csrf")
        if not token:
            self.get("/static/css/app.css")
            token = self.cookies.get("wf_csrf")
        assert token, "the app set no CSRF cookie"
        return str(token)

    def form(self, url: str, data: dict[str, Any] | list[tuple[str, Any]] | None = None,
             files: Any = None, **kw: Any) -> Any:
        """POST ``data`` to ``url`` as a form, with the CSRF field."""
        items = list(data.items()) if isinstance(data, dict) else list(data or [])
        items.append(("csrf_token", self.csrf()))
        if files is not None:  # multipart: httpx takes the fields as a dict
            return self.post(url, data=dict(items), files=files, **kw)
        return self.post(url, content=urlencode(items), headers={  # pairs may repeat a name
            "content-type": "application/x-www-form-urlencoded"}, **kw)


@pytest.fixture
def demo_workspace(tmp_path: Path) -> Path:
    """A fresh copy of the Bolton example workspace."""
    return prepare_workspace(tmp_path / "bolton")


@pytest.fixture
def client(demo_workspace: Path) -> Iterator[WebClient]:
    """A test client on the demo workspace (localhost, no token)."""
    with WebClient(create_app(demo_workspace, workers=1), follow_redirects=False) as c:
        yield c


# -- a real server ---------------------------------------------------------------------------

@dataclass
class LiveServer:
    url: str
    app: Any
    workspace: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serve(workspace: Path, **options: Any) -> Iterator[LiveServer]:
    """Run the app with uvicorn in a thread on a free loopback port."""
    import uvicorn

    app = create_app(workspace, **options)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:  # wait on uvicorn's own readiness flag
        thread.join(0.02)
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped before it started")
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, workspace)
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture
def live_server(demo_workspace: Path) -> Iterator[LiveServer]:
    with _serve(demo_workspace, workers=1) as server:
        yield server


# -- a real browser --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(60_000)
    yield p
    context.close()


def _assert_accessible(page: Any) -> None:
    """axe-core on the current page: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n.get("target")) for n in v.get("nodes", [])[:3]) for v in bad)


def _screenshot(page: Any, name: str, full_page: bool = False) -> Path:
    """Save the page (the window, or ``full_page``) as docs/images/app/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def serve() -> Any:
    """``with serve(workspace, token=...) as server:`` runs another live server."""
    return _serve


@pytest.fixture
def assert_accessible() -> Any:
    """``assert_accessible(page)``: axe-core, no serious or critical violations."""
    return _assert_accessible


@pytest.fixture
def screenshot() -> Any:
    """``screenshot(page, name)`` writes docs/images/app/<name>.png."""
    return _screenshot
