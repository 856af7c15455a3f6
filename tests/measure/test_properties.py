"""Invariants on arbitrary series: a chart or a MeasureError, never a crash."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from wholeflow import MeasureError, spc
from wholeflow.measure.rules import RULES

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
POINT_TYPES = {"common_cause", "special_cause_improvement", "special_cause_concern",
               "special_cause_neutral_high", "special_cause_neutral_low"}


def check(result, n):
    points = result.points
    assert len(points) == n
    assert set(points["rule"]) <= {"", *RULES}
    assert set(points["point_type"]) <= POINT_TYPES
    assert ((points["rule"] == "") == (points["point_type"] == "common_cause")).all()
    assert points["segment"].is_monotonic_increasing
    assert result.signals and result.signals[-1 if result.target is None else -2].startswith(
        "Latest point")


@settings(max_examples=60, deadline=None)
@given(values=st.lists(finite, min_size=2, max_size=40),
       chart=st.sampled_from(["xmr", "run"]),
       direction=st.sampled_from(["increase", "decrease", "neutral"]),
       screen=st.booleans(), beyond=st.booleans(), run_length=st.sampled_from([6, 7]),
       cut=st.integers(min_value=0, max_value=40))
def test_measurement_charts_never_crash(values, chart, direction, screen, beyond, run_length,
                                        cut):
    rebase = [cut] if 2 < cut < len(values) - 1 else None
    result = spc(values, chart=chart, improvement_direction=direction,
                 screen_moving_ranges=screen, two_of_three_beyond_limits=beyond,
                 run_length=run_length, rebase=rebase)
    check(result, len(values))
    if chart == "xmr":
        first = result.points.iloc[0]
        assert first["lower"] <= first["centre"] <= first["upper"] or math.isnan(first["upper"])


@st.composite
def counts(draw):
    n = draw(st.integers(min_value=2, max_value=30))
    denominators = draw(st.lists(st.integers(min_value=0, max_value=500), min_size=n,
                                 max_size=n))
    numerators = [draw(st.integers(min_value=0, max_value=max(d, 0))) for d in denominators]
    return pd.DataFrame({"value": numerators, "denominator": denominators})


@settings(max_examples=60, deadline=None)
@given(frame=counts(), chart=st.sampled_from(["p", "pprime", "u", "uprime", "c"]),
       target=st.one_of(st.none(), st.floats(min_value=0, max_value=2)))
def test_count_charts_give_a_chart_or_a_clear_error(frame, chart, target):
    try:
        result = spc(frame, chart=chart, target=target, improvement_direction="decrease")
    except MeasureError as err:
        assert "at least 2 points" in str(err)  # zero denominators can leave too few
        return
    usable = len(frame) if chart == "c" else int((frame["denominator"] > 0).sum())
    check(result, usable)
    if chart in ("p", "pprime"):
        limits = result.points[["lower", "upper"]].stack().dropna()
        assert ((limits >= 0) & (limits <= 1)).all()
