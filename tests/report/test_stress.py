"""The STRESS-DES appendix: every checklist item is there, filled or marked for the team, and what
it states matches the model files, the data and the engine."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from wholeflow.model import load_model, parse_model
from wholeflow.report import stress_facts as facts
from wholeflow.report.stress import (
    TEAM,
    RunFacts,
    stress_items,
    stress_markdown,
    stress_section,
)

BOLTON = Path(__file__).resolve().parents[2] / "src" / "wholeflow" / "examples" / "bolton"

#: The STRESS-DES items as numbered in Monks et al. (2019), written out here independently of
#: the module's own list.
PAPER_ITEMS = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5.1", "2.5.2", "2.5.3",
               "2.5.4", "2.5.5", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.1", "5.2",
               "5.3", "5.4", "6.1"]

TINY = textwrap.dedent("""
    name: tiny
    start_date: 2025-01-06
    warm_up_days: 5  # assumption: short, for the test
    run_days: 20
    services:
      ward:
        capacity: 4  # seed: four beds
        length_of_stay: {dist: exponential, mean: 2}
    arrivals:
      in: {service: ward, per_day: 1.5}
    routes:
      ward: [{to: home, probability: 1}]
    scenarios:
      more_beds:
        changes: {services.ward.capacity: 6}
""")


@pytest.fixture(scope="module")
def bolton_md() -> str:
    return stress_markdown(load_model(BOLTON), RunFacts(12, 2025, 3.5, "a test"))


def bodies(markdown: str) -> dict[str, str]:
    """Item number -> the text under its ``### number name`` heading."""
    parts = re.split(r"^### (\d(?:\.\d)+) .*$", markdown, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_item_is_listed_in_order_with_a_value_or_a_call_to_the_team(bolton_md):
    found = bodies(bolton_md)
    assert list(found) == PAPER_ITEMS
    for number, body in found.items():
        words = re.sub(r"[|`*#\-\s]+", " ", body).strip()
        assert len(words) > 40, f"{number} is empty"
    # only people can say why the study was done and why its assumptions hold
    assert TEAM in found["1.1"]
    assert TEAM.lower() in found["3.4"]
    needs = [i.number for i in stress_items(load_model(BOLTON)) if i.needs_team]
    assert needs == ["1.1", "1.3", "3.1", "3.2", "3.4", "4.3", "6.1"]
    for number, body in found.items():
        assert (TEAM.lower() in body.lower()) == (number in needs)


def test_items_carry_the_model_numbers(bolton_md):
    found = bodies(bolton_md)
    assert "60 days" in found["4.1"] and "acute 170" in found["4.1"]
    assert "365 days of results after 60 days" in found["4.2"]
    assert "12 replications" in found["4.3"]
    assert "PCG64" in found["5.2"] and "seed 2025" in found["5.2"]
    assert "3.5 s for 12 replications" in found["5.4"]
    import numpy
    assert f"| numpy | {numpy.__version__} |" in found["5.1"]
    # a value with its source note, from the comment beside it in the model file
    assert re.search(r"\| services\.darley_court\.referral\.acceptance \| 0\.46 \| fixed \| "
                     r"cited \| seed: 46 % of 921 referrals accepted \| \d+ \|", found["3.3"])
    # a route written as one flow mapping inherits its parent's note
    assert "| routes.imc_at_home.0 | {to: reablement, probability: 0.15} | fixed | assumption " \
           "| assumption: all shares |" in found["3.3"]
    digest = hashlib.sha256((BOLTON / "data" / "bolton-events.csv").read_bytes()).hexdigest()
    assert digest[:16] in found["3.1"]
    assert "acute -->|0.18 general| darley_court" in found["2.1"]
    assert found["2.1"].count("imc_at_home -->|rejected| home") == 1  # each edge once


def test_the_parameter_table_has_every_number_of_the_model_file():
    notes = facts.parameter_notes(load_model(BOLTON))
    text = (BOLTON / "wholeflow.yaml").read_text(encoding="utf-8")
    written = {n.line for n in notes}
    end = text.splitlines().index("scenarios:") + 1
    for i, line in enumerate(text.splitlines()[:end], 1):
        code = line.split(" #")[0]
        if re.search(r":\s*-?\d", code) and not line.lstrip().startswith("#") and \
                i < text.index("\nscenarios:") and "name:" not in code:
            assert i in written, f"line {i} ({line.strip()}) has no row"


def test_scenario_diff_matches_the_model_file():
    model = load_model(BOLTON)
    raw = yaml.safe_load((BOLTON / "wholeflow.yaml").read_text(encoding="utf-8"))
    for name, scenario in raw["scenarios"].items():
        changes = scenario["changes"]
        diff = facts.scenario_diff(model, name)
        assert diff, name
        # nothing changes but what the scenario names
        for c in diff:
            assert any(c.path == k or c.path.startswith(k + ".") for k in changes), c.path
        for key, value in changes.items():
            under = [c for c in diff if c.path == key or c.path.startswith(key + ".")]
            before = _get(raw, key)
            if before != value and not isinstance(value, list):
                assert under, f"{name}: {key} changes but the diff does not show it"
            if isinstance(value, int | float | str) and isinstance(before, int | float | str):
                (c,) = under
                assert (c.before, c.after) == (before, value)
                assert f"-{key}: {before}\n+{key}: {value}" in facts.diff_text(model, name)
            if isinstance(value, int | float) and isinstance(before, dict):  # fixed time
                (c,) = under
                assert c.after == {"dist": "fixed", "value": value}


def _get(data, dotted):
    for part in dotted.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def test_scenario_files_of_a_workspace_are_diffed_too(tmp_path):
    (tmp_path / "wholeflow.yaml").write_text(TINY.split("scenarios:")[0], encoding="utf-8")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "busier.yaml").write_text(
        "description: ten per cent more admissions\nchanges:\n  arrivals.in.per_day: x1.1\n",
        encoding="utf-8")
    model = load_model(tmp_path)
    assert facts.diff_text(model, "busier") == ("-arrivals.in.per_day: 1.5\n"
                                                "+arrivals.in.per_day: 1.65")
    found = bodies(stress_markdown(model))
    assert "busier" in found["1.3"] and "+arrivals.in.per_day: 1.65" in found["2.3"]


