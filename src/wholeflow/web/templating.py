"""Templates: one Jinja2 environment for every page, and :func:`render`.

Templates live in ``wholeflow/web/templates`` and extend ``base.html`` (NHS header, navigation,
skip link, blocks ``title``, ``content`` and ``scripts``). Globals available in every template:

- ``csrf_input()`` — the hidden CSRF field every ``<form method="post">`` must carry;
- ``csrf_token()`` — the token itself (htmx sends it as the ``X-CSRF-Token`` header, set on
  ``<body hx-headers>`` by base.html);
- ``nav`` — the navigation entries ``(label, path)``; ``ws`` — the workspace (``app.state.ws``);
- ``participant`` — True when the page is seen through a participant link.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.responses import Response

TEMPLATES = Path(__file__).parent / "templates"

#: The main navigation: (label, path), in this order.
NAV: list[tuple[str, str]] = [
    ("Overview", "/"), ("System map", "/map"), ("Replay", "/replay"),
    ("Scenarios", "/scenarios"), ("Compare", "/compare"), ("Data", "/data"),
    ("Measures", "/measures"), ("Findings", "/findings"), ("Report", "/report"),
]

templates = Jinja2Templates(directory=str(TEMPLATES))


@pass_context
def csrf_token(ctx: Any) -> str:
    """The CSRF token of this request (set by the security middleware)."""
    request: Request = ctx["request"]
    return str(request.scope.get("state", {}).get("csrf", ""))


@pass_context
def csrf_input(ctx: Any) -> Markup:
    """The hidden CSRF field of a POST form."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(
        escape(csrf_token(ctx)))


def _current(path: str, href: str) -> bool:
    return path == "/" if href == "/" else path == href or path.startswith(href + "/")


templates.env.globals.update(csrf_input=csrf_input, csrf_token=csrf_token, nav=NAV,
                             is_current=_current)
templates.env.filters["number"] = lambda v, digits=1: (
    "" if v is None else f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """Render ``template`` with ``context`` (plus ``request``, ``ws`` and ``participant``)."""
    context.setdefault("ws", getattr(request.app.state, "ws", None))
    context.setdefault("participant",
                       bool(request.scope.get("state", {}).get("participant", False)))
    return templates.TemplateResponse(request, template, context, status_code=status_code)
