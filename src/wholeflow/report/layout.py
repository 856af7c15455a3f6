"""A layered, left-to-right layout: arrivals on the left, exits on the right.

The method is the classic one for flow diagrams (Sugiyama-style), kept small:

1. **Break cycles.** A depth-first search from the arrival streams marks the edges that point
   back (readmissions, step-up after step-down); they are drawn curved but ignored for layering.
2. **Layer.** Longest-path layering on what remains, so every forward route points right and a
   service sits one column after the furthest service that feeds it. Arrival streams take the
   first column and all exits the last.
3. **Order within a layer.** Alternating sweeps left-to-right and right-to-left place each node at
   the barycentre (mean position) of its neighbours in the previous layer, which removes most
   crossings; the best ordering seen is kept.
4. **Place.** Nodes of a layer are spread evenly and centred, one unit apart, so a figure can
   size itself by the widest layer and stay readable from 5 to 60 services.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SWEEPS = 8


@dataclass(frozen=True)
class Layout:
    """Positions (x = layer, y = place in layer, centred on 0) and the edges drawn backwards."""

    x: dict[str, float]
    y: dict[str, float]
    layers: list[list[str]]
    back_edges: frozenset[tuple[str, str]]

    @property
    def widest(self) -> int:
        """Number of nodes in the most crowded layer."""
        return max((len(layer) for layer in self.layers), default=0)


def layered_layout(
    nodes: Sequence[str],
    edges: Iterable[tuple[str, str]],
    first: Sequence[str] = (),
    last: Sequence[str] = (),
) -> Layout:
    """Lay out ``nodes`` left to right along ``edges``.

    ``first`` nodes (arrival streams) go in the first layer, ``last`` nodes (exits) in the last.
    Node order in ``nodes`` is the tie-breaker, so the same model always gives the same picture.
    """
    edge_list = [(u, v) for u, v in dict.fromkeys(edges) if u != v and u in nodes and v in nodes]
    back = _back_edges(nodes, edge_list, first)
    forward = [(u, v) for u, v in edge_list if (u, v) not in back]
    layer_of = _longest_path_layers(nodes, forward, first, last)
    layers = _group(nodes, layer_of)
    layers = _reduce_crossings(layers, edge_list)
    x, y = {}, {}
    for i, layer in enumerate(layers):
        for j, node in enumerate(layer):
            x[node] = float(i)
            y[node] = (len(layer) - 1) / 2 - j
    return Layout(x, y, layers, frozenset(back))


def _back_edges(
    nodes: Sequence[str], edges: list[tuple[str, str]], first: Sequence[str]
) -> set[tuple[str, str]]:
    """Edges that close a cycle in a depth-first search started from ``first``, then the rest."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for u, v in edges:
        succ[u].append(v)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    back: set[tuple[str, str]] = set()
    for root in [*first, *nodes]:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(succ[child])))
    return back


def _longest_path_layers(
    nodes: Sequence[str],
    forward: list[tuple[str, str]],
    first: Sequence[str],
    last: Sequence[str],
) -> dict[str, int]:
    pred: dict[str, list[str]] = {n: [] for n in nodes}
    for u, v in forward:
        pred[v].append(u)
    firsts, lasts = set(first), set(last)
    layer: dict[str, int] = {}

    def depth(n: str) -> int:
        if n in layer:
            return layer[n]
        if n in firsts:
            layer[n] = 0
            return 0
        # iterative to avoid deep recursion on long pathways
        stack = [n]
        while stack:
            top = stack[-1]
            todo = [p for p in pred[top] if p not in layer and p not in firsts and p not in lasts]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            ps = [p for p in pred[top] if p not in lasts]
            layer[top] = max((0 if p in firsts else layer[p]) + 1 for p in ps) if ps else (
                1 if firsts else 0)
        return layer[n]

    for n in nodes:
        if n not in lasts:
            depth(n)
    inner = max((layer[n] for n in nodes if n not in lasts), default=-1)
    for n in lasts:
        layer[n] = inner + 1
    return layer


def _group(nodes: Sequence[str], layer_of: dict[str, int]) -> list[list[str]]:
    used = sorted(set(layer_of.values()))
    rank = {v: i for i, v in enumerate(used)}  # close gaps left by an empty layer
    layers: list[list[str]] = [[] for _ in used]
    for n in nodes:
        layers[rank[layer_of[n]]].append(n)
    return layers


def _reduce_crossings(
    layers: list[list[str]], edges: list[tuple[str, str]]
) -> list[list[str]]:
    neighbours: dict[str, list[str]] = {n: [] for layer in layers for n in layer}
    for u, v in edges:
        neighbours[u].append(v)
        neighbours[v].append(u)
    best = [list(layer) for layer in layers]
    best_crossings = count_crossings(best, edges)
    current = [list(layer) for layer in layers]
    for sweep in range(SWEEPS):
        order = range(1, len(current)) if sweep % 2 == 0 else range(len(current) - 2, -1, -1)
        for i in order:
            current[i] = _barycentre_order(current, i, neighbours)
        crossings = count_crossings(current, edges)
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in current], crossings
    return best


def _barycentre_order(
    layers: list[list[str]], i: int, neighbours: dict[str, list[str]]
) -> list[str]:
    """Order layer ``i`` by the mean relative position of each node's neighbours elsewhere."""
    where: dict[str, float] = {}
    for k, layer in enumerate(layers):
        if k == i:
            continue
        for j, n in enumerate(layer):
            where[n] = (j + 0.5) / len(layer)
    keys = {}
    for j, n in enumerate(layers[i]):
        seen = [where[m] for m in neighbours[n] if m in where]
        keys[n] = (sum(seen) / len(seen) if seen else (j + 0.5) / len(layers[i]), j)
    return sorted(layers[i], key=lambda n: keys[n])


def count_crossings(layers: list[list[str]], edges: Iterable[tuple[str, str]]) -> int:
    """Number of pairs of edges between adjacent layers that cross (the usual quality measure)."""
    pos = {n: (i, j) for i, layer in enumerate(layers) for j, n in enumerate(layer)}
    by_gap: dict[int, list[tuple[int, int]]] = {}
    for u, v in edges:
        (iu, ju), (iv, jv) = pos[u], pos[v]
        if abs(iu - iv) != 1:
            continue
        if iu > iv:
            (iu, ju), (iv, jv) = (iv, jv), (iu, ju)
        by_gap.setdefault(iu, []).append((ju, jv))
    total = 0
    for pairs in by_gap.values():
        for a in range(len(pairs)):
            for b in range(a + 1, len(pairs)):
                (a0, a1), (b0, b1) = pairs[a], pairs[b]
                if (a0 - b0) * (a1 - b1) < 0:
                    total += 1
    return total
