"""The system as a graph: arrival streams, services and exits, joined by routes.

:func:`system_graph` turns a :class:`~wholeflow.model.schema.Model` into nodes and edges that the
map and the layout draw. Each edge carries the people per year expected to travel it: from a
simulation's ``stays`` table when results are given, otherwise from the model alone by solving the
traffic equations (people into a service = arrivals + everyone routed there from other services),
per patient class. The model-only volumes ignore queues and blocking: they are the demand the
model implies, which is what a room needs to see before anything is simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from wholeflow.model.schema import WEEKDAYS, Model, Service

if TYPE_CHECKING:
    import pandas as pd

NodeKind = Literal["arrival", "service", "exit"]
EdgeKind = Literal["arrival", "route", "reroute"]

DAYS_PER_YEAR = 365.0


@dataclass
class Node:
    """One box on the map."""

    id: str
    kind: NodeKind
    label: str
    capacity: int | None = None
    details: list[str] = field(default_factory=list)


@dataclass
class Edge:
    """People moving from ``source`` to ``target``.

    ``kind`` is ``arrival`` (from outside into a service), ``route`` (a route of the model) or
    ``reroute`` (people sent on after a rejected referral, when the model has no such route).
    ``per_year`` is people per year along the edge (NaN when unknown); ``rejected_per_year``
    counts referrals along a route that the receiving service turned down.
    """

    source: str
    target: str
    kind: EdgeKind
    probability: float
    per_year: float = float("nan")
    rejected_per_year: float = 0.0
    count: float = 0.0  # rows of data behind per_year (0 for model-only volumes)


@dataclass
class SystemGraph:
    """Nodes in model order (arrivals, services, exits) and the edges between them."""

    nodes: list[Node]
    edges: list[Edge]
    volumes_from: Literal["model", "results"] = "model"

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


def arrival_node_id(stream: str) -> str:
    """Map id of an arrival stream (kept apart from service ids, which may share the name)."""
    return f"arrivals:{stream}"


def display_name(model: Model, node_id: str) -> str:
    """The human name of a service or exit (its ``name``, else the id in words)."""
    if node_id in model.services and model.services[node_id].name:
        return str(model.services[node_id].name)
    if node_id in model.exits and model.exits[node_id].name:
        return str(model.exits[node_id].name)
    return node_id.replace("_", " ").capitalize()


def fixed_capacity(service: Service) -> int | None:
    """The service's usual number of places (a schedule's default); None when unlimited."""
    cap = service.capacity
    if cap is None or isinstance(cap, int):
        return cap
    return cap.default


def calendar_words(model: Model, name: str) -> str:
    """A calendar in a few words: 'every day', 'Mon–Fri', 'Mon–Fri 09:00-17:00, not bank hols'."""
    cal = model.calendars.get(name)
    if cal is None:
        return "every day" if name == "always" else name
    days = list(WEEKDAYS) if cal.days == "all" else list(cal.days)
    if len(days) == 7:
        text = "every day"
    elif days == list(WEEKDAYS[: len(days)]) and len(days) > 1:
        text = f"{days[0].capitalize()}–{days[-1].capitalize()}"
    else:
        text = ", ".join(d.capitalize() for d in days)
    if cal.hours:
        text += f" {cal.hours}"
    if cal.bank_holidays:
        text += ", not bank holidays"
    return text


def service_details(model: Model, sid: str) -> list[str]:
    """Short facts shown under a service's name: capacity, acceptance, referral days."""
    svc = model.services[sid]
    cap = fixed_capacity(svc)
    facts = [f"{cap} places" if cap is not None else "no capacity limit"]
    if svc.referral.acceptance < 1:
        facts.append(f"{svc.referral.acceptance:.0%} accepted")
    ref_days = calendar_words(model, svc.referral.calendar)
    if ref_days != "every day":
        facts.append(f"referrals {ref_days}")
    return facts


