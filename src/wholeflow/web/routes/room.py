"""Room mode: the participant link and its QR code, the phone-sized finding form, the presenter.

- ``/room`` (facilitator): the short participant link, its QR code (SVG, made here), how many
  browsers are connected, a link to the presenter view.
- ``/j/<code>`` (handled by :mod:`wholeflow.web.security`) opens ``/join`` for a participant.
- ``/join``: a phone-sized form that only adds a finding; ``/join/thanks`` after sending.
- ``/room/presenter``: large type for the shared screen; the latest findings and runs update
  as they happen.
"""

from __future__ import annotations

import socket

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from starlette.responses import Response

from wholeflow.web import room_findings
from wholeflow.web.routes.findings import announce, form_context, load, names, read_form
from wholeflow.web.templating import render

router = APIRouter()
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def lan_address() -> str | None:
    """This machine's address on the local network (no packet is sent: a UDP socket only
    chooses its route); None when there is none."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            address = str(s.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") else address


def participant_url(request: Request) -> str:
    """The link phones open: this server's address as other machines reach it."""
    settings = request.app.state.settings
    host = request.url.hostname or "127.0.0.1"
    port = request.url.port
    if host in LOOPBACK and settings.host not in LOOPBACK:
        host = (settings.host if settings.host not in ("0.0.0.0", "::", "")
                else lan_address() or host)
    netloc = f"{host}:{port}" if port else host
    return f"{request.url.scheme}://{netloc}/j/{settings.participant_code}"


def qr_svg(text: str) -> Markup:
    """A QR code of ``text`` as inline SVG (the qrcode package, pure Python)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace("<svg ", '<svg role="img" aria-label="QR code of the participant link" ',
                      1)
    return Markup(svg[svg.index("<svg"):])


@router.get("/room")
def room(request: Request) -> Response:
    url = participant_url(request)
    local_only = request.app.state.settings.host in LOOPBACK
    return render(request, "room.html", url=url, qr=qr_svg(url), local_only=local_only,
                  connected=request.app.state.events.subscribers)


@router.get("/room/presenter")
def presenter(request: Request) -> Response:
    """The shared screen: the join code and its QR beside the latest findings and runs."""
    findings, _ = load(request)
    url = participant_url(request)
    model = request.app.state.ws.model_status().model
    return render(request, "presenter.html", heading=model.name if model else None,
                  findings=list(reversed(findings))[:8], jobs=request.app.state.runs.jobs()[:3],
                  names=names(request), url=url, qr=qr_svg(url))


@router.get("/room/presenter/feed")
def presenter_feed(request: Request) -> Response:
    """The presenter's changing part (refetched on room events)."""
    findings, _ = load(request)
    return render(request, "_presenter_feed.html", findings=list(reversed(findings))[:8],
                  jobs=request.app.state.runs.jobs()[:3], names=names(request))


@router.get("/join")
def join(request: Request) -> Response:
    return render(request, "join.html", **form_context(request))


@router.post("/join")
async def join_add(request: Request) -> Response:
    values = await read_form(request)
    try:
        entry = room_findings.add(request.app.state.ws, values)
    except room_findings.FindingProblems as err:
        return render(request, "join.html", status_code=422,
                      **form_context(request, values, err.problems))
    announce(request, "finding_added", entry)
    return RedirectResponse("/join/thanks", status_code=303)


@router.get("/join/thanks")
def thanks(request: Request) -> Response:
    return render(request, "join_thanks.html")
