"""System map: the report's map, interactive (owned by web-views)."""

from fastapi import APIRouter

router = APIRouter()
