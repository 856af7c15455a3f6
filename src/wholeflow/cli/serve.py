"""``wholeflow serve``: the room — the web app on one workspace.

Binds 127.0.0.1 by default (only this computer can open it). Any other ``--host`` needs a token:
given with ``--token`` or the ``WHOLEFLOW_TOKEN`` environment variable, or made here and printed
inside the link to open. The simulation kernel is compiled (or loaded from numba's cache) in a
background thread as the server starts, so the first run does not wait for it where avoidable.
"""

from __future__ import annotations

import socket
from pathlib import Path

import typer
from rich.console import Console

from wholeflow.errors import WholeflowError

console = Console(emoji=False)
LOCAL = ("127.0.0.1", "localhost", "::1")


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as err:
            raise WholeflowError(f"cannot serve on {host}:{port} ({err.strerror}); choose "
                                 "another port with --port") from None


def open_url(host: str, port: int, token: str | None) -> str:
    """The address to open in a browser (with the token, when there is one)."""
    shown = host
    if host in ("0.0.0.0", "::", ""):  # every address: show the one the room can reach
        from wholeflow.web.routes.room import lan_address

        shown = lan_address() or "127.0.0.1"
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(
    workspace: Path = typer.Argument(Path("."), help="workspace folder (holding wholeflow.yaml)"),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="address to listen on (anything but 127.0.0.1 needs a token)"),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="port"),
    token: str = typer.Option(None, "--token", envvar="WHOLEFLOW_TOKEN", show_default=False,
                              help="access token (default: made up when --host is not local)"),
    max_upload_mb: float = typer.Option(50.0, "--max-upload-mb", min=0.001,
                                        help="largest upload (and request) accepted, in MB"),
    workers: int = typer.Option(None, "--workers", help="worker processes for runs "
                                "(default: all cores)"),
) -> None:
    """Open the web app on a workspace: a shared screen for a diagnostic day or design group."""
    from wholeflow.web import create_app
    from wholeflow.web.security import new_token

    if host not in LOCAL and not token:
        token = new_token()
    app = create_app(workspace, token=token or None, host=host, max_upload_mb=max_upload_mb,
                     warm=True, workers=workers)
    _check_port(host, port)
    import uvicorn

    url = open_url(host, port, token or None)
    code = app.state.settings.participant_code
    console.print(f"[bold]wholeflow[/] is serving {Path(workspace).resolve()}\n"
                  f"open:         [bold]{url}[/]\n"
                  f"participants: {url.split('?')[0]}j/{code} (only adds findings; QR code "
                  "on the Room page)\n"
                  "stop:         Ctrl-C", highlight=False)
    if host in LOCAL:
        console.print("only this computer can open it; for a room, use --host 0.0.0.0",
                      style="dim", highlight=False)
    # open event streams never end by themselves: give them 3 s on Ctrl-C, then close them
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=3)


def register(app: typer.Typer) -> None:
    app.command()(serve)
