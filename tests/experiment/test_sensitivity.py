"""One-at-a-time sensitivity: the tornado is ordered by swing, and changes have the right sign."""

import pytest

from wholeflow.errors import ExperimentError
from wholeflow.experiment.sensitivity import sensitivity


def _analyse(model, parameters=None, **options):
    options.setdefault("workers", 1)
    options.setdefault("store", False)
    options.setdefault("replications", 10)
    return sensitivity(model, parameters, **options)


def test_tornado_rows_are_widest_first_with_the_right_signs(mmc):
    result = _analyse(mmc, kpis=["mean_wait_days@ward"])
    rows = result.tornado().set_index("parameter")
    assert list(result.tornado()["swing"]) == sorted(rows["swing"], reverse=True)
    arrivals = rows.loc["arrivals.front_door.per_day"]
    assert (arrivals["low_value"], arrivals["high_value"]) == (9.0, 11.0)
    assert arrivals["low_ci_high"] < 0 < arrivals["high_ci_low"]  # more arrivals, longer waits
    beds = rows.loc["services.ward.capacity"]
    assert (beds["low_value"], beds["high_value"]) == (11, 13)
    assert beds["low_ci_low"] > 0 > beds["high_ci_high"]  # more beds, shorter waits


def test_named_parameters_and_several_kpis(mmc):
    result = _analyse(mmc, ["services.*.length_of_stay"], change=0.2,
                      kpis=["mean_occupancy@ward", "mean_length_of_stay@ward"])
    assert result.parameters == ["services.ward.length_of_stay"]
    los = result.tornado("mean_length_of_stay@ward").iloc[0]
    # stays 20 % longer on the same random numbers: the mean length of stay grows by 20 %
    # (within 1 %: which stays end inside the window shifts a little)
    assert los["high_change"] == pytest.approx(0.2 * los["baseline"], rel=0.01)
    assert los["low_change"] == pytest.approx(-0.2 * los["baseline"], rel=0.01)


def test_bad_requests_are_clear_errors(mmc):
    with pytest.raises(ExperimentError, match="matches nothing"):
        _analyse(mmc, ["services.ward.speed"])
    with pytest.raises(ExperimentError, match="between 0 and 1"):
        _analyse(mmc, change=10)
    with pytest.raises(ExperimentError, match="was not watched"):
        _analyse(mmc, ["services.ward.capacity"]).tornado("mean_queue@ward")
