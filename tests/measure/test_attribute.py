"""p, p′, u, u′ and c charts against numbers produced by qicharts2 0.8.1 (see conftest.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from wholeflow import spc

REL = 1e-12


def first_lines(result, index=0):
    row = result.points.iloc[index]
    return row["centre"], row["lower"], row["upper"], row["lower_near"], row["upper_near"]


def test_c_chart_of_cdi_counts(cdi):
    result = spc(cdi[["date", "value"]], chart="c")
    assert first_lines(result) == pytest.approx(
        (14.833333333333334, 3.2791133250419904, 26.387553341624677, 7.1305199944724382,
         22.536146672194228), rel=REL)


def test_u_chart_of_cdi_rates_has_limits_for_each_month(cdi):
    result = spc(cdi, chart="u")
    assert first_lines(result)[:3] == pytest.approx(
        (0.0010380231037895133, 0.00024267399952229273, 0.0018333722080567339), rel=REL)
    # the ninth month has the fewest risk days, so the widest limits
    assert result.points["lower"].iloc[8] == pytest.approx(0.00019676704873222055, rel=REL)
    assert result.points["upper"].idxmax() == 32


def test_u_chart_with_an_18_month_baseline(cdi):
    result = spc(cdi, chart="u", baseline=18)
    assert first_lines(result)[:2] == pytest.approx(
        (0.0013884479710707777, 0.00046859356820772382), rel=REL)


def test_p_chart_of_nhs_accidents(nhs_accidents):
    result = spc(nhs_accidents, chart="p")
    assert first_lines(result) == pytest.approx(
        (0.95289971134419116, 0.95169956464601502, 0.9540998580423673, 0.95209961354540706,
         0.95369980914297525), rel=REL)
    # huge denominators make p limits far too tight: most weeks fall outside
    assert (result.points["rule"] == "outside_limits").sum() >= 15


def test_laney_p_prime_chart_of_nhs_accidents(nhs_accidents):
    result = spc(nhs_accidents, chart="pprime")
    assert first_lines(result) == pytest.approx(
        (0.95289971134419116, 0.9401296441775141, 0.96566977851086822, 0.94438633323307308,
         0.96141308945530923), rel=REL)
    assert result.points["upper"].iloc[-1] == pytest.approx(0.96582442616547814, rel=REL)
    assert result.segments["sigma_z"].iloc[0] == pytest.approx(10.64, abs=0.01)
    assert "outside_limits" not in set(result.points["rule"])


def test_laney_p_prime_chart_rebased_after_ten_weeks(nhs_accidents):
    # qicharts2 "nhs pp part 10": each part has its own centre and sigma_z
    result = spc(nhs_accidents, chart="pprime", rebase=[11])
    assert first_lines(result, 0)[:3] == pytest.approx(
        (0.95105964383277042, 0.93866469138900677, 0.96345459627653407), rel=REL)
    assert first_lines(result, 10)[:3] == pytest.approx(
        (0.95481431224580271, 0.940610623423212, 0.96901800106839342), rel=REL)


def test_laney_u_prime_chart_of_hospital_infections(hospital_infections):
    result = spc(hospital_infections, chart="uprime")
    assert first_lines(result)[:4] == pytest.approx(
        (0.0018235751654857592, 0.0015763817754848699, 0.0020707685554866486,
         0.0016587795721518331), rel=REL)


def test_laney_u_prime_chart_with_a_12_month_baseline(hospital_infections):
    result = spc(hospital_infections, chart="uprime", baseline=12)
    assert first_lines(result)[:3] == pytest.approx(
        (0.0018135371760980396, 0.0016028174413353386, 0.0020242569108607405), rel=REL)


def test_montgomery_example_7_1_p_chart():
    # Montgomery, Introduction to Statistical Quality Control, Example 7.1 (orange juice cans,
    # 30 samples of 50; qicharts2 tests it in tests/testthat/test_montgomery.R): p̄ = 0.2313,
    # UCL = 0.4102, LCL = 0.0524; samples 15 and 23 are above the UCL.
    defective = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18,
                 24, 15, 9, 12, 7, 13, 9, 6]
    result = spc(pd.DataFrame({"value": defective, "denominator": [50] * 30}), chart="p")
    centre, lower, upper, _, _ = first_lines(result)
    assert (round(centre, 4), round(lower, 4), round(upper, 4)) == (0.2313, 0.0524, 0.4102)
    outside = result.points.index[result.points["rule"] == "outside_limits"] + 1
    assert outside.tolist() == [15, 23]


def test_p_limits_are_clamped_to_zero_and_one():
    low = spc(pd.DataFrame({"value": [0, 1, 0, 0, 1, 0] * 3, "denominator": [10] * 18}),
              chart="p")
    assert (low.points["lower"] == 0).all()
    assert (low.points["lower_near"] == 0).all()
    high = spc(pd.DataFrame({"value": [10, 9, 10, 10, 9, 10] * 3, "denominator": [10] * 18}),
               chart="p")
    assert (high.points["upper"] == 1).all()


def test_u_and_c_lower_limits_are_clamped_at_zero_but_not_the_upper():
    counts = pd.DataFrame({"value": [0, 2, 1, 0, 3, 1] * 3, "denominator": [1.0] * 18})
    assert (spc(counts, chart="u").points["lower"] == 0).all()
    assert (spc(counts[["value"]], chart="c").points["lower"] == 0).all()
    assert (spc(counts[["value"]], chart="c").points["upper"] > 1).all()


def test_multiply_scales_values_and_lines_for_display(nhs_accidents):
    plain = spc(nhs_accidents, chart="p")
    percent = spc(nhs_accidents, chart="p", multiply=100)
    assert percent.points["value"].tolist() == pytest.approx(
        (plain.points["value"] * 100).tolist())
    assert percent.points["upper"].tolist() == pytest.approx(
        (plain.points["upper"] * 100).tolist())
    assert percent.points["rule"].tolist() == plain.points["rule"].tolist()


def test_anhoej_rules_on_a_control_chart_read_it_as_qicharts2(cdi):
    result = spc(cdi[["date", "value"]], chart="c", rules="anhoej",
                 improvement_direction="decrease")
    segment = result.segments.iloc[0]
    assert segment["long_run"]
    assert set(result.points["rule"]) <= {"", "outside_limits", "long_run"}
    assert "trend" not in set(result.points["rule"])
