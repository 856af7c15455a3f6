"""Targets and KPI selectors: the syntax, and located messages when it is wrong."""

import pytest

from wholeflow.errors import ExperimentError
from wholeflow.experiment.stats import estimate
from wholeflow.experiment.targets import Kpi, parse_kpi, parse_target


def test_a_target_reads_kpi_operator_and_number(mmc):
    t = parse_target("mean_wait_days@ward <= 0.15", mmc)
    assert t.kpi == Kpi("mean_wait_days", "ward")
    assert (t.operator, t.value, t.below) == ("<=", 0.15, True)


def test_system_kpis_symbols_separators_and_per_year(mmc):
    t = parse_target("delayed_days ≤ 1,000", mmc)
    assert t.kpi == Kpi("delayed_days", "system") and t.operator == "<=" and t.value == 1000
    half_year = mmc.model_copy(update={"run_days": 182.5})
    t = parse_target("delayed_days@ward <= 100 a year", half_year)
    assert t.per_year and t.value == pytest.approx(50)
    assert parse_target("acceptance_rate@ward>=0.6", mmc).operator == ">="
    assert parse_target("cost_trust < 5e6".replace("5e6", "5000000"), mmc).value == 5_000_000


@pytest.mark.parametrize(("text", "column", "what"), [
    ("delayed_days@ward =< 100", 19, "expected a comparison"),
    ("delayed_days@ward <= lots", 22, "expected a number"),
    ("delayed_days@ward <= 100 beds", 26, 'unexpected text; only "a year" may follow'),
    ("<= 100", 1, "expected a KPI name"),
])
def test_bad_targets_name_the_column_and_the_syntax(mmc, text, column, what):
    with pytest.raises(ExperimentError) as err:
        parse_target(text, mmc)
    message = str(err.value)
    assert f"column {column}: {what}" in message
    assert 'METRIC@SERVICE <= NUMBER, e.g. "delayed_days@acute <= 100"' in message


def test_unknown_kpis_and_services_suggest_the_near_miss(mmc):
    with pytest.raises(ExperimentError, match='did you mean "delayed_days"'):
        parse_target("delayed_day@ward <= 100", mmc)
    with pytest.raises(ExperimentError, match=r'no service "wrad".*did you mean "ward"'):
        parse_target("delayed_days@wrad <= 100", mmc)
    with pytest.raises(ExperimentError, match="not a KPI of the whole system"):
        parse_kpi("utilisation", mmc)


def test_decisions_use_the_bound_on_the_wrong_side(mmc):
    t = parse_target("mean_wait_days@ward <= 10", mmc)
    meets = [7.0, 8.0, 9.0, 8.0, 8.0]
    straddles = [6.0, 14.0, 9.0, 11.0, 10.0]
    fails = [12.0, 13.0, 14.0, 13.0, 13.0]
    for values, want in ((meets, "meets"), (straddles, "unsure"), (fails, "fails")):
        up, low = estimate(values, side="upper"), estimate(values, side="lower")
        assert t.decide(up, low) == want
    above = parse_target("admissions@ward >= 10", mmc)
    assert above.decide(estimate(fails, side="upper"), estimate(fails, side="lower")) == "meets"
