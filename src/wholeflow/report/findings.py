"""The findings register: what people told us, the qualitative side of the diagnostic.

A workspace keeps findings in ``findings/*.yaml``. Each file holds a list of entries (or a
mapping with a ``findings:`` list); each entry records one thing heard or seen::

    - arrow: information            # people, information, workforce, finance and resources
      kind: root cause              # no-no, niggle, nugget, nice-if, root cause
      text: The referral form is so long that staff fill it in badly to get it done.
      source: staff                 # lived experience, staff, data
      services: [darley_court]
      routes: [acute > darley_court]

The four arrows and the "4 N's" (no-nos, niggles, nuggets, nice-ifs) are those of the AQuA
whole-system flow diagnostic. Values may be written as people say them ("no-no", "Root cause",
"finance & resources"); they are stored as ids (``no_no``, ``root_cause``,
``finance_and_resources``). The register is validated like the model: every problem is reported
at once as a :class:`~wholeflow.errors.ModelError` naming the file, line and field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from wholeflow.errors import ModelError, Problem
from wholeflow.report.yaml_lines import Path as YamlPath
from wholeflow.report.yaml_lines import dotted, line_of, load_with_lines

if TYPE_CHECKING:
    from wholeflow.model.schema import Model

Arrow = Literal["people", "information", "workforce", "finance_and_resources"]
Kind = Literal["no_no", "niggle", "nugget", "nice_if", "root_cause"]
Source = Literal["lived_experience", "staff", "data"]

ARROWS: dict[str, str] = {"people": "People", "information": "Information",
                          "workforce": "Total workforce",
                          "finance_and_resources": "Finance and resources"}
KINDS: dict[str, str] = {"no_no": "No-no", "niggle": "Niggle", "nugget": "Nugget",
                         "nice_if": "Nice-if", "root_cause": "Root cause"}
SOURCES: dict[str, str] = {"lived_experience": "Lived experience", "staff": "Staff",
                           "data": "Data"}
_ALIASES = {"total_workforce": "workforce", "staff_workforce": "workforce",
            "finance": "finance_and_resources", "resources": "finance_and_resources",
            "no_nos": "no_no", "nono": "no_no", "niggles": "niggle", "nuggets": "nugget",
            "nice_ifs": "nice_if", "niceif": "nice_if", "root_causes": "root_cause",
            "lived": "lived_experience", "service_user": "lived_experience",
            "service_users": "lived_experience", "patient": "lived_experience"}
ROUTE_SEPARATOR = re.compile(r"\s*(?:->|→|>)\s*")


def word_id(value: Any) -> Any:
    """'Root cause' -> 'root_cause', 'finance & resources' -> 'finance_and_resources'."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower().replace("&", " and ")
    text = re.sub(r"[\s\-/]+", "_", text)
    return _ALIASES.get(text, text)