def system_graph(
    model: Model,
    stays: pd.DataFrame | None = None,
    referrals: pd.DataFrame | None = None,
    years: float | None = None,
) -> SystemGraph:
    """Nodes and edges of ``model``.

    Volumes come from ``stays`` (and rejected referrals from ``referrals``) when given, simulated
    or imported alike, as people per year over ``years`` (default: the span of the data);
    otherwise from the model's traffic equations (:func:`expected_flows`).
    """
    nodes = [
        Node(arrival_node_id(aid), "arrival",
             "Arrivals" if len(model.arrivals) == 1 else f"Arrivals: {aid.replace('_', ' ')}",
             details=[f"{a.per_day:g} a day"])
        for aid, a in model.arrivals.items()
    ]
    nodes += [
        Node(sid, "service", display_name(model, sid), fixed_capacity(svc),
             service_details(model, sid))
        for sid, svc in model.services.items()
    ]
    nodes += [Node(eid, "exit", display_name(model, eid)) for eid in model.exits]
    graph = SystemGraph(nodes, _model_edges(model))
    if stays is not None and len(stays):
        _volumes_from_stays(graph, model, stays, referrals, years)
    else:
        _volumes_from_model(graph, model)
    return graph


def _classes(model: Model) -> list[str]:
    return list(model.classes) or ["general"]


def _model_edges(model: Model) -> list[Edge]:
    edges = [Edge(arrival_node_id(aid), a.service, "arrival", 1.0)
             for aid, a in model.arrivals.items()]
    seen: dict[tuple[str, str], Edge] = {}
    for sid in model.services:
        for klass in _classes(model):
            for route in model.routes_for(sid, klass):
                key = (sid, route.to)
                if key in seen:
                    seen[key].probability = max(seen[key].probability, route.probability)
                else:
                    seen[key] = Edge(sid, route.to, "route", route.probability)
    return edges + list(seen.values())


@dataclass
class Flows:
    """People per day implied by the model: along each edge, and rejected along each route."""

    people: dict[tuple[str, str], float] = field(default_factory=dict)
    rejected: dict[tuple[str, str], float] = field(default_factory=dict)
    arrivals: dict[str, float] = field(default_factory=dict)

    def add(self, table: dict[tuple[str, str], float], key: tuple[str, str], v: float) -> None:
        table[key] = table.get(key, 0.0) + v


def expected_flows(model: Model) -> Flows:
    """People per day along each edge implied by the model alone.

    Solves the traffic equations per class, λ = a + Pᵀλ, where ``a`` holds arrivals per day into
    each service and ``P[s, t]`` the share of people leaving ``s`` who start at ``t`` (route
    probability × the receiving service's acceptance). The rejected share moves along the route's
    ``on_reject`` instead. A model whose people can never leave has no solution: NaN volumes.
    """
    sids = list(model.services)
    index = {s: i for i, s in enumerate(sids)}
    flows = Flows()
    for klass in _classes(model):
        a = np.zeros(len(sids))
        for aid, arr in model.arrivals.items():
            share = _class_share(arr.class_mix, klass, model)
            if arr.service in index and share > 0:
                a[index[arr.service]] += arr.per_day * share
                flows.arrivals[aid] = flows.arrivals.get(aid, 0.0) + arr.per_day * share
        moves, rejects = _moves(model, klass)
        p = np.zeros((len(sids), len(sids)))
        for (src, dst), share in moves.items():
            if dst in index:
                p[index[src], index[dst]] += share
        try:
            lam = np.linalg.solve(np.eye(len(sids)) - p.T, a)
        except np.linalg.LinAlgError:
            lam = np.full(len(sids), np.nan)
        for key, share in moves.items():
            flows.add(flows.people, key, float(lam[index[key[0]]] * share))
        for key, share in rejects.items():
            flows.add(flows.rejected, key, float(lam[index[key[0]]] * share))
    return flows


def _class_share(mix: dict[str, float] | None, klass: str, model: Model) -> float:
    if mix:
        return mix.get(klass, 0.0)
    return 1.0 if klass == _classes(model)[0] else 0.0


