"""Worked example workspaces shipped with wholeflow, found by folder.

Every folder of this package that holds a ``wholeflow.yaml`` is an example, named after the
folder: adding ``examples/wigan/wholeflow.yaml`` adds ``wholeflow demo wigan`` and a line in
``wholeflow examples``. An example's one-line summary is its model's ``name`` and the first
sentence of its ``description``, read without validating the model (listing stays quick).

Examples the source describes but that are not shipped yet are in :data:`PLANNED`, so asking for
one gives a clear message rather than "no such example".
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from wholeflow.errors import WholeflowError

#: The example ``wholeflow demo`` runs when none is named.
DEFAULT = "bolton"
#: Longest summary shown by ``wholeflow examples`` (characters).
SUMMARY_LENGTH = 100
#: Examples from the AQuA learning report that are planned but not in this version.
PLANNED = {
    "wigan": "Wigan respiratory (COPD): a cohort living with COPD, exacerbations, A&E "
             "attendances and pulmonary rehabilitation",
    "liverpool": "Liverpool complex needs: people who are homeless with complex needs, "
                 "admissions, readmissions and discharge blocked by housing",
}


@dataclass(frozen=True)
class Example:
    """One shipped example workspace (read-only: copy the folder before use)."""

    name: str
    title: str
    summary: str
    folder: Path


def _root() -> Path:
    return Path(str(resources.files("wholeflow.examples")))


def shipped_examples() -> dict[str, Example]:
    """The shipped examples by name, in name order (the default first)."""
    found: dict[str, Example] = {}
    folders = sorted((p for p in _root().iterdir() if (p / "wholeflow.yaml").is_file()),
                     key=lambda p: (p.name != DEFAULT, p.name))
    for folder in folders:
        title, summary = _summary(folder / "wholeflow.yaml")
        found[folder.name] = Example(folder.name, title or folder.name, summary, folder)
    return found


def example_folder(name: str = DEFAULT) -> Path:
    """The folder of the shipped example ``name``; a clear error when there is none."""
    examples = shipped_examples()
    if name in examples:
        return examples[name].folder
    shipped = ", ".join(examples) or "none"
    if name in PLANNED:
        raise WholeflowError(
            f"the {name} example is not shipped yet ({PLANNED[name]}); shipped examples: "
            f"{shipped}. See 'wholeflow examples'.")
    raise WholeflowError(f"no example '{name}'; shipped examples: {shipped} "
                         "(see 'wholeflow examples')")


def _summary(model_file: Path) -> tuple[str, str]:
    """(name, first sentence of the description) of a model file, without validating it."""
    try:
        data = yaml.safe_load(model_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    description = " ".join(str(data.get("description") or "").split())
    first = description.split(". ")[0].rstrip(".")
    if len(first) > SUMMARY_LENGTH:  # one line in a terminal
        first = first[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + " …"
    return str(data.get("name") or ""), first + ("." if first and first[-1] != "…" else "")
