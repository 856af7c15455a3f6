"""Findings: add, edit and pin through forms, written to findings/room.yaml; nothing lost when
many people send at once."""

from __future__ import annotations

import threading

import yaml

from wholeflow.report.findings import load_findings
from wholeflow.web import room_findings
from wholeflow.web.state import Workspace

GOOD = {"arrow": "people", "kind": "niggle", "source": "lived_experience",
        "text": "My mum waited in hospital all weekend for the home team."}


def test_add_writes_the_register_and_tells_the_room(client, demo_workspace):
    seen = []
    client.app.state.events.listen(seen.append)
    r = client.form("/findings", {**GOOD, "services": "imc_at_home"})
    assert r.status_code == 303
    findings = load_findings(demo_workspace)  # the same reader as the report and the CLI
    added = [f for f in findings if f.id == "room-1"]
    assert len(added) == 1 and added[0].services == ["imc_at_home"]
    assert added[0].source == "lived_experience"
    assert [e.name for e in seen] == ["finding_added"]
    assert seen[0].data["id"] == "room-1"
    page = client.get("/findings").text
    assert "My mum waited in hospital all weekend" in page


def test_bad_form_shows_each_problem_next_to_its_field(client, demo_workspace):
    r = client.form("/findings", {"arrow": "feelings", "text": "", "services": "nowhere"})
    assert r.status_code == 422
    for message in ("Enter what you found", "Select which arrow", "Select what kind",
                    "Select where it comes from", "Not a service of the model: nowhere"):
        assert message in r.text
    assert 'id="text-error"' in r.text
    assert not (demo_workspace / "findings" / "room.yaml").exists()


def test_edit_and_pin_a_room_finding(client, demo_workspace):
    client.form("/findings", GOOD)
    assert client.get("/findings/room-1/edit").status_code == 200
    r = client.form("/findings/room-1/edit",
                    [*{**GOOD, "kind": "no_no"}.items(), ("services", "acute"),
                     ("services", "darley_court")])
    assert r.status_code == 303
    entry = yaml.safe_load((demo_workspace / "findings" / "room.yaml").read_text())[0]
    assert entry["kind"] == "no_no" and entry["services"] == ["acute", "darley_court"]


def test_hand_written_findings_are_not_rewritten(client):
    r = client.get("/findings/diagnostic-1/edit")
    assert r.status_code == 404
    assert "diagnostic.yaml" in r.text
    assert client.get("/findings/room-99/edit").status_code == 404


def test_concurrent_adds_lose_nothing(demo_workspace):
    ws = Workspace(demo_workspace)
    n_threads, each = 8, 6
    barrier = threading.Barrier(n_threads)
    errors = []

    def add(k):
        barrier.wait()
        try:
            for i in range(each):
                room_findings.add(ws, {**GOOD, "text": f"finding {k}-{i}"})
        except Exception as err:  # pragma: no cover - the assertion below reports it
            errors.append(err)

    threads = [threading.Thread(target=add, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    room = [f for f in load_findings(demo_workspace) if f.id.startswith("room-")]
    assert len(room) == n_threads * each
    assert {f.text for f in room} == {f"finding {k}-{i}" for k in range(n_threads)
                                      for i in range(each)}
    assert sorted(int(f.id[5:]) for f in room) == list(range(1, n_threads * each + 1))
