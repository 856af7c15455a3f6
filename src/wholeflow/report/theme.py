"""Colours, fonts and the plotly template shared by every figure.

Colours are the NHS identity palette (blue for the system, a red-amber-green scale for how full a
service is), chosen so the figures read the same in a board pack, on a projector and printed.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_GREEN = "#009639"
NHS_WARM_YELLOW = "#FFB81C"
NHS_ORANGE = "#ED8B00"
NHS_RED = "#DA291C"
NHS_PURPLE = "#330072"
NHS_AQUA = "#00A9CE"
NHS_PINK = "#AE2573"

#: Qualitative colours for series (services, causes, scenarios), most distinct first.
SERIES = [NHS_BLUE, NHS_ORANGE, NHS_AQUA, NHS_PINK, NHS_GREEN, NHS_PURPLE, NHS_WARM_YELLOW,
          NHS_DARK_GREY, NHS_RED, NHS_DARK_BLUE]

#: Occupancy as a share of places: green when there is room, amber from 85 %, red when full.
OCCUPANCY_SCALE = [[0.0, NHS_GREEN], [0.7, "#78BE20"], [0.85, NHS_WARM_YELLOW],
                   [0.95, NHS_ORANGE], [1.0, NHS_RED]]
#: Delayed days: pale to dark purple.
DELAY_SCALE = [[0.0, "#DCD3EC"], [0.5, "#8E6FBF"], [1.0, NHS_PURPLE]]

FONT = "Arial, 'Helvetica Neue', Helvetica, sans-serif"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font={"family": FONT, "size": 13, "color": "#212B32"},
        title={"font": {"size": 17, "color": NHS_DARK_BLUE}, "x": 0, "xanchor": "left"},
        colorway=SERIES,
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis={"showgrid": False, "linecolor": NHS_MID_GREY, "ticks": "outside",
               "zeroline": False, "automargin": True},
        yaxis={"gridcolor": NHS_PALE_GREY, "linecolor": NHS_MID_GREY, "zeroline": False,
               "automargin": True},
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
    )
)


def style(fig: go.Figure, title: str, alt: str, **layout: Any) -> go.Figure:
    """Apply the house style, a title and the alt text (kept in ``layout.meta['alt']``)."""
    fig.update_layout(template=TEMPLATE, title={"text": title}, meta={"alt": alt}, **layout)
    return fig


def alt_text(fig: go.Figure) -> str:
    """The alt text a figure function stored, or its title without markup."""
    import re

    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("alt"):
        return str(meta["alt"])
    title = re.sub(r"<br\s*/?>", " · ", str(fig.layout.title.text or "chart"))
    return re.sub(r"<[^>]+>", "", title)
