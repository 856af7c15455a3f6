"""Shared fixtures: small queueing models whose behaviour theory knows, and a workspace."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from wholeflow.model.schema import Model


def mmc_data(capacity: int | None = 12, arrivals_per_day: float = 10.0, mean_stay: float = 1.0,
             warm_up_days: float = 30.0, run_days: float = 365.0) -> dict[str, object]:
    """One ward: Poisson arrivals, exponential stays, ``capacity`` beds, FIFO queue (M/M/c)."""
    return {
        "name": "mmc", "start_date": "2025-04-01", "warm_up_days": warm_up_days,
        "run_days": run_days,
        "services": {"ward": {"name": "Ward 7", "capacity": capacity, "cost_per_day": 300.0,
                              "funder": "trust",
                              "length_of_stay": {"dist": "exponential", "mean": mean_stay}}},
        "arrivals": {"front_door": {"service": "ward", "per_day": arrivals_per_day}},
        "routes": {"ward": [{"to": "home", "probability": 1.0}]},
    }


def mmc_model(**kwargs: object) -> Model:
    return Model.model_validate(mmc_data(**kwargs))  # type: ignore[arg-type]


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


def two_ward_model(capacities: tuple[int, int] = (12, 7), rates: tuple[float, float] = (10.0, 5.0),
                   costs: tuple[float, float] = (300.0, 300.0)) -> Model:
    """Two independent M/M/c wards side by side (one arrival stream each)."""
    services = {}
    for name, cap, cost in zip(("east", "west"), capacities, costs, strict=True):
        services[name] = {"capacity": cap, "cost_per_day": cost,
                          "length_of_stay": {"dist": "exponential", "mean": 1.0}}
    return Model.model_validate({
        "name": "two wards", "start_date": "2025-04-01", "warm_up_days": 30, "run_days": 365,
        "services": services,
        "arrivals": {f"into_{n}": {"service": n, "per_day": r}
                     for n, r in zip(("east", "west"), rates, strict=True)},
        "routes": {n: [{"to": "home", "probability": 1.0}] for n in ("east", "west")},
    })


def triage_model() -> Model:
    """A ward whose people move on to rehab after a fixed 2-day triage: rehab waits >= 2 days."""
    return Model.model_validate({
        "name": "triage", "start_date": "2025-04-01", "warm_up_days": 30, "run_days": 365,
        "services": {
            "ward": {"capacity": 20, "length_of_stay": {"dist": "exponential", "mean": 1.0}},
            "rehab": {"capacity": 30, "length_of_stay": {"dist": "exponential", "mean": 2.0},
                      "referral": {"triage_time": 2.0}},
        },
        "arrivals": {"front_door": {"service": "ward", "per_day": 8.0}},
        "routes": {"ward": [{"to": "rehab", "probability": 0.5},
                            {"to": "home", "probability": 0.5}],
                   "rehab": [{"to": "home", "probability": 1.0}]},
    })


@pytest.fixture
def mmc() -> Model:
    return mmc_model()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace folder holding the M/M/c model as wholeflow.yaml."""
    (tmp_path / "wholeflow.yaml").write_text(yaml.safe_dump(mmc_data()), encoding="utf-8")
    return tmp_path


SCENARIOS = {
    "extra_bed": {"description": "one more bed", "changes": {"services.ward.capacity": 13}},
    # a bigger event budget: a different model that draws exactly the same random numbers
    "same": {"changes": {"max_events": 1_000_000_000}},
}


@pytest.fixture
def scenario_workspace(tmp_path: Path) -> Path:
    """A workspace with the M/M/c model, one scenario in the model and one in scenarios/."""
    data = mmc_data()
    data["scenarios"] = {"extra_bed": SCENARIOS["extra_bed"]}
    (tmp_path / "wholeflow.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "same.yaml").write_text(yaml.safe_dump(SCENARIOS["same"]),
                                                      encoding="utf-8")
    return tmp_path


@pytest.fixture
def models() -> SimpleNamespace:
    """Model factories and queueing formulas for the tests (conftest is not importable)."""
    return SimpleNamespace(mmc=mmc_model, mmc_data=mmc_data, two_wards=two_ward_model,
                           triage=triage_model, erlang_c_wait=erlang_c_wait)
