"""The plotly SPC chart: lines, points, target, PDSA cycles and icons."""

from __future__ import annotations

import base64

import pandas as pd

from wholeflow import spc
from wholeflow.measure import spc_figure

DATES = pd.date_range("2020-01-01", periods=28, freq="MS")
VALUES = [9.0, 11.0] * 7 + [20.0, 22.0] * 7


def chart(**options):
    return spc(pd.DataFrame({"date": DATES, "value": VALUES}), **options)


def test_points_are_coloured_by_type_and_every_point_is_drawn():
    figure = spc_figure(chart(improvement_direction="increase"))
    markers = [t for t in figure.data if t.mode == "markers"]
    assert sum(len(t.x) for t in markers) == 28
    assert {t.name for t in markers} >= {"special cause: improvement"}


def test_lines_break_at_a_rebase():
    figure = spc_figure(chart(rebase=["2021-03-01"]))
    mean = next(t for t in figure.data if t.name == "mean")
    assert list(mean.y).count(None) == 1
    assert len(mean.y) == 29
    assert set(v for v in mean.y if v is not None) == {10.0, 21.0}


def test_target_pdsa_and_title_are_drawn():
    cycle = {"id": "1", "title": "Trusted assessment", "start": "2021-03-01",
             "owner": "Flow lead", "status": "completed"}
    figure = spc_figure(chart(target=15), title="Length of stay", pdsa=[cycle])
    assert any(t.name == "target 15" for t in figure.data)
    texts = [a.text for a in figure.layout.annotations]
    assert "PDSA 1: Trusted assessment" in texts
    pdsa = next(a for a in figure.layout.annotations if a.text.startswith("PDSA"))
    assert "owner: Flow lead" in pdsa.hovertext
    assert figure.layout.title.text.startswith("Length of stay")


def test_icons_are_embedded_as_our_svg_drawings():
    figure = spc_figure(chart(target=15, improvement_direction="decrease"))
    assert len(figure.layout.images) == 2
    svgs = [base64.b64decode(i.source.split(",", 1)[1]).decode() for i in figure.layout.images]
    assert all(s.startswith("<svg") for s in svgs)
    assert spc_figure(chart(), show_icons=False).layout.images == ()


def test_a_run_chart_draws_a_median_and_no_limits():
    figure = spc_figure(spc(VALUES, chart="run"))
    names = {t.name for t in figure.data}
    assert "median" in names
    assert "process limits" not in names


def test_the_result_draws_itself(tmp_path):
    result = chart()
    path = tmp_path / "chart.html"
    result.figure(title="t").write_html(path, include_plotlyjs=True)
    html = path.read_text(encoding="utf-8")
    assert '<script src="http' not in html  # plotly.js is embedded, not fetched from a CDN
    assert len(html) > 1_000_000
