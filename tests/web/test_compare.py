"""Runs and Compare: a scenario run from the app gives the comparison the experiment functions
give; progress is announced; cancel keeps finished work; results survive a restart."""

from __future__ import annotations

import json

import pytest
from markupsafe import escape

import wholeflow
from wholeflow.web import create_app
from wholeflow.web.runs import RunQueue


def run_imc(client, n=4):
    r = client.form("/scenarios/imc_weekends/run", {"replications": str(n)})
    assert r.status_code == 303
    job_id = r.headers["location"].split("job=")[1]
    return client.app.state.runs.wait(job_id, 600)


def test_run_gives_the_same_numbers_as_wholeflow_compare(client, demo_workspace):
    events = []
    client.app.state.events.listen(events.append)
    job = run_imc(client)
    assert job.status == "finished", job.message
    names = [e.name for e in events]
    assert names[:2] == ["run_queued", "run_started"] and names[-1] == "run_finished"
    assert "run_progress" in names
    direct = wholeflow.compare(demo_workspace, ["imc_weekends"], replications=4, seed=0,
                               workers=1, store=False)
    d = direct.differences
    want = d[(d.metric == "delayed_days") & (d.service == "acute")].iloc[0]
    page = client.get(f"/compare?job={job.id}")
    assert page.status_code == 200
    table = client.app.state.runs.table(job, "differences")
    got = table[(table.metric == "delayed_days") & (table.service == "acute")].iloc[0]
    assert got["difference"] == pytest.approx(want["difference"], rel=1e-9)
    assert got["ci_low"] == pytest.approx(want["ci_low"], rel=1e-9)
    # every verdict and every 'clear' flag survives being kept (no True from a text 'False')
    merged = table.merge(d, on=["scenario", "service", "metric"], suffixes=("", "_direct"))
    assert len(merged) == len(d)
    assert (merged["clear"] == merged["clear_direct"]).all()
    assert not merged["clear"].all()  # some differences are not clear, and say so
    fd = table[(table.metric == "failure_demand_hours") & (table.service == "system")].iloc[0]
    row = page.text.split('data-metric="failure_demand_hours" data-service="system"')[1]
    assert ("Yes" if fd["clear"] else "No") in row.split("</tr>")[0]
    assert "Acute delayed days" in page.text and 'id="forest"' in page.text
    assert want["verdict"] in page.text


def test_progress_page_while_queued_and_unknown_job(client):
    assert client.get("/compare").status_code == 200
    r = client.get("/compare?job=nope")
    assert r.status_code == 404 and "There is no run &#39;nope&#39;" in r.text
    assert client.get("/runs/nope/progress").status_code == 404
    assert client.form("/runs/nope/cancel", {}).status_code == 404


def test_cancel_stops_a_running_job_and_keeps_its_replications(client, demo_workspace):
    runs = client.app.state.runs

    def cancel_on_first_progress(event):
        if event.name == "run_progress" and event.data["done"] >= 1:
            runs.cancel(event.data["id"])

    client.app.state.events.listen(cancel_on_first_progress)
    r = client.form("/scenarios/trusted_assessor/run", {"replications": "30"})
    job = runs.wait(r.headers["location"].split("job=")[1], 600)
    assert job.status == "cancelled"
    manifests = [json.loads(p.read_text()) for p in
                 (demo_workspace / ".wholeflow" / "runs").glob("*/manifest.json")]
    kept = sum(m["replications"] for m in manifests)
    assert 1 <= kept < 60  # finished work kept, the rest never ran
    assert "cancelled" in client.get(f"/compare?job={job.id}").text


def test_several_runs_queue_and_all_finish_in_order(client):
    runs = client.app.state.runs
    started = []
    client.app.state.events.listen(
        lambda e: started.append(e.data["id"]) if e.name == "run_started" else None)
    ids = [runs.submit("compare", f"job {i}", {"scenarios": ["imc_weekends"],
                                               "replications": 2, "seed": i}).id
           for i in range(3)]
    for i in ids:
        assert runs.wait(i, 600).status == "finished"
    assert started == ids


def test_results_survive_a_restart_and_interrupted_runs_say_so(client, demo_workspace):
    job = run_imc(client, n=3)
    folder = demo_workspace / ".wholeflow" / "app" / "jobs"
    stale = json.loads((folder / f"{job.id}.json").read_text())
    stale.update(id="20200101-000000-abcdef", status="running", tables=[])
    (folder / "20200101-000000-abcdef.json").write_text(json.dumps(stale))
    with type(client)(create_app(demo_workspace, workers=1)) as again:
        old = again.app.state.runs.get(job.id)
        assert old is not None and old.status == "finished"
        page = again.get(f"/compare?job={job.id}")
        assert page.status_code == 200 and "Acute delayed days" in page.text
        assert again.app.state.runs.get("20200101-000000-abcdef").status == "interrupted"


def test_compare_form_checks_its_input(client):
    assert client.form("/compare", {"replications": "5"}).status_code == 422
    assert client.form("/compare", {"scenarios": "nope"}).status_code == 422
    r = client.form("/compare/search", {"services": "acute", "target": "nonsense <="})
    assert r.status_code == 400
    assert client.form("/compare/search", {"services": "ward9", "target": "x"}).status_code \
        == 422
    assert client.form("/compare/sensitivity", {"change": "150"}).status_code == 422


def test_capacity_search_runs_from_the_page(client):
    r = client.form("/compare/search", {"services": "acute",
                                        "target": "delayed_days@acute <= 100000",
                                        "replications": "3"})
    assert r.status_code == 303
    job = client.app.state.runs.wait(r.headers["location"].split("job=")[1], 600)
    assert job.status == "finished", job.message
    assert job.info["met"] is True
    page = client.get(f"/compare?job={job.id}")
    assert str(escape(job.info["message"])) in page.text


def test_damaged_job_record_is_skipped(demo_workspace):
    folder = demo_workspace / ".wholeflow" / "app" / "jobs"
    folder.mkdir(parents=True)
    (folder / "bad.json").write_text("{not json")
    from wholeflow.web.events import EventBroker
    from wholeflow.web.state import Workspace

    assert RunQueue(Workspace(demo_workspace), EventBroker()).jobs() == []


def test_first_run_waits_for_the_kernel_warm_up(client):
    import threading

    release = threading.Event()
    warming = threading.Thread(target=release.wait, daemon=True)
    warming.start()
    runs = client.app.state.runs
    runs.after(warming)
    said = threading.Event()
    client.app.state.events.listen(
        lambda e: said.set() if "preparing the simulation engine" in
        str(e.data.get("message")) else None)
    job = runs.submit("compare", "after warm-up", {"scenarios": ["imc_weekends"],
                                                   "replications": 2})
    assert said.wait(60)  # the job told the room it waits for the engine
    assert runs.get(job.id).status == "running" and runs.get(job.id).done == 0
    release.set()
    assert runs.wait(job.id, 600).status == "finished"
