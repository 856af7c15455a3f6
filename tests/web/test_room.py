"""Room mode: the event stream, the participant link and its QR code, the presenter view."""

from __future__ import annotations

import asyncio

from wholeflow.web.events import EventBroker
from wholeflow.web.routes.room import qr_svg


def run(main):
    """asyncio.run in a thread of its own (Playwright's sync API may hold this thread's loop)."""
    import threading

    out = {}
    t = threading.Thread(target=lambda: out.update(value=asyncio.run(main())))
    t.start()
    t.join()
    assert "value" in out, "the coroutine failed (see the thread's traceback above)"
    return out["value"]


def test_broker_fans_out_to_every_subscriber_in_order():
    broker = EventBroker()

    async def main():
        streams = [broker.stream(limit=2) for _ in range(3)]
        for s in streams:  # the first chunk is the greeting; after it each is subscribed
            assert "connected" in await s.__anext__()
        assert broker.subscribers == 3
        broker.publish("finding_added", id="room-1", text="a")
        broker.publish("run_started", id="j1", label="x")
        return [[await s.__anext__() for _ in range(2)] for s in streams]

    got = run(main)
    for chunks in got:
        assert chunks[0].startswith("id: 1\nevent: finding_added\n")
        assert '"text":"a"' in chunks[0]
        assert "event: run_started" in chunks[1]


def test_broker_publishes_from_other_threads():
    import threading

    broker = EventBroker()

    async def main():
        stream = broker.stream(limit=1)
        await stream.__anext__()
        t = threading.Thread(target=broker.publish, args=("run_progress",), kwargs={"done": 3})
        t.start()
        chunk = await stream.__anext__()
        t.join()
        return chunk

    assert '"done":3' in run(main)


def test_participant_link_and_qr_on_the_room_page(client):
    code = client.app.state.settings.participant_code
    r = client.get("/room")
    assert r.status_code == 200
    assert f"/j/{code}" in r.text
    assert "<svg" in r.text and 'aria-label="QR code of the participant link"' in r.text


def test_qr_code_is_svg_of_the_link():
    svg = qr_svg("http://192.168.1.5:8000/j/abc")
    assert svg.startswith("<svg") and "<path" in svg


def test_participant_form_adds_a_finding(client, demo_workspace):
    assert client.get("/join").status_code == 200
    r = client.form("/join", {"arrow": "workforce", "kind": "nugget", "source": "staff",
                              "text": "Therapists refer straight to re-ablement"})
    assert r.status_code == 303 and r.headers["location"] == "/join/thanks"
    presenter = client.get("/room/presenter").text
    assert "Therapists refer straight" in presenter
    assert "QR code of the participant link" in presenter
    assert "Therapists refer straight" in (demo_workspace / "findings/room.yaml").read_text()


def test_participant_form_problems_are_shown(client):
    r = client.form("/join", {"text": ""})
    assert r.status_code == 422 and "Enter what you found" in r.text
