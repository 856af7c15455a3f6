"""Scenarios (web-core)."""

from fastapi import APIRouter

router = APIRouter()
