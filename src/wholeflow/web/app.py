"""The FastAPI application: :func:`create_app` builds it for one workspace.

Shared objects, on ``request.app.state`` (read them from routes; never make module globals):

- ``ws`` — :class:`wholeflow.web.state.Workspace`: paths ``root``, ``model_file``,
  ``scenarios_dir``, ``data_dir``, ``measures_dir``, ``findings_dir``, ``state_dir``
  (``.wholeflow``), ``runs_dir``, ``store_file``; ``path(rel)`` (refuses paths leaving the
  workspace), ``model_status()`` (model or located problems, never raises), ``model()`` (raises
  ModelError, shown as a 422 page), ``findings()``, ``run_manifests()``, ``has_data()``.
- ``events`` — :class:`wholeflow.web.events.EventBroker`: ``publish(name, **data)`` from any
  thread; the browser stream is ``GET /events``.
- ``runs`` — :class:`wholeflow.web.runs.RunQueue`: background runs of scenarios/comparisons.
- ``settings`` — :class:`wholeflow.web.security.Settings`: token, participant code, host, limits.

Routes: every module of :mod:`wholeflow.web.routes` exposes ``router = APIRouter()``; all are
included here. Pages render with :func:`wholeflow.web.templating.render`. Errors a user can cause
become plain-words pages: ModelError -> 422 listing each problem (file, line, field, fix), other
WholeflowError -> 400, unknown page -> 404, anything else -> 500 without a traceback (the
traceback goes to the server log only).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest

from wholeflow.errors import ModelError, WholeflowError
from wholeflow.web import routes as routes_package
from wholeflow.web.events import EventBroker
from wholeflow.web.security import Guard, Settings
from wholeflow.web.state import OutsideWorkspaceError, Workspace
from wholeflow.web.templating import templates

log = logging.getLogger("wholeflow.web")
STATIC = Path(__file__).parent / "static"


def create_app(workspace: str | Path, *, token: str | None = None, host: str = "127.0.0.1",
               max_upload_mb: float = 50, warm: bool = False,
               workers: int | None = None) -> FastAPI:
    """The web app serving ``workspace`` (a folder; it need not hold a valid model).

    ``token``: required on every request when given; a host other than 127.0.0.1/localhost
    without a token is refused (``wholeflow serve`` generates one). ``max_upload_mb`` bounds
    every request body. ``warm`` compiles the simulation kernel in a background thread at start.
    ``workers``: worker processes for runs (default: every core).
    """
    root = Path(workspace)
    if not root.is_dir():
        raise WholeflowError(f"{root} is not a folder: give a workspace folder (one holding "
                             "wholeflow.yaml), e.g. the one 'wholeflow demo' made")
    if token is None and host not in ("127.0.0.1", "localhost", "::1"):
        raise WholeflowError(f"serving on {host} needs a token: give --token (or set "
                             "WHOLEFLOW_TOKEN), or let 'wholeflow serve' make one")
    settings = Settings(token=token or None, host=host,
                        max_upload_bytes=int(max_upload_mb * 2**20))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        if warm:
            app.state.runs.after(start_warm_up())
        yield
        runs = getattr(app.state, "runs", None)
        if runs is not None:
            runs.shutdown()

    app = FastAPI(title="wholeflow", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.ws = Workspace(root)
    app.state.events = EventBroker()
    app.state.settings = settings
    app.state.runs = _run_queue(app, workers)
    app.add_api_route("/static/plotly/plotly.min.js", plotly_js, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in _route_modules():
        app.include_router(module.router)
    _add_error_pages(app)

    @app.get("/events", include_in_schema=False)
    async def events(request: Request) -> StreamingResponse:
        """The room's event stream (server-sent events)."""
        broker: EventBroker = request.app.state.events
        return StreamingResponse(broker.stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    app.add_middleware(Guard, settings=settings, page=error_page)
    return app


_PLOTLY: list[bytes] = []


def plotly_js() -> Response:
    """plotly.js from the installed plotly package (served from here: never a CDN)."""
    if not _PLOTLY:
        from plotly.offline import get_plotlyjs

        _PLOTLY.append(get_plotlyjs().encode("utf-8"))
    return Response(_PLOTLY[0], media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})


