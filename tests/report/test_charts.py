"""Charts: traces and the numbers in them, from small hand-made tables."""

import re

import numpy as np
import pandas as pd
import pytest

from wholeflow.report import charts, comparisons, flows

T0 = pd.Timestamp("2025-04-07")  # a Monday


def days(d):
    return T0 + pd.Timedelta(days=d)


@pytest.fixture
def daily():
    dates = pd.date_range(T0, periods=3)
    rows = []
    for rep, bump in enumerate([0, 2, 4]):
        for i, date in enumerate(dates):
            rows.append({"replication": rep, "service": "rehab", "date": date,
                         "occupancy": 10 + i + bump, "queue": bump, "capacity": 12})
            rows.append({"replication": rep, "service": "acute", "date": date,
                         "occupancy": 50, "queue": 0, "capacity": 100})
    return pd.DataFrame(rows)


def named(fig, name):
    (t,) = [t for t in fig.data if t.name == name]
    return t


def test_occupancy_has_median_band_queue_and_capacity(daily):
    fig = charts.occupancy_figure(daily, names={"rehab": "Rehab unit"})
    line = named(fig, "rehab occupancy")
    assert list(line.y) == [12, 13, 14]  # median over the three replications
    band = named(fig, "rehab occupancy band")
    assert band.y[0] == pytest.approx(np.quantile([10, 12, 14], 0.9))
    assert list(named(fig, "rehab capacity").y) == [12, 12, 12]
    assert list(named(fig, "rehab queue").y) == [2, 2, 2]
    assert not [t for t in fig.data if t.name == "acute queue"]  # never a queue: not drawn
    # the fullest service comes first
    assert fig.layout.annotations[0].text == "Rehab unit"


def test_delayed_days_stack_by_cause():
    kpis = pd.DataFrame({
        "replication": [0, 1, 0, 1, 0],
        "service": ["acute", "acute", "acute", "acute", "system"],
        "metric": ["delayed_days_no_capacity", "delayed_days_no_capacity",
                   "delayed_days_closed", "delayed_days_closed", "delayed_days"],
        "value": [100.0, 300.0, 50.0, 50.0, 999.0]})
    by_cause = charts.delays_by_cause(kpis)
    assert set(by_cause["cause"]) == {"no_capacity", "closed"}
    fig = charts.delayed_days_figure(by_cause)
    assert fig.layout.barmode == "stack"
    values = {t.name: list(t.y) for t in fig.data}
    assert values == {"service closed (calendar)": [50.0], "no free place": [200.0]}
    assert "80% of all delayed days" not in fig.layout.meta["alt"]
    assert "acute: 250 days, 100%" in fig.layout.meta["alt"]


def test_waits_by_weekday_of_referral():
    stays = pd.DataFrame({
        "service": ["imc"] * 4, "stint": [2] * 4,
        "referred": [days(4), days(4), days(0), days(11)],  # Fri, Fri, Mon, Fri
        "wait_days": [3.0, 5.0, 1.0, 4.0]})
    waits = charts.waits_by_weekday(stays)
    fri = waits[waits["weekday"] == "Fri"].iloc[0]
    assert fri["referrals"] == 3 and fri["median_wait_days"] == 4.0
    fig = charts.waits_figure(waits)
    y = list(fig.data[0].y)
    assert y[0] == 1.0 and y[4] == 4.0 and np.isnan(y[1])
    assert "Fri: 4.0 days" in fig.layout.meta["alt"]


def test_length_of_stay_boxes_come_from_percentiles():
    stays = pd.DataFrame({"service": ["a"] * 5 + ["b"] * 2,
                          "length_of_stay": [1, 2, 3, 4, 100, 5, 7]})
    summary = charts.length_of_stay_summary(stays)
    a = summary.set_index("service").loc["a"]
    assert a["median"] == 3 and a["stays"] == 5
    box = charts.length_of_stay_figure(summary).data[0]
    assert list(box.median) == [3.0, 6.0] and list(box.q3) == [4.0, 6.5]
    assert box.y == ("a", "b") and box.x is None  # drawn from summaries, no raw stays


@pytest.fixture
def journeys_stays():
    # two replications; p1 goes acute > rehab > acute > home (a return), p2 acute > home
    rows = []
    for rep in (0, 1):
        rows += [
            {"replication": rep, "person": "p1", "stint": 1, "service": "acute",
             "destination": "rehab"},
            {"replication": rep, "person": "p1", "stint": 2, "service": "rehab",
             "destination": "acute"},
            {"replication": rep, "person": "p1", "stint": 3, "service": "acute",
             "destination": "home"},
            {"replication": rep, "person": "p2", "stint": 1, "service": "acute",
             "destination": "home"}]
    return pd.DataFrame(rows)


def test_sankey_unrolls_journeys_by_step(journeys_stays, small_model):
    links = flows.journey_links(journeys_stays)
    got = {(r.source, r.target): r.people for r in links.itertuples()}
    assert got == {("arrivals", "acute@1"): 2.0, ("acute@1", "rehab@2"): 1.0,
                   ("rehab@2", "acute@3"): 1.0, ("acute@3", "home"): 1.0,
                   ("acute@1", "home"): 1.0}
    sankey = flows.sankey_figure(links, small_model).data[0]
    labels = list(sankey.node.label)
    assert "Acute hospital (3rd)" in labels and "Rehab unit (2nd)" in labels
    assert sum(sankey.link.value) == pytest.approx(6.0)


