"""Who may do what: access token, participant links, CSRF, request size, the Host header.

One ASGI middleware (:class:`Guard`) sees every request (pages, the event stream, uploads,
static files) before any route does:

1. **Host** — without a token the app only answers requests addressed to this machine
   (``localhost``, ``127.0.0.1``, ``[::1]``), so a web page elsewhere cannot reach it through
   a DNS name that points here.
2. **Token** — with a token (any host other than 127.0.0.1 requires one) a request needs the
   ``wf_token`` cookie, ``?token=…`` (which sets the cookie and, for a page, redirects to the same
   address without it) or ``Authorization: Bearer …``. Wrong or missing: a 401 page.
3. **Participant link** — ``/j/<code>`` sets a participant cookie that opens only the
   phone-sized finding form (``/join``) and static files; anything else is a 403 page.
4. **Size** — a request body over ``max_upload_mb`` is refused with 413 before it is stored.
5. **CSRF** — every POST/PUT/PATCH/DELETE carries the page's token (form field ``csrf_token``
   or header ``X-CSRF-Token``), compared with the ``wf_csrf`` cookie (double submit); else 403.

Tokens are compared in constant time. Error answers are plain-words HTML pages. Every answer
carries ``nosniff``, ``X-Frame-Options: DENY`` and ``Referrer-Policy: same-origin``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_COOKIE = "wf_token"
PARTICIPANT_COOKIE = "wf_participant"
CSRF_COOKIE = "wf_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "testserver"}
#: Paths a participant link opens (besides static files).
PARTICIPANT_PATHS = ("/join",)
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: Sent with every answer: no sniffing of types, no framing by other sites, no address leaks.
SAFE_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                (b"referrer-policy", b"same-origin")]


def new_token() -> str:
    """A fresh access token (URL-safe, 128 bits)."""
    return secrets.token_urlsafe(16)


def new_participant_code() -> str:
    """A short participant code (48 bits: short enough to type from a screen)."""
    return secrets.token_urlsafe(6)


@dataclass
class Settings:
    """Security settings of one app (``app.state.settings``)."""

    token: str | None = None
    participant_code: str = field(default_factory=new_participant_code)
    host: str = "127.0.0.1"
    max_upload_bytes: int = 50 * 2**20

    @property
    def needs_token(self) -> bool:
        return self.token is not None


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets (None never matches)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header counts as no cookies
        return {}
    return {k: v.value for k, v in jar.items()}


def _cookie_header(name: str, value: str) -> tuple[bytes, bytes]:
    return (b"set-cookie",
            f"{name}={value}; Path=/; HttpOnly; SameSite=Lax".encode("latin-1"))


class Guard:
    """The security middleware (see the module docstring for the rules, in order)."""

    def __init__(self, app: ASGIApp, settings: Settings,
                 page: Callable[[Scope, int, str, str], Awaitable[Any]]):
        self.app = app
        self.settings = settings
        self.page = page  # renders a plain-words error page: (scope, status, title, text)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the app has none: refuse rather than pass unchecked
            await receive()
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        cookies = _cookies(headers)
        path: str = scope.get("path", "/")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        state = scope.setdefault("state", {})
        extra: list[tuple[bytes, bytes]] = list(SAFE_HEADERS)

        if not self.settings.needs_token and not self._local_host(headers):
            await self._refuse(scope, receive, send, 403, "This address is not allowed",
                               "The app answers only on this computer's own address "
                               "(127.0.0.1). To share it in a room, start it with --host and "
                               "use the link it prints.")
            return

        if path.startswith("/j/"):
            await self._participant_link(scope, receive, send, path[3:])
            return

        role = self._role(headers, cookies, query)
        if role is None:
            await self._refuse(scope, receive, send, 401, "You need the link to this app",
                               "This app is shared with a token. Open the link printed when it "
                               "started (or scan the code on the facilitator's screen).")
            return
        if role == "participant" and not self._participant_may(path):
            await self._refuse(scope, receive, send, 403, "This link only adds findings",
                               "Your link lets you add a finding. Go to the form to add one.",)
            return
        state["participant"] = role == "participant"
        if self.settings.needs_token and cookies.get(TOKEN_COOKIE) != self.settings.token \
                and same(query.get("token"), self.settings.token):
            extra.append(_cookie_header(TOKEN_COOKIE, self.settings.token or ""))
            if scope["method"] == "GET" and path != "/events" \
                    and not path.startswith("/static/"):
                rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
                await self._redirect(send, path + (f"?{rest}" if rest else ""), extra)
                return

        csrf = cookies.get(CSRF_COOKIE) or ""
        if not csrf:
            csrf = secrets.token_urlsafe(24)
            extra.append(_cookie_header(CSRF_COOKIE, csrf))
        state["csrf"] = csrf

        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.settings.max_upload_bytes:
            await self._too_large(scope, receive, send)
            return
        if scope["method"] in _UNSAFE:
            body = await self._read_body(receive)
            if body is None:
                await self._too_large(scope, receive, send)
                return
            if not same(await self._sent_csrf(scope, headers, body), cookies.get(CSRF_COOKIE)):
                await self._refuse(scope, _replay(b""), send, 403, "The form could not be sent",
                                   "The page was too old or came from another site. Go back, "
                                   "reload the page and try again.")
                return
            receive = _replay(body)
        await self.app(scope, receive, _with_headers(send, extra))

    # -- checks ------------------------------------------------------------------------------

    def _local_host(self, headers: dict[str, str]) -> bool:
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.lower() in LOCAL_HOSTS

    def _role(self, headers: dict[str, str], cookies: dict[str, str],
              query: dict[str, str]) -> str | None:
        """'facilitator', 'participant' or None (not allowed)."""
        s = self.settings
        auth = headers.get("authorization", "")
        bearer = auth[7:] if auth.lower().startswith("bearer ") else None
        if not s.needs_token or any(same(t, s.token) for t in
                                    (cookies.get(TOKEN_COOKIE), query.get("token"), bearer)):
            return "facilitator"
        if same(cookies.get(PARTICIPANT_COOKIE), s.participant_code):
            return "participant"
        return None

    def _participant_may(self, path: str) -> bool:
        return path.startswith("/static/") or any(
            path == p or path.startswith(p + "/") for p in PARTICIPANT_PATHS)

    async def _participant_link(self, scope: Scope, receive: Receive, send: Send,
                                code: str) -> None:
        if not same(code.strip("/"), self.settings.participant_code):
            await self._refuse(scope, receive, send, 404, "This link has expired",
                               "Ask the facilitator for the current link or code.")
            return
        await self._redirect(send, "/join", [
            _cookie_header(PARTICIPANT_COOKIE, self.settings.participant_code)])

    async def _sent_csrf(self, scope: Scope, headers: dict[str, str], body: bytes) -> str | None:
        if headers.get(CSRF_HEADER):
            return headers[CSRF_HEADER]
        kind = headers.get("content-type", "")
        if kind.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(body.decode("utf-8", "replace"))).get(CSRF_FIELD)
        if kind.startswith("multipart/form-data"):
            from starlette.requests import Request

            try:
                form = await Request(scope, _replay(body)).form()
            except Exception:  # a malformed body has no token
                return None
            try:
                value = form.get(CSRF_FIELD)
                return value if isinstance(value, str) else None
            finally:
                await form.close()
        return None

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it passes the size limit."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.settings.max_upload_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    # -- answers -----------------------------------------------------------------------------

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        mb = self.settings.max_upload_bytes / 2**20
        await self._refuse(scope, receive, send, 413, "The file is too large",
                           f"Files up to {mb:g} MB can be sent. Split the file, or restart the "
                           "app with a larger --max-upload-mb.")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int,
                      title: str, text: str) -> None:
        response = await self.page(scope, status, title, text)
        await response(scope, receive, send)

    async def _redirect(self, send: Send, location: str,
                        extra: list[tuple[bytes, bytes]]) -> None:
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("latin-1")),
                                (b"content-length", b"0"), *extra]})
        await send({"type": "http.response.body", "body": b""})


def _replay(body: bytes) -> Receive:
    """A receive callable giving ``body`` once, then waiting for the client to disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    if not extra:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return wrapped
