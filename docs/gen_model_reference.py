"""Write docs/reference/model.md from the model schema's field descriptions.

Run ``python docs/gen_model_reference.py`` after changing a field; a test fails while the
committed file differs from what this script renders.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from wholeflow.model import (arrows, distributions, ranges, scenarios, schema, validate,
                             validate_arrows)

OUT = Path(__file__).parent / "reference" / "model.md"

#: Sections in reading order: (heading, class).
SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Model (top level)", schema.Model),
    ("Service", schema.Service),
    ("Referral", schema.Referral),
    ("Capacity schedule", schema.CapacitySchedule),
    ("Capacity change", schema.CapacityChange),
    ("Route", schema.Route),
    ("Arrival", schema.Arrival),
    ("Initial census", schema.InitialCensus),
    ("Calendar", schema.Calendar),
    ("Patient class", schema.PatientClass),
    ("Exit", schema.Exit),
    ("Scenario", schema.Scenario),
    ("Team", arrows.Team),
    ("Staff group", arrows.StaffGroup),
    ("Absence", arrows.Absence),
    ("Workforce", arrows.Workforce),
    ("Activity", arrows.Activity),
    ("Named wait", arrows.NamedWait),
    ("Cohort", arrows.Cohort),
    ("Risk group", arrows.RiskGroup),
]
FAMILIES: list[type[BaseModel]] = [
    distributions.Fixed, distributions.Exponential, distributions.Uniform,
    distributions.Triangular, distributions.Normal, distributions.Lognormal,
    distributions.Gamma, distributions.Weibull, distributions.Empirical,
]
_ANCHORS = {cls: heading.split(" (")[0].lower().replace(" ", "-") for heading, cls in SECTIONS}


def _type(tp: Any) -> str:
    """A field type in words, with links to the sections of nested models."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _type(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if set(args) >= set(FAMILIES):
            return "[distribution](#distributions)"
        parts = [_type(a) for a in args]
        return " or ".join(f"({p})" if " to " in p or " of " in p else p for p in parts)
    if origin is Literal:
        return " or ".join(f"`{v}`" for v in typing.get_args(tp))
    if origin is list:
        return f"list of {_type(typing.get_args(tp)[0])}"
    if origin is dict:
        key, value = typing.get_args(tp)
        return f"mapping of {_type(key)} to {_type(value)}"
    if tp in _ANCHORS:
        return f"[{tp.__name__}](#{_ANCHORS[tp]})"
    words = {str: "text", int: "whole number", float: "number", bool: "true or false",
             dt.date: "date", type(None): "null", typing.Any: "any value"}
    return words.get(tp, getattr(tp, "__name__", str(tp)))


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        full = "dist" in type(value).model_fields  # a distribution: show its family too
        return value.model_dump(by_alias=True, exclude_defaults=not full)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _default(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    text = yaml.safe_dump(_plain(value), default_flow_style=True, width=1000).strip()
    return f"`{text.removesuffix('...').strip()}`"


def _limits(field: Any) -> str:
    """The field's numeric limits in words, e.g. 'at least 0'."""
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    found = []
    for item in field.metadata:
        for attr, word in words.items():
            value = getattr(item, attr, None)
            if value is not None:
                found.append(f"{word} {value:g}")
    return ", ".join(found)


def _table(model: type[BaseModel], skip: tuple[str, ...] = ()) -> list[str]:
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        key = field.alias or name
        description = "; ".join(x for x in (field.description, _limits(field)) if x)
        description = description.replace("|", "\\|")
        rows.append(f"| `{key}` | {_type(field.annotation)} | {_default(field)} | "
                    f"{description} |")
    return rows


def _doc(obj: Any) -> str:
    """A docstring as Markdown: reST double backticks and roles become plain code."""
    text = inspect.cleandoc(obj.__doc__ or "").replace("``", "`").replace("::\n", ":\n")
    return re.sub(r":(?:mod|func|class|meth):`~?([^`]+)`", r"`\1`", text)


def render() -> str:
    """The reference page, as Markdown."""
    out = [
        "# Model file reference",
        "",
        "<!-- Generated by docs/gen_model_reference.py from the schema; do not edit. -->",
        "",
        _doc(schema),
        "",
        "Every key is checked: an unknown key is an error that suggests the nearest known one.",
        "Run `wholeflow validate MODEL` to check a model, and `wholeflow schema` for the JSON",
        "Schema (for editor autocompletion).",
        "",
    ]
    for heading, cls in SECTIONS:
        out += [f"## {heading}", "", _doc(cls), "", *_table(cls), ""]
    out += ["## Distributions", "",
            "Durations (length of stay, triage time, transfer delay) are distributions in days,",
            "written as `{dist: <family>, ...}` with the parameters people think in; a plain",
            "number means a fixed duration.", ""]
    for family in FAMILIES:
        tag = typing.get_args(family.model_fields["dist"].annotation)[0]
        out += [f"### `{tag}`", "", _doc(family), "", *_table(family, skip=("dist",)), ""]
    out += ["## Scenarios: patch syntax", "", _doc(scenarios), "",
            "## Validation rules", "", _doc(validate), "",
            "## Workforce, placements, named waits and cohorts", "", _doc(arrows), "",
            "### Their validation rules", "", _doc(validate_arrows), "",
            "## Sensible ranges", "", _doc(ranges), ""]
    return "\n".join(out)


def main() -> int:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
