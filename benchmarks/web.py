"""Benchmark: the web app on the Bolton example.

1. **Scenario edit to result, warm** — through the app's own HTTP endpoints (FastAPI's test
   client, in this process): save a changed scenario (IMC@Home's acceptance, a new value each
   round, so nothing is read back from the run store but the baseline), queue its comparison
   with the baseline (20 replications), wait for it and fetch the Compare page. One round warms
   up (kernel, worker processes, the baseline's runs); the median of the next 5 is reported.
   Target < 3 s.
2. **25 viewers on loopback** — ``wholeflow serve`` in its own process; 25 simulated viewers,
   each holding the event stream open and requesting a mix of pages (at least 2,000 requests in
   all) while a facilitator adds findings (each one an event to all 25 streams). Reports p50 and
   p95 page latency, errors, and the events each viewer received. Targets: p95 < 300 ms, 0 errors.
3. **Cold first answer** — a new process with an empty numba cache (``NUMBA_CACHE_DIR``, as after
   a fresh install) starts the app as ``wholeflow serve`` does (kernel warm-up in the
   background), and at once runs the first comparison (20 replications) through the app:
   the time from process start to its result. Target < 15 s.

    python benchmarks/web.py                 # all three
    python benchmarks/web.py --only warm     # or load, cold

The machine may be shared; the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"  # --src measures another source tree (e.g. a merge, before it is made)
REPLICATIONS = 20
VIEWERS = 25
REQUESTS = 2_000
PAGES = ["/", "/scenarios", "/compare", "/findings", "/findings/list", "/runs/list",
         "/room/presenter", "/static/css/app.css", "/map", "/measures", "/data", "/report",
         "/replay"]


def workspace(folder: Path) -> Path:
    from wholeflow.cli.demo import prepare_workspace

    return prepare_workspace(folder / "bolton")


# -- 1. scenario edit to result ----------------------------------------------------------------

def warm_edit_to_result(rounds: int = 5) -> list[float]:
    from fastapi.testclient import TestClient

    from wholeflow.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        ws = workspace(Path(tmp))
        with TestClient(create_app(ws, warm=True), follow_redirects=False) as client:
            client.get("/")
            csrf = client.cookies.get("wf_csrf")
            r = client.post("/scenarios/new", data={
                "csrf_token": csrf, "name": "bench",
                "services.imc_at_home.referral.calendar": "seven_day"})
            assert r.status_code == 303, r.text
            times = []
            for i in range(rounds + 1):
                start = time.perf_counter()
                r = client.post("/scenarios/bench/edit", data={
                    "csrf_token": csrf, "description": f"round {i}",
                    "services.imc_at_home.referral.calendar": "seven_day",
                    "services.imc_at_home.referral.acceptance": f"{82 + i}"})
                assert r.status_code == 303, r.text
                r = client.post("/scenarios/bench/run", data={
                    "csrf_token": csrf, "replications": str(REPLICATIONS)})
                job_id = r.headers["location"].split("job=")[1]
                job = client.app.state.runs.wait(job_id, 600)
                assert job.status == "finished", job.message
                page = client.get(f"/compare?job={job_id}")
                assert "Acute delayed days" in page.text
                took = time.perf_counter() - start
                print(f"  round {i}{' (warm-up)' if i == 0 else ''}: {took:.2f} s, "
                      f"{job.info['simulated']} replications simulated", flush=True)
                if i:
                    times.append(took)
    return times


# -- 2. 25 viewers -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(ws: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "wholeflow", "serve", str(ws), "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:  # the server listens right after printing how to stop it
        if line.startswith("stop:"):
            break
    import httpx

    while True:  # then answers as soon as uvicorn has bound the port
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/css/app.css", timeout=5)
            return proc
        except httpx.TransportError:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""


def load_test() -> dict[str, float]:
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        ws = workspace(Path(tmp))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(ws, port)
        try:
            pages = [p for p in PAGES if httpx.get(base + p, timeout=60).status_code == 200]
            per_viewer = -(-REQUESTS // VIEWERS)
            latencies: list[float] = []
            by_page: dict[str, list[float]] = {p: [] for p in pages}
            errors: list[str] = []
            events = [0] * VIEWERS
            lock = threading.Lock()
            done = threading.Event()
            streams_open = threading.Barrier(VIEWERS + 1)

            def stream(k: int) -> None:
                with httpx.Client(base_url=base, timeout=None) as c, \
                        c.stream("GET", "/events") as r:
                    first = True
                    for line in r.iter_lines():
                        if first:
                            streams_open.wait()
                            first = False
                        if line.startswith("event: "):
                            events[k] += 1
                        if done.is_set():
                            return

            def viewer(k: int) -> None:
                mine = []
                with httpx.Client(base_url=base, timeout=30) as c:
                    for i in range(per_viewer):
                        path = pages[(k + i) % len(pages)]
                        t = time.perf_counter()
                        try:
                            r = c.get(path)
                            if r.status_code != 200:
                                with lock:
                                    errors.append(f"{path}: {r.status_code}")
                        except httpx.HTTPError as err:
                            with lock:
                                errors.append(f"{path}: {err}")
                        mine.append((path, time.perf_counter() - t))
                with lock:
                    latencies.extend(x for _, x in mine)
                    for path, x in mine:
                        by_page[path].append(x)

            def facilitator() -> None:
                with httpx.Client(base_url=base, timeout=30) as c:
                    c.get("/")
                    csrf = c.cookies.get("wf_csrf")
                    for i in range(20):
                        r = c.post("/findings", data={
                            "csrf_token": csrf, "arrow": "people", "kind": "niggle",
                            "source": "staff", "text": f"load-test finding {i}"})
                        if r.status_code != 303:
                            with lock:
                                errors.append(f"POST /findings: {r.status_code}")

            streamers = [threading.Thread(target=stream, args=(k,), daemon=True)
                         for k in range(VIEWERS)]
            for t in streamers:
                t.start()
            streams_open.wait(60)
            start = time.perf_counter()
            workers = [threading.Thread(target=viewer, args=(k,)) for k in range(VIEWERS)]
            workers.append(threading.Thread(target=facilitator))
            for t in workers:
                t.start()
            for t in workers:
                t.join()
            wall = time.perf_counter() - start
            done.set()
            latencies.sort()
            return {"requests": len(latencies), "pages": len(pages), "wall": wall,
                    "p50": statistics.median(latencies) * 1000,
                    "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
                    "max": latencies[-1] * 1000, "errors": len(errors),
                    "events_min": min(events), "events_max": max(events),
                    "first_errors": errors[:5],  # type: ignore[dict-item]
                    "by_page": {p: (statistics.median(v) * 1000, _p95(v) * 1000)  # type: ignore[dict-item]
                                for p, v in by_page.items() if v}}
        finally:
            proc.terminate()
            proc.wait(60)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


# -- 3. cold first answer ----------------------------------------------------------------------

COLD = """
import sys, time
start = float(sys.argv[1])
from fastapi.testclient import TestClient
from wholeflow.web import create_app
with TestClient(create_app(sys.argv[2], warm=True), follow_redirects=False) as c:
    c.get("/")
    page = time.time() - start
    r = c.post("/scenarios/imc_weekends/run",
               data={"csrf_token": c.cookies.get("wf_csrf"), "replications": "20"})
    job = c.app.state.runs.wait(r.headers["location"].split("job=")[1], 900)
    assert job.status == "finished", job.message
    assert "Acute delayed days" in c.get("/compare?job=" + job.id).text
    print(f"{page:.2f} {time.time() - start:.2f}")
