"""A measure's numbers from CSV, SQL and built-in queries on the event store, and its chart."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from wholeflow.measure import (
    MeasureError,
    load_measures,
    measure_series,
    measure_spc,
)


def test_weekly_mean_length_of_stay(workspace):
    measure = load_measures(workspace)["darley_court_los"]
    frame = measure_series(measure, workspace)
    assert list(frame.columns) == ["date", "value"]
    assert len(frame) == 30
    assert pd.Timestamp(frame["date"].iloc[0]) == pd.Timestamp("2017-10-02")  # weeks on Monday
    assert frame["value"].iloc[:15].mean() == pytest.approx(32.0, abs=0.1)
    assert frame["value"].iloc[15:].mean() == pytest.approx(26.0, abs=0.1)


def test_a_pdsa_rebase_splits_the_length_of_stay_chart(workspace):
    result = measure_spc(load_measures(workspace)["darley_court_los"], workspace)
    assert result.segments["start"].tolist() == [pd.Timestamp("2017-10-02"),
                                                  pd.Timestamp("2018-01-15")]
    assert result.segments["centre"].round(0).tolist() == [32.0, 26.0]
    assert result.assurance_icon == "pass"  # limits around 26 lie below the target of 28


def test_without_the_rebase_the_fall_is_special_cause_improvement(workspace):
    measure = load_measures(workspace)["darley_court_los"]
    measure.pdsa[0].rebase = False
    result = measure_spc(measure, workspace)
    assert len(result.segments) == 1
    assert result.variation_icon == "improvement_low"
    assert (result.points["point_type"].iloc[15:] == "special_cause_improvement").all()


def test_ready_date_set_percent_is_a_p_chart_in_percent(workspace):
    measure = load_measures(workspace)["ready_dates"]
    frame = measure_series(measure, workspace)
    assert list(frame.columns) == ["date", "value", "denominator"]
    assert frame["denominator"].unique().tolist() == [10]
    result = measure_spc(measure, workspace)
    assert result.chart == "p"
    assert result.points["value"].iloc[0] == pytest.approx(40.0)
    assert result.points["value"].iloc[-1] == pytest.approx(50.0)


def test_weekly_delayed_days_keeps_complete_weeks_and_averages_replications(workspace):
    frame = measure_series(load_measures(workspace)["delayed_days"], workspace)
    assert len(frame) == 5  # 38 days: the last 3 make no complete week
    assert frame["value"].tolist() == [21.0] * 5  # (7 x 2 + 7 x 4) / 2 replications


def test_a_csv_source_with_named_columns(workspace):
    measure = load_measures(workspace)["referrals"]
    result = measure_spc(measure, workspace)
    assert result.chart == "c"
    assert result.points["centre"].iloc[0] == pytest.approx(40.9)
    assert result.improvement_direction == "neutral"


def test_overrides_replace_the_measures_settings(workspace):
    measure = load_measures(workspace)["referrals"]
    result = measure_spc(measure, workspace, chart="xmr", target=None,
                         rebase=[pd.Timestamp("2021-03-01")])
    assert result.chart == "xmr"
    assert len(result.segments) == 2


def test_a_sql_source(workspace):
    measure = load_measures(workspace)["referrals"]
    measure.source.csv = None
    measure.source.sql = ("SELECT date_trunc('week', ended) AS date, count(*) AS value "
                          "FROM stays GROUP BY 1 ORDER BY 1")
    frame = measure_series(measure, workspace)
    assert frame["value"].iloc[:2].tolist() == [10, 11]  # week 2 has the imc_at_home stay too


def test_a_sql_source_must_return_date_and_value(workspace):
    measure = load_measures(workspace)["referrals"]
    measure.source.csv = None
    measure.source.sql = "SELECT count(*) AS n FROM stays"
    with pytest.raises(MeasureError, match="must give date and value"):
        measure_series(measure, workspace)


def test_a_failing_sql_is_a_clear_error(workspace):
    measure = load_measures(workspace)["referrals"]
    measure.source.csv = None
    measure.source.sql = "SELECT * FROM no_such_table"
    with pytest.raises(MeasureError, match="the query failed"):
        measure_series(measure, workspace)


def test_an_unknown_service_lists_the_services_in_the_store(workspace):
    measure = load_measures(workspace)["darley_court_los"]
    measure.source.service = "laburnum_lodge"
    with pytest.raises(MeasureError, match="services there: darley_court, imc_at_home"):
        measure_series(measure, workspace)


def test_no_event_store_is_a_clear_error(workspace):
    (workspace / ".wholeflow" / "store.duckdb").unlink()
    with pytest.raises(MeasureError, match="no event store"):
        measure_series(load_measures(workspace)["darley_court_los"], workspace)


def test_a_missing_csv_or_column_is_a_clear_error(workspace):
    measure = load_measures(workspace)["referrals"]
    measure.source.value_column = "count"
    with pytest.raises(MeasureError, match=r"has no column 'count'.*week, referrals"):
        measure_series(measure, workspace)
    (workspace / "data" / "referrals.csv").unlink()
    with pytest.raises(MeasureError, match="no file"):
        measure_series(measure, workspace)


def test_a_rebase_at_the_cycles_own_start_is_warned_about(workspace):
    """The fixture rebases at the change itself: the new weeks get their own limits at once,
    so the chart cannot show the fall as a signal (Making Data Count: rebase after it)."""
    measure = load_measures(workspace)["darley_court_los"]
    result = measure_spc(measure, workspace)
    [warning] = [w for w in result.warnings if w.startswith("PDSA")]
    assert "rebases at its own start" in warning and "after a signal" in warning


def test_a_rebase_after_the_signal_is_not_warned_about(workspace):
    """The fall starts 2018-01-15; its seventh week below the mean is 2018-02-26."""
    measure = load_measures(workspace)["darley_court_los"]
    measure.pdsa[0].rebase = dt.date(2018, 3, 5)
    result = measure_spc(measure, workspace)
    assert not [w for w in result.warnings if w.startswith("PDSA")]
    assert result.segments["start"].tolist() == [pd.Timestamp("2017-10-02"),
                                                  pd.Timestamp("2018-03-05")]
    fallen = result.points[(result.points["date"] >= "2018-01-15")
                           & (result.points["date"] < "2018-03-05")]
    assert (fallen["point_type"] == "special_cause_improvement").all()


def test_a_rebase_date_with_no_signal_before_it_is_warned_about(workspace):
    measure = load_measures(workspace)["darley_court_los"]
    measure.pdsa[0].start = dt.date(2017, 10, 9)
    measure.pdsa[0].rebase = dt.date(2017, 11, 6)  # four ordinary weeks before the fall
    [warning] = [w for w in measure_spc(measure, workspace).warnings if w.startswith("PDSA")]
    assert "at 2017-11-06, with no special cause since its start" in warning


def test_the_bolton_charts_show_their_change_as_a_signal_before_new_limits():
    """The shipped measures: lines fixed on the weeks before the change, the change flagged
    against them, new limits only after the signal; no rebase warning."""
    from importlib.resources import as_file, files

    with as_file(files("wholeflow.examples") / "bolton") as folder:
        measures = load_measures(folder)
        for measure_id in ("darley_court_los", "imc_discharge_dates"):
            measure = measures[measure_id]
            [cycle] = measure.pdsa
            assert cycle.rebase_date is not None and cycle.rebase_date > cycle.start
            result = measure_spc(measure, folder)
            assert not [w for w in result.warnings if w.startswith("PDSA")]
            dates = result.points["date"]
            changed = result.points[(dates >= pd.Timestamp(cycle.start))
                                    & (dates < pd.Timestamp(cycle.rebase_date))]
            assert (changed["point_type"] == "special_cause_improvement").all(), measure_id
            assert (changed["segment"] == 0).all()
            assert len(result.segments) == 2
