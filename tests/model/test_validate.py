"""Cross-field rules: each named, located and with a fix; warnings kept on the model."""

import pytest

from wholeflow.errors import ModelError
from wholeflow.model import Model, parse_model, validate_model
from wholeflow.model.distributions import Empirical, Exponential, Fixed, Uniform
from wholeflow.model.validate import can_be_zero


def test_probabilities_must_sum_to_one(small, h):
    text = h.replace(small, "{to: home, probability: 0.35}", "{to: home, probability: 0.3}")
    [p] = h.problems(text)
    line = h.line_of(text, "  acute:", 2)
    assert str(p) == (f"model.yaml:{line} routes.acute: probabilities sum to 0.95; they must sum"
                      " to 1 (change the probabilities so they add up to 1)")


def test_probabilities_within_tolerance_are_accepted(small, h):
    text = h.replace(small, "{to: home, probability: 0.35}", "{to: home, probability: 0.350002}")
    with pytest.raises(ModelError):
        parse_model(text)
    text = h.replace(small, "{to: home, probability: 0.35}", "{to: home, probability: 0.3500009}")
    parse_model(text)


def test_probabilities_are_checked_per_class(small, h):
    text = h.replace(small, "{to: died, probability: 0.1}]", "{to: died, probability: 0.2}]")
    [p] = h.problems(text)
    assert p.path == "routes.home_care.frail"
    assert "sum to 1.1" in p.message


def test_unknown_route_target_suggests_one(small, h):
    text = h.replace(small, "{to: home_care, probability: 0.5}", "{to: homecare, probability: 0.5}")
    [p] = h.problems(text)
    assert p.path == "routes.rehab[0].to"
    assert p.message == "unknown service or exit 'homecare' (did you mean 'home_care'?)"
    assert p.line == h.line_of(text, "homecare")


@pytest.mark.parametrize(("old", "new", "path", "kind"), [
    ("service: acute", "service: acuet", "arrivals.ed.service", "service"),
    ("calendar: weekdays,", "calendar: weekday,", "services.rehab.referral.calendar", "calendar"),
    ("frail: 0.3}", "fraill: 0.3}", "arrivals.ed.class_mix.fraill", "class"),
    ("on_reject: home_care}", "on_reject: hom}", "routes.acute[0].on_reject", "service or exit"),
    ("  rehab: {occupancy", "  rehabb: {occupancy", "initial_state.rehabb", "service"),
    ("frail: [{to: home, probability: 0.9}", "frial: [{to: home, probability: 0.9}",
     "routes.home_care.frial", "class"),
])
def test_unknown_references(small, h, old, new, path, kind):
    text = h.replace(small, old, new)
    p = h.only(h.problems(text), f"unknown {kind} ")
    assert p.path == path
    assert "did you mean" in p.message
    assert p.line == h.line_of(text, new)


def test_length_of_stay_by_class_must_name_a_class(small, h):
    text = h.replace(small, "    length_of_stay: 14\n",
                     "    length_of_stay: 14\n    length_of_stay_by_class: {elderly: 20}\n")
    [p] = h.problems(text)
    assert p.path == "services.home_care.length_of_stay_by_class.elderly"


def test_an_id_may_not_be_both_a_service_and_an_exit(small, h):
    text = h.replace(small, "  died: {}\n", "  died: {}\n  rehab: {}\n")
    p = h.only(h.problems(text), "both a service and an exit")
    assert p.path == "exits.rehab"


def test_ids_may_not_contain_dots(small, h):
    text = h.replace(small, "  died: {}\n", "  died: {}\n  care.home: {}\n")
    p = h.only(h.problems(text), "must not be empty or contain")
    assert p.path == "exits.care.home"


def test_calendar_with_no_open_weekday(small, h):
    text = h.replace(small, "days: [mon, tue, wed, thu, fri]", "days: []")
    [p] = h.problems(text)
    assert p.path == "calendars.weekdays.days"
    assert "never opens" in p.message


