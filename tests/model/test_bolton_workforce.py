"""Bolton's workforce: referral handling by clinicians against spare admin time, and the
scenario that gives referral processing to admin."""

from __future__ import annotations

import pytest

import wholeflow
from wholeflow.cli.demo import example_folder


@pytest.fixture(scope="module")
def runs():
    model = wholeflow.load_model(example_folder("bolton"))
    return (wholeflow.simulate(model, replications=3, seed=4),
            wholeflow.simulate(model, replications=3, seed=4, scenario="referrals_by_admin"))


def mean(res, metric, service):
    return float(res.kpi(metric, service).mean())


def test_clinicians_handle_referrals_while_admin_time_is_spare(runs):
    base, _ = runs
    clinical = mean(base, "hours_could_be_done_by_others", "staff.imc_team.nurse")
    spare = (mean(base, "available_hours", "staff.imc_team.admin")
             - mean(base, "needed_hours", "staff.imc_team.admin"))
    assert clinical > 1000  # hours a year of referral and discharge paperwork by nurses
    assert spare > clinical  # admin could take all of it on


def test_giving_referral_processing_to_admin_frees_clinical_hours_and_places(runs):
    base, admin = runs
    for team in ("imc_team", "reablement_team"):
        assert mean(admin, "hours_could_be_done_by_others", f"staff.{team}") == 0.0
    moved = (mean(base, "needed_hours", "staff.imc_team.nurse")
             - mean(admin, "needed_hours", "staff.imc_team.nurse"))
    gained = mean(admin, "needed_hours", "staff.imc_team.admin")
    # the nurses' freed hours go partly to admin and partly to caring for the extra caseload
    assert gained > 1000 and moved > 0
    # the hours nurses set aside for paperwork now go to care: more caseload places a day
    places = {name: res.daily[res.daily["service"] == "imc_at_home"]["capacity"].mean()
              for name, res in (("base", base), ("admin", admin))}
    assert places["admin"] > places["base"] + 5
    assert mean(admin, "admissions", "imc_at_home") >= mean(base, "admissions", "imc_at_home")


def test_sickness_takes_places_away_on_some_days(runs):
    base, _ = runs
    days = mean(base, "days_below_planned_capacity", "imc_at_home")
    assert 0 < days < 365
    assert mean(base, "places_lost_to_absence", "imc_at_home") > 0
