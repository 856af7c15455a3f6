"""Run charts and the Anhøj rules as qicharts2 computes them."""

from __future__ import annotations

import numpy as np
import pytest

from wholeflow import spc
from wholeflow.measure.runchart import anhoej_thresholds, runs_analysis

# qicharts2 vignette (anhoej/qicharts2, vignettes/qicharts2.Rmd), "Appendix 2: Critical values
# for longest run and number of crossings", n = 10 ... 100 useful observations.
LONGEST_RUN_MAX = {**dict.fromkeys(range(10, 12), 6), **dict.fromkeys(range(12, 23), 7),
                   **dict.fromkeys(range(23, 46), 8), **dict.fromkeys(range(46, 91), 9),
                   **dict.fromkeys(range(91, 101), 10)}
CROSSINGS_MIN = dict(zip(range(10, 101), [
    2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 8, 9, 9, 10, 10, 11, 11, 11, 12, 12, 13, 13,
    14, 14, 14, 15, 15, 16, 16, 17, 17, 17, 18, 18, 19, 19, 20, 20, 21, 21, 21, 22, 22, 23, 23,
    24, 24, 25, 25, 25, 26, 26, 27, 27, 28, 28, 29, 29, 29, 30, 30, 31, 31, 32, 32, 33, 33, 34,
    34, 34, 35, 35, 36, 36, 37, 37, 38, 38, 39, 39, 39, 40, 40, 41, 41], strict=True))


@pytest.mark.parametrize("n", range(10, 101))
def test_anhoej_thresholds_match_the_qicharts2_table(n):
    assert anhoej_thresholds(n) == (LONGEST_RUN_MAX[n], CROSSINGS_MIN[n])


def test_points_on_the_centre_line_neither_break_nor_extend_a_run():
    values = np.array([1, 1, 1, 0, 1, 1, 1, -1, -1, 1, -1, 1], dtype=float)
    analysis, flagged = runs_analysis(values, np.zeros(values.size))
    assert analysis.n_obs == 12
    assert analysis.n_useful == 11
    assert analysis.longest_run == 6  # the point on the centre is skipped, not a break
    assert analysis.n_crossings == 4
    assert not analysis.signal  # 6 ≤ 6 allowed for 11 useful points; 4 ≥ 2 crossings
    assert not flagged.any()


def test_cdi_run_chart_centre_and_runs_signal(cdi):
    # qicharts2 0.8.1 "cdi run": centre line 17; the vignette reads a shift (dashed red line)
    result = spc(cdi["value"].to_list(), chart="run")
    segment = result.segments.iloc[0]
    assert result.points["centre"].iloc[0] == 17
    assert segment["n_useful"] == 32
    assert (segment["longest_run"], segment["longest_run_max"]) == (14, 8)
    assert (segment["n_crossings"], segment["n_crossings_min"]) == (6, 11)
    assert segment["long_run"] and segment["few_crossings"]
    assert any("cross the median 6 times" in s for s in result.signals)


def test_cdi_run_chart_on_the_baseline_median_finds_a_run_of_15(cdi):
    # qicharts2 vignette: freeze = 24 gives a baseline median of 19 "and an unusually long run
    # of 15 data points below the median"
    result = spc(cdi[["date", "value"]], chart="run", baseline=24, improvement_direction="decrease")
    assert result.points["centre"].iloc[0] == 19
    assert result.segments.iloc[0]["longest_run"] == 15
    run = result.points[result.points["rule"] == "long_run"]
    assert len(run) == 15
    assert (run["point_type"] == "special_cause_improvement").all()
    assert result.variation_icon == "improvement_low"


def test_cdi_run_chart_split_after_24_months_has_two_medians(cdi):
    # qicharts2 0.8.1 "cdi run part 18": medians 19 then 9
    result = spc(cdi["value"].to_list(), chart="run", rebase=[19])
    assert result.points["centre"].unique().tolist() == [19, 9]
    assert result.segments["n"].tolist() == [18, 18]


def test_a_run_chart_gives_no_assurance(cdi):
    result = spc(cdi[["date", "value"]], chart="run", target=10, improvement_direction="decrease")
    assert result.assurance_icon is None
    assert any("no process limits" in s for s in result.signals)
