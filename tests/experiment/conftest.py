"""Shared fixtures: small queueing models whose behaviour theory knows."""

from __future__ import annotations

import math

import pytest

from wholeflow.model.schema import Model


def mmc_model(capacity: int | None = 12, arrivals_per_day: float = 10.0, mean_stay: float = 1.0,
              warm_up_days: float = 30.0, run_days: float = 365.0, **extra: object) -> Model:
    """One ward: Poisson arrivals, exponential stays, ``capacity`` beds, FIFO queue (M/M/c)."""
    return Model.model_validate({
        "name": "mmc", "start_date": "2025-04-01", "warm_up_days": warm_up_days,
        "run_days": run_days,
        "services": {"ward": {"capacity": capacity, "cost_per_day": 300.0,
                              "length_of_stay": {"dist": "exponential", "mean": mean_stay}}},
        "arrivals": {"front_door": {"service": "ward", "per_day": arrivals_per_day}},
        "routes": {"ward": [{"to": "home", "probability": 1.0}]},
        **extra,
    })


def erlang_c_wait(c: int, arrivals_per_day: float, mean_stay: float) -> float:
    """Mean wait in queue (days) of an M/M/c queue, from the Erlang C formula."""
    a = arrivals_per_day * mean_stay
    if c <= a:
        return math.inf
    rho = a / c
    terms = sum(a**k / math.factorial(k) for k in range(c))
    last = a**c / math.factorial(c) / (1 - rho)
    p_wait = last / (terms + last)
    return p_wait * mean_stay / (c - a)


@pytest.fixture
def mmc() -> Model:
    return mmc_model()