def test_calendar_closed_for_the_whole_run_is_a_warning(small, h):
    closed = ", ".join(f"2025-04-{d:02d}" for d in range(1, 31))
    text = h.replace(small, "run_days: 100", "run_days: 15")
    text = h.replace(text, "bank_holidays: true}", f"closed_dates: [{closed}]}}")
    [w] = parse_model(text).warnings
    assert w.path == "calendars.weekdays"
    assert "closed on every day of the run (2025-04-01 to 2025-04-25)" in w.message


def test_bank_holidays_count_when_checking_a_calendar_opens(small, h):
    # Good Friday 2025 is 18 April: a Fridays-only calendar over a run of 1 to 24 April opens
    # on the 4th and 11th, so it is valid; closing those two days too leaves only a bank holiday.
    text = h.replace(small, "run_days: 100", "run_days: 14")
    text = h.replace(text, "days: [mon, tue, wed, thu, fri]", "days: [fri]")
    parse_model(text)
    assert parse_model(text).warnings == []
    text = h.replace(text, "bank_holidays: true}",
                     "bank_holidays: true, closed_dates: [2025-04-04, 2025-04-11]}")
    [w] = parse_model(text).warnings
    assert "closed on every day" in w.message


@pytest.mark.parametrize("hours", ["17:00-09:00", "09:00-09:00", "09:00-25:00", "09:75-10:00"])
def test_opening_hours_that_never_open(small, h, hours):
    text = h.replace(small, "bank_holidays: true}", f"bank_holidays: true, hours: '{hours}'}}")
    [p] = h.problems(text)
    assert p.path == "calendars.weekdays.hours"


def test_full_day_hours_are_valid(small, h):
    text = h.replace(small, "bank_holidays: true}", "bank_holidays: true, hours: '00:00-24:00'}")
    assert parse_model(text).calendars["weekdays"].hours == "00:00-24:00"


def test_route_into_a_rejecting_service_needs_on_reject(small, h):
    text = h.replace(small, "{to: rehab, probability: 0.3, on_reject: home_care}",
                     "{to: rehab, probability: 0.3}")
    [p] = h.problems(text)
    assert p.path == "routes.acute[0]"
    assert "can be rejected (acceptance 0.8)" in p.message
    assert p.fix == "add on_reject: <exit or service>"


def test_on_reject_to_a_service_that_may_reject_too_is_a_warning(small, h):
    text = h.replace(small, "    holds_on_transfer: false\n",
                     "    holds_on_transfer: false\n    referral: {acceptance: 0.9}\n")
    # the routes into home_care now need on_reject
    found = h.problems(text)
    assert {q.path for q in found} == {"routes.acute[1]", "routes.rehab[0]"}
    text = h.replace(text, "{to: home_care, probability: 0.3}",
                     "{to: home_care, probability: 0.3, on_reject: home}")
    text = h.replace(text, "{to: home_care, probability: 0.5}",
                     "{to: home_care, probability: 0.5, on_reject: home}")
    # acute's own route to home_care says where a second rejection goes: no warning
    assert parse_model(text).warnings == []
    text = h.replace(text, "{to: home_care, probability: 0.3, on_reject: home}",
                     "{to: home_care, probability: 0.3}")
    found = h.problems(text)
    assert [q.path for q in found] == ["routes.acute[1]"]
    text = h.replace(text, "{to: home_care, probability: 0.3}",
                     "{to: died, probability: 0.3}")
    text = h.replace(text, "{to: died, probability: 0.05}", "{to: home, probability: 0.05}")
    [w] = parse_model(text).warnings
    assert w.path == "routes.acute[0].on_reject"
    assert "leave to 'home' (the first exit)" in w.message


def test_on_reject_back_to_the_same_service(small, h):
    text = h.replace(small, "on_reject: home_care}", "on_reject: rehab}")
    p = h.only(h.problems(text), "back to rehab")
    assert p.path == "routes.acute[0].on_reject"


def test_ready_cannot_exceed_occupancy(small, h):
    [p] = h.problems(h.replace(small, "ready: 2", "ready: 11"))
    assert p.path == "initial_state.rehab.ready"
    assert p.message == "11 people ready to move on but only 10 in the service"


def test_class_mix_must_sum_to_one(small, h):
    [p] = h.problems(h.replace(small, "frail: 0.3}", "frail: 0.2}"))
    assert (p.path, p.message) == ("arrivals.ed.class_mix", "shares sum to 0.9; they must sum to 1")


