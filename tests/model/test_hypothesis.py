"""Property tests: random valid models load; random invalid mutations are located errors."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from wholeflow.errors import ModelError
from wholeflow.model import parse_model

EXITS = ["home", "died"]
positive = st.floats(0.1, 30, allow_nan=False)


@st.composite
def distributions(draw: st.DrawFn) -> Any:
    """A length of stay that is never 0 (so random routes cannot form zero-time loops)."""
    family = draw(st.sampled_from(["number", "fixed", "exponential", "uniform", "triangular",
                                   "normal", "lognormal", "gamma", "weibull", "empirical"]))
    if family == "number":
        return draw(positive)
    if family == "fixed":
        return {"dist": "fixed", "value": draw(positive)}
    if family == "uniform":
        low = draw(positive)
        return {"dist": "uniform", "low": low, "high": low + draw(positive)}
    if family == "triangular":
        low, width = draw(positive), draw(positive)
        mode = low + width * draw(st.floats(0, 1))
        return {"dist": "triangular", "low": low, "mode": mode, "high": low + width}
    if family == "weibull":
        # shape >= 0.5: a smaller shape gives means of centuries (refused by the ranges)
        return {"dist": "weibull", "shape": draw(st.floats(0.5, 30)), "scale": draw(positive)}
    if family == "empirical":
        return {"dist": "empirical", "values": draw(st.lists(positive, min_size=1, max_size=5))}
    if family == "exponential":
        return {"dist": "exponential", "mean": draw(positive)}
    return {"dist": family, "mean": draw(positive), "sd": draw(positive)}


def shares(draw: st.DrawFn, n: int) -> list[float]:
    weights = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    return [w / sum(weights) for w in weights]


@st.composite
def valid_models(draw: st.DrawFn) -> dict[str, Any]:
    sids = [f"s{i}" for i in range(draw(st.integers(1, 5)))]
    classes = draw(st.sampled_from([["general"], ["general", "frail"]]))

    def mix() -> dict[str, float] | None:
        return None if len(classes) == 1 else dict(zip(classes, shares(draw, 2), strict=True))

    services = {}
    for sid in sids:
        services[sid] = {
            "capacity": draw(st.one_of(st.none(), st.integers(1, 60))),
            "holds_on_transfer": draw(st.booleans()),
            "length_of_stay": draw(distributions()),
            "referral": {"calendar": draw(st.sampled_from(["always", "weekdays"])),
                         "triage_time": draw(st.floats(0, 2)),
                         "acceptance": draw(st.sampled_from([1.0, 0.9, 0.46]))},
            "assessments": draw(st.integers(0, 5)),
        }
    routes = {}
    for sid in sids:
        targets = draw(st.lists(st.sampled_from(sids + EXITS), min_size=1, max_size=3,
                                unique=True))
        routes[sid] = []
        for target, p in zip(targets, shares(draw, len(targets)), strict=True):
            route: dict[str, Any] = {"to": target, "probability": p}
            if target in services and services[target]["referral"]["acceptance"] < 1:
                route["on_reject"] = draw(st.sampled_from(EXITS))
            routes[sid].append(route)
    model: dict[str, Any] = {
        "name": "random",
        "start_date": dt.date(2025, 4, 1) + dt.timedelta(days=draw(st.integers(0, 400))),
        "warm_up_days": draw(st.integers(0, 60)),
        "run_days": draw(st.integers(1, 400)),
        "calendars": {"weekdays": {"days": ["mon", "tue", "wed", "thu", "fri"],
                                   "bank_holidays": True}},
        "classes": {k: {} for k in classes},
        "services": services,
        "exits": {e: {} for e in EXITS},
        "arrivals": {"a": {"service": sids[0], "per_day": draw(st.floats(0, 10)),
                           "class_mix": mix()}},
        "routes": routes,
    }
    if draw(st.booleans()):
        occupancy = draw(st.integers(1, 20))
        model["initial_state"] = {sids[-1]: {"occupancy": occupancy,
                                             "ready": draw(st.integers(0, occupancy)),
                                             "class_mix": mix()}}
    return model


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(valid_models())
def test_random_valid_models_load(data):
    text = dump(data)
    model = parse_model(text, "random.yaml")
    assert set(model.services) == set(data["services"])
    for warning in model.warnings:
        assert warning.severity == "warning"
        assert warning.path and warning.line is not None


# Each mutation breaks one thing and names the path its problem must be reported at.
def _mutations(data: dict[str, Any]) -> list[tuple[str, Any]]:
    sid = next(iter(data["services"]))
    svc = data["services"][sid]
    route0 = data["routes"][sid][0]

    def setter(target: dict[str, Any], key: str, value: Any) -> Any:
        return lambda: target.__setitem__(key, value)

    return [
        (f"services.{sid}.capcity", setter(svc, "capcity", 3)),
        (f"services.{sid}.capacity", setter(svc, "capacity", -2)),
        (f"services.{sid}.capacity", setter(svc, "capacity", 2.5)),
        (f"services.{sid}.length_of_stay", setter(svc, "length_of_stay",
                                                  {"dist": "gamma", "mean": 5, "sd": -1})),
        (f"services.{sid}.length_of_stay", setter(svc, "length_of_stay", {"dist": "gama"})),
        (f"services.{sid}.referral.acceptance", setter(svc["referral"], "acceptance", 1.5)),
        (f"services.{sid}.referral.calendar", setter(svc["referral"], "calendar", "weekday")),
        (f"services.{sid}", lambda: svc.pop("length_of_stay")),
        (f"routes.{sid}", setter(route0, "probability", route0["probability"] / 2)),
        (f"routes.{sid}[0].to", setter(route0, "to", "nowhere")),
        (f"routes.{sid}[0].on_reject", setter(route0, "on_reject", "nowhere")),
        (f"routes.{sid}", setter(data["routes"], sid, [])),
        ("arrivals.a.service", setter(data["arrivals"]["a"], "service", "nowhere")),
        ("arrivals.a.class_mix", setter(data["arrivals"]["a"], "class_mix",
                                        {k: 0.4 for k in data["classes"]})),
        ("calendars.weekdays.days", setter(data["calendars"]["weekdays"], "days", [])),
        ("run_days", setter(data, "run_days", -5)),
        ("colour", setter(data, "colour", "blue")),
        ("initial_state.nowhere", setter(data.setdefault("initial_state", {}), "nowhere", {})),
        (f"exits.{sid}", setter(data["exits"], sid, {})),
    ]


@st.composite
def invalid_models(draw: st.DrawFn) -> tuple[str, str]:
    data = copy.deepcopy(draw(valid_models()))
    mutations = _mutations(data)
    path, mutate = draw(st.sampled_from(mutations))
    mutate()
    return dump(data), path


@settings(max_examples=150, deadline=None, derandomize=True)
@given(invalid_models())
def test_random_invalid_models_give_located_errors(case):
    text, expected_path = case
    lines = text.splitlines()
    try:
        parse_model(text, "random.yaml")
    except ModelError as err:
        problems = err.problems
    else:
        raise AssertionError(f"no error for a mutation at {expected_path}:\n{text}")
    assert problems
    for p in problems:
        assert p.path, p
        assert p.file == "random.yaml"
        assert p.line is not None and 1 <= p.line <= len(lines), p
    hit = [p for p in problems if p.path.startswith(expected_path)]
    assert hit, f"expected a problem at {expected_path}, got {problems}"
    # each problem's line is where its path's last key is written (a list item: its own line)
    for p in problems:
        last = p.path.split(".")[-1]
        if not last.endswith("]"):
            assert last in lines[p.line - 1], (p, text)
