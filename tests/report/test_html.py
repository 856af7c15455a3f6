"""The HTML report: valid, self-contained, accessible, and complete for its inputs."""

import json
import re
import sys
import types
from html.parser import HTMLParser

import html5lib
import pandas as pd
import pytest

from wholeflow.report import build_report, parse_findings, write_report
from wholeflow.report.html import plotly_js

FINDINGS = """
- {arrow: people, kind: no-no, source: lived experience, services: [acute],
   text: I told my story ten times.}
- {arrow: information, kind: root cause, source: staff, services: [rehab],
   text: "The referral form is too long & badly designed <really>."}
"""


class Collector(HTMLParser):
    """Tags, attributes, text outside scripts, and inline scripts."""

    def __init__(self):
        super().__init__()
        self.tags, self.text, self.scripts, self._in = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        (self.scripts if self._in == "script" else self.text).append(data)


def without_plotly_js(html):
    """The page with the (large, already-checked) plotly.js bundle left out."""
    return html.replace(str(plotly_js()), "/* plotly.js */", 1)


def parse(html):
    html5lib.HTMLParser(strict=True).parse(without_plotly_js(html))  # raises on parse errors
    c = Collector()
    c.feed(html)
    return c


def table_columns(html):
    """Every table's cells by column heading, across all tables of the page."""
    doc = html5lib.parse(without_plotly_js(html), namespaceHTMLElements=False)
    columns = {}
    for table in doc.iter("table"):
        heads = ["".join(th.itertext()) for th in table.find("thead").iter("th")]
        for row in table.find("tbody").iter("tr"):
            for head, cell in zip(heads, row, strict=True):
                columns.setdefault(head, []).append("".join(cell.itertext()))
    return columns


def test_plotly_js_is_embeddable():
    js = str(plotly_js())
    assert len(js) > 1_000_000
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", js)
    assert "</script" not in js.lower()


@pytest.fixture(scope="module")
def full_report(small_results, small_model):
    findings = parse_findings(FINDINGS, "f.yaml", small_model)
    from report_fakes import fake_comparison, fake_sensitivity

    return build_report(small_results.model, small_results, comparison=fake_comparison(),
                        sensitivity=fake_sensitivity(), findings=findings)


def test_report_is_valid_html_with_no_external_urls(full_report):
    page = parse(full_report)
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "data", "poster"):
            value = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), (tag, name, value)
    visible = " ".join(page.text)
    assert "http://" not in visible and "https://" not in visible
    assert "<link" not in full_report and "@import" not in full_report
    # plotly.js is in the page exactly once, and inline: no script has a src
    assert sum("Plotly.newPlot" in s for s in page.scripts) >= 8
    assert len([s for s in page.scripts if len(s) > 1_000_000]) == 1
    assert not [a for t, a in page.tags if t == "script" and "src" in a]


def test_every_chart_has_a_heading_alt_text_and_a_table(full_report):
    page = parse(full_report)
    figures = [a for t, a in page.tags if t == "figure"]
    images = [a for t, a in page.tags if a.get("role") == "img"]
    details = [a for t, a in page.tags if t == "details"]
    assert len(figures) == len(images) == len(details) >= 10
    assert all(len(a["aria-label"]) > 40 for a in images)
    assert [t for t, _ in page.tags].count("h1") == 1
    assert 'lang="en-GB"' in full_report


def test_sections_say_what_the_inputs_hold(full_report):
    for heading in ("Summary", "The system on one page", "Where people go",
                    "Occupancy, queues and delays", "Scenarios: what would change", "Findings",
                    "Model and assumptions", "All KPIs with 95 % confidence intervals"):
        assert f">{heading}</h2>" in full_report, heading
    assert "delayed acute bed days fall by 1,640 a year (1,560 to 1,720)" in full_report
    assert "Where people wait to move on" in full_report  # the map coloured by delayed days
    assert "No clear difference" not in full_report  # every scenario had a clear change
    # user text is escaped, never markup
    assert "badly designed &lt;really&gt;." in full_report


def test_model_only_report_leaves_out_what_it_cannot_show(small_model, tmp_path):
    path = write_report(tmp_path / "out" / "r.html", small_model)
    html = path.read_text(encoding="utf-8")
    parse(html)
    assert ">The system on one page</h2>" in html
    assert "Where people go" not in html and "All KPIs" not in html
    assert "expected from the model" in html


def chart_data(html):
    """Every plotly trace in the page, as parsed JSON."""
    traces = []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', html, re.S):
        traces += json.loads(m.group(1))
    return traces


