"""Regression fixture: NHS England A&E 4-hour breaches, trust RJZ, type 1 (as NHSRplotthedots'
examples chart it: ``ptd_spc(trust1, breaches, period, improvement_direction = "decrease")``).

The limits below were computed by this package and checked by hand (mean of 36 months; mean of
35 moving ranges, none screened); they are pinned so that any change shows. The RQM case is
NHSRplotthedots' README example, whose published summary is "common_cause" and "inconsistent"
(our ``hit_and_miss``) for a target of 1,200.
"""

from __future__ import annotations

import numpy as np
import pytest

from wholeflow import spc

RULES = (["shift"] * 4 + ["outside_limits"] + ["shift"] * 2 + [""] * 3 + ["shift"] * 2
         + ["two_of_three"] * 3 + ["outside_limits"] + ["trend"] * 7 + ["outside_limits"]
         + ["shift"] * 2 + [""] * 3 + ["shift"] * 2 + ["two_of_three"]
         + ["outside_limits"] * 3 + ["two_of_three"])


@pytest.fixture
def result(rjz):
    return spc(rjz, date_column="period", value_column="breaches",
               improvement_direction="decrease")


def test_rjz_limits_are_pinned(result, rjz):
    breaches = rjz["breaches"].to_numpy(dtype=float)
    assert breaches.mean() == pytest.approx(4423.277777777777)
    assert np.abs(np.diff(breaches)).mean() == pytest.approx(592.9142857142857)
    first = result.points.iloc[0]
    assert first["centre"] == pytest.approx(4423.277777777777, rel=1e-12)
    assert first["lower"] == pytest.approx(2846.1257777777773, rel=1e-12)
    assert first["upper"] == pytest.approx(6000.429777777777, rel=1e-12)
    assert result.segments.iloc[0]["screened_moving_ranges"] == 0


def test_rjz_signals_are_pinned(result):
    assert result.points["rule"].tolist() == RULES
    improvement = result.points["point_type"] == "special_cause_improvement"
    assert improvement.sum() == 13  # the low months of 2016-17
    assert result.variation_icon == "concern_high"
    assert result.warnings == []
    assert result.signals[0] == ("Special cause concern: 4 points above the upper process limit "
                                 "(2018-03-01, 2018-12-01, 2019-01-01, 2019-02-01).")
    assert "Special cause concern: 9 points in a row rising, from 2017-07-01 to 2018-03-01." in (
        result.signals)


def test_rjz_two_of_three_under_the_older_rule(rjz):
    older = spc(rjz, date_column="period", value_column="breaches",
                improvement_direction="decrease", two_of_three_beyond_limits=False)
    changed = [i for i, (a, b) in enumerate(zip(RULES, older.points["rule"], strict=True))
               if a != b]
    assert changed == [31, 35]  # next to points beyond the limit: now caught by the shift
    assert older.points["rule"].iloc[31] == "shift"


def test_rjz_rebased_at_each_financial_year(rjz):
    yearly = spc(rjz, date_column="period", value_column="breaches",
                 improvement_direction="decrease", rebase=["2017-04-01", "2018-04-01"])
    assert yearly.segments["n"].tolist() == [12, 12, 12]
    assert yearly.segments["centre"].round(2).tolist() == [4047.33, 4078.17, 5144.33]
    assert len(yearly.warnings) == 3  # every year has trial limits (12 < 13 points)
    assert yearly.variation_icon == "common_cause"


def test_rjz_breach_proportion_on_a_laney_p_prime_chart(rjz):
    prime = spc(rjz, chart="pprime", date_column="period", value_column="breaches",
                denominator_column="attendances", improvement_direction="decrease", multiply=100)
    first = prime.points.iloc[0]
    assert first["centre"] == pytest.approx(26.522294563727428, rel=1e-12)
    assert (first["lower"], first["upper"]) == pytest.approx(
        (17.612204105278927, 35.43238502217593), rel=1e-12)
    assert prime.segments.iloc[0]["sigma_z"] == pytest.approx(8.6912, abs=1e-4)


def test_rqm_readme_example_common_cause_and_hit_and_miss(rqm):
    summary = spc(rqm, date_column="period", value_column="breaches",
                  improvement_direction="decrease", target=1200)
    assert summary.variation_icon == "common_cause"
    assert summary.assurance_icon == "hit_and_miss"
