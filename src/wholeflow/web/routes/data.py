"""Data: upload event logs, column mapping, import report, diagnostics (owned by web-views)."""

from fastapi import APIRouter

router = APIRouter()
