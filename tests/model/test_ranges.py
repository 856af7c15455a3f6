"""Numbers and dates out of their sensible range are located problems with a fix (issue 16,
defect 6): each reproduction used to crash validate or run with an overflow, a division by zero
or a memory error."""

from __future__ import annotations

import pytest
from tests.model.conftest import SMALL, problems

from wholeflow.model import parse_model
from wholeflow.model.ranges import MAX_DAYS, MAX_PLACES


def _swap(old: str, new: str) -> str:
    assert old in SMALL, old
    return SMALL.replace(old, new, 1)


LOS = "length_of_stay: {dist: lognormal, mean: 5, sd: 3}"


@pytest.mark.parametrize(("old", "new", "path"), [
    ("run_days: 100", "run_days: 1000000000", "run_days"),
    ("run_days: 100", "run_days: .inf", "run_days"),
    ("run_days: 100", "run_days: 1.0e15", "run_days"),
    ("warm_up_days: 10", "warm_up_days: 10000000", "warm_up_days"),
    ("warm_up_days: 10", "warm_up_days: 36520", "run_days"),  # together over 100 years
    ("start_date: 2025-04-01", "start_date: 9999-12-01", "start_date"),
    ("start_date: 2025-04-01", "start_date: 1066-10-14", "start_date"),
    ("per_day: 4", "per_day: 1.0e308", "arrivals.ed.per_day"),
    ("per_day: 4", "per_day: 1000000", "arrivals.ed.per_day"),
    ("class_mix: {general: 0.7, frail: 0.3}",
     "class_mix: {general: 0.7, frail: 0.3}\n    monthly_profile: {apr: .inf}",
     "arrivals.ed.monthly_profile.apr"),
    (LOS, "length_of_stay: {dist: lognormal, mean: 5, sd: 1.0e308}",
     "services.acute.length_of_stay.sd"),
    (LOS, "length_of_stay: {dist: gamma, mean: 1.0e-300, sd: 3}",
     "services.acute.length_of_stay.mean"),
    (LOS, "length_of_stay: {dist: gamma, mean: .inf, sd: 3}",
     "services.acute.length_of_stay.mean"),
    (LOS, "length_of_stay: {dist: weibull, shape: 0.01, scale: 3}",
     "services.acute.length_of_stay.shape"),
    (LOS, "length_of_stay: {dist: empirical, values: [1, .inf]}",
     "services.acute.length_of_stay.values[1]"),
    ("capacity: 30", "capacity: 9223372036854775808", "services.acute.capacity"),
    ("capacity: 30", "capacity: {default: 30, by_weekday: {sat: 99999999}}",
     "services.acute.capacity.by_weekday.sat"),
    ("rehab: {occupancy: 10,", "rehab: {occupancy: 100000000,", "initial_state.rehab.occupancy"),
    ("capacity: 30", "capacity: 30\n    cost_per_day: 1.0e308", "services.acute.cost_per_day"),
    ("triage_time: 0.5", "triage_time: .inf", "services.rehab.referral.triage_time.value"),
])
def test_a_value_out_of_range_is_a_located_problem_with_a_fix(old, new, path):
    found = problems(_swap(old, new))
    assert [p.path for p in found] == [path]
    problem = found[0]
    assert problem.file == "model.yaml" and problem.line is not None
    assert problem.fix


def test_the_limits_themselves_are_allowed():
    text = _swap("run_days: 100", f"run_days: {MAX_DAYS - 10:g}")
    text = text.replace("capacity: 30", f"capacity: {MAX_PLACES}", 1)
    model = parse_model(text)
    assert model.services["acute"].capacity == MAX_PLACES


def test_scenarios_are_checked_against_the_ranges_too():
    text = SMALL.replace("services.rehab.capacity: 14", "run_days: 1.0e12")
    found = problems(text)
    assert any("36,525" in p.message for p in found)


def test_the_ranges_are_documented_in_the_model_reference():
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "reference" / "model.md").read_text()
    assert "## Sensible ranges" in page and "36,525" in page and "200,000 values" in page
