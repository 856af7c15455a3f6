"""Bad inputs give clear errors or warnings, never a crash."""

from __future__ import annotations

import pandas as pd
import pytest

from wholeflow import MeasureError, spc

MONTHS = pd.date_range("2020-01-01", periods=15, freq="MS")
VALUES = [9.0, 11.0, 10.0] * 5


def frame(**columns):
    data = {"date": MONTHS, "value": VALUES}
    data.update(columns)
    return pd.DataFrame(data)


@pytest.mark.parametrize("values", [[], [5.0]])
def test_too_few_points_is_an_error(values):
    with pytest.raises(MeasureError, match="at least 2 points"):
        spc(values)


def test_a_missing_date_is_named_by_row():
    dates = list(MONTHS)
    dates[2] = None
    with pytest.raises(MeasureError, match="row 3 has no date"):
        spc(frame(date=dates))


def test_an_unreadable_date_is_named():
    dates = [d.strftime("%Y-%m-%d") for d in MONTHS]
    dates[4] = "2020-13-45"
    with pytest.raises(MeasureError, match=r"row 5: '2020-13-45' is not a date"):
        spc(frame(date=dates))


def test_duplicate_dates_are_an_error_that_says_what_to_do():
    dates = list(MONTHS)
    dates[5] = dates[4]
    with pytest.raises(MeasureError, match=r"a date appears more than once \(2020-05-01\).*add"):
        spc(frame(date=dates))


def test_text_in_the_value_column_is_named():
    values: list[object] = list(VALUES)
    values[1] = "n/a"
    with pytest.raises(MeasureError, match=r"column 'value', row 2: 'n/a' is not a number"):
        spc(frame(value=values))


def test_a_missing_value_column_lists_the_columns():
    with pytest.raises(MeasureError, match=r"no value column .breaches.*date, value"):
        spc(frame(), value_column="breaches")


def test_missing_values_drop_their_points_with_a_warning():
    values = list(VALUES)
    values[3] = None
    result = spc(frame(value=values))
    assert len(result.points) == 14
    assert any("1 point without a 'value' left out (2020-04-01)" in w for w in result.warnings)


def test_zero_denominators_drop_their_points_with_a_warning():
    result = spc(frame(value=[5] * 15, denominator=[50] * 14 + [0]), chart="p")
    assert len(result.points) == 14
    assert any("zero denominator" in w and "2021-03-01" in w for w in result.warnings)


def test_negative_counts_are_an_error():
    with pytest.raises(MeasureError, match="cannot be negative: row 2"):
        spc(frame(value=[3, -1] + [3] * 13), chart="c")


def test_negative_denominators_are_an_error():
    with pytest.raises(MeasureError, match="denominators must not be negative: row 1"):
        spc(frame(value=[3] * 15, denominator=[-10] + [10] * 14), chart="u")


def test_a_proportion_over_one_is_an_error():
    with pytest.raises(MeasureError, match=r"cannot exceed 1.*row 15"):
        spc(frame(value=[3] * 15, denominator=[10] * 14 + [2]), chart="p")


@pytest.mark.parametrize("chart", ["p", "pprime", "u", "uprime"])
def test_rate_charts_need_a_denominator(chart):
    with pytest.raises(MeasureError, match="needs a denominator"):
        spc(frame(value=[3] * 15), chart=chart)


def test_a_named_denominator_column_must_exist():
    with pytest.raises(MeasureError, match="no denominator column 'cases'"):
        spc(frame(), chart="p", denominator_column="cases")


def test_gaps_in_a_monthly_series_are_listed():
    result = spc(frame().drop(index=[3, 4]))
    assert any(w.startswith("2 periods missing from the series (2020-04-01, 2020-05-01)")
               for w in result.warnings)


def test_gaps_in_a_weekly_series_are_listed():
    weeks = pd.date_range("2021-01-04", periods=15, freq="7D")
    result = spc(pd.Series(VALUES, index=weeks).drop(weeks[7]))
    assert any("1 period missing" in w and "2021-02-22" in w for w in result.warnings)


def test_a_complete_series_has_no_gap_warning():
    assert not any("missing" in w for w in spc(frame()).warnings)


def test_unsorted_rows_are_charted_in_date_order():
    shuffled = frame().sample(frac=1.0, random_state=3)
    result = spc(shuffled)
    assert result.points["date"].is_monotonic_increasing
    assert result.points["value"].tolist() == VALUES


def test_fractional_counts_on_a_c_chart_are_warned():
    result = spc(frame(value=[2.5] + [3.0] * 14), chart="c")
    assert any("not whole" in w for w in result.warnings)


def test_a_c_chart_ignores_a_denominator_with_a_warning():
    result = spc(frame(value=[3.0] * 15, denominator=[10.0] * 15), chart="c")
    assert result.points["value"].iloc[0] == 3.0
    assert any("ignores the denominator" in w for w in result.warnings)


def test_an_unsupported_input_is_an_error():
    with pytest.raises(MeasureError, match="cannot chart a dict"):
        spc({"a": 1})


def test_text_dates_and_period_numbers_are_both_accepted():
    text = spc(frame(date=[d.strftime("%Y-%m-%d") for d in MONTHS]))
    assert text.points["date"].iloc[0] == pd.Timestamp("2020-01-01")
    numbered = spc(pd.DataFrame({"value": VALUES}))
    assert numbered.points["date"].tolist() == list(range(1, 16))


def test_infinite_values_are_an_error():
    with pytest.raises(MeasureError, match="row 2: infinite values"):
        spc([1.0, float("inf"), 2.0, 3.0])


def test_limits_that_cannot_be_estimated_are_warned_not_invented():
    result = spc(pd.DataFrame({"value": [0] * 15, "denominator": [10] * 15}), chart="pprime")
    assert result.points["upper"].isna().all()
    assert any("without process limits" in w for w in result.warnings)
    assert result.variation_icon == "common_cause"
