"""The documentation site: it builds with ``mkdocs build --strict`` (offline), its generated
reference pages are current, and every page in the navigation exists."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
STALE = "is stale: run python docs/gen_site_reference.py"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_site_reference",
                                                  ROOT / "docs" / "gen_site_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_pages(nav) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_pages(item)]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in _nav_pages(value)]
    return []


def _config() -> dict:
    # mkdocs.yml holds no custom tags; read it as plain YAML
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_cli_reference_is_current():
    expected = _generator().cli_md()
    actual = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, f"docs/reference/cli.md {STALE}"


def test_api_reference_is_current_and_complete():
    import wholeflow

    expected = _generator().api_md()
    actual = (ROOT / "docs" / "reference" / "api.md").read_text(encoding="utf-8")
    assert actual == expected, f"docs/reference/api.md {STALE}"
    documented = set(re.findall(r"^::: wholeflow\.[\w.]+\.(\w+)$", actual, flags=re.M))
    assert documented == set(wholeflow.__all__) - {"__version__"}


def test_cli_reference_lists_every_command():
    text = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    for info in _generator().command_app().registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-")
        assert f"## `{name}`" in text, name


def test_every_page_in_the_navigation_exists():
    pages = _nav_pages(_config()["nav"])
    assert len(pages) == len(set(pages))
    for page in pages:
        assert (ROOT / "docs" / page).is_file(), page


def test_site_builds_strict_offline(tmp_path):
    """A copy of the docs plus a page left out of the navigation (as pages written in parallel
    are until they are added) builds with --strict; every navigation page becomes HTML."""
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocstrings_handlers.python")
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", work / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    os.symlink(ROOT / "src", work / "src")
    (work / "docs" / "not-in-nav.md").write_text("# Written in parallel\n", encoding="utf-8")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HTTP_PROXY": "http://127.0.0.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9"}  # offline: any fetch would fail the build
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                          cwd=work, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    for page in _nav_pages(_config()["nav"]):
        assert (site / page.replace(".md", ".html")).is_file(), page
    api = (site / "reference" / "api.html").read_text(encoding="utf-8")
    assert "Read and validate a model file or a workspace folder" in api  # from the docstring
    assert ":class:" not in api and "Raises <code>ModelError</code>" in api  # docs/hooks.py
    assert "fonts.googleapis.com" not in (site / "index.html").read_text(encoding="utf-8")
