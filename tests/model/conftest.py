"""Shared fixtures for the model tests: a small valid model and helpers to read problems."""

from __future__ import annotations

import textwrap

import pytest

from wholeflow.errors import ModelError, Problem
from wholeflow.model import parse_model

SMALL = textwrap.dedent("""\
    name: small system
    start_date: 2025-04-01
    warm_up_days: 10
    run_days: 100
    calendars:
      weekdays: {days: [mon, tue, wed, thu, fri], bank_holidays: true}
    classes:
      general: {}
      frail: {priority: 1}
    services:
      acute:
        capacity: 30
        length_of_stay: {dist: lognormal, mean: 5, sd: 3}
      rehab:
        capacity: 12
        length_of_stay: {dist: gamma, mean: 20, sd: 8}
        referral: {calendar: weekdays, triage_time: 0.5, acceptance: 0.8}
      home_care:
        capacity: 40
        holds_on_transfer: false
        length_of_stay: 14
    exits:
      home: {}
      died: {}
    arrivals:
      ed:
        service: acute
        per_day: 4
        class_mix: {general: 0.7, frail: 0.3}
    routes:
      acute:
        - {to: rehab, probability: 0.3, on_reject: home_care}
        - {to: home_care, probability: 0.3}
        - {to: home, probability: 0.35}
        - {to: died, probability: 0.05}
      rehab:
        - {to: home_care, probability: 0.5}
        - {to: home, probability: 0.5}
      home_care:
        default: [{to: home, probability: 1}]
        frail: [{to: home, probability: 0.9}, {to: died, probability: 0.1}]
    initial_state:
      rehab: {occupancy: 10, ready: 2, class_mix: {general: 0.5, frail: 0.5}}
    scenarios:
      more_rehab:
        description: two more rehab beds
        changes:
          services.rehab.capacity: 14
    """)


@pytest.fixture
def small() -> str:
    """The text of a small valid model."""
    return SMALL


def problems(text: str, file: str = "model.yaml") -> list[Problem]:
    """The error problems of an invalid model text (fails the test if the model is valid)."""
    with pytest.raises(ModelError) as info:
        parse_model(text, file)
    return info.value.problems


def only(found: list[Problem], fragment: str) -> Problem:
    """The single problem whose message contains ``fragment``."""
    matching = [p for p in found if fragment in p.message]
    assert len(matching) == 1, f"expected one problem with {fragment!r}, got {found}"
    return matching[0]


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    """1-based line number of the ``nth`` line containing ``fragment``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(hits) >= nth, f"{fragment!r} not found {nth} times"
    return hits[nth - 1]


def replace(text: str, old: str, new: str) -> str:
    """``text`` with the single occurrence of ``old`` replaced (fails if not exactly one)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


class Helpers:
    """The helpers above, handed to tests as the ``h`` fixture (tests cannot import conftest)."""

    problems = staticmethod(problems)
    only = staticmethod(only)
    line_of = staticmethod(line_of)
    replace = staticmethod(replace)


@pytest.fixture
def h() -> type[Helpers]:
    return Helpers