def _moves(
    model: Model, klass: str
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Shares of people leaving each service along each edge, and of referrals rejected."""
    moves: dict[tuple[str, str], float] = {}
    rejects: dict[tuple[str, str], float] = {}
    for sid in model.services:
        for route in model.routes_for(sid, klass):
            acceptance = 1.0
            if route.to in model.services and route.on_reject:
                acceptance = model.services[route.to].referral.acceptance
            key = (sid, route.to)
            moves[key] = moves.get(key, 0.0) + route.probability * acceptance
            if acceptance < 1 and route.on_reject:
                rejected = route.probability * (1 - acceptance)
                rejects[key] = rejects.get(key, 0.0) + rejected
                rkey = (sid, route.on_reject)
                moves[rkey] = moves.get(rkey, 0.0) + rejected
    return moves, rejects


def _edge_index(graph: SystemGraph) -> dict[tuple[str, str], Edge]:
    return {(e.source, e.target): e for e in graph.edges if e.kind != "arrival"}


def _volumes_from_model(graph: SystemGraph, model: Model) -> None:
    flows = expected_flows(model)
    for e in graph.edges:
        if e.kind == "arrival":
            e.per_year = flows.arrivals.get(e.source.split(":", 1)[1], 0.0) * DAYS_PER_YEAR
    index = _edge_index(graph)
    for key, per_day in flows.people.items():
        edge = index.get(key)
        if edge is None:
            edge = Edge(key[0], key[1], "reroute", 0.0, 0.0)
            graph.edges.append(edge)
            index[key] = edge
        edge.per_year = per_day * DAYS_PER_YEAR
    for key, per_day in flows.rejected.items():
        index[key].rejected_per_year = per_day * DAYS_PER_YEAR
    graph.volumes_from = "model"


def _volumes_from_stays(
    graph: SystemGraph,
    model: Model,
    stays: pd.DataFrame,
    referrals: pd.DataFrame | None,
    years: float | None,
) -> None:
    """Edge volumes from a stays table: people per year along each edge, averaged over runs."""
    n_reps = max(int(stays["replication"].nunique()), 1) if "replication" in stays else 1
    scale = 1.0 / n_reps / (years or _years_covered(model, stays))
    firsts = stays[stays["stint"] == 1] if "stint" in stays else stays.iloc[0:0]
    first_counts = firsts.groupby("service").size()
    for e in graph.edges:
        if e.kind == "arrival":
            streams = [a for a in model.arrivals.values() if a.service == e.target]
            share = model.arrivals[e.source.split(":", 1)[1]].per_day / (
                sum(a.per_day for a in streams) or 1.0)
            e.count = float(first_counts.get(e.target, 0)) * share
            e.per_year = e.count * scale
        else:
            e.per_year = 0.0
    index = _edge_index(graph)
    if "destination" in stays:
        moved = stays.dropna(subset=["destination"]).groupby(["service", "destination"]).size()
        for src, dst, n in moved.reset_index().itertuples(index=False, name=None):
            key = (str(src), str(dst))
            if key not in index and src in model.services:
                index[key] = Edge(key[0], key[1], "reroute", 0.0, 0.0)
                graph.edges.append(index[key])
            if key in index:
                index[key].count = float(n)
                index[key].per_year = float(n) * scale
    if referrals is not None and len(referrals) and "accepted" in referrals:
        rej = referrals[referrals["accepted"].astype("boolean").eq(False).fillna(False)]
        rejected = rej.groupby(["from_service", "to_service"]).size().reset_index()
        for src, dst, n in rejected.itertuples(index=False, name=None):
            edge = index.get((str(src), str(dst)))
            if edge is not None:
                edge.rejected_per_year = float(n) * scale
    graph.volumes_from = "results"


def _years_covered(model: Model, stays: pd.DataFrame) -> float:
    """Length of the data in years: from the first start to the last end (else the run)."""
    import pandas as pd

    if "started" in stays and stays["started"].notna().any():
        start = pd.to_datetime(stays["started"]).min()
        ends = pd.to_datetime(stays["ended"] if "ended" in stays else stays["started"])
        end = ends.max()
        if pd.notna(end) and end > start:
            return max((end - start).total_seconds() / 86400, 1.0) / DAYS_PER_YEAR
    return model.run_days / DAYS_PER_YEAR


def edge_records(graph: SystemGraph) -> list[dict[str, Any]]:
    """Edges as plain dicts (for the map's table fallback and for tests)."""
    return [
        {"from": e.source, "to": e.target, "kind": e.kind, "probability": e.probability,
         "people_per_year": e.per_year, "rejected_referrals_per_year": e.rejected_per_year}
        for e in graph.edges
    ]
