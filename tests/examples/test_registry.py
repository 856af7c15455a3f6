"""The example registry: a folder with wholeflow.yaml is an example; unknown or planned names give
clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import wholeflow.examples as registry
from wholeflow.cli.demo import prepare_workspace
from wholeflow.errors import WholeflowError


def test_bolton_is_shipped_and_first():
    found = registry.shipped_examples()
    assert next(iter(found)) == "bolton"
    bolton = found["bolton"]
    assert (bolton.folder / "wholeflow.yaml").is_file()
    assert bolton.title == "Bolton Intermediate Tier"
    assert "\n" not in bolton.summary and len(bolton.summary) <= registry.SUMMARY_LENGTH + 2
    assert registry.example_folder() == bolton.folder


def test_adding_a_folder_adds_an_example(tmp_path, monkeypatch):
    shutil.copytree(registry.example_folder("bolton"), tmp_path / "bolton",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "zeta").mkdir()
    (tmp_path / "zeta" / "wholeflow.yaml").write_text(
        "name: Zeta\ndescription: A second place. More words.\n", encoding="utf-8")
    (tmp_path / "not_an_example").mkdir()  # no model file: not listed
    monkeypatch.setattr(registry, "_root", lambda: tmp_path)
    found = registry.shipped_examples()
    assert list(found) == ["bolton", "zeta"]
    assert (found["zeta"].title, found["zeta"].summary) == ("Zeta", "A second place.")
    assert registry.example_folder("zeta") == tmp_path / "zeta"


def test_planned_and_unknown_examples_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "_root", lambda: tmp_path)  # nothing shipped here
    with pytest.raises(WholeflowError, match="the wigan example is not shipped yet"):
        registry.example_folder("wigan")
    with pytest.raises(WholeflowError, match="no example 'nowhere'"):
        registry.example_folder("nowhere")


def test_a_demo_folder_of_one_example_is_not_reused_for_another(tmp_path):
    out = tmp_path / "demo"
    assert prepare_workspace(out, "bolton") == out
    assert prepare_workspace(out, "bolton") == out  # reused as it is
    with pytest.raises(WholeflowError, match="holds the bolton example, not wigan"):
        prepare_workspace(out, "wigan")


def test_a_demo_folder_of_an_older_version_counts_as_bolton(tmp_path):
    out = tmp_path / "demo"
    (out / ".wholeflow").mkdir(parents=True)
    (out / ".wholeflow" / "demo").write_text("made by wholeflow demo\n", encoding="utf-8")
    assert prepare_workspace(out, "bolton") == out
    assert not (out / "wholeflow.yaml").exists()  # reused, not copied over
    assert Path(out).is_dir()
