"""Helpers for engine tests: tiny models written inline, run once, read back as tables."""

from __future__ import annotations

import textwrap

import pytest

from wholeflow.engine import simulate
from wholeflow.model import parse_model


@pytest.fixture
def run():
    """run(yaml_body, replications=1, seed=0) -> Results, with a standard header."""

    def _run(body: str, replications: int = 1, seed: int = 0, **header):
        head = {"name": "test", "start_date": "2025-01-06", "warm_up_days": 0, "run_days": 30}
        head.update(header)
        text = "\n".join(f"{k}: {v}" for k, v in head.items()) + "\n"
        text += textwrap.dedent(body)
        return simulate(parse_model(text), replications=replications, seed=seed)

    return _run


@pytest.fixture(scope="session")
def reference_results():
    """Five replications of the reference network (scale 1), shared by several tests."""
    from wholeflow.examples.reference import reference_network

    return simulate(reference_network(1), replications=5, seed=2025)
