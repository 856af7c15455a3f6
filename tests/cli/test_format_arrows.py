"""`wholeflow run` tables: staff and cohort rows get tables of their own."""

import pandas as pd

from wholeflow.cli._format import summary_tables


def summary(rows):
    return pd.DataFrame(rows, columns=["service", "metric", "mean", "ci_low", "ci_high"])


def test_staff_and_cohort_rows_leave_the_services_table_for_their_own():
    tables = summary_tables(summary([
        ("ward", "mean_occupancy", 10.0, 9.0, 11.0),
        ("system", "delayed_days", 5.0, 4.0, 6.0),
        ("staff.team", "staff_utilisation", 0.8, 0.7, 0.9),
        ("staff.team.nurse", "needed_hours", 100.0, 90.0, 110.0),
        ("cohort.copd", "attendances_per_person_year", 1.2, 1.1, 1.3),
    ]), "t")
    services, _, staff, cohorts = tables
    assert services.row_count == 1
    assert staff.columns[0].header == "staff"
    assert staff.row_count == 2 and cohorts.row_count == 1
    assert next(iter(staff.columns[3].cells)) == "80%"


def test_no_group_tables_for_a_model_without_them():
    assert len(summary_tables(summary([("ward", "mean_occupancy", 1.0, 1.0, 1.0)]), "t")) == 2
