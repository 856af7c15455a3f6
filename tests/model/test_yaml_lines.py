"""YAML read with line numbers: every key and item located, duplicates caught, syntax located."""

import textwrap

from wholeflow.model.yaml_lines import SourceMap, format_path, load_yaml

DOC = textwrap.dedent("""\
    name: x
    services:
      acute:
        capacity: 3
    routes:
      acute:
        - to: home
          probability: 1
        - {to: died, probability: 0}
    """)


def test_every_key_and_list_item_has_its_line():
    loaded = load_yaml(DOC, "m.yaml")
    lines = loaded.source.lines
    assert loaded.problems == []
    assert lines[("services", "acute", "capacity")] == 4
    assert lines[("routes", "acute", 0)] == 7
    assert lines[("routes", "acute", 0, "probability")] == 8
    assert lines[("routes", "acute", 1, "to")] == 9
    assert loaded.data["routes"]["acute"][1] == {"to": "died", "probability": 0}


def test_an_unwritten_path_falls_back_to_its_nearest_ancestor():
    source = load_yaml(DOC, "m.yaml").source
    assert source.line(("services", "acute", "length_of_stay")) == 3
    assert source.line(("nothing", "here")) == 1
    assert SourceMap("empty").line(("a",)) is None


def test_duplicate_keys_are_problems_naming_both_lines():
    text = "services:\n  acute: {}\n  rehab: {}\n  acute: {capacity: 2}\n"
    loaded = load_yaml(text, "m.yaml")
    [problem] = loaded.problems
    assert problem.line == 4
    assert problem.path == "services.acute"
    assert "first on line 2" in problem.message
    assert loaded.data["services"]["acute"] == {"capacity": 2}


def test_merge_keys_may_be_overridden_without_a_duplicate_problem():
    text = "base: &b {capacity: 2, admits: always}\nsvc:\n  <<: *b\n  capacity: 5\n"
    loaded = load_yaml(text, "m.yaml")
    assert loaded.problems == []
    assert loaded.data["svc"] == {"capacity": 5, "admits": "always"}
    assert loaded.source.lines[("svc", "capacity")] == 4


def test_syntax_error_gives_line_and_column():
    text = "name: x\nservices:\n  acute: [1, 2\n  rehab: {}\n"
    loaded = load_yaml(text, "m.yaml")
    assert loaded.data is None
    [problem] = loaded.problems
    assert problem.file == "m.yaml"
    assert problem.line == 4
    assert "YAML syntax error" in problem.message and "column" in problem.message


def test_tabs_get_a_specific_fix():
    loaded = load_yaml("services:\n\tacute: {}\n", "m.yaml")
    [problem] = loaded.problems
    assert problem.line == 2
    assert "tab" in (problem.fix or "")


def test_several_documents_are_a_located_problem():
    loaded = load_yaml("name: a\n---\nname: b\n", "m.yaml")
    [problem] = loaded.problems
    assert problem.line == 2


def test_recursive_alias_is_a_problem_not_a_hang():
    loaded = load_yaml("a: &x\n  b: *x\n", "m.yaml")
    assert any("refers to itself" in p.message for p in loaded.problems)


def test_empty_text_has_no_data_and_no_problem():
    loaded = load_yaml("# only a comment\n", "m.yaml")
    assert loaded.data is None and loaded.problems == []


def test_format_path():
    assert format_path(("routes", "acute", 0, "to")) == "routes.acute[0].to"
    assert format_path(()) == ""
