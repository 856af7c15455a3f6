"""The layered layout: direction, layers, cycles, crossings, and big systems."""

import numpy as np
import pytest

from wholeflow.report.layout import count_crossings, layered_layout


def test_forward_routes_point_right_and_exits_come_last():
    nodes = ["in", "acute", "rehab", "home_care", "home", "care_home"]
    edges = [("in", "acute"), ("acute", "rehab"), ("acute", "home_care"), ("rehab", "home_care"),
             ("home_care", "home"), ("acute", "home"), ("rehab", "care_home")]
    lay = layered_layout(nodes, edges, first=["in"], last=["home", "care_home"])
    assert lay.x["in"] == 0
    for u, v in edges:
        assert lay.x[u] < lay.x[v], (u, v)
    # longest path: home_care sits after rehab, which feeds it
    assert lay.x["home_care"] == lay.x["rehab"] + 1
    assert lay.x["home"] == lay.x["care_home"] == max(lay.x.values())
    assert not lay.back_edges


def test_cycles_are_broken_not_followed():
    nodes = ["in", "acute", "rehab", "home"]
    edges = [("in", "acute"), ("acute", "rehab"), ("rehab", "acute"), ("rehab", "home")]
    lay = layered_layout(nodes, edges, first=["in"], last=["home"])
    assert lay.back_edges == {("rehab", "acute")}
    assert lay.x["acute"] < lay.x["rehab"] < lay.x["home"]


def test_barycentre_ordering_removes_avoidable_crossings():
    # Given in an order that crosses: a->d, b->c with c listed before d.
    nodes = ["a", "b", "c", "d"]
    edges = [("a", "d"), ("b", "c")]
    assert count_crossings([["a", "b"], ["c", "d"]], edges) == 1
    lay = layered_layout(nodes, edges)
    assert count_crossings(lay.layers, edges) == 0


def test_nodes_in_a_layer_are_spread_evenly_and_centred():
    lay = layered_layout(["s", "a", "b", "c"], [("s", "a"), ("s", "b"), ("s", "c")], first=["s"])
    ys = sorted(lay.y[n] for n in "abc")
    assert ys == [-1.0, 0.0, 1.0]
    assert lay.y["s"] == 0.0


@pytest.mark.parametrize("n_services", [5, 20, 60])
def test_big_systems_get_distinct_positions(n_services):
    rng = np.random.default_rng(n_services)
    services = [f"s{i}" for i in range(n_services)]
    edges = [("in", "s0")]
    for i, s in enumerate(services):
        for j in rng.choice(n_services, size=2, replace=False):
            if j != i:
                edges.append((s, f"s{j}"))
        edges.append((s, "home"))
    lay = layered_layout(["in", *services, "home"], edges, first=["in"], last=["home"])
    points = {(lay.x[n], lay.y[n]) for n in ["in", *services, "home"]}
    assert len(points) == n_services + 2  # nobody drawn on top of anybody
    forward = [(u, v) for u, v in edges if (u, v) not in lay.back_edges]
    assert all(lay.x[u] < lay.x[v] for u, v in forward)
