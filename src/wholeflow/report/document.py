"""The report as data: sections made of blocks (text, cards, figures, tables, findings).

Section builders (:mod:`wholeflow.report.sections`) produce these; :mod:`wholeflow.report.html`
renders them. Keeping the two apart lets tests check what a report says without parsing HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go


@dataclass
class Text:
    """Paragraphs of plain text (escaped when rendered)."""

    paragraphs: list[str]


@dataclass
class Bullets:
    """A list of short statements, e.g. verdicts in plain words."""

    items: list[str]
    heading: str = ""


@dataclass
class Card:
    """One headline number."""

    label: str
    value: str
    note: str = ""


@dataclass
class Cards:
    items: list[Card]


@dataclass
class Figure:
    """A chart with its alt text and the table a screen reader (or a printer) can use instead."""

    figure: go.Figure
    table: pd.DataFrame
    table_caption: str = ""
    note: str = ""


@dataclass
class Table:
    """A table shown as it is."""

    frame: pd.DataFrame
    caption: str = ""
    heading: str = ""


@dataclass
class Code:
    """Preformatted text shown as it is (a YAML diff, a diagram's source)."""

    text: str
    heading: str = ""
    language: str = ""


@dataclass
class FindingGroup:
    """Findings of one arrow, shown as cards with kind and source badges."""

    arrow: str
    findings: list[Any]
    names: dict[str, str] = field(default_factory=dict)

    def places(self, finding: Any) -> list[str]:
        """Display names of the services and routes a finding is about."""
        out = [self.names.get(s, s) for s in finding.services]
        out += [f"{self.names.get(a, a)} → {self.names.get(b, b)}"
                for a, b in finding.route_pairs()]
        return out


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Any] = field(default_factory=list)
    intro: str = ""