def test_a_removed_service_is_one_change():
    text = textwrap.dedent("""
        name: two services
        start_date: 2025-01-06
        services:
          ward: {capacity: 4, length_of_stay: {dist: exponential, mean: 2}}
          rehab: {length_of_stay: {dist: empirical, values: [2, 3]}}
        arrivals:
          in: {service: ward, per_day: 1.5}
        routes:
          ward: [{to: home, probability: 0.5}, {to: rehab, probability: 0.5}]
          rehab: [{to: home, probability: 1}]
        scenarios:
          more_beds:
            remove: [services.rehab]
            changes: {routes.ward: [{to: home, probability: 1}]}
    """)
    model = parse_model(text, "tiny.yaml")
    diff = facts.scenario_diff(model, "more_beds")
    removed = [c.path for c in diff if c.removed]
    assert removed == ["services.rehab", "routes.ward.1", "routes.rehab"]
    assert ("routes.ward.0.probability", 0.5, 1.0) in [(c.path, c.before, c.after) for c in diff]
    # a distribution shows only the parameters it uses
    assert "-services.rehab: {name: null" in facts.diff_text(model, "more_beds")
    assert "quantiles" not in facts.diff_text(model, "more_beds")


def test_list_changes_show_only_the_values_that_moved():
    model = load_model(BOLTON)
    raw = yaml.safe_load((BOLTON / "wholeflow.yaml").read_text(encoding="utf-8"))
    before = raw["routes"]["acute"]["general"]
    after = raw["scenarios"]["trusted_assessor"]["changes"]["routes.acute.general"]
    assert len(before) == len(after)
    diff = {c.path: (c.before, c.after) for c in facts.scenario_diff(model, "trusted_assessor")}
    # routes.acute.general is replaced whole; only the shares that moved are shown
    moved = 0
    for i, (a, b) in enumerate(zip(before, after, strict=True)):
        path = f"routes.acute.general.{i}.probability"
        if a["probability"] == b["probability"]:
            assert path not in diff
        else:
            assert diff[path] == (a["probability"], b["probability"])
            moved += 1
    assert moved >= 2


def test_a_model_without_a_file_still_lists_every_item():
    model = parse_model(TINY, "tiny.yaml")
    found = bodies(stress_markdown(model))
    assert list(found) == PAPER_ITEMS
    assert "not read from a file" in found["3.3"]
    assert "the seed given to the run" in found["5.2"]
    assert "-services.ward.capacity: 4\n+services.ward.capacity: 6" in found["2.3"]


def test_event_kinds_are_the_kernels():
    from wholeflow.engine import kernel
    from wholeflow.report.stress_text import EVENT_KINDS

    assert [getattr(kernel, k) for k in EVENT_KINDS] == list(range(len(EVENT_KINDS)))