def _run_queue(app: FastAPI, workers: int | None) -> Any:
    from wholeflow.web.runs import RunQueue

    return RunQueue(app.state.ws, app.state.events, workers)


def _route_modules() -> list[Any]:
    names = sorted(m.name for m in pkgutil.iter_modules(routes_package.__path__))
    return [importlib.import_module(f"{routes_package.__name__}.{n}") for n in names
            if not n.startswith("_")]


def start_warm_up() -> threading.Thread:
    """Compile (or load from numba's cache) the simulation kernel in a background thread.

    Uses ``wholeflow.precompile`` where this version has it (it compiles the kernel groups in
    child processes, in parallel), then loads the kernel into this process by running the
    workers' tiny warm-up model, so the first run from the app finds it ready.
    """
    def work() -> None:
        try:
            try:
                ahead = importlib.import_module("wholeflow.precompile")
            except ImportError:
                ahead = None
            if ahead is not None:
                ahead.precompile(wait=True)
            importlib.import_module("wholeflow.experiment._warm")
        except Exception:  # warming is an optimisation: never stop the app over it
            log.debug("kernel warm-up failed", exc_info=True)

    thread = threading.Thread(target=work, name="wholeflow-warm-up", daemon=True)
    thread.start()
    return thread


# -- error pages ---------------------------------------------------------------------------------

async def error_page(scope: Any, status: int, title: str, text: str,
                     problems: list[Any] | None = None) -> HTMLResponse:
    """A plain-words error page (used by the middleware and the exception handlers)."""
    request = StarletteRequest(scope)
    html = templates.get_template("error.html").render(
        request=request, status=status, title=title, text=text, problems=problems or [],
        ws=getattr(getattr(scope.get("app"), "state", None), "ws", None),
        participant=bool(scope.get("state", {}).get("participant", False)))
    return HTMLResponse(html, status_code=status)


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        if exc.status_code == 404:
            return await error_page(request.scope, 404, "Page not found",
                                    str(exc.detail) if exc.detail != "Not Found" else
                                    "There is no page at this address. Use the menu to find "
                                    "what you were looking for.")
        return await error_page(request.scope, exc.status_code, "Sorry, that did not work",
                                str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_form(request: Request, exc: RequestValidationError) -> HTMLResponse:
        fields = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ())[1:]) or "the form"
            fields.append(f"{where}: {str(e.get('msg', 'is not valid')).lower()}")
        return await error_page(request.scope, 422, "Some answers need correcting",
                                "Go back and check: " + "; ".join(fields))

    @app.exception_handler(ModelError)
    async def model_error(request: Request, exc: ModelError) -> HTMLResponse:
        return await error_page(request.scope, 422, f"There are problems in {exc.subject}",
                                "Fix these in the files, then reload this page.", exc.problems)

    @app.exception_handler(OutsideWorkspaceError)
    async def outside(request: Request, exc: OutsideWorkspaceError) -> HTMLResponse:
        return await error_page(request.scope, 404, "Page not found",
                                "Only files inside the workspace can be opened.")

    @app.exception_handler(WholeflowError)
    async def user_error(request: Request, exc: WholeflowError) -> HTMLResponse:
        return await error_page(request.scope, 400, "Sorry, that did not work", str(exc))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> HTMLResponse:
        log.error("internal error on %s", request.url.path, exc_info=exc)
        return await error_page(request.scope, 500, "Sorry, there is a problem with the app",
                                "Something went wrong on our side. What you saved before is "
                                "kept. Try again; if it happens again, the details are in the "
                                "server's log.")
