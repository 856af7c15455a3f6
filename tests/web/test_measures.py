"""The Measures page: SPC charts with icons and PDSA cycles, and adding this week's value."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from wholeflow.measure import load_measures, measure_spc
from wholeflow.measure.icons import ICON_WORDS

LOS = "darley_court_los"
DATES = "imc_discharge_dates"


def figure(html: str, mid: str) -> dict:
    found = re.search(rf'<script type="application/json" id="fig-{mid}-data">(.*?)</script>',
                      html, re.S)
    assert found, f"no chart for {mid}"
    return json.loads(found.group(1).replace("<\\/", "</"))


def table_rows(html: str, mid: str) -> int:
    table = re.search(rf'id="points-{mid}".*?</table>', html, re.S)
    assert table
    return table.group(0).count('<tr class="nhsuk-table__row">') - 1  # less the header


def add(client, mid: str, **fields):
    return client.form(f"/measures/{mid}/values", fields)


def test_each_measure_has_its_chart_icons_points_and_cycles(client, demo_workspace):
    page = client.get("/measures")
    assert page.status_code == 200
    measures = load_measures(demo_workspace)
    for mid, measure in measures.items():
        result = measure_spc(measure, demo_workspace)
        assert f'id="measure-{mid}"' in page.text
        assert table_rows(page.text, mid) == len(result.points)
        icons = re.search(rf'id="icons-{mid}">(.*?)</div>', page.text, re.S).group(1)
        assert f'alt="Variation: {ICON_WORDS[result.variation_icon]}"' in icons
        if result.assurance_icon:
            assert f'alt="Assurance: {ICON_WORDS[result.assurance_icon]}"' in icons
        latest = re.search(rf'id="latest-{mid}">([^<]*)<', page.text).group(1)
        assert latest == f"{result.points['value'].iloc[-1]:,.1f}"
        texts = json.dumps(figure(page.text, mid))
        for cycle in measure.pdsa:  # PDSA cycles annotated on the chart
            assert cycle.title in texts
    assert "Trusted assessor" in page.text  # the PDSA table


def test_adding_this_weeks_value_writes_the_csv_and_moves_the_chart(client, demo_workspace):
    path = demo_workspace / "measures" / "darley_court_los.csv"
    before = pd.read_csv(path)
    page = client.get("/measures")
    suggested = re.search(rf'id="{LOS}-date" name="date" type="text"\s*value="([^"]*)"',
                          page.text).group(1)
    last = pd.Timestamp(before["date"].iloc[-1])
    assert suggested == (last + pd.Timedelta(days=7)).date().isoformat()  # next week
    sent = add(client, LOS, date=suggested, value="24.5")
    assert sent.status_code == 303
    after = pd.read_csv(path)
    assert len(after) == len(before) + 1
    assert after.iloc[-1].tolist() == [suggested, 24.5]
    page = client.get(sent.headers["location"])
    assert "The value was added to Darley Court length of stay" in page.text
    assert re.search(rf'id="latest-{LOS}">24.5<', page.text)
    assert table_rows(page.text, LOS) == len(before) + 1


def test_a_p_chart_value_takes_its_denominator(client, demo_workspace):
    path = demo_workspace / "measures" / "imc_discharge_dates.csv"
    assert add(client, DATES, date="2030-01-07", value="40", denominator="70").status_code == 303
    assert pd.read_csv(path).iloc[-1].tolist() == ["2030-01-07", 40, 70]


@pytest.mark.parametrize(("mid", "fields", "field", "words"), [
    (LOS, {"date": "2030-01-07", "value": "abc"}, "value", "Value: &#39;abc&#39; is not a number"),
    (LOS, {"date": "7 Jan", "value": "20"}, "date", "write it as YYYY-MM-DD"),
    (LOS, {"date": "2017-07-03", "value": "20"}, "date",
     "Date: 2017-07-03 already has a value in darley_court_los.csv (line 2)"),
    (DATES, {"date": "2030-01-07", "value": "50", "denominator": "40"}, "value",
     "is more than the denominator 40"),
    (DATES, {"date": "2030-01-07", "value": "5", "denominator": ""}, "denominator",
     "Denominator: &#39;&#39; is not a number"),
    (DATES, {"date": "2030-01-07", "value": "-1", "denominator": "9"}, "value",
     "is a count and cannot be below 0"),
])
def test_bad_values_are_refused_next_to_their_field(client, demo_workspace, mid, fields, field,
                                                    words):
    path = next((demo_workspace / "measures").glob(f"{mid}.csv"))
    before = path.read_text()
    page = add(client, mid, **fields)
    assert page.status_code == 400
    assert words in page.text
    # the error summary links to the field, and the field carries the message
    assert f'href="#{mid}-{field}"' in page.text
    assert f'id="{mid}-{field}-error"' in page.text
    assert path.read_text() == before  # nothing written


def test_unknown_measure_is_404(client):
    page = add(client, "no_such_measure", date="2030-01-07", value="1")
    assert page.status_code == 404
    assert "There is no measure &#39;no_such_measure&#39;" in page.text


def test_value_without_csrf_token_is_refused(client):
    page = client.post(f"/measures/{LOS}/values", data={"date": "2030-01-07", "value": "1"})
    assert page.status_code == 403


def test_a_broken_measure_file_is_located(client, demo_workspace):
    path = demo_workspace / "measures" / "darley_court_los.yaml"
    path.write_text(path.read_text().replace("chart: xmr", "chart: pie"))
    page = client.get("/measures")
    assert page.status_code == 422
    assert "darley_court_los.yaml" in page.text and "chart" in page.text
