"""wholeflow.spc as a whole: inputs, rebasing, icons, signals, warnings."""

from __future__ import annotations

import pandas as pd
import pytest

from wholeflow import MeasureError, SpcResult, spc
from wholeflow.measure.icons import assurance_icon, icon_data_uri, icon_svg

STEADY = [9.0, 11.0] * 8


@pytest.mark.parametrize(("direction", "expected"), [
    ("increase", ["fail", "pass", "hit_and_miss"]),
    ("decrease", ["pass", "fail", "hit_and_miss"]),
    ("neutral", [None, None, None]),
])
def test_assurance_cases_of_nhsrplotthedots(direction, expected):
    # NHSRplotthedots tests/testthat/test-ptd_calculate_assurance_type.R: limits (1, 3), (5, 7)
    # and (1, 5) against a target of 4
    found = [assurance_icon(4, lower, upper, direction) for lower, upper in ((1, 3), (5, 7),
                                                                             (1, 5))]
    assert found == expected


def test_no_target_no_assurance():
    assert spc(STEADY).assurance_icon is None
    assert assurance_icon(None, 1, 3, "increase") is None


@pytest.mark.parametrize(("target", "direction", "icon"), [
    # STEADY's process limits are 4.68 and 15.32
    (3, "increase", "pass"), (17, "increase", "fail"), (10, "increase", "hit_and_miss"),
    (3, "decrease", "fail"), (17, "decrease", "pass"),
])
def test_assurance_from_a_chart(target, direction, icon):
    result = spc(STEADY, target=target, improvement_direction=direction)
    assert result.assurance_icon == icon
    assert any(s.startswith(f"Target {target}") for s in result.signals)


def test_rebasing_keeps_runs_from_crossing_segments():
    before = [9.0, 11.0] * 5 + [12.0] * 4
    after = [12.0] * 4 + [9.0, 11.0] * 5
    dates = pd.date_range("2020-01-01", periods=28, freq="MS")
    frame = pd.DataFrame({"date": dates, "value": before + after})
    whole = spc(frame)
    assert (whole.points["rule"].iloc[10:18] == "shift").all()
    split = spc(frame, rebase=["2021-03-01"])
    assert split.points["segment"].tolist() == [0] * 14 + [1] * 14
    assert "shift" not in set(split.points["rule"])
    assert len(split.segments) == 2


def test_rebasing_keeps_trends_from_crossing_segments():
    before = [5.0, 6.0, 5.0, 6.0, 5.0, 6.0, 5.0, 6.0, 1.0, 2.0, 3.0, 4.0]
    after = [5.0, 6.0, 7.0, 6.0, 7.0, 6.0, 7.0, 6.0, 7.0, 6.0, 7.0, 6.0]
    assert "trend" in set(spc(before + after).points["rule"])
    assert "trend" not in set(spc(before + after, rebase=[13]).points["rule"])


def test_each_segment_has_its_own_lines():
    result = spc([10.0, 12.0] * 7 + [20.0, 22.0] * 7, rebase=[15])
    centres = result.points.groupby("segment")["centre"].unique()
    assert centres[0].tolist() == [11.0]
    assert centres[1].tolist() == [21.0]
    assert result.segments["n"].tolist() == [14, 14]


def test_a_rebase_between_dates_starts_at_the_next_point():
    dates = pd.date_range("2020-01-01", periods=20, freq="MS")
    result = spc(pd.Series([*STEADY, 9.0, 11.0, 9.0, 11.0], index=dates), rebase="2020-06-15")
    assert result.segments["start"].iloc[1] == pd.Timestamp("2020-07-01")


def test_a_rebase_outside_the_series_is_ignored_with_a_warning():
    result = spc(STEADY, rebase=[1, 40])
    assert len(result.segments) == 1
    assert sum("ignored" in w for w in result.warnings) == 2


def test_a_segment_of_one_point_is_refused():
    with pytest.raises(MeasureError, match="at least 2 points"):
        spc(STEADY, rebase=[16])


