"""Security: token off localhost, participant links, CSRF, path traversal, upload size, Host."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from wholeflow.errors import WholeflowError
from wholeflow.web import create_app
from wholeflow.web.state import OutsideWorkspaceError, Workspace

TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def shared(demo_workspace):
    """The app as served to a room: on all addresses, with a token."""
    app = create_app(demo_workspace, token=TOKEN, host="0.0.0.0", max_upload_mb=0.01)
    with TestClient(app, base_url="http://192.168.1.5:8000", follow_redirects=False) as c:
        yield c


def test_another_host_without_token_is_refused(demo_workspace):
    with pytest.raises(WholeflowError, match="needs a token"):
        create_app(demo_workspace, host="0.0.0.0")


@pytest.mark.parametrize("path", ["/", "/findings", "/scenarios", "/events",
                                  "/static/css/app.css", "/room"])
def test_token_required_everywhere(shared, path):
    r = shared.get(path)
    assert r.status_code == 401
    assert "You need the link to this app" in r.text
    r = shared.get(path, params={"token": "wrong"})
    assert r.status_code == 401
    r = shared.get(path, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401


def test_token_in_link_sets_a_cookie_and_drops_it_from_the_address(shared):
    r = shared.get("/", params={"token": TOKEN})
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "wf_token" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    assert shared.get("/").status_code == 200  # the cookie now carries it
    assert shared.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_event_stream_with_token_opens(shared):
    with shared.stream("GET", "/events", params={"token": TOKEN}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert "connected" in next(r.iter_text())


def test_upload_needs_the_token(shared):
    r = shared.post("/data/upload", files={"file": ("a.csv", b"x,y\n1,2\n", "text/csv")})
    assert r.status_code == 401


def test_participant_link_only_adds_findings(shared):
    code = shared.app.state.settings.participant_code
    assert shared.get("/j/not-the-code").status_code == 404
    r = shared.get(f"/j/{code}")
    assert r.status_code == 303 and r.headers["location"] == "/join"
    assert shared.get("/join").status_code == 200
    csrf = shared.cookies.get("wf_csrf")
    r = shared.post("/join", data={"csrf_token": csrf, "arrow": "people", "kind": "niggle",
                                   "source": "staff", "text": "from a phone"})
    assert r.status_code == 303
    for path in ("/", "/scenarios", "/findings", "/events", "/room"):
        r = shared.get(path)
        assert r.status_code == 403, path
        assert "only adds findings" in r.text
    r = shared.post("/findings", data={"csrf_token": csrf, "arrow": "people", "kind": "niggle",
                                       "source": "staff", "text": "sneaky"})
    assert r.status_code == 403


def test_form_without_csrf_is_refused(client, demo_workspace):
    r = client.post("/findings", data={"arrow": "people", "kind": "niggle", "source": "staff",
                                      "text": "no token"})
    assert r.status_code == 403
    assert "could not be sent" in r.text
    r = client.post("/findings", data={"csrf_token": "forged", "arrow": "people",
                                      "kind": "niggle", "source": "staff", "text": "x"})
    assert r.status_code == 403
    assert not (demo_workspace / "findings" / "room.yaml").exists()


def test_csrf_header_is_accepted_for_htmx(client):
    r = client.post("/findings", headers={"X-CSRF-Token": client.csrf()},
                    data={"arrow": "people", "kind": "niggle", "source": "staff", "text": "ok"})
    assert r.status_code == 303


def test_oversized_body_is_refused(shared):
    shared.get("/", params={"token": TOKEN})
    csrf = shared.cookies.get("wf_csrf")
    big = b"x" * 20_000  # the limit is 0.01 MB
    r = shared.post("/data/upload", data={"csrf_token": csrf},
                    files={"file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413
    assert "too large" in r.text


def test_other_host_names_refused_without_token(client):
    r = client.get("/", headers={"Host": "evil.example:8000"})
    assert r.status_code == 403
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200


@pytest.mark.parametrize("rel", ["../outside.txt", "/etc/passwd", "scenarios/../../x",
                                 "a\x00b"])
def test_paths_cannot_leave_the_workspace(demo_workspace, rel):
    with pytest.raises(OutsideWorkspaceError):
        Workspace(demo_workspace).path(rel)


def test_symlink_out_of_the_workspace_is_refused(demo_workspace, tmp_path):
    (demo_workspace / "link").symlink_to(tmp_path)
    with pytest.raises(OutsideWorkspaceError):
        Workspace(demo_workspace).path("link/secret")
    assert Workspace(demo_workspace).path("scenarios/x.yaml").parent.name == "scenarios"


def test_unknown_scenario_path_traversal_is_a_404(client):
    r = client.get("/scenarios/..%2F..%2Fetc%2Fpasswd/edit")
    assert r.status_code == 404
    assert "root:" not in r.text


def test_answers_cannot_be_framed_or_sniffed(client):
    r = client.get("/")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_websockets_are_refused(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/events") as ws:
        ws.receive_text()
