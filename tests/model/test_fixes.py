"""Every problem says how to put it right, not only which rule was broken (issue 16)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from tests.fuzz.mutations import dump, model_data
from tests.model.conftest import SMALL, problems

from wholeflow.errors import ModelError
from wholeflow.model import parse_model


def test_the_common_field_errors_each_carry_a_fix():
    cases = [
        SMALL.replace("capacity: 30", "capacity: -3"),
        SMALL.replace("run_days: 100", "run_days: many"),
        SMALL.replace("start_date: 2025-04-01", "start_date: April"),
        SMALL + "services_extra: 1\n",
        SMALL.replace("per_day: 4", "per_day: [4]"),
        SMALL.replace("bank_holidays: true", "bank_holidays: sometimes"),
        SMALL.replace("days: [mon, tue, wed, thu, fri]", "days: [mon, tue, wed, thu, fry]"),
    ]
    for text in cases:
        for problem in problems(text):
            assert problem.fix, problem


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(model_data())
def test_every_problem_of_a_damaged_model_has_a_fix(data):
    try:
        parse_model(dump(data), "model.yaml")
    except ModelError as err:
        for problem in err.problems + err.warnings:
            assert problem.fix, problem
            assert problem.file == "model.yaml" and problem.line is not None, problem
