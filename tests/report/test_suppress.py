"""Small-number suppression: which values and which columns."""

import pandas as pd
import pytest

from wholeflow.report.suppress import count_columns, is_small, suppress_table


@pytest.mark.parametrize(("value", "small"), [
    (0, False), (1, True), (7, True), (7.4, True), (7.6, False), (8, False), (0.4, False),
    (None, False), ("7", False), (float("nan"), False), (True, False)])
def test_counts_one_to_seven_are_small(value, small):
    assert is_small(value) is small


def test_threshold_is_configurable():
    assert is_small(4, threshold=5) and not is_small(5, threshold=5)


def test_count_columns_are_recognised_by_name_and_type():
    df = pd.DataFrame({"service": ["a"], "weekday": [3], "referrals": [4.0], "n": [2],
                       "people": [5], "median_wait_days": [3], "admissions_count": [1],
                       "replication": [1], "assessments": [4], "stranded": [6]})
    assert set(count_columns(df)) == {"referrals", "n", "people", "admissions_count",
                                      "stranded"}


def test_suppressed_table_shows_no_count_between_one_and_seven():
    df = pd.DataFrame({"service": ["a", "b", "c"], "referrals": [0, 3, 120],
                       "mean_wait_days": [1.5, 2.0, 7.0]})
    out = suppress_table(df)
    assert list(out["referrals"]) == [0, "<8", 120]
    assert list(out["mean_wait_days"]) == [1.5, 2.0, 7.0]  # not a count
    assert list(df["referrals"]) == [0, 3, 120]  # the input is left alone
