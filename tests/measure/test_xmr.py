"""XmR limits as NHSRplotthedots computes them."""

from __future__ import annotations

import numpy as np
import pytest

from wholeflow import spc
from wholeflow.measure.xmr import mean_moving_range, xmr_limits

# NHSRplotthedots vignettes/deviations.Rmd ("Deviations from Excel defaults"): this series gives
# UPL 4.6, mean 1.94, LPL -0.72 with outlier screening (the package default) and UPL 6.95,
# LPL -3.06 without it (the MDC Excel tool).
VIGNETTE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def test_screened_limits_match_the_nhsrplotthedots_vignette():
    first = spc(VIGNETTE).points.iloc[0]
    assert round(first["upper"], 2) == 4.6
    assert round(first["centre"], 2) == 1.94
    assert round(first["lower"], 2) == -0.72


def test_unscreened_limits_match_the_excel_tool_figures_in_the_vignette():
    first = spc(VIGNETTE, screen_moving_ranges=False).points.iloc[0]
    assert round(first["upper"], 2) == 6.95
    assert round(first["lower"], 2) == -3.06


def test_screening_drops_the_two_moving_ranges_around_the_outlier_once():
    amr, screened = mean_moving_range(np.array(VIGNETTE, dtype=float), screen=True)
    assert screened == 2  # |10 - 2| and |1 - 10|
    assert amr == pytest.approx(1.0)  # the 15 remaining moving ranges are all 1
    unscreened, none = mean_moving_range(np.array(VIGNETTE, dtype=float), screen=False)
    assert none == 0
    assert unscreened == pytest.approx(32 / 17)  # 15 ones, 8 and 9


def test_the_outlier_is_the_only_special_cause_in_the_vignette():
    points = spc(VIGNETTE).points
    assert points["rule"].tolist().count("outside_limits") == 1
    assert points.loc[4, "point_type"] == "special_cause_improvement"
    assert (points.drop(index=4)["point_type"] == "common_cause").all()


def test_near_limit_lines_sit_two_thirds_of_the_way_to_the_limits():
    first = spc(VIGNETTE).points.iloc[0]
    assert first["upper_near"] - first["centre"] == pytest.approx(
        2 / 3 * (first["upper"] - first["centre"]))
    assert first["centre"] - first["lower_near"] == pytest.approx(
        2 / 3 * (first["centre"] - first["lower"]))


def test_a_fixed_baseline_uses_only_its_points_for_mean_and_moving_ranges():
    values = [10.0, 12.0] * 6 + [30.0, 31.0] * 4
    limits = xmr_limits(np.array(values), baseline=12, screen=True)
    assert limits.centre[0] == pytest.approx(11.0)
    assert limits.upper[0] == pytest.approx(11.0 + 2.66 * 2.0)
    result = spc(values, baseline=12)
    assert result.points["baseline"].sum() == 12
    assert result.points["rule"].iloc[-1] == "outside_limits"


def test_a_constant_series_gives_limits_on_the_mean_without_failing():
    result = spc([5.0] * 15)
    first = result.points.iloc[0]
    assert first["lower"] == first["centre"] == first["upper"] == 5.0
    assert result.variation_icon == "common_cause"