def test_fewer_than_13_points_give_trial_limits():
    short = spc(STEADY[:12])
    assert any("trial limits" in w for w in short.warnings)
    assert bool(short.segments["trial_limits"].iloc[0])
    settled = spc(STEADY[:13])
    assert not any("trial limits" in w for w in settled.warnings)


def test_a_short_segment_after_a_rebase_is_named_in_the_warning():
    dates = pd.date_range("2020-01-01", periods=20, freq="MS")
    result = spc(pd.Series([*STEADY, 9.0, 11.0, 9.0, 11.0], index=dates), rebase=["2021-05-01"])
    assert any(w.startswith("the segment from 2021-05-01 has only 4 points")
               for w in result.warnings)


def test_the_variation_icon_reads_the_latest_point():
    assert spc([*STEADY, 40.0]).variation_icon == "improvement_high"
    assert spc([*STEADY, 40.0], improvement_direction="decrease").variation_icon == "concern_high"
    assert spc([*STEADY, -20.0]).variation_icon == "concern_low"
    earlier = spc([40.0, -20.0, *STEADY])
    assert earlier.variation_icon == "common_cause"
    assert set(earlier.points["rule"].iloc[:2]) == {"outside_limits"}


def test_signals_are_plain_sentences_about_what_was_found():
    result = spc([*STEADY, 40.0], improvement_direction="increase")
    assert result.signals[0] == (
        "Special cause improvement: 1 point above the upper process limit (17).")
    assert result.signals[-1] == (
        "Latest point (17): special cause variation: improvement (high).")
    quiet = spc(STEADY)
    assert quiet.signals[0].startswith("Common cause variation only")


def test_a_series_with_a_date_index_keeps_its_dates():
    dates = pd.date_range("2021-01-04", periods=16, freq="W-MON")
    result = spc(pd.Series(STEADY, index=dates))
    assert result.points["date"].tolist() == list(dates)
    assert isinstance(result, SpcResult)
    assert "points=16" in repr(result)


def test_the_points_table_has_the_documented_columns():
    from wholeflow.measure.result import POINT_COLUMNS

    assert list(spc(STEADY).points.columns) == list(POINT_COLUMNS)


def test_write_points_writes_iso_dates(tmp_path):
    dates = pd.date_range("2021-01-01", periods=16, freq="MS")
    path = spc(pd.Series(STEADY, index=dates)).write_points(tmp_path / "out" / "points.csv")
    text = path.read_text().splitlines()
    assert text[0].startswith("date,value,numerator")
    assert text[1].startswith("2021-01-01,9.0")


@pytest.mark.parametrize(("options", "message"), [
    ({"chart": "xbar"}, "unknown chart"),
    ({"improvement_direction": "up"}, "increase, decrease, neutral"),
    ({"run_length": 8}, "6 or 7"),
    ({"baseline": 6}, "at least 12"),
    ({"multiply": 0}, "positive"),
    ({"target": "high"}, "must be a number"),
    ({"rules": "western electric"}, "'mdc' or 'anhoej'"),
    ({"chart": "run", "rules": "mdc"}, "no process limits"),
    ({"rebase": ["2020-01-01"]}, "no dates"),
])
def test_bad_options_are_clear_errors(options, message):
    with pytest.raises(MeasureError, match=message):
        spc(STEADY, **options)


def test_chart_aliases_follow_qicharts2_names():
    frame = pd.DataFrame({"value": [5, 6, 7] * 5, "denominator": [50] * 15})
    assert spc(frame, chart="pp").chart == "pprime"
    assert spc(frame, chart="up").chart == "uprime"
    assert spc(frame, chart="i").chart == "xmr"


@pytest.mark.parametrize("name", ["common_cause", "improvement_high", "improvement_low",
                                  "concern_high", "concern_low", "neutral_high", "neutral_low",
                                  "pass", "fail", "hit_and_miss"])
def test_every_icon_is_an_svg_we_draw(name):
    svg = icon_svg(name)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title>" in svg
    assert icon_data_uri(name).startswith("data:image/svg+xml;base64,")


def test_an_unknown_icon_is_an_error():
    with pytest.raises(MeasureError):
        icon_svg("smiley")
