"""Helpers for data tests: small logs written inline, imported into a fresh workspace."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import Store
from wholeflow.model import parse_model
from wholeflow.model.schema import Model


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text, encoding="utf-8", bom=False) -> path of a file with dedented text."""

    def _write(name: str, text: str, encoding: str = "utf-8", bom: bool = False) -> Path:
        path = tmp_path / name
        data = textwrap.dedent(text).lstrip("\n").encode(encoding)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return _write


@pytest.fixture
def load(workspace: Path, write):
    """load(csv_text, **import options) -> (report, store) for a log written inline."""
    counter = iter(range(1_000_000))

    def _load(text: str, name: str | None = None, **options):
        path = write(name or f"log{next(counter)}.csv", text)
        report = import_events(path, workspace, **options)
        return report, Store(workspace)

    return _load


# -- the known model of the round-trip tests -------------------------------------------------

TRUE_MODEL = """
name: round trip
start_date: 2024-01-01
warm_up_days: 0
run_days: {days}
classes: {{general: {{}}, frail: {{}}}}
exits: {{home: {{}}, care_home: {{}}}}
services:
  acute:
    length_of_stay: {{dist: lognormal, mean: 5, sd: 4}}
    length_of_stay_by_class:
      frail: {{dist: lognormal, mean: 9, sd: 6}}
    assessments: 2
  community:
    length_of_stay: {{dist: gamma, mean: 20, sd: 10}}
    referral: {{acceptance: 0.8, triage_time: {{dist: exponential, mean: 0.5}}}}
  imc:
    length_of_stay: {{dist: exponential, mean: 14}}
    holds_on_transfer: false
arrivals:
  front_door:
    service: acute
    per_day: 40
    weekday_profile: {{mon: 1.3, tue: 1.1, wed: 1, thu: 1, fri: 1, sat: 0.7, sun: 0.9}}
    class_mix: {{general: 0.7, frail: 0.3}}
routes:
  acute:
    general:
      - {{to: home, probability: 0.6}}
      - {{to: community, probability: 0.2, on_reject: home}}
      - {{to: imc, probability: 0.2}}
    frail:
      - {{to: home, probability: 0.3}}
      - {{to: community, probability: 0.4, on_reject: care_home}}
      - {{to: imc, probability: 0.3}}
  community:
    - {{to: home, probability: 0.9}}
    - {{to: care_home, probability: 0.1}}
  imc:
    - {{to: home, probability: 1.0}}
"""

#: Route probabilities of TRUE_MODEL: (service, class) -> {target: probability}
ROUTES = {
    ("acute", "general"): {"home": 0.6, "community": 0.2, "imc": 0.2},
    ("acute", "frail"): {"home": 0.3, "community": 0.4, "imc": 0.3},
    ("community", None): {"home": 0.9, "care_home": 0.1},
}
LENGTH_OF_STAY = {("acute", "general"): 5.0, ("acute", "frail"): 9.0, ("community", None): 20.0,
                  ("imc", None): 14.0}


def true_model(days: int = 730) -> Model:
    return parse_model(TRUE_MODEL.format(days=days))


def route_probabilities(model: Model, service: str, klass: str | None) -> dict[str, float]:
    routes = model.routes[service]
    if isinstance(routes, dict):
        routes = routes[klass] if klass in routes else routes["default"]
    return {r.to: r.probability for r in routes}


def mean_length_of_stay(model: Model, service: str, klass: str | None) -> float:
    s = model.services[service]
    dist = s.length_of_stay_by_class.get(klass, s.length_of_stay) if klass else s.length_of_stay
    return dist.mean()


@pytest.fixture(scope="session")
def known() -> SimpleNamespace:
    """The round trips' known model (a factory by run length) and its true parameters."""
    return SimpleNamespace(model=true_model, routes=ROUTES, length_of_stay=LENGTH_OF_STAY,
                           route_probabilities=route_probabilities,
                           mean_length_of_stay=mean_length_of_stay)
