"""Measures: SPC charts, this week's value, PDSA cycles (owned by web-views)."""

from fastapi import APIRouter

router = APIRouter()
