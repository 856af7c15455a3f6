"""The Bolton Intermediate Tier example: valid, faithful to the seed's figures, and useful."""

from __future__ import annotations

from importlib.resources import as_file, files

import numpy as np
import pytest

from wholeflow.model import Model, apply_scenario, list_scenarios, load_model
from wholeflow.model.schema import Route

SEED_WINDOW_DAYS = 334  # April 2017 to February 2018


@pytest.fixture(scope="module")
def bolton() -> Model:
    with as_file(files("wholeflow.examples") / "bolton") as folder:
        return load_model(folder)


class _Flows:
    """One round of the traffic equations for one class: referrals, rejections, admissions."""

    def __init__(self, model: Model, klass: str, inflow: dict[str, float]):
        self.model = model
        self.klass = klass
        self.admitted = dict(inflow)
        self.referrals = dict.fromkeys(model.services, 0.0)
        self.rejected = dict.fromkeys(model.services, 0.0)

    def refer(self, src: str, route: Route, volume: float, depth: int = 0) -> None:
        """``volume`` a day referred along ``route``; rejections follow on_reject (as the
        engine does, a second rejection follows the source's own route to the fallback)."""
        if route.to not in self.model.services:
            return
        acceptance = self.model.services[route.to].referral.acceptance
        self.referrals[route.to] += volume
        self.rejected[route.to] += volume * (1 - acceptance)
        self.admitted[route.to] += volume * acceptance
        fallback = route.on_reject
        if fallback in self.model.services and depth < 3:
            own = [r for r in self.model.routes_for(src, self.klass) if r.to == fallback]
            again = own[0] if own else Route(to=fallback, probability=0)
            self.refer(src, again, volume * (1 - acceptance), depth + 1)


def referral_flows(model: Model) -> tuple[dict[str, float], dict[str, float]]:
    """Expected referrals and rejections a day into each service, from the traffic equations
    (a person leaving service s for service t is a referral to t), iterated to a fixed point."""
    referrals = dict.fromkeys(model.services, 0.0)
    rejected = dict.fromkeys(model.services, 0.0)
    for klass in model.classes:
        inflow = dict.fromkeys(model.services, 0.0)
        for arrival in model.arrivals.values():
            share = (arrival.class_mix or {klass: 1.0}).get(klass, 0.0)
            inflow[arrival.service] += arrival.per_day * share
        admitted = dict(inflow)
        for _ in range(500):
            flows = _Flows(model, klass, inflow)
            for sid, volume in admitted.items():
                for route in model.routes_for(sid, klass):
                    flows.refer(sid, route, volume * route.probability)
            admitted = flows.admitted
        for sid in model.services:
            referrals[sid] += flows.referrals[sid]
            rejected[sid] += flows.rejected[sid]
    return referrals, rejected


def test_the_example_loads_without_problems_or_warnings(bolton):
    assert bolton.name == "Bolton Intermediate Tier"
    assert bolton.warnings == []
    assert set(bolton.services) == {"acute", "darley_court", "laburnum_lodge", "four_seasons",
                                    "wilfred_geere", "imc_at_home", "reablement", "iv_therapy"}
    assert {s.funder for s in bolton.services.values()} == {"foundation_trust", "council"}
    assert (bolton.start_date.isoformat(), bolton.warm_up_days, bolton.run_days) == (
        "2025-04-01", 60, 365)


def test_every_scenario_applies_cleanly(bolton):
    assert list_scenarios(bolton) == ["imc_weekends", "trusted_assessor", "direct_referrals",
                                      "referrals_by_admin"]
    for name in list_scenarios(bolton):
        patched = apply_scenario(bolton, name)
        assert patched.warnings == []
        assert patched.model_dump() != bolton.model_dump()
    weekends = apply_scenario(bolton, "imc_weekends")
    assert weekends.services["imc_at_home"].referral.calendar == "seven_day"
    assert bolton.services["imc_at_home"].referral.calendar == "weekdays"


