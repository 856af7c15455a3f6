"""Nodes, edges and volumes of the system graph, from the model and from data."""

import pandas as pd
import pytest

from wholeflow.report.graph import calendar_words, expected_flows, system_graph


def edge(graph, src, dst):
    (found,) = [e for e in graph.edges if (e.source, e.target) == (src, dst)]
    return found


def test_expected_flows_solve_the_traffic_equations(small_model):
    graph = system_graph(small_model)
    assert edge(graph, "arrivals:front_door", "acute").per_year == pytest.approx(3650)
    assert edge(graph, "acute", "rehab").per_year == pytest.approx(0.3 * 3650)
    # home care accepts 80 %: the other 20 % of its referrals go home instead
    assert edge(graph, "acute", "home_care").per_year == pytest.approx(0.2 * 0.8 * 3650)
    assert edge(graph, "acute", "home_care").rejected_per_year == pytest.approx(0.2 * 0.2 * 3650)
    assert edge(graph, "acute", "home").per_year == pytest.approx((0.5 + 0.04) * 3650)
    assert edge(graph, "rehab", "care_home").per_year == pytest.approx(0.2 * 0.3 * 3650)
    assert graph.volumes_from == "model"


def test_loops_are_counted_once_per_pass():
    from wholeflow.model import parse_model

    model = parse_model("""
name: loop
start_date: 2025-01-06
services:
  a: {length_of_stay: 1}
  b: {length_of_stay: 1}
arrivals: {x: {service: a, per_day: 1}}
routes:
  a: [{to: b, probability: 1}]
  b: [{to: a, probability: 0.5}, {to: home, probability: 0.5}]
""")
    flows = expected_flows(model)
    assert flows.people[("a", "b")] == pytest.approx(2.0)  # 1 a day, each comes back half the time
    assert flows.people[("b", "home")] == pytest.approx(1.0)


def test_volumes_from_stays_are_people_a_year_per_replication(small_model):
    stays = pd.DataFrame({
        "replication": [0, 0, 0, 1, 1, 1],
        "person": ["p1", "p1", "p2", "p1", "p2", "p3"],
        "stint": [1, 2, 1, 1, 1, 1],
        "service": ["acute", "rehab", "acute", "acute", "acute", "acute"],
        "destination": ["rehab", "home", "home", "home", "home", "somewhere_new"],
    })
    graph = system_graph(small_model, stays, years=0.5)
    assert edge(graph, "acute", "rehab").per_year == pytest.approx(1 / 2 / 0.5)
    assert edge(graph, "acute", "home").per_year == pytest.approx(3 / 2 / 0.5)
    assert edge(graph, "arrivals:front_door", "acute").per_year == pytest.approx(5 / 2 / 0.5)
    unknown = edge(graph, "acute", "somewhere_new")  # seen in data, not in the model
    assert unknown.kind == "reroute" and unknown.count == 1
    assert graph.volumes_from == "results"


def test_rejected_referrals_come_from_the_referrals_table(small_model):
    stays = pd.DataFrame({"replication": [0], "person": ["p"], "stint": [1],
                          "service": ["acute"], "destination": ["home"]})
    referrals = pd.DataFrame({"from_service": ["acute"] * 3, "to_service": ["home_care"] * 3,
                              "accepted": [False, False, True]})
    graph = system_graph(small_model, stays, referrals, years=1.0)
    assert edge(graph, "acute", "home_care").rejected_per_year == pytest.approx(2)


def test_calendars_in_words(small_model):
    assert calendar_words(small_model, "always") == "every day"
    assert calendar_words(small_model, "weekdays") == "Mon–Fri, not bank holidays"
