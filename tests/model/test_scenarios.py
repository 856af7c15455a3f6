"""Scenarios as validated patches: set, scale, add, replace, remove; bad patches located."""

import pytest

from wholeflow.errors import ModelError
from wholeflow.model import apply_scenario, list_scenarios, parse_model
from wholeflow.model.distributions import Gamma
from wholeflow.model.scenarios import scale_factor


def with_scenario(small: str, body: str) -> str:
    """The small model with one more scenario ``test`` whose indented body is ``body``."""
    lines = "".join(f"    {line}\n" for line in body.strip("\n").splitlines())
    return small + "  test:\n" + lines


def apply(small: str, body: str):
    model = parse_model(with_scenario(small, body), "model.yaml")
    return model, apply_scenario(model, "test")


def test_list_scenarios_in_written_order(small):
    text = with_scenario(small, "description: nothing")
    assert list_scenarios(parse_model(text)) == ["more_rehab", "test"]


def test_set_a_field_leaves_the_baseline_unchanged(small):
    base = parse_model(small)
    patched = apply_scenario(base, "more_rehab")
    assert patched.services["rehab"].capacity == 14
    assert base.services["rehab"].capacity == 12
    assert patched.scenario == "more_rehab" and base.scenario is None
    assert patched.source == base.source


def test_a_scenario_that_changes_nothing_gives_an_equal_model(small):
    base, patched = apply(small, "description: nothing")
    assert patched.model_dump() == base.model_dump()


def test_set_a_default_field_that_was_not_written(small):
    _, patched = apply(small, "changes:\n  services.acute.referral.calendar: weekdays")
    assert patched.services["acute"].referral.calendar == "weekdays"


def test_wildcard_scales_every_arrival_stream(small):
    text = with_scenario(small, "changes:\n  arrivals.*.per_day: x1.1")
    text = text.replace("arrivals:\n", "arrivals:\n  gp: {service: acute, per_day: 2, "
                        "class_mix: {general: 1}}\n", 1)
    patched = apply_scenario(parse_model(text), "test")
    assert patched.arrivals["ed"].per_day == pytest.approx(4.4)
    assert patched.arrivals["gp"].per_day == pytest.approx(2.2)


def test_scaling_a_whole_number_rounds_and_unlimited_stays_unlimited(small):
    text = with_scenario(small, "changes:\n  services.*.capacity: ×1.1")
    text = text.replace("    capacity: 40\n", "")
    patched = apply_scenario(parse_model(text), "test")
    assert patched.services["acute"].capacity == 33
    assert patched.services["rehab"].capacity == 13
    assert patched.services["home_care"].capacity is None


def test_scaling_a_distribution_keeps_its_shape(small):
    _, patched = apply(small, "changes:\n  services.rehab.length_of_stay: x0.5")
    los = patched.services["rehab"].length_of_stay
    assert isinstance(los, Gamma)
    assert (los.mean(), los.sd) == (10, 4)


def test_scaling_a_capacity_schedule_scales_every_capacity(small, h):
    text = h.replace(small, "capacity: 12", "capacity: {default: 10, by_weekday: {sat: 4}}")
    model = parse_model(with_scenario(text, "changes:\n  services.rehab.capacity: x2"))
    schedule = apply_scenario(model, "test").services["rehab"].capacity
    assert schedule.default == 20 and schedule.by_weekday == {"sat": 8}


def test_list_positions_in_paths(small):
    _, patched = apply(small, "changes:\n  routes.rehab.0.probability: 0.4\n"
                              "  routes.rehab[1].probability: 0.6")
    assert [r.probability for r in patched.routes["rehab"]] == [0.4, 0.6]


def test_add_a_service_and_replace_routes(small):
    _, patched = apply(small, """
changes:
  services.step_down: {capacity: 5, length_of_stay: 10}
  routes.step_down: [{to: home, probability: 1}]
  routes.rehab: [{to: step_down, probability: 1}]
""")
    assert patched.services["step_down"].capacity == 5
    assert [r.to for r in patched.routes["rehab"]] == ["step_down"]


def test_remove_a_service_takes_its_routes_and_census(small):
    _, patched = apply(small, """
remove: [services.rehab]
changes:
  routes.acute:
    - {to: home_care, probability: 0.6}
    - {to: home, probability: 0.35}
    - {to: died, probability: 0.05}
""")
    assert "rehab" not in patched.services
    assert "rehab" not in patched.routes and "rehab" not in patched.initial_state


def test_remove_a_service_still_referenced_names_the_reference(small, h):
    text = with_scenario(small, "remove: [services.rehab]")
    with pytest.raises(ModelError) as info:
        parse_model(text, "model.yaml")
    p = h.only(info.value.problems, "unknown service or exit 'rehab'")
    assert p.message.startswith("with scenario 'test': ")
    assert p.path == "routes.acute[0].to"
    assert p.line == h.line_of(text, "{to: rehab")


