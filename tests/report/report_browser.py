"""Drive headless Chromium over the DevTools protocol: open a page, collect errors, screenshot.

Used by test_browser.py. Chromium is started with networking features off and a throwaway
profile; the page's console errors, uncaught exceptions, failed loads and any request that is
not for a local file are returned as error messages.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--remote-allow-origins=*"]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    errors: list[str] = field(default_factory=list)
    plots: int = 0
    figures: int = 0
    screenshots: dict[str, Path] = field(default_factory=dict)


class _Session:
    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=120)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def call(self, method: str, **params: object) -> dict:
        n = next(self.ids)
        self.ws.send(json.dumps({"id": n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == n:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str) -> dict:
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == method:
                return msg
            self.events.append(msg)


def _start(chromium: str, profile: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "LANG": "en_GB.UTF-8"})
    assert proc.stderr is not None
    for line in proc.stderr:  # blocks until Chromium says where DevTools listens
        if "DevTools listening on" in line:
            url = line.split("DevTools listening on", 1)[1].strip()
            # keep reading what Chromium logs, so a full pipe never blocks it
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, url.split("/devtools/")[0].replace("ws://", "http://")
    proc.kill()
    raise RuntimeError("Chromium exited before opening DevTools")


def open_page(chromium: str, page: Path, profile: Path, shots: dict[str, Path],
              width: int = 1400, height: int = 1100) -> PageReport:
    """Load ``page``; return errors, rendered plot count and screenshots written.

    ``shots`` maps a CSS selector (or ``"viewport"``) to the PNG path to write.
    """
    proc, http = _start(chromium, profile)
    report = PageReport()
    try:
        with urllib.request.urlopen(f"{http}/json/list", timeout=30) as r:  # localhost only
            targets = json.load(r)
        ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        s = _Session(ws_url)
        for domain in ("Page", "Runtime", "Log", "Network"):
            s.call(f"{domain}.enable")
        s.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
               deviceScaleFactor=1, mobile=False)
        s.call("Page.navigate", url=page.resolve().as_uri())
        s.wait_for("Page.loadEventFired")
        s.call("Runtime.evaluate", awaitPromise=True, expression=(  # let the charts paint
            "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))"))
        result = s.call("Runtime.evaluate", returnByValue=True, expression=(
            "[document.querySelectorAll('.js-plotly-plot .main-svg').length > 0 ? "
            "document.querySelectorAll('.js-plotly-plot').length : 0, "
            "document.querySelectorAll('figure.chart').length]"))
        report.plots, report.figures = result["result"]["value"]
        for selector, path in shots.items():
            _screenshot(s, selector, path)
            report.screenshots[selector] = path
        report.errors = _errors(s.events)
        s.ws.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return report


def _screenshot(s: _Session, selector: str, path: Path) -> None:
    params: dict[str, object] = {"format": "png"}
    if selector != "viewport":
        box = s.call("Runtime.evaluate", returnByValue=True, expression=(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
            "e.scrollIntoView(); const r = e.getBoundingClientRect(); "
            "return [r.x + window.scrollX, r.y + window.scrollY, r.width, r.height]; })()"))
        x, y, w, h = box["result"]["value"]
        params["clip"] = {"x": x, "y": y, "width": w, "height": h, "scale": 1}
        params["captureBeyondViewport"] = False
    data = s.call("Page.captureScreenshot", **params)["data"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(data))


def _errors(events: list[dict]) -> list[str]:
    errors = []
    for e in events:
        method, p = e.get("method"), e.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            errors.append("uncaught: " + str(d.get("exception", {}).get("description")
                                             or d.get("text")))
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                  for a in p.get("args", [])))
        elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
            errors.append("log: " + p["entry"]["text"])
        elif method == "Network.requestWillBeSent":
            url = p["request"]["url"]
            if not url.startswith(LOCAL_SCHEMES):
                errors.append("external request: " + url)
        elif method == "Network.loadingFailed":
            errors.append("failed load: " + str(p.get("errorText")))
    return errors
