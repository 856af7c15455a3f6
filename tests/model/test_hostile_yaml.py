"""Hostile YAML is refused with a located problem: bad type tags, alias bombs, deep nesting,
bytes that are not UTF-8, control characters, numbers YAML reads as text, null keys."""

from __future__ import annotations

import time

import pytest
from tests.model.conftest import SMALL, only, problems

from wholeflow.errors import ModelError
from wholeflow.model import load_model
from wholeflow.model.yaml_lines import MAX_VALUES, load_yaml


def _swap(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new, 1)


@pytest.mark.parametrize(("old", "new", "words", "line"), [
    ("start_date: 2025-04-01", "start_date: !!timestamp 2025-13-45", "not a real date", 2),
    ("start_date: 2025-04-01", "start_date: 2025-02-30", "not a real date", 2),
    ("run_days: 100", "run_days: !!int abc", "not a whole number", 4),
    ("run_days: 100", "run_days: !!float abc", "not a number", 4),
])
def test_a_value_its_tag_cannot_hold_is_one_located_problem(old, new, words, line):
    found = problems(_swap(old, new))
    assert len(found) == 1  # not followed by "must be a date, got null"
    problem = only(found, words)
    assert (problem.file, problem.line) == ("model.yaml", line)
    assert "write" in (problem.fix or "")
    if "!!" in new:
        assert "remove the !!" in (problem.fix or "")


def _bomb(levels: int, width: int = 10) -> str:
    lines = ["x_bomb:", "  a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return SMALL + "\n".join(lines) + "\n"


def _merge_bomb(levels: int) -> str:
    lines = ["x_merge:", "  m0: &m0 {k0: 1}"]
    for i in range(1, levels):
        lines.append(f"  m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: 1}}")
    return SMALL + "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [_bomb(9), _merge_bomb(60)], ids=["aliases", "merge keys"])
def test_an_alias_bomb_is_refused_before_it_is_expanded(text):
    started = time.process_time()
    found = problems(text)
    assert time.process_time() - started < 30  # a guard against a hang, not a speed test
    problem = only(found, "expand to")
    assert f"{MAX_VALUES:,}" in problem.message and problem.line is not None
    assert problem.line > SMALL.count("\n")  # inside the bomb, not at the top of the file


def test_aliases_within_the_budget_still_work():
    loaded = load_yaml(_bomb(3), "m.yaml")
    assert loaded.problems == []
    assert len(loaded.data["x_bomb"]["a2"]) == 10


def test_nesting_too_deep_is_a_located_problem():
    deep = "x_deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 150)) + "  " * 150 + "v\n"
    loaded = load_yaml(deep, "m.yaml")
    assert loaded.data is None and len(loaded.problems) == 1
    assert "nested" in loaded.problems[0].message and loaded.problems[0].line is not None
    flow = load_yaml("x: " + "[" * 5000 + "]" * 5000 + "\n", "m.yaml")
    assert flow.data is None and flow.problems and flow.problems[0].line == 1


def test_bytes_that_are_not_utf8_are_located_by_line_and_column(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes(b"name: x\nstart_date: 2025-04-01\ndescription: caf\xe9\n")
    with pytest.raises(ModelError) as err:
        load_model(path)
    problem = err.value.problems[0]
    assert problem.line == 3 and "column 17" in problem.message and "0xE9" in problem.message
    assert "UTF-8" in (problem.fix or "")


def test_a_control_character_is_located():
    loaded = load_yaml("name: x\ndescription: bell\x07\n", "m.yaml")
    assert loaded.data is None
    assert loaded.problems[0].line == 2 and "0x7" in loaded.problems[0].message


def test_a_number_yaml_reads_as_text_says_a_number_was_expected():
    found = problems(_swap("length_of_stay: 14", "length_of_stay: 1e-12"))
    problem = only(found, "a number was expected")
    assert problem.path == "services.home_care.length_of_stay"
    assert problem.fix == "write it with a decimal point: 1.0e-12"
    assert "mapping" not in problem.message


@pytest.mark.parametrize(("key", "shown", "fix"), [
    ("~", "classes.null", "empty key"), ("yes", "classes.true", "quotes")])
def test_a_null_or_boolean_key_prints_as_yaml_writes_it(key, shown, fix):
    found = problems(_swap("  general: {}", f"  {key}: {{}}"))
    problem = only(found, "a key must be a name")
    assert problem.path == shown and fix in (problem.fix or "") and problem.line == 8


@pytest.mark.parametrize(("value", "fix"), [
    ("*nowhere", "define the anchor"),
    ("!!python/object:os.system ls", "remove the tag"),
    ("!!binary zz!", "remove the tag"),
])
def test_undefined_aliases_and_foreign_tags_say_what_to_do(value, fix):
    found = problems(_swap("run_days: 100", f"run_days: {value}"))
    assert len(found) == 1 and found[0].line == 4 and fix in (found[0].fix or "")


def test_a_timestamp_tag_on_text_that_is_no_date_at_all_is_located():
    # found by the fuzz suite: PyYAML's own constructor fails with an AttributeError here
    found = problems(_swap("start_date: 2025-04-01", "start_date: !!timestamp not a date"))
    assert len(found) == 1 and found[0].line == 2 and "not a real date" in found[0].message