def test_comments_beside_values():
    lines = ["a: 1  # seed: one", "# assumption: two", "# lines", "b: 2", "", "c: 'x # y'",
             "d: 4 # note"]
    comments = facts._Comments(lines)
    assert comments.at(1) == "seed: one"
    assert comments.at(4) == "assumption: two lines"
    assert comments.at(6) == ""  # a '#' inside quotes is not a comment
    assert comments.at(7) == "note"
    assert facts.ParameterNote("x", 1, 1, "seed: one").kind == "cited"
    assert facts.ParameterNote("x", 1, 1, "assumed: x; assumption").kind == "assumption"
    assert facts.ParameterNote("x", 1, 1, "Open every day").kind == "note"
    assert facts.ParameterNote("x", 1, 1, "").kind == "none"


def test_the_html_report_ends_with_the_appendix(tmp_path):
    from wholeflow.report.build import build_report, report_sections

    model = parse_model(TINY, "tiny.yaml")
    sections = report_sections(model)
    assert sections[-1].id == "stress-des"
    html = build_report(model)
    assert "Reproducibility appendix (STRESS-DES)" in html
    assert '<pre class="code" tabindex="0"' in html
    assert "+services.ward.capacity: 6" in html
    assert "flowchart LR" not in html  # the report draws the map; Markdown gets Mermaid
    items = [row for b in stress_section(model).blocks if hasattr(b, "frame")
             and "item" in b.frame.columns for row in b.frame["item"]]
    assert items == PAPER_ITEMS


def test_appendix_counts_are_not_suppressed_as_small_numbers():
    from wholeflow.report.build import build_report

    html = build_report(parse_model(TINY, "tiny.yaml"), suppress_small_numbers=True, threshold=8)
    appendix = html[html.index('id="stress-des"'):]
    # 1 arrival stream and 1 route stream: model facts, not counts of people
    assert '<th scope="row">arrivals</th><td>1</td>' in appendix
    assert "&lt;8" not in appendix


def test_imported_files_are_listed_from_the_store(tmp_path):
    import pandas as pd

    from wholeflow.data.storage.importer import import_events

    ws = tmp_path / "ws"
    shutil.copytree(BOLTON, ws, ignore=shutil.ignore_patterns("__pycache__"))
    log = ws / "data" / "bolton-events.csv"
    import_events(log, ws)
    (imported, *others) = facts.data_files(ws)
    raw = pd.read_csv(log)
    assert imported.sha256 == hashlib.sha256(log.read_bytes()).hexdigest()
    assert imported.rows == len(raw)
    when = pd.to_datetime(raw["timestamp"])
    assert (imported.first, imported.last) == (f"{when.min():%Y-%m-%d}", f"{when.max():%Y-%m-%d}")
    assert "in the store" in imported.use
    # the imported log is not listed a second time as a file of data/
    assert [f.file for f in others] == sorted(f"measures/{p.name}"
                                              for p in (ws / "measures").glob("*.csv"))


def test_stored_run_gives_replications_and_seed(tmp_path):
    from wholeflow.experiment.compare import compare
    from wholeflow.report.stress import run_facts

    (tmp_path / "wholeflow.yaml").write_text(TINY, encoding="utf-8")
    compare(tmp_path, ["more_beds"], replications=3, seed=11, workers=1)
    model = load_model(tmp_path)
    run = run_facts(model, None)
    assert (run.replications, run.seed) == (3, 11)
    assert run.seconds is not None and run.seconds >= 0


def test_cli_writes_the_appendix(tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(BOLTON, ws, ignore=shutil.ignore_patterns("__pycache__", "scenarios"))
    (ws / "wholeflow.yaml").write_text(TINY, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "wholeflow", "stress", str(ws), "-n", "2",
                           "--seed", "5"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    text = (ws / "stress-des.md").read_text(encoding="utf-8")
    found = bodies(text)
    assert list(found) == PAPER_ITEMS
    assert "seed 5" in found["5.2"]
    assert re.search(r"\| run time \| [\d.]+ s for 2 replications", found["5.4"])
    out = subprocess.run([sys.executable, "-m", "wholeflow", "stress", str(ws), "--out", "-"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and out.stdout.startswith("# STRESS-DES")


def test_cli_bad_workspace_is_a_clear_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "wholeflow", "stress", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert "wholeflow.yaml" in done.stderr and "Traceback" not in done.stderr
