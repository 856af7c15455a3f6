"""Schema errors: located on the right line, in plain words, all reported at once."""

import pytest

from wholeflow.errors import ModelError
from wholeflow.model import parse_model


def test_the_small_model_is_valid(small):
    model = parse_model(small, "model.yaml")
    assert model.source == "model.yaml"
    assert model.warnings == []
    assert model.services["rehab"].referral.acceptance == 0.8


def test_unknown_key_suggests_the_right_one(small, h):
    text = h.replace(small, "    capacity: 30\n", "    capacity: 30\n    capcity: 3\n")
    p = h.only(h.problems(text), "unknown key")
    assert p.message == "unknown key 'capcity' (did you mean 'capacity'?)"
    assert p.path == "services.acute.capcity"
    assert p.line == h.line_of(text, "capcity")
    assert p.file == "model.yaml"


def test_unknown_top_level_key_lists_the_allowed_keys(small, h):
    p = h.only(h.problems(small + "zzz: 1\n"), "unknown key")
    assert p.path == "zzz"
    assert "services" in (p.fix or "")


def test_missing_required_field_is_located_at_its_parent(small, h):
    text = h.replace(small, "    length_of_stay: 14\n", "    cost_per_day: 10\n")
    p = h.only(h.problems(text), "is required")
    assert p.message == "'length_of_stay' is required in services.home_care"
    assert p.line == h.line_of(text, "  home_care:")
    assert "length_of_stay" in (p.fix or "")


@pytest.mark.parametrize(("value", "message"), [
    ("-3", "must be at least 0 places, got -3"),
    ("3.5", "must be a whole number of places, got 3.5"),
    ("ten", "must be a whole number of places, null (unlimited) or a schedule, got 'ten'"),
    ("{default: -1}", "must be at least 0, got -1"),
])
def test_capacity_must_be_a_whole_number_of_places(small, h, value, message):
    text = h.replace(small, "capacity: 12", f"capacity: {value}")
    [p] = h.problems(text)
    assert p.message == message
    assert p.path.startswith("services.rehab.capacity")
    assert p.line == h.line_of(text, f"capacity: {value}")


def test_a_whole_float_capacity_is_accepted(small, h):
    model = parse_model(h.replace(small, "capacity: 12", "capacity: 12.0"))
    assert model.services["rehab"].capacity == 12
    assert isinstance(model.services["rehab"].capacity, int)


def test_impossible_distribution_parameters_in_plain_words(small, h):
    text = h.replace(small, "{dist: gamma, mean: 20, sd: 8}", "{dist: gamma, mean: 20, sd: -8}")
    [p] = h.problems(text)
    assert p.path == "services.rehab.length_of_stay.sd"
    assert p.message == "must be more than 0, got -8"


def test_distribution_cross_field_rule_message_is_kept(small, h):
    text = h.replace(small, "length_of_stay: 14",
                     "length_of_stay: {dist: uniform, low: 9, high: 2}")
    [p] = h.problems(text)
    assert p.message == "high (2.0) must be at least low (9.0)"
    assert p.path == "services.home_care.length_of_stay"


def test_unknown_distribution_family_suggests_one(small, h):
    text = h.replace(small, "dist: lognormal", "dist: lognormall")
    [p] = h.problems(text)
    assert p.message == "unknown distribution 'lognormall' (did you mean 'lognormal'?)"
    assert "gamma" in (p.fix or "")


def test_distribution_without_dist_key(small, h):
    text = h.replace(small, "length_of_stay: 14", "length_of_stay: {mean: 14}")
    [p] = h.problems(text)
    assert "needs a 'dist' key" in p.message


def test_union_of_shapes_that_all_fail_gives_one_message(small, h):
    text = h.replace(small, "  rehab:\n    - {to: home_care",
                     "  rehab: 5\n  rehab_x:\n    - {to: home_care")
    found = h.problems(text)
    p = h.only(found, "must be a list of routes or a mapping from class to a list of routes")
    assert p.path == "routes.rehab"


def test_error_inside_per_class_routes_is_not_drowned_by_the_other_shape(small, h):
    text = h.replace(small, "frail: [{to: home, probability: 0.9}", "frail: [{to: home}")
    [p] = h.problems(text)
    assert p.path == "routes.home_care.frail[0]"
    assert p.message == "'probability' is required in routes.home_care.frail[0]"


def test_weekday_list_error_names_the_entry_and_suggests(small, h):
    text = h.replace(small, "days: [mon, tue,", "days: [monday, tue,")
    [p] = h.problems(text)
    assert p.path == "calendars.weekdays.days[0]"
    assert p.message.endswith("got 'monday' (did you mean 'mon'?)")


def test_opening_hours_form(small, h):
    text = h.replace(small, "bank_holidays: true}", "bank_holidays: true, hours: '9-5'}")
    [p] = h.problems(text)
    assert p.message == "must look like 09:00-17:00, got '9-5'"


def test_probability_above_one(small, h):
    text = h.replace(small, "{to: died, probability: 0.05}", "{to: died, probability: 1.05}")
    found = h.problems(text)
    p = h.only(found, "at most 1")
    assert p.path == "routes.acute[3].probability"
    assert p.line == h.line_of(text, "probability: 1.05")


def test_bad_date(small, h):
    [p] = h.problems(h.replace(small, "start_date: 2025-04-01", "start_date: first of april"))
    assert p.message == "must be a date like 2025-04-01, got 'first of april'"
    assert p.line == 2


def test_every_field_problem_is_reported_at_once(small, h):
    text = h.replace(small, "capacity: 30", "capacity: -1")
    text = h.replace(text, "per_day: 4", "per_day: -4")
    text = h.replace(text, "acceptance: 0.8", "acceptance: 1.8")
    text = h.replace(text, "priority: 1", "priority: high")
    found = h.problems(text)
    assert len(found) == 4
    assert [p.line for p in found] == sorted(p.line for p in found)
    assert all(p.line and p.path for p in found)


def test_model_error_text_lists_every_problem(small, h):
    text = h.replace(small, "capacity: 30", "capacity: -1")
    text = h.replace(text, "per_day: 4", "per_day: -4")
    with pytest.raises(ModelError) as info:
        parse_model(text, "model.yaml")
    message = str(info.value)
    assert message.startswith("2 problems in the model:")
    assert "model.yaml:12 services.acute.capacity: must be at least 0 places, got -1" in message
