"""Replay: an animated 28-day window of a run or imported data (owned by web-views)."""

from fastapi import APIRouter

router = APIRouter()