def test_referral_volumes_and_failure_demand_match_the_seed(bolton):
    referrals, rejected = referral_flows(bolton)
    # seed: IMC@Home 2,015 and Darley Court 921 referrals in April 2017 to February 2018
    assert referrals["imc_at_home"] == pytest.approx(2015 / SEED_WINDOW_DAYS, rel=0.05)
    assert referrals["darley_court"] == pytest.approx(921 / SEED_WINDOW_DAYS, rel=0.05)
    # seed: ~191 clinical hours lost at IMC@Home over the same months (30 minutes each)
    imc = bolton.services["imc_at_home"].referral
    hours = rejected["imc_at_home"] * imc.rejected_handling_hours * SEED_WINDOW_DAYS
    assert hours == pytest.approx(191, rel=0.1)


def test_every_service_is_busy_but_has_room(bolton):
    """Offered load (admissions x mean length of stay) is 60-95 % of capacity everywhere.

    Delayed days come on top (most in acute, a quarter of its beds), which makes the simulated
    occupancy 85-95 % of capacity.
    """
    from wholeflow.engine import compile_model
    from wholeflow.engine.workforce import available_hours, staffed_places

    # services whose caseload follows their staff: mean places over a year of absences
    cm = compile_model(bolton)
    staffed = {cm.services[s]: float(places.mean()) for s, places in
               staffed_places(cm, available_hours(cm, 0, 0)).items()}
    assert set(staffed) == {"imc_at_home", "reablement"}
    referrals, rejected = referral_flows(bolton)
    inflow = {sid: referrals[sid] - rejected[sid] for sid in bolton.services}
    for arrival in bolton.arrivals.values():
        inflow[arrival.service] += arrival.per_day
    for sid, svc in bolton.services.items():
        capacity = svc.capacity if svc.capacity is not None else staffed[sid]
        load = inflow[sid] * svc.length_of_stay.mean() / capacity
        assert 0.6 < load < 0.95, (sid, load)


def test_a_pathway_has_the_seeds_17_assessments(bolton):
    def most(sid: str, seen: frozenset[str]) -> int:
        svc = bolton.services[sid]
        onward = [most(r.to, seen | {r.to}) for k in bolton.classes
                  for r in bolton.routes_for(sid, k)
                  if r.to in bolton.services and r.to not in seen and r.probability > 0]
        return svc.assessments + max(onward, default=0)

    assert most("acute", frozenset({"acute"})) == 17


def test_record_systems_differ_between_trust_and_council(bolton):
    by_funder: dict[str, set[str | None]] = {}
    for svc in bolton.services.values():
        by_funder.setdefault(str(svc.funder), set()).add(svc.record_system)
    assert not by_funder["council"] & by_funder["foundation_trust"]


@pytest.mark.slow
def test_scenarios_have_the_effects_the_seed_describes(bolton):
    """Paired on common random numbers: the seed's direction of every effect, beyond noise."""
    from scipy import stats

    from wholeflow import simulate

    def kpi(results, service: str, metric: str) -> np.ndarray:
        k = results.kpis
        rows = k[(k.service == service) & (k.metric == metric)].sort_values("replication")
        return rows.value.to_numpy()

    def upper(diff: np.ndarray) -> float:
        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
        return float(diff.mean() + half)

    base = simulate(bolton, replications=5, seed=7)
    weekends = simulate(bolton, replications=5, seed=7, scenario="imc_weekends")
    trusted = simulate(bolton, replications=5, seed=7, scenario="trusted_assessor")
    direct = simulate(bolton, replications=5, seed=7, scenario="direct_referrals")
    # seed: IMC@Home closed to weekend referrals costs ~1,680 acute bed days a year
    saved = kpi(weekends, "acute", "delayed_days") - kpi(base, "acute", "delayed_days")
    assert upper(saved) < 0
    assert -3500 < saved.mean() < -800
    # seed: trusted assessment cuts system length of stay (by > 3 days in Bolton's model)
    los = (kpi(trusted, "system", "mean_system_length_of_stay")
           - kpi(base, "system", "mean_system_length_of_stay"))
    assert upper(los) < -1.5
    # direct referrals: fewer assessments per journey and fewer delayed days
    assert upper(kpi(direct, "system", "assessments_per_journey")
                 - kpi(base, "system", "assessments_per_journey")) < 0
    assert upper(kpi(direct, "system", "delayed_days") - kpi(base, "system", "delayed_days")) < 0
