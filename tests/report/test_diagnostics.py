"""Diagnostics of imported data: the tables wholeflow.diagnose makes get charts or summaries."""

import pandas as pd
import pytest

from wholeflow.report.diagnostic_charts import diagnostic_chart, readable_table


@pytest.fixture
def names():
    return {"acute": "Acute hospital", "rehab": "Rehab unit"}


def test_referral_waits_leave_out_the_all_days_row(names):
    df = pd.DataFrame({"service": ["rehab"] * 3, "weekday": ["mon", "fri", "all"],
                       "stays": [20, 30, 50], "median_wait": [1.0, 3.5, 2.0],
                       "p90_wait": [2.0, 6.0, 5.0]})
    fig = diagnostic_chart("referral_waits", df, names, None, None)
    (line,) = fig.data
    assert line.name == "Rehab unit"
    assert line.y[0] == 1.0 and line.y[4] == 3.5 and len(line.y) == 7


def test_delayed_days_split_by_destination_without_totals(names):
    df = pd.DataFrame({"service": ["acute"] * 3, "destination": ["rehab", "home", "all"],
                       "delayed_days": [120.0, 30.0, 150.0]})
    fig = diagnostic_chart("delayed_days", df, names, None, None)
    assert {t.name: list(t.y) for t in fig.data} == {"rehab": [120.0], "home": [30.0]}


def test_variants_use_the_mean_assessments(names):
    df = pd.DataFrame({"rank": [1, 2, 3], "path": ["acute", "acute > rehab", "rehab"],
                       "journeys": [400, 60, 3], "mean_assessments": [1.0, 4.0, 2.0],
                       "mean_handovers": [0.0, 1.0, 0.0]})
    fig = diagnostic_chart("variants", df, names, None, threshold=8)
    assert list(fig.data[0].x) == [400, 60]  # the variant of 3 journeys is suppressed
    assert "told their story 4 times, 1 handover" in fig.data[0].text


def test_length_of_stay_without_quartiles_is_a_median_bar(names):
    df = pd.DataFrame({"service": ["acute", "rehab"], "stays": [500, 80],
                       "median": [4.0, 21.0], "p90": [12.0, 40.0]})
    bar = diagnostic_chart("length_of_stay", df, names, None, None).data[0]
    assert list(bar.x) == [4.0, 21.0] and list(bar.error_x.array) == [8.0, 19.0]


def test_stranded_over_time_masks_small_counts_and_summarises(names):
    dates = pd.date_range("2024-04-01", periods=3)
    df = pd.DataFrame({"service": ["acute"] * 3 + ["rehab"] * 3, "date": list(dates) * 2,
                       "occupancy": [90, 95, 92, 18, 19, 20], "stranded": [30, 2, 40, 5, 3, 6],
                       "super_stranded": [10, 0, 12, 2, 1, 2]})
    fig = diagnostic_chart("stranded", df, names, None, threshold=8)
    stranded = fig.data[0]
    assert stranded.y[0] == 35 and stranded.y[2] == 46
    assert stranded.y[1] != stranded.y[1]  # 5 people that day: not shown
    table = readable_table("stranded", df)
    assert "date" not in table and list(table["days"]) == [3, 3]
    assert table.set_index("service").loc["acute", "peak_stranded"] == 40
