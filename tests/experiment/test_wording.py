"""Verdicts read as a design group would say them."""

from wholeflow.experiment.wording import decimals_for, describe, number, verdict


def test_a_clear_fall_in_delayed_days_reads_like_the_issue():
    text = verdict("delayed_days", "acute", -1640.2, -1720.4, -1560.1,
                   service_name="acute")
    assert text == "delayed days in acute fall by 1,640 a year (1,560 to 1,720)"


def test_a_difference_whose_interval_covers_zero_is_no_clear_difference():
    text = verdict("mean_wait_days", "ward", 0.01, -0.2, 0.22)
    assert text.startswith("no clear difference in mean wait from referral to start in ward")
    assert "(-0.20 to +0.22)" in text


def test_singular_kpis_take_a_singular_verb_and_their_unit():
    assert verdict("mean_length_of_stay", "darley_court", 6.1, 5.8, 6.4,
                   service_name="Darley Court") == \
        "mean length of stay in Darley Court rises by 6.10 days (5.80 to 6.40)"


def test_shares_are_percentage_points():
    text = verdict("acceptance_rate", "imc", 0.052, 0.04, 0.064)
    assert text == "acceptance rate of imc rises by 5.2 percentage points (4.0 to 6.4)"


def test_money_and_a_run_that_is_not_a_year():
    text = verdict("cost", "system", -12000.0, -15000.0, -9000.0, run_days=182)
    assert text == ("cost of the whole system falls by £12,000 over the 182-day run "
                    "(£9,000 to £15,000)")


def test_identical_and_unmeasurable_kpis():
    assert "identical in every replication" in verdict("delayed_days", "ward", 0.0, 0.0, 0.0)
    assert "nothing to measure" in verdict("acceptance_rate", "ward", float("nan"),
                                           float("nan"), float("nan"))


def test_rounding_keeps_two_significant_figures_of_the_half_width():
    assert decimals_for(80) == 0
    assert decimals_for(0.012) == 3
    assert decimals_for(0.0) == 0
    assert number(1234.5678, 1) == "1,234.6"
    assert number(-0.0001, 2) == "0.00"


def test_cost_by_funder_and_unknown_kpis_still_read():
    assert describe("cost_council", "system") == "cost to council"
    assert describe("made_up", "ward") == "made up at ward"
