"""Render a report document as one self-contained HTML file.

plotly.js is embedded once, in the page head; every figure is a ``<div>`` plus a small inline
script, so the file opens offline and nothing is fetched from anywhere. Each chart sits in a
``<figure>`` whose ``role="img"`` and ``aria-label`` give screen readers the alt text, followed
by a visible caption in words and a ``<details>`` table with the numbers it was drawn from.
Print styles lay the page out on A4 landscape, keep charts whole and hide the navigation.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from typing import Any

import jinja2
import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup

from wholeflow.report.document import Section
from wholeflow.report.tabulate import html_table
from wholeflow.report.theme import alt_text

#: plotly config for every chart: no logo, no cloud links, a PNG button for slides.
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wholeflow.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["block_kind"] = lambda b: type(b).__name__
    return env


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def plotly_js() -> Markup:
    """The plotly.js bundle, to embed once.

    The bundle holds a few raw control characters inside string literals (PNG and PSD magic
    numbers); HTML does not allow them in a page, so they are written as JavaScript escapes,
    which mean the same characters.
    """
    from plotly.offline import get_plotlyjs

    return Markup(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", get_plotlyjs()))


def figure_html(fig: Any, div_id: str) -> Markup:
    """One figure as a div and its drawing script (plotly.js must already be on the page)."""
    height = fig.layout.height or 450
    fig = go.Figure(fig)  # a copy: the page's heading replaces the chart's own title
    fig.update_layout(title={"text": ""})
    if not fig.layout.images:  # charts with icons (SPC) keep the room they made for them
        fig.update_layout(margin={"t": 50 if _has_legend(fig) else 24})
    html = pio.to_html(fig, full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG,
                       div_id=div_id, default_width="100%", default_height=f"{height}px",
                       validate=False)
    return Markup(html)


def plain_text(text: str) -> str:
    """A plotly title without its markup: ``a<br><sup>b</sup>`` -> ``a · b``."""
    text = re.sub(r"<br\s*/?>", " · ", text)
    return re.sub(r"<[^>]+>", "", text).strip(" ·")


def _has_legend(fig: go.Figure) -> bool:
    if fig.layout.showlegend is False:
        return False
    return sum(1 for t in fig.data if getattr(t, "showlegend", False) is not False and t.name) > 1


def render(
    sections: Sequence[Section],
    title: str,
    subtitle: str = "",
    threshold: int | None = None,
    version: str = "",
    created: dt.datetime | None = None,
) -> str:
    """The whole report as HTML text."""
    counter = itertools.count(1)
    rendered = []
    for section in sections:
        blocks = []
        for block in section.blocks:
            kind = type(block).__name__
            item: dict[str, Any] = {"kind": kind, "block": block}
            if kind == "Figure":
                n = next(counter)
                item["id"] = f"figure-{n}"
                item["number"] = n
                item["html"] = figure_html(block.figure, f"figure-{n}-chart")
                item["alt"] = alt_text(block.figure)
                item["title"] = plain_text(str(block.figure.layout.title.text or ""))
                item["table"] = html_table(block.table, block.table_caption, threshold)
            elif kind == "Table":
                caption = "" if block.caption == block.heading else block.caption
                item["table"] = html_table(block.frame, caption, threshold)
            blocks.append(item)
        rendered.append({"section": section, "blocks": blocks})
    template = _environment().get_template("report.html.j2")
    created = created or dt.datetime.now()
    return template.render(
        title=title, subtitle=subtitle, sections=rendered, plotly_js=plotly_js(),
        css=Markup(_css()), threshold=threshold, version=version,
        created=created.strftime("%-d %B %Y at %H:%M"),
    )


def _css() -> str:
    env = _environment()
    loader = env.loader
    assert loader is not None
    source, _, _ = loader.get_source(env, "report.css")
    return source
