"""Fixtures for the report tests: small models, stand-in results and experiment tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the report_* helper modules beside this file

from report_fakes import fake_comparison, fake_results, fake_sensitivity
from report_models import BOLTON_LIKE, SMALL

from wholeflow.model import parse_model


@pytest.fixture(scope="session")
def small_model():
    return parse_model(SMALL, "small.yaml")


@pytest.fixture(scope="session")
def bolton_model():
    return parse_model(BOLTON_LIKE, "bolton.yaml")


@pytest.fixture(scope="session")
def small_results(small_model):
    short = small_model.model_copy(update={"run_days": 120.0})
    return fake_results(short, replications=2, seed=1)


@pytest.fixture(scope="session")
def bolton_results(bolton_model):
    short = bolton_model.model_copy(update={"run_days": 150.0})
    return fake_results(short, replications=2, seed=2)


@pytest.fixture
def comparison():
    return fake_comparison()


@pytest.fixture
def sensitivity():
    return fake_sensitivity()
