"""The measures register: measures/*.yaml read into Measure objects, errors with lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from wholeflow import ModelError
from wholeflow.measure import MeasureError, find_measure, load_measure_file, load_measures

GOOD = """\
name: Darley Court length of stay
definition: Mean length of stay (days) of people leaving Darley Court each week
source:
  query: weekly_mean_length_of_stay
  service: darley_court
unit: days
improvement_direction: decrease
target: 26
pdsa:
  - id: 1
    title: Trusted assessment
    change: Accept the acute ward's assessment
    start: 2018-01-08
    owner: Flow lead
    status: completed
    rebase: true
  - id: 2
    title: Weekend discharges
    start: 2018-03-05
"""


def write(workspace: Path, name: str, text: str) -> Path:
    folder = workspace / "measures"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(workspace: Path) -> list:
    with pytest.raises(ModelError) as caught:
        load_measures(workspace)
    return caught.value.problems


def test_a_measure_is_read_with_its_pdsa_cycles(tmp_path):
    write(tmp_path, "darley_court_los.yaml", GOOD)
    measures = load_measures(tmp_path)
    measure = measures["darley_court_los"]
    assert measure.id == "darley_court_los"
    assert measure.name == "Darley Court length of stay"
    assert measure.source.query == "weekly_mean_length_of_stay"
    assert measure.chart == "xmr"
    assert [c.id for c in measure.pdsa] == ["1", "2"]
    assert measure.pdsa[0].status == "completed"
    assert measure.pdsa[1].status == "planned"
    assert measure.rebase_dates == [dt.date(2018, 1, 8)]
    assert measure.display_multiplier == 1.0


def test_percent_p_charts_are_shown_in_percent(tmp_path):
    text = GOOD.replace("unit: days", 'unit: "%"').replace(
        "weekly_mean_length_of_stay", "ready_date_set_percent") + "chart: p\n"
    write(tmp_path, "ready.yaml", text)
    assert load_measures(tmp_path)["ready"].display_multiplier == 100.0


def test_no_measures_folder_is_an_empty_register(tmp_path):
    assert load_measures(tmp_path) == {}


def test_an_unknown_field_is_named_with_its_line(tmp_path):
    write(tmp_path, "m.yaml", GOOD.replace("unit: days", "units: days"))
    [problem] = problems_of(tmp_path)
    assert (problem.path, problem.line, problem.message) == ("units", 6, "unknown field")
    assert problem.file.endswith("m.yaml")


def test_a_bad_pdsa_date_is_located_in_its_cycle(tmp_path):
    write(tmp_path, "m.yaml", GOOD.replace("start: 2018-03-05", "start: next spring"))
    [problem] = problems_of(tmp_path)
    assert problem.path == "pdsa[1].start"
    assert problem.line == 19
    assert problem.fix == "write dates as YYYY-MM-DD"


def test_a_missing_field_points_at_its_parent(tmp_path):
    write(tmp_path, "m.yaml", GOOD.replace("    title: Weekend discharges\n", ""))
    [problem] = problems_of(tmp_path)
    assert (problem.path, problem.message) == ("pdsa[1].title", "is required")
    assert problem.line == 17  # the cycle's first line


def test_a_source_must_have_exactly_one_kind(tmp_path):
    write(tmp_path, "m.yaml", GOOD.replace("  service: darley_court",
                                           "  service: darley_court\n  csv: data/los.csv"))
    [problem] = problems_of(tmp_path)
    assert problem.path == "source"
    assert "exactly one of csv, sql or query (found csv, query)" in problem.message
    assert problem.line == 3


def test_a_built_in_query_needs_a_service(tmp_path):
    write(tmp_path, "m.yaml", GOOD.replace("  service: darley_court\n", ""))
    [problem] = problems_of(tmp_path)
    assert "needs a service" in problem.message


def test_duplicate_pdsa_ids_and_bad_choices_are_all_reported(tmp_path):
    text = GOOD.replace("  - id: 2", "  - id: 1").replace("decrease", "down")
    write(tmp_path, "m.yaml", text)
    problems = problems_of(tmp_path)
    assert [p.path for p in problems] == ["improvement_direction"]
    write(tmp_path, "m.yaml", GOOD.replace("  - id: 2", "  - id: 1"))
    [duplicate] = problems_of(tmp_path)
    assert "used twice" in duplicate.message


def test_a_baseline_under_12_points_is_refused(tmp_path):
    write(tmp_path, "m.yaml", GOOD + "baseline: 8\n")
    [problem] = problems_of(tmp_path)
    assert (problem.path, problem.line) == ("baseline", 20)


def test_invalid_yaml_gives_the_line(tmp_path):
    write(tmp_path, "m.yaml", GOOD.replace("unit: days", "unit: [days"))
    [problem] = problems_of(tmp_path)
    assert "YAML syntax error" in problem.message
    assert problem.line is not None and problem.line >= 6


def test_a_file_that_is_not_a_mapping(tmp_path):
    write(tmp_path, "m.yaml", "- just\n- a list\n")
    [problem] = problems_of(tmp_path)
    assert "mapping of fields" in problem.message


def test_problems_in_every_file_are_reported_together(tmp_path):
    write(tmp_path, "a.yaml", GOOD.replace("unit: days", "units: days"))
    write(tmp_path, "b.yaml", GOOD.replace("target: 26", "target: lots"))
    with pytest.raises(ModelError) as caught:
        load_measures(tmp_path)
    assert {Path(p.file).name for p in caught.value.problems} == {"a.yaml", "b.yaml"}
    assert "a.yaml:6 units: unknown field" in str(caught.value)


def test_find_a_measure_by_id_or_name(tmp_path):
    write(tmp_path, "darley_court_los.yaml", GOOD)
    assert find_measure(tmp_path, "darley_court_los").name == "Darley Court length of stay"
    assert find_measure(tmp_path, "darley court length of stay").id == "darley_court_los"
    with pytest.raises(MeasureError, match=r"no measure 'los'.*measures: darley_court_los"):
        find_measure(tmp_path, "los")


def test_a_single_file_can_be_loaded(tmp_path):
    path = write(tmp_path, "darley_court_los.yaml", GOOD)
    assert load_measure_file(path).id == "darley_court_los"


def test_a_rebase_may_be_a_date_after_the_cycles_start(tmp_path):
    text = GOOD.replace("    rebase: true", "    rebase: 2018-03-05")
    write(tmp_path, "los.yaml", text)
    measure = load_measures(tmp_path)["los"]
    assert measure.pdsa[0].rebase_date == dt.date(2018, 3, 5)
    assert measure.pdsa[1].rebase_date is None  # rebase: false by default
    assert measure.rebase_dates == [dt.date(2018, 3, 5)]


def test_a_rebase_before_the_cycles_start_is_named_with_its_line(tmp_path):
    write(tmp_path, "los.yaml", GOOD.replace("    rebase: true", "    rebase: 2018-01-01"))
    [problem] = problems_of(tmp_path)
    assert problem.path == "pdsa[0].rebase"
    assert problem.line == 16
    assert "before the cycle's start 2018-01-08" in problem.message
