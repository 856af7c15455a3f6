"""Staff, exit limits, named waits and cohorts: each problem located with file, line and fix."""

from __future__ import annotations

import pytest

from wholeflow.model import parse_model

ARROWS = """\
staff:
  imc_team:
    groups: {nurse: {wte: 10}, admin: {wte: 2, clinical: false}}
    absence: {sickness: 0.05, annual_leave_weeks: 6}
cohorts:
  copd: {size: 200, service: acute, events_per_year: 1.5, leaves_on: [died]}
"""


@pytest.fixture
def arrows(small, h):
    """The small model with a team, a staffed home_care, a limited exit and a cohort."""
    text = small + ARROWS
    text = h.replace(text, "    holds_on_transfer: false\n",
                     "    holds_on_transfer: false\n    workforce: {team: imc_team, "
                     "care: {hours: 1, done_by: nurse}, triage: {hours: 0.5, done_by: nurse, "
                     "could_be_done_by: [admin]}}\n")
    text = h.replace(text, "  died: {}\n", "  died: {}\n  care_home: {capacity: 5, "
                     "length_of_stay: 300}\n")
    return text


def test_the_sections_load(arrows):
    m = parse_model(arrows)
    assert m.services["home_care"].workforce.team == "imc_team"
    assert m.exits["care_home"].capacity == 5
    assert m.cohorts["copd"].size == 200


@pytest.mark.parametrize(("old", "new", "path", "message"), [
    ("team: imc_team,", "team: imc_taem,", "services.home_care.workforce.team",
     "unknown team 'imc_taem' (did you mean 'imc_team'?)"),
    ("done_by: nurse}, triage", "done_by: nurses}, triage",
     "services.home_care.workforce.care.done_by",
     "unknown staff group of imc_team 'nurses' (did you mean 'nurse'?)"),
    ("could_be_done_by: [admin]", "could_be_done_by: [nurse]",
     "services.home_care.workforce.triage.could_be_done_by[0]", "'nurse' already does it"),
    ("care_home: {capacity: 5, length_of_stay: 300}", "care_home: {capacity: 5}",
     "exits.care_home.capacity", "an exit with places needs the length of stay"),
    ("care_home: {capacity: 5, length_of_stay: 300}",
     "care_home: {capacity: 5, length_of_stay: 300, placements_per_week: 2}",
     "exits.care_home", "not both"),
    ("service: acute, events_per_year", "service: acutte, events_per_year",
     "cohorts.copd.service", "unknown service 'acutte' (did you mean 'acute'?)"),
    ("leaves_on: [died]", "leaves_on: [dead]", "cohorts.copd.leaves_on[0]",
     "unknown exit 'dead'"),
    ("events_per_year: 1.5, ", "", "cohorts.copd", "needs events_per_year or risk_groups"),
])
def test_cross_field_problems_are_located(arrows, h, old, new, path, message):
    text = h.replace(arrows, old, new)
    found = [p for p in h.problems(text) if p.path == path]
    assert found, h.problems(text)
    p = found[0]
    assert message in p.message
    assert p.line == h.line_of(text, new.split(",")[0] if new else "copd:")
    assert p.file == "model.yaml" and p.fix


def test_capacity_from_staff_needs_care_hours_and_no_capacity_of_its_own(arrows, h):
    text = h.replace(arrows, "workforce: {team: imc_team,",
                     "workforce: {team: imc_team, capacity_from_staff: true,")
    [p] = [p for p in h.problems(text) if p.path == "services.home_care.capacity"]
    assert "follows its staff" in p.message and p.line == h.line_of(text, "capacity: 40")


def test_shares_of_a_care_group_cannot_add_up_to_more_than_all_its_hours(arrows, h):
    text = h.replace(arrows, "    capacity: 40\n", "")
    text = h.replace(text, "workforce: {team: imc_team,",
                     "workforce: {team: imc_team, capacity_from_staff: true, share: 0.7,")
    text = h.replace(text, "    capacity: 12\n", "    workforce: {team: imc_team, "
                     "capacity_from_staff: true, share: 0.5, care: {hours: 2, done_by: nurse}}\n")
    [p] = h.problems(text)
    assert p.path == "staff.imc_team.groups.nurse" and "adding up to 1.2" in p.message


def test_a_named_wait_cannot_take_a_built_in_cause(arrows, h):
    text = h.replace(arrows, "{to: home, probability: 0.35}",
                     "{to: home, probability: 0.35, waits: {placement: {probability: 0.1, "
                     "duration: 3}}}")
    [p] = h.problems(text)
    assert p.path == "routes.acute[2].waits.placement" and "built-in" in p.message


def test_a_wait_probability_above_one_is_a_field_error(arrows, h):
    text = h.replace(arrows, "{to: home, probability: 0.35}",
                     "{to: home, probability: 0.35, waits: {family: {probability: 2, "
                     "duration: 3}}}")
    [p] = h.problems(text)
    assert p.path == "routes.acute[2].waits.family.probability"
    assert p.line == h.line_of(text, "family")


def test_risk_group_shares_must_sum_to_one(arrows, h):
    text = h.replace(arrows, "events_per_year: 1.5,", "risk_groups: {high: {share: 0.3, "
                     "events_per_year: 3}, low: {share: 0.6, events_per_year: 0.5}},")
    [p] = h.problems(text)
    assert p.path == "cohorts.copd.risk_groups" and "sum to 0.9" in p.message


def test_the_json_schema_describes_staff_waits_placements_and_cohorts():
    from wholeflow.model.schema import Model

    schema = Model.model_json_schema(by_alias=True)
    assert {"staff", "cohorts"} <= set(schema["properties"])
    defs = schema["$defs"]
    assert defs["Team"]["properties"]["hours_per_wte_week"]["description"]
    assert {"done_by", "could_be_done_by"} <= set(defs["Activity"]["properties"])
    assert "waits" in defs["Route"]["properties"]
    assert {"capacity", "placements_per_week"} <= set(defs["Exit"]["properties"])
    assert "class" in defs["RiskGroup"]["properties"]
    assert defs["Workforce"]["additionalProperties"] is False


def test_staff_hours_per_rejected_referral_that_differ_from_the_services_are_a_warning(small, h):
    text = small + ARROWS
    text = h.replace(text, "    referral: {calendar: weekdays, triage_time: 0.5, acceptance: 0.8}",
                     "    referral: {calendar: weekdays, triage_time: 0.5, acceptance: 0.8,\n"
                     "               rejected_handling_hours: 1}\n"
                     "    workforce: {team: imc_team, rejected_referral: {hours: 0.5, "
                     "done_by: nurse}}")
    [w] = [p for p in parse_model(text).warnings if "rejected_handling_hours" in p.message]
    assert w.path == "services.rehab.workforce.rejected_referral.hours"
