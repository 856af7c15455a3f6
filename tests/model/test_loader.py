"""Loading files and workspaces: every failure is a located ModelError, never a traceback."""

import pytest

from wholeflow.errors import ModelError
from wholeflow.model import apply_scenario, load_model, parse_model


def load_problems(path):
    with pytest.raises(ModelError) as info:
        load_model(path)
    return info.value.problems


@pytest.fixture
def workspace(tmp_path, small):
    (tmp_path / "wholeflow.yaml").write_text(small, encoding="utf-8")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "busy_winter.yaml").write_text(
        "description: a busier winter\nchanges:\n  arrivals.ed.per_day: x1.2\n", encoding="utf-8")
    return tmp_path


def test_workspace_folder_loads_the_model_and_its_scenario_files(workspace):
    model = load_model(workspace)
    assert model.source == str(workspace / "wholeflow.yaml")
    assert list(model.scenarios) == ["more_rehab", "busy_winter"]
    assert apply_scenario(model, "busy_winter").arrivals["ed"].per_day == pytest.approx(4.8)


def test_the_workspace_model_file_given_directly_reads_the_workspace(workspace):
    assert "busy_winter" in load_model(workspace / "wholeflow.yaml").scenarios


def test_another_model_file_does_not_read_the_scenario_folder(workspace, small):
    other = workspace / "other.yaml"
    other.write_text(small, encoding="utf-8")
    assert list(load_model(other).scenarios) == ["more_rehab"]


def test_a_bad_scenario_file_is_located_in_that_file(workspace):
    bad = workspace / "scenarios" / "typo.yaml"
    bad.write_text("description: typo\nchanges:\n  arrivals.edd.per_day: x1.2\n", encoding="utf-8")
    [p] = load_problems(workspace)
    assert (p.file, p.line, p.path) == (str(bad), 3, "scenarios.typo")
    assert "did you mean 'ed'" in p.message


def test_a_scenario_file_with_an_unknown_key(workspace):
    bad = workspace / "scenarios" / "typo.yaml"
    bad.write_text("description: typo\nchange:\n  arrivals.ed.per_day: x1.2\n", encoding="utf-8")
    [p] = load_problems(workspace)
    assert (p.file, p.line) == (str(bad), 2)
    assert p.message == "unknown key 'change' (did you mean 'changes'?)"


def test_a_scenario_file_may_not_repeat_an_inline_name(workspace):
    (workspace / "scenarios" / "more_rehab.yaml").write_text("description: x\n", encoding="utf-8")
    [p] = load_problems(workspace)
    assert "also defined in the model" in p.message


def test_an_empty_scenario_file_is_a_scenario_that_changes_nothing(workspace):
    (workspace / "scenarios" / "same.yaml").write_text("", encoding="utf-8")
    model = load_model(workspace)
    assert apply_scenario(model, "same").model_dump() == model.model_dump()


def test_problems_in_the_model_and_a_scenario_file_come_together(workspace, small):
    (workspace / "wholeflow.yaml").write_text(small.replace("per_day: 4", "per_day: -4"),
                                              encoding="utf-8")
    (workspace / "scenarios" / "bad.yaml").write_text("changes: 3\n", encoding="utf-8")
    found = load_problems(workspace)
    assert {p.path for p in found} == {"arrivals.ed.per_day", "changes"}


def test_missing_file(tmp_path):
    [p] = load_problems(tmp_path / "nope.yaml")
    assert p.message.startswith("no such file")


def test_folder_without_a_model(tmp_path):
    [p] = load_problems(tmp_path)
    assert "without wholeflow.yaml" in p.message


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    [p] = load_problems(path)
    assert "not UTF-8" in p.message


def test_empty_file():
    with pytest.raises(ModelError) as info:
        parse_model("\n# nothing\n", "m.yaml")
    assert info.value.problems[0].message == "the file is empty"


def test_a_model_that_is_not_a_mapping():
    with pytest.raises(ModelError) as info:
        parse_model("- a\n- b\n", "m.yaml")
    [p] = info.value.problems
    assert (p.line, p.file) == (1, "m.yaml")
    assert "must be a mapping" in p.message


def test_syntax_error_is_a_model_error_with_line():
    with pytest.raises(ModelError) as info:
        parse_model("name: x\nservices: {acute: [\n", "m.yaml")
    [p] = info.value.problems
    assert p.line == 3 and "YAML syntax error" in p.message


def test_duplicate_ids_and_other_problems_come_together(small, h):
    text = h.replace(small, "  home_care:\n    capacity: 40",
                     "  rehab:\n    length_of_stay: 3\n  home_care:\n    capacity: -40")
    found = h.problems(text)
    assert {p.path for p in found} == {"services.rehab", "services.home_care.capacity"}
