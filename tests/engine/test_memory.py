"""A run that cannot fit in memory is refused before anything is allocated, with its size and
what to change (issue 16: per_day 1,000,000 used to die with a MemoryError after 6.7 GB)."""

from __future__ import annotations

import textwrap

import pytest

from wholeflow.engine import simulate
from wholeflow.engine.compile import compile_model
from wholeflow.engine.memory import MAX_RECORDS, TooBigError, check_fits, estimate
from wholeflow.errors import SimulationError
from wholeflow.model import parse_model

MODEL = textwrap.dedent("""
    name: memory
    start_date: 2025-01-06
    warm_up_days: 0
    run_days: {days}
    services:
      ward: {{capacity: null, length_of_stay: {{dist: exponential, mean: 2}}}}
      rehab: {{capacity: null, length_of_stay: 3}}
    arrivals:
      in: {{service: ward, per_day: {per_day}}}
    routes:
      ward: [{{to: rehab, probability: 0.5}}, {{to: home, probability: 0.5}}]
      rehab: [{{to: home, probability: 1}}]
""")


def _compiled(per_day: float, days: float = 100):
    return compile_model(parse_model(MODEL.format(per_day=per_day, days=days)))


def test_the_estimate_follows_the_expected_volumes_of_a_real_run():
    cm = _compiled(20, 100)
    need = estimate(cm)
    # 2,000 arrivals expected; each makes 1.5 stays on average (half go on to rehab)
    assert need.people == pytest.approx(2_000, rel=0.02)
    assert need.stints >= 1.5 * 2_000
    rep = simulate(parse_model(MODEL.format(per_day=20, days=100)), replications=1).replications[0]
    # Poisson arrivals: the actual count is within 4 sd (sqrt(2,000) = 45) of the expected
    assert abs(len(rep.people) - 2_000) <= 4 * 45 and len(rep.stints) <= need.stints


def test_a_run_too_big_for_the_memory_is_refused_with_its_size_and_the_fix():
    cm = _compiled(1_000, 3_650)
    with pytest.raises(TooBigError) as err:
        check_fits(cm, available=100 * 2**20)
    message = str(err.value)
    assert "will not fit in memory" in message and "3.7 million people" in message
    assert "100.0 MB is available" in message and "run_days" in message and "per_day" in message
    assert isinstance(err.value, SimulationError)  # a user's error: exit code 2
    assert check_fits(cm, available=64 * 2**30).bytes < 64 * 2**30


def test_a_run_beyond_the_kernels_record_numbers_is_refused_before_allocating():
    model = parse_model(MODEL.format(per_day=90_000, days=36_000))
    with pytest.raises(TooBigError) as err:
        simulate(model, replications=1)
    assert f"{MAX_RECORDS / 1e9:,.1f} billion records" in str(err.value)
