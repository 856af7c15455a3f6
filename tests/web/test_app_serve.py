"""``wholeflow serve``: starts on the workspace, prints the link to open, refuses bad input."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from wholeflow.cli.serve import open_url


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args, env=None):
    return subprocess.Popen([sys.executable, "-m", "wholeflow", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def read_until(proc, marker):
    """Lines of stdout up to the one holding ``marker`` (the server is then listening)."""
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError("serve stopped early:\n" + "".join(lines) + proc.stderr.read())


def wait_for_server(url, proc):
    """Poll until the server answers (uvicorn starts right after printing)."""
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except urllib.error.HTTPError as err:
            return err
        except OSError:
            assert proc.poll() is None, proc.stderr.read()


def test_serve_prints_the_link_and_answers(demo_workspace):
    port = free_port()
    proc = start([str(demo_workspace), "--port", str(port)])
    try:
        out = read_until(proc, "stop:")
        assert f"http://127.0.0.1:{port}/" in out and "token" not in out.split("open:")[1]
        page = wait_for_server(f"http://127.0.0.1:{port}/", proc)
        assert page.status == 200 and "Bolton" in page.read().decode()
    finally:
        proc.terminate()
        proc.wait(60)


def test_serve_off_localhost_makes_and_requires_a_token(demo_workspace):
    port = free_port()
    proc = start([str(demo_workspace), "--host", "0.0.0.0", "--port", str(port)])
    try:
        out = read_until(proc, "stop:")
        token = out.split("?token=")[1].split()[0]
        assert len(token) >= 16
        refused = wait_for_server(f"http://127.0.0.1:{port}/", proc)
        assert refused.status == 401
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        ok = browser.open(f"http://127.0.0.1:{port}/?token={token}", timeout=30)
        assert ok.status == 200 and ok.url.endswith("/")  # the cookie now carries the token
    finally:
        proc.terminate()
        proc.wait(60)


def test_token_from_the_environment(demo_workspace):
    port = free_port()
    proc = start([str(demo_workspace), "--host", "0.0.0.0", "--port", str(port)],
                 env={"WHOLEFLOW_TOKEN": "from-the-environment"})
    try:
        assert "?token=from-the-environment" in read_until(proc, "stop:")
    finally:
        proc.terminate()
        proc.wait(60)


@pytest.mark.parametrize("args, words", [
    (["no/such/folder"], "is not a folder"),
    (["--max-upload-mb", "0"], "0.001"),
])
def test_bad_input_is_a_message_not_a_traceback(tmp_path, args, words):
    proc = subprocess.run([sys.executable, "-m", "wholeflow", "serve", *args],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert words in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_port_in_use_is_a_message(demo_workspace):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "wholeflow", "serve", str(demo_workspace),
                               "--port", str(port)], capture_output=True, text=True,
                              timeout=120)
    assert proc.returncode == 2
    assert "choose another port" in proc.stderr


def test_open_url_shows_the_token_only_when_there_is_one():
    assert open_url("127.0.0.1", 8000, None) == "http://127.0.0.1:8000/"
    assert open_url("192.168.1.5", 8000, "abc") == "http://192.168.1.5:8000/?token=abc"
    assert open_url("::1", 9000, None) == "http://[::1]:9000/"
