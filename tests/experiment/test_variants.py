"""Variants made by search and sensitivity: scaled parameters and capacities."""

import pytest

from wholeflow.errors import ExperimentError
from wholeflow.experiment.variants import (
    default_parameters,
    expand,
    scaled,
    with_capacity,
    with_warm_up,
)
from wholeflow.model.schema import Model


@pytest.fixture
def ward(models):
    """A factory: the M/M/c model with some ward fields changed."""
    def make(**fields: object) -> Model:
        data = models.mmc_data()
        data["services"]["ward"].update(fields)
        return Model.model_validate(data)
    return make


def test_capacity_variant_records_its_patch(mmc):
    v = with_capacity(mmc, {"ward": 15})
    assert v.model.services["ward"].capacity == 15
    assert mmc.services["ward"].capacity == 12  # the original is untouched
    assert v.patches == {"services.ward.capacity": 15}
    with pytest.raises(ExperimentError, match='no service "icu"'):
        with_capacity(mmc, {"icu": 3})


def test_scaling_a_distribution_scales_every_duration(ward):
    m = ward(length_of_stay={"dist": "lognormal", "mean": 10.0, "sd": 4.0})
    v, old, new = scaled(m, "services.ward.length_of_stay", 1.1)
    los = v.model.services["ward"].length_of_stay
    assert (los.mean_, los.sd) == (pytest.approx(11.0), pytest.approx(4.4))  # type: ignore[union-attr]
    assert (old, new) == (10.0, 11.0)
    assert v.patches == {"services.ward.length_of_stay": "x1.1"}


def test_whole_numbers_move_by_at_least_one_and_shares_stay_below_one(ward):
    m = ward(capacity=4, referral={"acceptance": 0.95})
    _, old, new = scaled(m, "services.ward.capacity", 0.9)
    assert (old, new) == (4, 3)
    up, _, accepted = scaled(m, "services.ward.referral.acceptance", 1.1)
    assert accepted == 1.0
    assert up.model.services["ward"].referral.acceptance == 1.0


def test_wildcards_expand_and_unknown_paths_are_errors(mmc):
    assert expand(mmc, ["services.*.length_of_stay"]) == ["services.ward.length_of_stay"]
    assert expand(mmc, ["arrivals.*.per_day", "services.ward.capacity"]) == [
        "arrivals.front_door.per_day", "services.ward.capacity"]
    with pytest.raises(ExperimentError, match=r'"services\.ward\.los" matches nothing'):
        expand(mmc, ["services.ward.los"])


def test_default_parameters_leave_out_routes_and_unlimited_capacity(mmc, ward):
    assert default_parameters(mmc) == ["arrivals.front_door.per_day",
                                       "services.ward.length_of_stay", "services.ward.capacity"]
    unlimited = ward(capacity=None)
    assert "services.ward.capacity" not in default_parameters(unlimited)


def test_warm_up_variant_keeps_the_collection_window(mmc):
    m = with_warm_up(mmc, 90)
    assert m.warm_up_days == 90 and m.run_days == mmc.run_days