def test_remove_list_entries(small):
    _, patched = apply(small, """
remove: [routes.acute.3, routes.acute.2]
changes:
  routes.acute.1.probability: 0.7
""")
    assert [r.to for r in patched.routes["acute"]] == ["rehab", "home_care"]


def test_a_path_to_nothing_is_located_in_the_scenario(small, h):
    text = with_scenario(small, "changes:\n  services.rehab.capcity: 3")
    with pytest.raises(ModelError) as info:
        parse_model(text, "model.yaml")
    [p] = info.value.problems
    assert p.path == "scenarios.test"
    assert p.file == "model.yaml"
    assert p.line == h.line_of(text, "capcity")
    assert p.message == ("change 'services.rehab.capcity' points at nothing: there is no "
                         "'capcity' under services.rehab (did you mean 'capacity'?)")


@pytest.mark.parametrize(("body", "fragment"), [
    ("changes:\n  services.rehabb.capacity: 3", "there is no 'rehabb' under services"),
    ("changes:\n  routes.rehab.5.probability: 1", "has 2 entries"),
    ("changes:\n  services.rehab.capacity.default: 3", "which has no 'default'"),
    ("changes:\n  services.acute.name: x2", None),
    ("changes:\n  exits.*.name: x2", None),
    ("changes:\n  services.*.name.x: 1", "points at nothing"),
    ("changes:\n  scenarios.more_rehab.description: x", "cannot change the scenarios"),
    ("changes:\n  services.rehab.holds_on_transfer: x2", "cannot be scaled"),
    ("changes:\n  services.rehab.referral: x2", "cannot be scaled"),
    ("changes:\n  services.newbie.capacity: x2", "there is no 'newbie'"),
    ("changes:\n  services..capacity: 2", "is not a path"),
    ("remove: [services.rehab.capacity]", "is a field"),
    ("remove: [arrivals.gp]", "there is no 'gp' under arrivals"),
])
def test_bad_patches(small, h, body, fragment):
    text = with_scenario(small, body)
    if fragment is None:
        parse_model(text)
        return
    with pytest.raises(ModelError) as info:
        parse_model(text, "model.yaml")
    p = h.only(info.value.problems, fragment)
    assert p.line == h.line_of(text, body.splitlines()[-1].strip())
    assert p.path == "scenarios.test"


def test_a_wildcard_that_matches_nothing(small, h):
    text = with_scenario(small, "changes:\n  services.acute.length_of_stay_by_class.*: 3")
    with pytest.raises(ModelError) as info:
        parse_model(text)
    assert "matches nothing" in info.value.problems[0].message


def test_a_patch_that_breaks_the_model_is_located_in_the_scenario(small, h):
    text = with_scenario(small, "changes:\n  routes.rehab.0.probability: 0.9")
    with pytest.raises(ModelError) as info:
        parse_model(text, "model.yaml")
    [p] = info.value.problems
    assert p.path == "routes.rehab"
    assert p.message == ("with scenario 'test': probabilities sum to 1.4; they must sum to 1")
    # the baseline was valid, so the line to blame is the scenario's change inside routes.rehab
    assert p.line == h.line_of(text, "routes.rehab.0.probability: 0.9")


def test_a_patched_field_error_points_at_the_patch_line(small, h):
    text = with_scenario(small, "changes:\n  services.rehab.capacity: -2")
    with pytest.raises(ModelError) as info:
        parse_model(text, "model.yaml")
    [p] = info.value.problems
    assert p.path == "services.rehab.capacity"
    assert p.line == h.line_of(text, "services.rehab.capacity: -2")


def test_unknown_scenario_name(small):
    with pytest.raises(ModelError) as info:
        apply_scenario(parse_model(small), "more_rehabb")
    [p] = info.value.problems
    assert p.message == "no scenario 'more_rehabb' (did you mean 'more_rehab'?)"
    assert p.fix == "scenarios: more_rehab"


def test_scenarios_compose(small):
    _, first = apply(small, "changes:\n  arrivals.ed.per_day: x2")
    both = apply_scenario(first, "more_rehab")
    assert both.scenario == "test+more_rehab"
    assert both.arrivals["ed"].per_day == 8 and both.services["rehab"].capacity == 14


@pytest.mark.parametrize(("text", "factor"), [
    ("x1.1", 1.1), ("×0.9", 0.9), (" x 2 ", 2.0), ("x.5", 0.5),
    ("x", None), ("1.1", None), ("y1.1", None), (1.1, None), ("x-1", None),
])
def test_scale_factor(text, factor):
    assert scale_factor(text) == factor
