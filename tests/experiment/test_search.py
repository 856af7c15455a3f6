"""Capacity search finds what queueing theory says, and says so when a target is out of reach."""

import pytest

from wholeflow.errors import ExperimentError
from wholeflow.experiment.search import BISECTION, SCREENING, search_capacity


def _search(model, target, services, **options):
    options.setdefault("workers", 1)
    options.setdefault("store", False)
    return search_capacity(model, target, services, **options)


def test_bisection_finds_the_erlang_c_capacity(models):
    # Erlang C with 10 arrivals a day and 1-day stays: mean wait 0.225 days with 12 beds,
    # 0.095 with 13, so "mean wait <= 0.15 days" needs 13 beds
    assert models.erlang_c_wait(12, 10, 1) > 0.15 > models.erlang_c_wait(13, 10, 1)
    result = _search(models.mmc(capacity=12), "mean_wait_days@ward <= 0.15", "ward")
    assert result.met and result.capacities == {"ward": 13}
    assert result.method == BISECTION
    assert result.best.high <= 0.15  # shown with 95 % confidence
    tried = result.evaluations.set_index("ward")["decision"]
    assert tried[12] == "fails" and tried[13] == "meets"
    assert "The smallest capacity that meets mean_wait_days@ward <= 0.15" in result.message
    assert "Ward 7 13 places" in result.message


def test_bisection_also_searches_down_from_too_many_beds(models):
    result = _search(models.mmc(capacity=30), "mean_wait_days@ward <= 0.15", "ward")
    assert result.capacities == {"ward": 13}


def test_an_unlimited_service_starts_from_its_occupancy(models):
    result = _search(models.mmc(capacity=None), "mean_wait_days@ward <= 0.15", "ward")
    assert result.capacities == {"ward": 13}


def test_a_target_capacity_cannot_reach_is_reported_with_the_best_found(models):
    # rehab triages every referral for 2 days: no number of beds brings its wait under 1 day
    result = _search(models.triage(), "mean_wait_days@rehab <= 1", "rehab")
    assert not result.met
    assert "cannot be reached by changing the capacity of rehab" in result.message
    assert "made no clear difference to mean wait from referral to start in rehab" in \
        result.message
    assert "Best found" in result.message
    assert result.best.mean >= 2
    assert len(result.evaluations) >= 2


def test_the_cheapest_mix_is_the_one_theory_gives(models):
    # two independent M/M/c wards (10 and 5 arrivals a day, 1-day stays); by Erlang C the
    # cheapest mix with system length of stay <= 1.16 days at 1 and 2 a place is 13 + 7 beds
    # (1.117 days); every mix costing no more gives at least 1.20 days
    result = _search(models.two_wards((12, 7)), "mean_system_length_of_stay <= 1.16",
                     ["east", "west"], cost_per_place={"east": 1, "west": 2})
    assert result.met and result.capacities == {"east": 13, "west": 7}
    assert result.method == SCREENING
    assert result.best.confidence > 0.95  # the Bonferroni-adjusted level
    assert result.best.cost == 13 * 1 + 7 * 2
    assert "The cheapest mix" in result.message


def test_bad_searches_are_clear_errors(models):
    mmc = models.mmc()
    with pytest.raises(ExperimentError, match='no service "icu"'):
        _search(mmc, "mean_wait_days@ward <= 1", "icu")
    with pytest.raises(ExperimentError, match="column 21: expected a comparison"):
        _search(mmc, "mean_wait_days@ward == 1", "ward")
    with pytest.raises(ExperimentError, match="missing: west"):
        _search(models.two_wards(), "delayed_days <= 1", ["east", "west"],
                cost_per_place={"east": 1})
