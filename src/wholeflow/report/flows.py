"""Pictures of journeys: the Sankey of where people go, and the journey variants.

The Sankey is unrolled by step: the first service of a journey, the second, and so on, then the
exit, so people who come back to a service within a journey are seen coming back instead of
looping. Steps are counted within each journey, in the order of its stints: a person who goes
home and comes back a month later starts a new journey at step 1 (imported stays carry a
``journey`` number; simulated ones have one journey per person). Journeys longer than
:data:`MAX_STEPS` services are gathered into "more services". The variant chart
shows the most common paths with their assessments and handovers per person: the "this person
has told their story ten times" picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wholeflow.report.theme import NHS_BLUE, NHS_DARK_GREY, NHS_ORANGE, NHS_PALE_GREY, style

if TYPE_CHECKING:
    from wholeflow.model.schema import Model

MAX_STEPS = 5
ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th")


def journey_links(stays: pd.DataFrame, max_steps: int = MAX_STEPS) -> pd.DataFrame:
    """People per replication along each step of their journeys (a person with two journeys
    counts on each).

    Returns rows (source, target, people): ``arrivals`` to the first service, service at step k
    to service at step k + 1, and the last service to the exit (``destination``). Node names are
    ``"<service>@<step>"`` for services and the exit id for exits. Steps follow the stints of
    each journey in order (``journey``, then ``stint``; ``started`` breaks ties).
    """
    cols = ["replication", "person", "journey", "stint", "started", "service", "destination"]
    df = stays[[c for c in cols if c in stays]].copy()
    if "replication" not in df:
        df["replication"] = 0
    if "journey" not in df:
        df["journey"] = 1
    order = ["replication", "person", "journey", *(c for c in ("stint", "started") if c in df)]
    df = df.sort_values(order, kind="stable")
    reps = max(int(df["replication"].nunique()), 1)
    journey = ["replication", "person", "journey"]
    df["step"] = df.groupby(journey).cumcount() + 1
    df["node"] = np.where(df["step"] <= max_steps, df["service"].astype(str) + "@"
                          + df["step"].astype(str), f"more@{max_steps + 1}")
    nxt = df.groupby(journey)["node"].shift(-1)
    links = []
    first = df[df["step"] == 1]
    links.append(pd.DataFrame({"source": "arrivals", "target": first["node"]}))
    moves = df[nxt.notna()]
    links.append(pd.DataFrame({"source": moves["node"], "target": nxt[nxt.notna()]}))
    last = df[nxt.isna() & df["destination"].notna()]
    links.append(pd.DataFrame({"source": last["node"], "target": last["destination"].astype(str)}))
    all_links = pd.concat(links, ignore_index=True)
    all_links = all_links[all_links["source"] != all_links["target"]]  # "more" to "more"
    people = all_links.groupby(["source", "target"], sort=False).size() / reps
    return people.rename("people").reset_index()


def _node_label(node: str, model: Model | None) -> str:
    from wholeflow.report.graph import display_name

    if node == "arrivals":
        return "Arrivals"
    if "@" in node:
        sid, step = node.rsplit("@", 1)
        if sid == "more":
            return "More services"
        name = display_name(model, sid) if model is not None else sid
        return name if step == "1" else f"{name} ({ORDINALS[min(int(step), 9) - 1]})"
    return display_name(model, node) if model is not None else node


def sankey_figure(links: pd.DataFrame, model: Model | None = None) -> go.Figure:
    """Sankey of journeys from :func:`journey_links` (people per replication on each link)."""
    nodes = list(dict.fromkeys([*links["source"], *links["target"]]))
    index = {n: i for i, n in enumerate(nodes)}
    colours = [NHS_BLUE if n == "arrivals" else NHS_DARK_GREY if "@" not in n
               else "#41B6E6" for n in nodes]
    fig = go.Figure(go.Sankey(
        arrangement="snap", valueformat=",.0f", valuesuffix=" people",
        node={"label": [_node_label(n, model) for n in nodes], "customdata": nodes,
              "color": colours, "pad": 14, "thickness": 16,
              "line": {"color": "white", "width": 0.5}},
        link={"source": [index[s] for s in links["source"]],
              "target": [index[t] for t in links["target"]],
              "value": links["people"].astype(float).tolist(),
              "color": "rgba(118,134,146,0.28)"},
    ))
    into = links[links["source"] == "arrivals"]["people"].sum()
    exits = links[~links["target"].str.contains("@")]
    top_exit = exits.groupby("target")["people"].sum().sort_values(ascending=False).head(1)
    alt = f"Sankey of journeys: {into:,.0f} people enter on the left"
    if len(top_exit):
        name = _node_label(str(top_exit.index[0]), model)
        alt += f"; the most common exit is {name} ({top_exit.iloc[0]:,.0f} people)"
    alt += ". Each column is a step of the journey."
    return style(fig, "Journeys through the system", alt, height=520,
                 margin={"l": 20, "r": 20, "t": 60, "b": 20})


def journey_variants(journeys: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` most frequent paths with people, and mean assessments and handovers each."""
    df = journeys.dropna(subset=["path"])
    reps = max(int(df["replication"].nunique()), 1) if "replication" in df else 1
    agg = {"people": ("path", "size")}
    for col in ("assessments", "handovers", "information_breaks", "length_of_stay"):
        if col in df:
            agg[col] = (col, "mean")
    out = df.groupby("path").agg(**agg).sort_values("people", ascending=False).head(top)
    out["people"] = out["people"] / reps
    out["share"] = out["people"] / (len(df) / reps)
    return out.reset_index()


