"""The findings register: reading, word forms, and errors located by file, line and field."""

import pytest

from wholeflow.errors import ModelError
from wholeflow.report.findings import load_findings, parse_findings

GOOD = """\
findings:
  - arrow: Information
    kind: Root cause
    source: staff
    text: The referral form is too long, so it is filled in badly.
    services: [rehab]
  - arrow: finance & resources
    kind: no-no
    source: Lived experience
    text: Nobody could tell me who was paying for my care.
    routes: [acute > home_care]
    id: who-pays
"""


def test_entries_are_read_and_words_become_ids(small_model):
    first, second = parse_findings(GOOD, "findings/diag.yaml", small_model)
    assert (first.arrow, first.kind, first.source) == ("information", "root_cause", "staff")
    assert first.id == "diag-1"  # file name and position when no id is given
    assert (second.arrow, second.kind, second.source) == (
        "finance_and_resources", "no_no", "lived_experience")
    assert second.id == "who-pays"
    assert second.route_pairs() == [("acute", "home_care")]
    assert second.kind_label == "No-no" and second.arrow_label == "Finance and resources"


def problems_of(text, model=None):
    with pytest.raises(ModelError) as info:
        parse_findings(text, "findings/x.yaml", model)
    return {(p.path, p.line): p for p in info.value.problems}


def test_every_problem_is_reported_with_its_line(small_model):
    found = problems_of("""\
- arrow: people
  kind: moan
  source: staff
  text: one
- arrow: people
  kind: niggle
  text: two
  servces: [rehab]
- arrow: people
  kind: nugget
  source: data
  text: three
  services: [rehabb]
  routes: [rehab > home_care, acute to rehab]
""", small_model)
    assert set(found) == {
        ("findings[0].kind", 2), ("findings[1].source", 5), ("findings[1].servces", 8),
        ("findings[2].services[0]", 13), ("findings[2].routes[0]", 14),
        ("findings[2].routes[1]", 14)}
    assert "nugget" in found[("findings[0].kind", 2)].fix
    assert found[("findings[1].servces", 8)].fix == "did you mean 'services'?"
    assert found[("findings[2].services[0]", 13)].fix == "did you mean 'rehab'?"
    assert "no route from rehab to home_care" in found[("findings[2].routes[0]", 14)].message
    assert str(found[("findings[1].source", 5)]).startswith("findings/x.yaml:5 findings[1]")


def test_yaml_syntax_and_duplicate_keys_are_located():
    found = problems_of("- arrow: people\n  kind: [niggle\n")
    ((path, line),) = found
    assert line == 3 and "YAML syntax error" in found[(path, line)].message
    found = problems_of("- arrow: people\n  arrow: workforce\n  kind: niggle\n"
                        "  source: data\n  text: x\n")
    assert ("findings[0].arrow", 2) in found


def test_a_file_that_is_not_a_list_says_how_to_write_one():
    found = problems_of("arrow: people\n")
    (problem,) = found.values()
    assert "list of findings" in problem.message and "- arrow" in problem.fix


def test_workspace_register_reads_every_file_and_checks_ids(tmp_path, small_model):
    folder = tmp_path / "findings"
    folder.mkdir()
    (folder / "a.yaml").write_text(GOOD)
    (folder / "b.yml").write_text("- {arrow: people, kind: nugget, source: data, text: z}\n")
    found = load_findings(tmp_path, small_model)
    assert [f.id for f in found] == ["a-1", "who-pays", "b-1"]
    (folder / "c.yaml").write_text(
        "- {id: who-pays, arrow: people, kind: nugget, source: data, text: z}\n")
    with pytest.raises(ModelError, match="who-pays"):
        load_findings(tmp_path, small_model)


def test_no_register_means_no_findings(tmp_path):
    assert load_findings(tmp_path) == []


def test_the_message_says_it_is_the_findings_that_are_wrong(small_model):
    with pytest.raises(ModelError) as info:
        parse_findings("- arrow: people\n  kind: moan\n", "findings/x.yaml", small_model)
    assert str(info.value).startswith("3 problems in the findings:\n  findings/x.yaml:")
