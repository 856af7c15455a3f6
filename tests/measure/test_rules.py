"""The MDC special-cause rules, checked against NHSRplotthedots' own test cases.

Cases marked "ptd" come from nhs-r-community/NHSRplotthedots,
tests/testthat/test-ptd_calculate_point_type.R and test-ptd_spc_standard.R.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wholeflow import spc
from wholeflow.measure.limits import from_sigma
from wholeflow.measure.rules import mdc_rules

# With centre 0 and sigma 1: 2-sigma lines at ±2, process limits at ±3.
NEAR, OUT = 2.5, 3.5


def rules(values, **options):
    values = np.asarray(values, dtype=float)
    hits = mdc_rules(values, from_sigma(0.0, np.ones(values.size)), **options)
    return list(hits.rule), list(hits.side)


def wide(values, **options):
    """Rules about the mean with limits so wide that only trends and shifts can fire."""
    values = np.asarray(values, dtype=float)
    hits = mdc_rules(values, from_sigma(values.mean(), np.full(values.size, 1e6)), **options)
    return list(hits.rule), list(hits.side)


def test_seven_rising_points_are_a_trend():  # ptd: ptd_seven_point_trend(1:7)
    rule, side = wide(range(1, 8))
    assert rule == ["trend"] * 7
    assert side == [1] * 7


def test_a_repeated_value_breaks_a_trend():  # ptd: ptd_seven_point_trend(c(1:3, 3:6))
    rule, _ = wide([1, 2, 3, 3, 4, 5, 6])
    assert "trend" not in rule


def test_six_rising_points_are_no_trend_unless_runs_of_six_are_asked_for():
    assert "trend" not in wide(range(1, 7))[0]
    assert wide(range(1, 7), run_length=6)[0] == ["trend"] * 6


def test_a_falling_trend_inside_other_points():  # ptd: c(2, 7:1, 3)
    rule, side = wide([2, 7, 6, 5, 4, 3, 2, 1, 3])
    assert rule == [""] + ["trend"] * 7 + [""]
    assert side[1:8] == [-1] * 7


def test_a_peak_shared_by_two_trends_takes_the_direction_of_the_trend_it_starts():
    rule, side = wide([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1])
    assert rule == ["trend"] * 13
    assert side[:6] == [1] * 6
    assert side[6] == -1  # the peak starts the falling trend
    assert side[7:] == [-1] * 6


def test_seven_points_on_one_side_of_the_mean_are_a_shift():  # ptd: c(rep(1, 8), -1)
    rule, side = rules([1] * 8 + [-1])
    assert rule == ["shift"] * 8 + [""]
    assert side[:8] == [1] * 8


def test_a_point_on_the_mean_breaks_a_shift():
    rule, _ = rules([1, 1, 1, 0, 1, 1, 1, 1])
    assert "shift" not in rule
    assert "shift" in rules([1, 1, 1, 1, 1, 1, 1, 0])[0]


def test_six_points_on_one_side_are_a_shift_only_with_runs_of_six():  # ptd: c(rep(1, 6), -1)
    assert "shift" not in rules([1] * 6 + [-1])[0]
    assert rules([1] * 6 + [-1], run_length=6)[0] == ["shift"] * 6 + [""]


def test_two_of_three_near_the_limit_flags_only_the_near_points():  # ptd: c(0,0,1,0,1,0,0)
    rule, side = rules([0.5, 0.5, NEAR, 0.5, NEAR, 0.5, -0.5])
    assert rule == ["", "", "two_of_three", "", "two_of_three", "", ""]
    assert side[2] == side[4] == 1


def test_two_of_three_needs_the_two_within_three_points():  # ptd: c(1,0,0,1) and c(1,0,0,1,1)
    assert "two_of_three" not in rules([NEAR, 0.5, 0.5, NEAR])[0]
    assert rules([NEAR, 0.5, 0.5, NEAR, NEAR])[0] == ["", "", "", "two_of_three",
                                                       "two_of_three"]


def test_two_of_three_needs_all_three_points_on_the_same_side():  # ptd: opposite sides
    assert "two_of_three" not in rules([NEAR, -0.5, NEAR])[0]
    assert "two_of_three" not in rules([-NEAR, 0.5, -NEAR, 0.5, -NEAR])[0]


def test_two_of_three_counts_a_point_beyond_the_limit_by_default():
    rule, _ = rules([0.5, NEAR, OUT, -0.5])
    assert rule == ["", "two_of_three", "outside_limits", ""]


def test_two_of_three_can_count_only_points_short_of_the_limit_as_nhsrplotthedots():
    rule, _ = rules([0.5, NEAR, OUT, -0.5], two_of_three_beyond_limits=False)
    assert rule == ["", "", "outside_limits", ""]


def test_outside_the_limits_outranks_the_other_rules():
    rule, side = rules([1, 1, 1, OUT, 1, 1, 1, -1])
    assert rule == ["shift", "shift", "shift", "outside_limits", "shift", "shift", "shift", ""]
    assert side[3] == 1


def test_two_successive_points_near_opposite_limits_are_common_cause():
    # ptd (test-ptd_spc_standard.R): symmetric data with 5.5 and -5.5 as the last two points
    data = [1.0, -1.0] * 7 + [5.5, -5.5]
    result = spc(pd.DataFrame({"date": pd.date_range("2020-01-02", periods=16), "value": data}))
    assert result.points["point_type"].tail(2).tolist() == ["common_cause", "common_cause"]


def test_direction_turns_signals_into_improvement_or_concern():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 30]
    up = spc(values, improvement_direction="increase")
    down = spc(values, improvement_direction="decrease")
    neutral = spc(values, improvement_direction="neutral")
    assert up.points["point_type"].iloc[-1] == "special_cause_improvement"
    assert down.points["point_type"].iloc[-1] == "special_cause_concern"
    assert neutral.points["point_type"].iloc[-1] == "special_cause_neutral_high"
    assert (up.variation_icon, down.variation_icon, neutral.variation_icon) == (
        "improvement_high", "concern_high", "neutral_high")


# Two readings of "two of three beyond 2 sigma". Making Data Count (its team's 2023 reading,
# our default) counts every point beyond the 2-sigma line, those beyond the process limit too;
# NHSRplotthedots counts only points between the 2-sigma line and the limit. Hand-made XmR
# series where they differ: twenty ordinary weeks (10, 11, ...), then a point beyond a limit
# with a point short of it but beyond 2 sigma, all three on one side of the mean.
ORDINARY = [10, 11] * 10


def both_readings(tail):
    """The last points' (value, lower, lower_near, upper_near, upper) and each reading's rules."""
    mdc = spc(ORDINARY + tail)
    ptd = spc(ORDINARY + tail, two_of_three_beyond_limits=False)
    lines = mdc.points[["value", "lower", "lower_near", "upper_near", "upper"]].tail(len(tail))
    return (lines, mdc.points["rule"].tail(len(tail)).tolist(),
            ptd.points["rule"].tail(len(tail)).tolist(), mdc, ptd)


def test_a_point_near_the_limit_next_to_one_beyond_it_counts_only_in_the_mdc_reading():
    lines, mdc, ptd, mdc_result, ptd_result = both_readings([11, 12.8, 14.0, 10])
    near, out = lines.iloc[1], lines.iloc[2]
    assert near["upper_near"] < near["value"] < near["upper"]  # between 2 and 3 sigma
    assert out["value"] > out["upper"]  # beyond the limit
    assert lines["value"].iloc[0] > mdc_result.points["centre"].iloc[0]  # same side, all three
    assert mdc == ["", "two_of_three", "outside_limits", ""]
    assert ptd == ["", "", "outside_limits", ""]
    assert mdc_result.options["two_of_three_beyond_limits"] is True  # the default
    assert ptd_result.points["point_type"].iloc[-3] == "common_cause"


def test_the_two_may_be_apart_within_the_three_points():
    lines, mdc, ptd, *_ = both_readings([11, 14.5, 11, 13.2, 10])
    assert lines["value"].iloc[1] > lines["upper"].iloc[1]
    assert lines["upper_near"].iloc[3] < lines["value"].iloc[3] < lines["upper"].iloc[3]
    assert mdc == ["", "outside_limits", "", "two_of_three", ""]
    assert ptd == ["", "outside_limits", "", "", ""]


def test_the_readings_differ_below_the_mean_as_above_it():
    lines, mdc, ptd, mdc_result, _ = both_readings([10, 9.5, 6.9, 8.0, 11])
    assert lines["value"].iloc[2] < lines["lower"].iloc[2]
    assert lines["lower"].iloc[3] < lines["value"].iloc[3] < lines["lower_near"].iloc[3]
    assert mdc == ["", "", "outside_limits", "two_of_three", ""]
    assert ptd == ["", "", "outside_limits", "", ""]
    assert mdc_result.points["side"].iloc[-2] == -1


def test_the_readings_agree_when_two_points_are_short_of_the_limit_or_sides_differ():
    assert rules([0.5, NEAR, NEAR, OUT])[0] == rules(
        [0.5, NEAR, NEAR, OUT], two_of_three_beyond_limits=False)[0] == [
        "", "two_of_three", "two_of_three", "outside_limits"]
    for values in ([OUT, -0.5, NEAR], [-OUT, 0.5, -NEAR]):  # not all three on one side
        assert rules(values)[0] == rules(values, two_of_three_beyond_limits=False)[0]
        assert "two_of_three" not in rules(values)[0]