"""


def cold_first_answer() -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = workspace(Path(tmp))
        cache = Path(tmp) / "numba-cache"
        cache.mkdir()
        env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
        # a fresh install also has no byte-code of its own: copy the package without it
        src = Path(tmp) / "src"
        shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("__pycache__"))
        env["PYTHONPATH"] = str(src)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([sys.executable, "-c", COLD, repr(time.time()), str(ws)],
                             env=env, capture_output=True, text=True, timeout=900)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        if out.returncode:
            raise RuntimeError(out.stderr)
        page, answer = (float(x) for x in out.stdout.split()[-2:])
        return page, answer, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["warm", "load", "cold"])
    parser.add_argument("--src", type=Path, default=SRC,
                        help="source tree for the served app and the cold start")
    args = parser.parse_args()
    globals()["SRC"] = args.src.resolve()
    rows = []
    if args.only in (None, "warm"):
        print("scenario edit -> result (Bolton, 20 replications):", flush=True)
        times = warm_edit_to_result()
        rows.append(("scenario edit to result, warm (median of 5)",
                     f"{statistics.median(times):.2f} s", "< 3 s"))
    if args.only in (None, "load"):
        print(f"{VIEWERS} viewers, >= {REQUESTS} requests + event streams ...", flush=True)
        r = load_test()
        print(f"  {r['requests']} requests over {r['pages']} pages in {r['wall']:.1f} s; "
              f"each viewer's stream got {r['events_min']}-{r['events_max']} events; "
              f"errors: {r['first_errors']}", flush=True)
        rows.append((f"{VIEWERS} viewers, {r['requests']} requests: p50 / p95 (max)",
                     f"{r['p50']:.0f} / {r['p95']:.0f} ms ({r['max']:.0f})", "p95 < 300 ms"))
        rows.append(("errors", f"{r['errors']}", "0"))
        print("  per page, p50 / p95 ms: " + ", ".join(
            f"{p} {a:.0f}/{b:.0f}" for p, (a, b) in r["by_page"].items()), flush=True)
    if args.only in (None, "cold"):
        print("cold first answer (empty numba cache) ...", flush=True)
        page, answer, cpu = cold_first_answer()
        rows.append(("cold: first page / first comparison answered (CPU of all processes)",
                     f"{page:.1f} s / {answer:.1f} s ({cpu:.0f} CPU-s)", "answer < 15 s"))
    load = os.getloadavg()
    print("\n| measure | result | target |\n|---|---|---|")
    for row in rows:
        print(f"| {' | '.join(row)} |")
    print(f"\nload average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} "
          "cores (shared machine)")


if __name__ == "__main__":
    main()
