"""The report and the workbook show staff, cohorts and the new delay causes, and nothing new
for a model without them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import wholeflow
from wholeflow.cli.demo import example_folder
from wholeflow.model import parse_model
from wholeflow.report.build import report_sections
from wholeflow.report.workbook import workbook_tables


@pytest.fixture(scope="module")
def bolton():
    model = wholeflow.load_model(example_folder("bolton"))
    return model, wholeflow.simulate(model, replications=2, seed=1)


def test_bolton_has_staff_sheets_and_a_workforce_section(bolton):
    model, res = bolton
    tables = workbook_tables(model, res)
    staff = tables["Staff"].set_index("staff")
    assert {"imc_team", "imc_team.nurse", "imc_team.admin", "reablement_team"} \
        <= set(staff.index)
    nurse = staff.loc["imc_team.nurse"]
    assert nurse["utilisation"] == pytest.approx(
        nurse["needed hours"] / nurse["available hours"], rel=0.05)
    assert len(tables["Staff groups"]) == 6
    sections = {s.id: s for s in report_sections(model, res)}
    assert "arrows" in sections


def test_a_model_without_the_sections_gets_no_new_sheets_or_section():
    frozen = Path(__file__).parents[1] / "engine" / "data" / "bolton_frozen.yaml"
    model = wholeflow.load_model(frozen)
    res = wholeflow.simulate(model, replications=1, seed=1)
    assert not {"Staff", "Cohorts", "Staff groups"} & set(workbook_tables(model, res))
    assert "arrows" not in {s.id for s in report_sections(model, res)}


def test_cohorts_and_named_waits_are_shown():
    model = parse_model(textwrap.dedent("""
    name: t
    start_date: 2025-01-06
    run_days: 100
    services:
      ed: {length_of_stay: 0.2}
    exits:
      home: {}
      care_home: {placements_per_week: 1}
    cohorts:
      copd: {size: 300, service: ed, events_per_year: 2}
    routes:
      ed:
        - {to: home, probability: 0.8, waits: {patient_choice: {probability: 0.5, duration: 2}}}
        - {to: care_home, probability: 0.2}
    """))
    res = wholeflow.simulate(model, replications=2, seed=1)
    tables = workbook_tables(model, res)
    assert list(tables["Cohorts"]["cohort"]) == ["copd"]
    [section] = [s for s in report_sections(model, res) if s.id == "arrows"]
    causes = section.blocks[-1].frame
    assert set(causes["cause"]) == {"patient choice", "placement"}
