"""The room: a local web app on one workspace (``wholeflow serve``).

``create_app(workspace)`` returns the ASGI application (FastAPI + Jinja2 + htmx, the NHS design
system served from the package, nothing fetched from elsewhere). It needs the ``web`` extra
(``pip install 'wholeflow[web]'``); the rest of wholeflow works without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app"]


def create_app(workspace: str | Path, *, token: str | None = None, host: str = "127.0.0.1",
               max_upload_mb: float = 50, warm: bool = False,
               workers: int | None = None) -> FastAPI:
    """The web app serving ``workspace``; see :func:`wholeflow.web.app.create_app`."""
    try:
        from wholeflow.web.app import create_app as _create
    except ImportError as err:  # fastapi/uvicorn missing
        from wholeflow.errors import MissingExtraError

        raise MissingExtraError(f"the web app ({err.name} is missing)", "web") from None
    return _create(workspace, token=token, host=host, max_upload_mb=max_upload_mb, warm=warm,
                   workers=workers)