def test_several_classes_need_a_class_mix(small, h):
    text = h.replace(small, "    class_mix: {general: 0.7, frail: 0.3}\n", "")
    [p] = h.problems(text)
    assert p.path == "arrivals.ed"
    assert "has no class_mix" in p.message


def test_all_zero_weekday_profile(small, h):
    text = h.replace(small, "    per_day: 4\n",
                     "    per_day: 4\n    weekday_profile: {mon: 0, tue: 0}\n")
    [p] = h.problems(text)
    assert p.path == "arrivals.ed.weekday_profile"


def test_service_with_routes_in_but_none_out(small, h):
    text = h.replace(small, "  rehab:\n    - {to: home_care, probability: 0.5}\n"
                     "    - {to: home, probability: 0.5}\n", "")
    [p] = h.problems(text)
    assert p.path == "services.rehab"
    assert "people would never leave" in p.message


def test_class_that_reaches_a_service_without_its_routes(small, h):
    text = h.replace(small, "default: [{to: home, probability: 1}]",
                     "general: [{to: home, probability: 1}]")
    parse_model(text)  # both classes still covered
    text = h.replace(small, "    default: [{to: home, probability: 1}]\n", "")
    [p] = h.problems(text)
    assert p.path == "routes.home_care"
    assert "class 'general'" in p.message


def test_unreachable_service_is_a_warning(small, h):
    text = h.replace(small, "  home_care:\n    capacity: 40",
                     "  day_centre:\n    length_of_stay: 1\n  home_care:\n    capacity: 40")
    model = parse_model(text, "model.yaml")
    [w] = model.warnings
    assert w.severity == "warning"
    assert w.path == "services.day_centre"
    assert w.line == h.line_of(text, "day_centre")
    assert str(w).startswith("warning: model.yaml:")


def test_warnings_are_kept_with_errors(small, h):
    text = h.replace(small, "  home_care:\n    capacity: 40",
                     "  day_centre:\n    length_of_stay: 1\n  home_care:\n    capacity: 40")
    text = h.replace(text, "ready: 2", "ready: 11")
    with pytest.raises(ModelError) as info:
        parse_model(text)
    assert len(info.value.problems) == 1
    assert [w.path for w in info.value.warnings] == ["services.day_centre"]


def test_starting_over_capacity_is_a_warning(small, h):
    model = parse_model(h.replace(small, "occupancy: 10", "occupancy: 13"))
    assert [w.path for w in model.warnings] == ["initial_state.rehab.occupancy"]


def test_zero_length_of_stay_loop_is_an_error(small, h):
    text = h.replace(small, "length_of_stay: 14", "length_of_stay: 0")
    text = h.replace(text, "default: [{to: home, probability: 1}]",
                     "default: [{to: home_care, probability: 0.5}, {to: home, probability: 0.5}]")
    [p] = h.problems(text)
    assert p.path == "routes.home_care"
    assert "loop (home_care -> home_care)" in p.message


def test_zero_length_of_stay_without_a_loop_is_fine(small, h):
    parse_model(h.replace(small, "length_of_stay: 14", "length_of_stay: 0"))


@pytest.mark.parametrize(("dist", "zero"), [
    (Fixed(value=0), True),
    (Fixed(value=1), False),
    (Exponential(dist="exponential", mean=3), False),
    (Uniform(dist="uniform", low=0, high=0), True),
    (Uniform(dist="uniform", low=0, high=2), False),
    (Empirical(dist="empirical", values=[0, 3]), True),
    (Empirical(dist="empirical", quantiles={0: 0, 0.2: 0, 1: 5}), True),
    (Empirical(dist="empirical", quantiles={0: 0, 1: 5}), False),
])
def test_can_be_zero(dist, zero):
    assert can_be_zero(dist) is zero


def test_a_model_built_in_python_can_be_validated(small):
    model = parse_model(small)
    data = model.model_dump(by_alias=True)
    data["routes"]["rehab"][0]["probability"] = 0.1
    copy = Model.model_validate(data)
    with pytest.raises(ModelError) as info:
        validate_model(copy)
    assert info.value.problems[0].path == "routes.rehab"
    assert validate_model(model) is model