def small_counts(values):
    return [v for v in values if isinstance(v, int | float) and 1 <= round(v) <= 7]


def test_suppression_leaves_no_count_between_one_and_seven(small_model):
    diagnostics = {
        "referrals": pd.DataFrame({"service": ["rehab", "home_care", "acute"],
                                   "referrals": [3, 250, 7], "acceptance_rate": [1.0, .8, .9]}),
        "variants": pd.DataFrame({"path": ["acute", "acute > rehab", "acute > home_care"],
                                  "people": [900, 5, 12]}),
        "waits_by_weekday": pd.DataFrame({"service": ["rehab"] * 2, "weekday": [0, 4],
                                          "referrals": [2, 40], "median_wait_days": [1.0, 3.0],
                                          "p90_wait_days": [2.0, 6.0]}),
    }
    stays = pd.DataFrame({
        "replication": 0, "person": [f"NHS-{i:04d}" for i in range(30)], "stint": 1,
        "service": "acute", "destination": ["home"] * 24 + ["rehab"] * 6})
    diagnostics["stays"] = stays
    html = build_report(small_model, diagnostics=diagnostics)  # on by default: imported data
    assert "shown as &lt;8" in html
    columns = table_columns(html)
    for head in ("Referrals", "People", "People a year"):
        assert not small_counts(float(c.replace(",", "")) for c in columns[head]
                                if c not in ("<8", "–")), head
    assert columns["Referrals"].count("<8") == 3 and columns["People a year"].count("<8") == 1
    assert "NHS-0017" not in html  # patient-level tables are never printed
    for trace in chart_data(html):
        if trace["type"] == "bar":
            assert not small_counts(trace.get("x", []) if trace.get("orientation") == "h"
                                    else trace.get("y", []))
        if trace.get("name") == "routes":
            assert not small_counts(c[2] for c in trace["customdata"] if c[2] is not None)
            assert "<8" in trace["text"]
    off = build_report(small_model, diagnostics=diagnostics, suppress_small_numbers=False)
    assert ">3</td>" in off


def test_threshold_is_configurable(small_model):
    diagnostics = {"referrals": pd.DataFrame({"service": ["a", "b"], "referrals": [9, 12]})}
    html = build_report(small_model, diagnostics=diagnostics, threshold=10)
    assert "&lt;10" in html and ">12</td>" in html and ">9</td>" not in html


def test_measures_appear_only_when_the_spc_module_offers_figures(small_model, monkeypatch):
    import plotly.graph_objects as go

    result = types.SimpleNamespace(
        points=pd.DataFrame({"date": pd.date_range("2025-01-06", periods=3, freq="W"),
                             "value": [30.0, 28.5, 26.0]}),
        signals=["Length of stay has fallen: a run of 7 points below the mean"])
    fake = types.ModuleType("wholeflow.measure")
    monkeypatch.setitem(sys.modules, "wholeflow.measure", fake)
    html = build_report(small_model, measures={"Darley Court LOS": result})
    assert "Measures of improvement" not in html  # no spc_figure: skipped quietly

    def spc_figure(result, title="", pdsa=None):
        return go.Figure(go.Scatter(x=result.points["date"], y=result.points["value"]))

    fake.spc_figure = spc_figure
    html = build_report(small_model, measures={"Darley Court LOS": result})
    assert "Measures of improvement (SPC)" in html
    assert "a run of 7 points below the mean" in html


def test_imported_tables_draw_the_flows_with_suppression_on(small_model):
    from types import SimpleNamespace

    stays = pd.DataFrame({
        "person": [f"x{i}" for i in range(40)] + [f"x{i}" for i in range(10)],
        "stint": [1] * 40 + [2] * 10,
        "service": ["acute"] * 40 + ["rehab"] * 10,
        "destination": ["home"] * 30 + ["rehab"] * 10 + ["home"] * 7 + ["care_home"] * 3,
        "started": pd.Timestamp("2024-04-01"), "length_of_stay": 4.0})
    html = build_report(small_model, observed=SimpleNamespace(stays=stays, journeys=None))
    assert "Where people go" in html and "shown as &lt;8" in html
    assert "The imported data holds 50 stays of 40 people" in html
    sankey = next(t for t in chart_data(html) if t["type"] == "sankey")
    assert not small_counts(sankey["link"]["value"])  # rehab > home (7), > care home (3)
    assert sum(sankey["link"]["value"]) == 40 + 30 + 10
