"""The app's pages, one module each; every module exposes ``router = APIRouter()``.

:func:`wholeflow.web.app.create_app` includes every module of this package (names starting
with ``_`` are helpers, not pages).
"""