class Finding(BaseModel):
    """One entry of the register."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field("", description="short id (default: file name and position)")
    arrow: Arrow = Field(description="people, information, workforce, finance and resources")
    kind: Kind = Field(description="no-no, niggle, nugget, nice-if or root cause")
    text: str = Field(min_length=1, description="what was found, in the words heard")
    source: Source = Field(description="lived experience, staff or data")
    services: list[str] = Field(default_factory=list, description="services it is about")
    routes: list[str] = Field(default_factory=list, description="routes it is about: 'a > b'")
    date: dt.date | None = Field(None, description="when it was heard or seen")
    who: str = Field("", description="who raised it (a role, never a patient's name)")

    _where: tuple[str | None, int | None] = PrivateAttr(default=(None, None))

    @field_validator("arrow", "kind", "source", mode="before")
    @classmethod
    def _as_id(cls, value: Any) -> Any:
        return word_id(value)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def arrow_label(self) -> str:
        return ARROWS[self.arrow]

    @property
    def source_label(self) -> str:
        return SOURCES[self.source]

    def route_pairs(self) -> list[tuple[str, str]]:
        """Routes as (from, to) pairs."""
        pairs = []
        for r in self.routes:
            parts = ROUTE_SEPARATOR.split(r.strip())
            if len(parts) == 2:
                pairs.append((parts[0], parts[1]))
        return pairs


def load_findings(workspace: str | Path, model: Model | None = None) -> list[Finding]:
    """Every finding in ``<workspace>/findings/*.yaml`` (file order, then entry order).

    With ``model``, services and routes named by findings must exist in it. Raises
    :class:`~wholeflow.errors.ModelError` listing every problem in every file.
    """
    folder = Path(workspace) / "findings"
    if not folder.is_dir():
        return []
    findings: list[Finding] = []
    problems: list[Problem] = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        found, bad = _parse(path.read_text(encoding="utf-8"), str(path), model, path.stem)
        findings += found
        problems += bad
    problems += _duplicate_ids(findings)
    if problems:
        raise ModelError(problems, "the findings")
    return findings


def parse_findings(text: str, file: str = "<findings>", model: Model | None = None
                   ) -> list[Finding]:
    """Findings from one file's text; raises ModelError with every problem found."""
    findings, problems = _parse(text, file, model, Path(file).stem)
    problems += _duplicate_ids(findings)
    if problems:
        raise ModelError(problems, "the findings")
    return findings


def _parse(text: str, file: str, model: Model | None, stem: str
           ) -> tuple[list[Finding], list[Problem]]:
    data, lines, problems = load_with_lines(text, file)
    problems = [replace(p, path=_show_text(p.path)) if p.path else p for p in problems]
    if problems and data is None:
        return [], problems
    prefix: YamlPath = ()
    if isinstance(data, dict) and set(data) == {"findings"}:
        data, prefix = data["findings"], ("findings",)
    if data is None:
        return [], problems
    if not isinstance(data, list):
        return [], [*problems, Problem(
            "", "a findings file holds a list of findings", file, line_of(lines, ()),
            "start each finding with '- arrow: ...' (or put the list under 'findings:')")]
    findings = []
    for i, entry in enumerate(data):
        here = (*prefix, i)
        finding, bad = _one(entry, here, lines, file, model)
        problems += bad
        if finding is not None:
            finding._where = (file, line_of(lines, here))
            if not finding.id:
                finding.id = f"{stem}-{i + 1}"
            findings.append(finding)
    return findings, problems


def _one(entry: Any, here: YamlPath, lines: dict[YamlPath, int], file: str,
         model: Model | None) -> tuple[Finding | None, list[Problem]]:
    if not isinstance(entry, dict):
        return None, [Problem(_show(here), "each finding is a mapping of fields", file,
                              line_of(lines, here), "write 'arrow:', 'kind:', 'text:' ...")]
    try:
        finding = Finding.model_validate(entry)
    except ValidationError as err:
        return None, [_problem(e, here, lines, file) for e in err.errors()]
    return finding, _references(finding, here, lines, file, model)


def _problem(error: Any, here: YamlPath, lines: dict[YamlPath, int], file: str) -> Problem:
    loc = tuple(error["loc"])
    path = (*here, *loc)
    field = str(loc[0]) if loc else ""
    kind = error["type"]
    if kind == "missing":
        message, fix = "is missing", f"add '{field}:'"
    elif kind == "extra_forbidden":
        near = difflib.get_close_matches(field, list(Finding.model_fields), n=1)
        message = "is not a field of a finding"
        fix = f"did you mean '{near[0]}'?" if near else (
            "fields are " + ", ".join(Finding.model_fields))
    elif kind == "literal_error":
        choices = {"arrow": ARROWS, "kind": KINDS, "source": SOURCES}.get(field, {})
        message = f"{error.get('input')!r} is not one of the choices"
        fix = "use one of: " + ", ".join(v.lower() for v in choices.values())
    else:
        message, fix = str(error["msg"]).lower(), None
    return Problem(_show(path), message, file, line_of(lines, path), fix)


def _references(finding: Finding, here: YamlPath, lines: dict[YamlPath, int], file: str,
                model: Model | None) -> list[Problem]:
    if model is None:
        return []
    problems = []
    places = [*model.services, *model.exits]
    for i, sid in enumerate(finding.services):
        if sid not in model.services:
            path = (*here, "services", i)
            problems.append(Problem(_show(path), f"no service '{sid}' in the model", file,
                                    line_of(lines, path), _did_you_mean(sid, model.services)))
    for i, text in enumerate(finding.routes):
        path = (*here, "routes", i)
        parts = ROUTE_SEPARATOR.split(text.strip())
        if len(parts) != 2:
            problems.append(Problem(_show(path), f"'{text}' is not a route", file,
                                    line_of(lines, path), "write it as 'from_service > to'"))
            continue
        src, dst = parts
        if src not in model.services or dst not in places:
            bad = src if src not in model.services else dst
            problems.append(Problem(_show(path), f"'{bad}' is not in the model", file,
                                    line_of(lines, path), _did_you_mean(bad, places)))
        elif not any(r.to == dst for k in model.classes for r in model.routes_for(src, k)):
            problems.append(Problem(_show(path), f"the model has no route from {src} to {dst}",
                                    file, line_of(lines, path),
                                    f"add the route to the model or name a route out of {src}"))
    return problems


def _show(path: YamlPath) -> str:
    """Path as written in messages, always starting at ``findings``."""
    return _show_text(dotted(path))


def _show_text(text: str) -> str:
    return text if text.startswith("findings") else "findings" + text


def _did_you_mean(word: str, choices: Any) -> str:
    near = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean '{near[0]}'?" if near else "known ids: " + ", ".join(list(choices)[:12])


def _duplicate_ids(findings: list[Finding]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for f in findings:
        if f.id in seen:
            problems.append(Problem("id", f"'{f.id}' is used by two findings", f._where[0],
                                    f._where[1], "give each finding its own id"))
        seen.add(f.id)
    return problems


def findings_table(findings: list[Finding], names: dict[str, str] | None = None) -> Any:
    """The register as a DataFrame (for the report's section and the workbook)."""
    import pandas as pd

    names = names or {}
    return pd.DataFrame(
        [{"id": f.id, "arrow": f.arrow_label, "kind": f.kind_label, "source": f.source_label,
          "text": f.text, "services": ", ".join(names.get(s, s) for s in f.services),
          "routes": ", ".join(f"{names.get(a, a)} → {names.get(b, b)}"
                              for a, b in f.route_pairs()),
          "date": f.date} for f in findings],
        columns=["id", "arrow", "kind", "source", "text", "services", "routes", "date"],
    )
