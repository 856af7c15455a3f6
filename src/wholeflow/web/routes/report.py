"""Report: download the HTML report and the Excel workbook (owned by web-views)."""

from fastapi import APIRouter

router = APIRouter()
