"""Targets on the KPIs of the four arrows: staff groups, cohorts, named waits, placements."""

import pytest

import wholeflow
from wholeflow.cli.demo import example_folder
from wholeflow.errors import ExperimentError
from wholeflow.experiment.targets import Kpi, parse_target


@pytest.fixture(scope="module")
def bolton():
    return wholeflow.load_model(example_folder("bolton"))


def test_a_staff_group_a_teams_service_and_its_kpis_can_be_targets(bolton):
    t = parse_target("staff_utilisation@staff.imc_team.admin <= 0.9", bolton)
    assert t.kpi == Kpi("staff_utilisation", "staff.imc_team.admin")
    t = parse_target("days_below_planned_capacity@imc_at_home <= 30", bolton)
    assert t.kpi.metric == "days_below_planned_capacity"


def test_an_unknown_team_or_a_staff_kpi_of_a_service_without_staff_is_named(bolton):
    with pytest.raises(ExperimentError,
                       match=r'no staff "imc_teem\.admin".*staff\.imc_team\.admin'):
        parse_target("needed_hours@staff.imc_teem.admin <= 1", bolton)
    with pytest.raises(ExperimentError, match='"staff_hours" is not a KPI of a service'):
        parse_target("staff_hours@acute <= 1", bolton)


def test_a_named_wait_gives_its_service_a_delay_kpi(bolton):
    model = bolton.model_copy(deep=True)
    model.routes["acute"]["general"][6].waits = {}
    with pytest.raises(ExperimentError):
        parse_target("delayed_days_patient_choice@acute <= 5", model)
    from wholeflow.model.arrows import NamedWait
    from wholeflow.model.distributions import Fixed

    model.routes["acute"]["general"][6].waits = {
        "patient_choice": NamedWait(probability=0.1, duration=Fixed(value=3))}
    assert parse_target("delayed_days_patient_choice@acute <= 5", model).kpi.service == "acute"