def test_long_journeys_fold_into_more_services(journeys_stays):
    links = flows.journey_links(journeys_stays, max_steps=2)
    assert ("rehab@2", "more@3") in {(r.source, r.target) for r in links.itertuples()}
    assert ("more@3", "home") in {(r.source, r.target) for r in links.itertuples()}


def test_variants_count_people_and_stories():
    journeys = pd.DataFrame({
        "replication": [0, 0, 0, 1, 1, 1],
        "path": ["a > b", "a > b", "a", "a > b", "a", "a"],
        "assessments": [10, 8, 1, 9, 1, 1], "handovers": [1, 1, 0, 1, 0, 0]})
    variants = flows.journey_variants(journeys)
    ab = variants.set_index("path").loc["a > b"]
    assert ab["people"] == 1.5 and ab["assessments"] == 9.0
    fig = flows.variants_figure(variants)
    assert "told their story 9 times, 1 handover" in fig.data[0].text
    assert "told their story once, 0 handovers" in fig.data[0].text
    story = flows.story_figure(journeys)
    assert dict(zip(story.data[0].x, story.data[0].y, strict=True)) == {
        1: 1.5, 8: 0.5, 9: 0.5, 10: 0.5}


def test_forest_plot_puts_differences_on_one_scale(comparison):
    fig = comparisons.forest_plot(comparison)
    point = fig.data[0]
    rows = dict(zip(point.y, point.x, strict=True))
    acute = next(k for k in rows if k.startswith("imc_weekends: acute"))
    assert rows[acute] == pytest.approx(-1640 / 4200 * 100)
    colours = dict(zip(point.y, point.marker.color, strict=True))
    cost = next(k for k in rows if "cost" in k)
    assert colours[cost] != colours[acute]  # a CI across zero is drawn grey
    i = list(point.y).index(acute)
    assert point.error_x.array[i] == pytest.approx((1640 - 1560) / 4200 * 100)


def test_tornado_ranks_parameters_by_swing(sensitivity):
    fig = comparisons.tornado_figure(sensitivity, "delayed_days")
    low, high = fig.data
    assert list(low.y)[-1] == "arrivals.acute_discharges.per_day"  # widest swing on top
    assert list(high.x) == [260.0, -500.0, 1300.0]
    assert high.error_x.array[-1] == pytest.approx(150.0)


def test_experiment_objects_are_read_with_their_own_column_names(comparison, sensitivity):
    from types import SimpleNamespace

    theirs = comparison.rename(columns={"baseline_mean": "baseline", "scenario_mean": "mean"})
    table = comparisons.comparison_table(SimpleNamespace(differences=theirs))
    assert list(table["baseline_mean"]) == list(comparison["baseline_mean"])
    tornado = sensitivity.drop(columns="metric").assign(kpi="delayed_days@system")
    table = comparisons.sensitivity_table(SimpleNamespace(table=tornado))
    assert set(table["metric"]) == {"delayed_days@system"}


def test_a_return_after_going_home_starts_a_new_journey_in_the_sankey():
    # imported stays: p1 goes to ED and home (journey 1), comes back a month later to ED and
    # then normal care (journey 2, stints 1 and 2); p2 goes ED > normal care
    stays = pd.DataFrame({
        "person": ["p1", "p1", "p1", "p2", "p2"],
        "journey": [1, 2, 2, 1, 1], "stint": [1, 1, 2, 1, 2],
        "started": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-02", "2024-01-05",
                                   "2024-01-06"]),
        "service": ["ed", "ed", "nc", "ed", "nc"],
        "destination": ["home", "nc", "home", "nc", "home"]})
    links = flows.journey_links(stays)
    got = {(r.source, r.target): r.people for r in links.itertuples()}
    # three journeys start at ED (step 1); two go on to normal care (step 2); no "ED (2nd)"
    assert got == {("arrivals", "ed@1"): 3.0, ("ed@1", "home"): 1.0, ("ed@1", "nc@2"): 2.0,
                   ("nc@2", "home"): 2.0}


def test_suppression_hides_the_people_never_the_times_they_told_their_story(small_model):
    from wholeflow.report.sections_results import flows_section
    from wholeflow.report.tabulate import html_table

    journeys = pd.DataFrame({"replication": 0, "path": ["a"] * 12,
                             "assessments": [1] * 9 + [2, 3, 3]})
    results = type("R", (), {"journeys": journeys, "stays": None})()
    section = flows_section(results, small_model, threshold=8)
    assert section is not None
    story = next(b for b in section.blocks if "assessments_per_journey" in b.table)
    html = str(html_table(story.table, threshold=8))
    # 9 people told it once (shown), 1 twice and 2 three times (hidden): the times stay
    assert story.table["assessments_per_journey"].tolist() == [1, 2, 3]
    cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", html)
    assert cells[2:] == ["1", "9", "2", "&lt;8", "3", "&lt;8"]  # after the two headers
    # and the chart draws no bar for them
    assert np.isnan(story.figure.data[0].y[1:]).all()
