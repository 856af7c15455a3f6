"""The system map's figure data: nodes, sizes, colours, routes, labels and findings badges."""

import pytest

from wholeflow.errors import WholeflowError
from wholeflow.report.findings import parse_findings
from wholeflow.report.map import system_map


def trace(fig, name):
    (found,) = [t for t in fig.data if t.name == name]
    return found


def test_services_are_nodes_sized_by_capacity(small_model):
    fig = system_map(small_model)
    services = trace(fig, "services")
    ids = [c[0] for c in services.customdata]
    assert ids == ["acute", "rehab", "home_care"]
    size = dict(zip(ids, services.marker.size, strict=True))
    assert size["acute"] > size["rehab"]  # 100 places against 20
    assert size["home_care"] == 30.0  # unlimited: a middling circle
    assert list(trace(fig, "exits").customdata) == ["home", "care_home"]
    assert list(trace(fig, "arrivals").customdata) == ["arrivals:front_door"]


def test_routes_carry_their_volumes_and_widths(small_model):
    fig = system_map(small_model)
    routes = {(c[0], c[1]): c[2] for c in trace(fig, "routes").customdata}
    assert routes[("acute", "rehab")] == pytest.approx(1095)
    assert routes[("rehab", "care_home")] == pytest.approx(219)
    widths = {t.name: t.line.width for t in fig.data if " > " in (t.name or "")}
    assert widths["acute > home"] > widths["acute > rehab"] > widths["rehab > care_home"]


def test_without_results_colour_is_expected_occupancy(small_model):
    fig = system_map(small_model)
    values = {c[0]: c[1] for c in trace(fig, "services").customdata}
    # acute: 10 a day x 5 days / 100 places; rehab: 3 a day x 20 days / 20 places
    assert values["acute"] == pytest.approx(0.5)
    assert values["rehab"] == pytest.approx(3.0)
    assert values["home_care"] != values["home_care"]  # NaN: no places to fill


def test_results_colour_by_occupancy_and_delayed_days(small_results):
    model = small_results.model
    fig = system_map(model, small_results)
    values = {c[0]: c[1] for c in trace(fig, "services").customdata}
    kpis = small_results.kpis
    util = kpis[(kpis.service == "acute") & (kpis.metric == "utilisation")]["value"].mean()
    assert values["acute"] == pytest.approx(util)
    fig = system_map(model, small_results, colour_by="delayed_days")
    values = {c[0]: c[1] for c in trace(fig, "services").customdata}
    delayed = kpis[(kpis.service == "rehab") & (kpis.metric == "delayed_days")]["value"].mean()
    assert values["rehab"] == pytest.approx(delayed * 365 / model.run_days)


def test_results_colour_by_failure_demand(small_results):
    import copy

    import pandas as pd

    model = small_results.model
    results = copy.copy(small_results)
    hours = pd.DataFrame({"replication": [0, 1], "service": "home_care",
                          "metric": "failure_demand_hours", "value": [30.0, 50.0]})
    results.kpis = pd.concat([small_results.kpis, hours], ignore_index=True)
    fig = system_map(model, results, colour_by="failure_demand")
    values = {c[0]: c[1] for c in trace(fig, "services").customdata}
    assert values["home_care"] == pytest.approx(40.0 * 365 / model.run_days)
    assert values["acute"] != values["acute"]  # no rejected referrals counted: no colour
    assert "Failure demand" in fig.data[-1].marker.colorbar.title.text


def test_labels_show_places_acceptance_and_referral_days(small_model):
    fig = system_map(small_model)
    texts = [a.text.replace("<br>", " ") for a in fig.layout.annotations]
    home_care = next(t for t in texts if t.startswith("<b>Home care"))
    assert "80% accepted" in home_care
    assert "referrals Mon–Fri, not bank holidays" in home_care
    assert "<b>Rehab unit</b> <i>300% full</i> 20 places" in texts  # 3 a day x 20 days / 20


def test_long_names_are_wrapped_and_asides_set_smaller():
    from wholeflow.report.map import label_lines

    lines = label_lines("Darley Court (nursing-led community beds)", ["50 places · 46% accepted"],
                        width=20, shown="84% full")
    assert lines[0] == "<b>Darley Court</b> <i>84% full</i>"
    assert lines[1] == '<span style="font-size:11px">nursing-led</span>'
    assert all(len(line) <= 20 for line in lines[3:])


def test_findings_are_badges_beside_services_and_routes(small_model):
    findings = parse_findings("""
- {arrow: people, kind: no-no, source: lived experience, text: a, services: [rehab]}
- {arrow: information, kind: niggle, source: staff, text: b, services: [rehab]}
- {arrow: workforce, kind: nugget, source: data, text: c, routes: [acute > home_care]}
""", "f.yaml", small_model)
    badges = trace(system_map(small_model, findings=findings), "findings")
    assert sorted(badges.text) == ["1", "2"]
    two = list(badges.text).index("2")
    assert badges.marker.color[two] == "#DA291C"  # the worst kind (a no-no) sets the colour
    assert "No-no: a" in badges.hovertext[two]


def test_alt_text_names_the_busiest_route(small_model):
    alt = system_map(small_model).layout.meta["alt"]
    assert "3 services" in alt and "Arrivals to Acute hospital, 3,650 people a year" in alt


def test_unknown_colouring_is_a_clear_error(small_model):
    with pytest.raises(WholeflowError, match="colour_by"):
        system_map(small_model, colour_by="mood")  # type: ignore[arg-type]