def variants_figure(variants: pd.DataFrame, model: Model | None = None) -> go.Figure:
    """Bars of people per journey variant, labelled with how often they told their story."""
    from wholeflow.report.graph import display_name

    def words(path: str) -> str:
        parts = [p.strip() for p in str(path).split(">")]
        return " → ".join(display_name(model, p) if model is not None else p for p in parts)

    labels = [words(p) for p in variants["path"]]
    texts = []
    for _, row in variants.iterrows():
        bits = []
        if "assessments" in row and pd.notna(row["assessments"]):
            bits.append(f"told their story {_times(row['assessments'])}")
        if "handovers" in row and pd.notna(row["handovers"]):
            n = round(float(row["handovers"]))
            bits.append(f"{n} handover{'s' if n != 1 else ''}")
        texts.append(", ".join(bits))
    fig = go.Figure(go.Bar(
        x=variants["people"], y=labels, orientation="h", text=texts,
        textposition="auto", marker_color=NHS_BLUE, name="people",
        customdata=variants["path"], insidetextfont={"color": "white"},
        hovertemplate="%{y}<br>%{x:,.0f} people<br>%{text}<extra></extra>"))
    alt = "The most common journeys through the system."
    if len(variants):
        first = variants.iloc[0]
        alt += f" The commonest, {words(first['path'])}, is taken by {first['people']:,.0f} people"
        if "assessments" in variants:
            most = variants.sort_values("assessments", ascending=False).iloc[0]
            alt += (f"; on {words(most['path'])} a person tells their story "
                    f"{_times(most['assessments'])}")
        alt += "."
    return style(fig, "Journey variants: people, assessments and handovers", alt,
                 height=max(300, 44 * len(variants) + 120), xaxis_title="people",
                 yaxis={"autorange": "reversed"})


def _times(value: float) -> str:
    n = round(float(value))
    return "once" if n == 1 else f"{n} times"


def story_figure(journeys: pd.DataFrame, column: str = "assessments") -> go.Figure:
    """How many times people told their story: people by assessments per journey."""
    df = journeys.dropna(subset=[column])
    reps = max(int(df["replication"].nunique()), 1) if "replication" in df else 1
    counts = df[column].round().astype(int).value_counts().sort_index() / reps
    worst = int(counts.index.max()) if len(counts) else 0
    colours = [NHS_ORANGE if k >= 10 else NHS_BLUE for k in counts.index]
    fig = go.Figure(go.Bar(x=counts.index.astype(int), y=counts.to_numpy(), name="people",
                           marker_color=colours,
                           hovertemplate="%{x} times: %{y:,.0f} people<extra></extra>"))
    mean = float(df[column].mean()) if len(df) else 0.0
    alt = (f"People by the number of times they told their story ({column} per journey): "
           f"on average {mean:.1f} times, at most {worst}.")
    return style(fig, "How many times people told their story", alt, height=360,
                 xaxis_title=f"{column} per journey", yaxis_title="people",
                 xaxis={"dtick": 1, "gridcolor": NHS_PALE_GREY})
