"""Pydantic's field errors rewritten as located problems in plain words.

Pydantic reports an error as a ``loc`` tuple and a terse message ("Input should be greater than
0"). A ``loc`` mixes data keys with names of union branches (``('routes', 'acute',
'list[Route]', 0, 'probability')``) and reports one error per branch it tried. Here we walk each
``loc`` through the data to find the real path (and so the YAML line), keep only the branch of a
union the user evidently meant (the one whose errors lie deeper inside the value), and rewrite
the message: ``services.acute.capacity: must be at least 0, got -3``.
"""

from __future__ import annotations

import re
import reprlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from wholeflow.errors import Problem
from wholeflow.model import fieldpaths
from wholeflow.model.yaml_lines import Path, format_path, key_segment

#: Where a path was written: (file, line); either may be None.
Locator = Callable[[Path], tuple[str | None, int | None]]

_MISSING = object()
_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = 4
_short.maxdict = 4


@dataclass
class _Located:
    """One pydantic error with its real data path and the union branches its loc went through."""

    error: dict[str, Any]
    path: Path
    tags: list[tuple[int, str]]  # (length of path at the branch, branch name)
    missing: str | None = None  # the missing field's key, for 'missing' errors


def problems_from_validation(
    error: ValidationError, data: Any, root: type[BaseModel], where: Locator
) -> list[Problem]:
    """Located problems for every error pydantic found validating ``data`` as ``root``."""
    located = [_locate(dict(e), data) for e in error.errors(include_url=False)]
    problems = []
    for item in _prune(located, 0):
        message, fix, path = _explain(item, data, root)
        file, line = where(path)
        problems.append(Problem(format_path(path), message, file, line, fix))
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            out.append(p)
    return out


def _child(node: Any, item: Any) -> Any:
    """(path segment, value) of ``item`` under ``node``, or ``_MISSING``."""
    if isinstance(node, dict):
        for k, v in node.items():
            # pydantic writes a key's loc as str(key): 'None' for a null key
            if k == item or key_segment(k) == str(item) or str(k) == str(item):
                return key_segment(k), v
        return _MISSING
    if isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
        return item, node[item]
    return _MISSING


def _locate(error: dict[str, Any], data: Any) -> _Located:
    loc = list(error["loc"])
    missing = str(loc.pop()) if error["type"] == "missing" and loc else None
    path: list[str | int] = []
    tags: list[tuple[int, str]] = []
    node = data
    for item in loc:
        if item == "[key]":
            continue
        found = _child(node, item)
        if found is _MISSING:
            tags.append((len(path), str(item)))
            continue
        segment, node = found
        path.append(segment)
    return _Located(error, tuple(path), tags, missing)


def _prune(errors: list[_Located], depth: int) -> list[_Located]:
    """Keep the union branch the user meant; merge branches that all failed at the top."""
    out = [e for e in errors if len(e.tags) <= depth]
    groups: dict[tuple[Any, ...], list[_Located]] = defaultdict(list)
    for e in errors:
        if len(e.tags) > depth:
            pos = e.tags[depth][0]
            groups[(e.path[:pos], tuple(e.tags[:depth]), pos)].append(e)
    for (_, _, pos), group in groups.items():
        branches: dict[str, list[_Located]] = defaultdict(list)
        for e in group:
            branches[e.tags[depth][1]].append(e)
        if len(branches) == 1:
            out += _prune(group, depth + 1)
            continue
        deep = [es for es in branches.values()
                if any(len(e.path) > pos or e.missing for e in es)]
        if deep:
            for es in deep:
                out += _prune(es, depth + 1)
        else:
            first = group[0]
            merged = dict(first.error, type="wholeflow_union",
                          alternatives=[_describe_branch(t) for t in branches])
            out.append(_Located(merged, first.path[:pos], first.tags[:depth]))
    return out


def _describe_branch(tag: str) -> str:
    special = {
        "int": "a whole number",
        "float": "a number",
        "str": "text",
        "bool": "true or false",
        "list[Route]": "a list of routes",
        "dict[str,list[Route]]": "a mapping from class to a list of routes",
    }
    if tag in special:
        return special[tag]
    if tag.startswith("list[literal["):
        return "a list of " + ", ".join(re.findall(r"'([^']*)'", tag))
    if tag.startswith("literal["):
        return " or ".join(f"'{v}'" for v in re.findall(r"'([^']*)'", tag))
    if tag.startswith("list["):
        return "a list"
    if tag.startswith("dict["):
        return "a mapping"
    from wholeflow.model import schema

    cls = getattr(schema, tag, None)
    if cls is not None and fieldpaths.is_model(cls):
        return f"a mapping with keys {', '.join(fieldpaths.field_names(cls))}"
    return tag


def show(value: Any) -> str:
    """A short, readable rendering of a value for messages."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _short.repr(value)


def _explain(item: _Located, data: Any, root: type[BaseModel]) -> tuple[str, str | None, Path]:
    """(message, fix, path) for one located error."""
    err = item.error
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = show(err.get("input"))
    if _number_as_text(err.get("input")) and kind in _SHAPE_ERRORS:
        text = str(err.get("input")).strip()
        mantissa, _, exponent = text.lower().partition("e")
        written = f"{mantissa}.0e{exponent}" if "." not in mantissa else text
        return (f"a number was expected, got the text {got}: YAML reads a number with an "
                "exponent but no decimal point as text",
                f"write it with a decimal point: {written}", item.path)
    if kind == "extra_forbidden":
        return _unknown_key(item, data, root)
    if err["loc"] and err["loc"][-1] == "[key]":
        fix = ("put the key in quotes: YAML reads yes, no, on and off as true or false"
               if isinstance(err.get("input"), bool) else
               "give the entry a name; an empty key (':' or '~:') is read as null")
        return f"a key must be a name, got {got}", fix, item.path
    if kind == "missing":
        return _missing(item, data, root)
    if kind == "wholeflow_union":
        return (f"must be {' or '.join(err['alternatives'])}, got {got}",
                "write it in one of those forms (docs/reference/model.md shows each field)",
                item.path)
    if kind == "union_tag_invalid":
        from wholeflow.model.distributions import FAMILIES

        tag = str(ctx.get("tag"))
        return (f"unknown distribution '{tag}'{fieldpaths.did_you_mean(tag, FAMILIES)}",
                f"use one of {', '.join(FAMILIES)}", item.path)
    if kind == "union_tag_not_found":
        return ("a distribution needs a 'dist' key naming its family, or a plain number of days",
                "for example {dist: lognormal, mean: 12, sd: 8}", item.path)
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return simple(ctx).format(got=got), _FIXES.get(kind), item.path
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = fieldpaths.did_you_mean(str(err.get("input")), allowed)
        fix = "correct the spelling" if hint else f"use one of {', '.join(allowed)}"
        return f"must be one of {', '.join(allowed)}, got {got}{hint}", fix, item.path
    if kind == "string_pattern_mismatch":
        if item.path and item.path[-1] == "hours":
            return f"must look like 09:00-17:00, got {got}", None, item.path
        return f"has the wrong form, got {got}", f"match {ctx.get('pattern')}", item.path
    if kind in ("value_error", "assertion_error"):
        return (str(ctx.get("error", err["msg"])),
                "see docs/reference/model.md for what this field takes", item.path)
    return (f"{err['msg'][:1].lower()}{err['msg'][1:]}, got {got}",
            "see docs/reference/model.md for what this field takes", item.path)


_FIXES: dict[str, str] = {
    "greater_than_equal": "give a larger value (counts, durations and costs are never negative)",
    "greater_than": "give a value above the limit, e.g. 1",
    "less_than_equal": "give a smaller value; shares and probabilities are between 0 and 1",
    "less_than": "give a smaller value",
    "int_from_float": "write a whole number without a decimal part, e.g. 3",
    "int_type": "write a whole number, e.g. 3",
    "int_parsing": "write a whole number, e.g. 3, without units or quotes",
    "float_type": "write a plain number, e.g. 2.5",
    "float_parsing": "write a plain number, e.g. 2.5, without units or quotes",
    "finite_number": "write a finite number (not .inf or .nan)",
    "bool_type": "write true or false",
    "bool_parsing": "write true or false",
    "string_type": "put the value in quotes, e.g. 'acute'",
    "date_type": "write the date as YYYY-MM-DD, e.g. 2025-04-01",
    "date_parsing": "write the date as YYYY-MM-DD, e.g. 2025-04-01",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD, e.g. 2025-04-01",
    "date_from_datetime_inexact": "drop the time of day: write YYYY-MM-DD",
    "dict_type": "write key: value entries, indented under this key",
    "model_type": "write key: value entries, indented under this key",
    "model_attributes_type": "write key: value entries, indented under this key",
    "list_type": "write a list: [a, b], or one '- item' per line",
    "none_required": "remove the value",
}
"""How to put right each kind of field error (the message says what rule was broken)."""

_SHAPE_ERRORS = {"dict_type", "model_type", "model_attributes_type", "union_tag_not_found",
                 "wholeflow_union", "int_type", "int_parsing", "float_type", "float_parsing"}
_NUMBER_WITH_EXPONENT = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\s*")


def _number_as_text(value: Any) -> bool:
    """Whether ``value`` is text YAML 1.1 left unread although it is a number (``1e-12``)."""
    return isinstance(value, str) and _NUMBER_WITH_EXPONENT.fullmatch(value) is not None


_SIMPLE: dict[str, Callable[[dict[str, Any]], str]] = {
    "greater_than_equal": lambda c: f"must be at least {show(c.get('ge'))}, got {{got}}",
    "greater_than": lambda c: f"must be more than {show(c.get('gt'))}, got {{got}}",
    "less_than_equal": lambda c: f"must be at most {show(c.get('le'))}, got {{got}}",
    "less_than": lambda c: f"must be less than {show(c.get('lt'))}, got {{got}}",
    "int_from_float": lambda c: "must be a whole number, got {got}",
    "int_type": lambda c: "must be a whole number, got {got}",
    "int_parsing": lambda c: "must be a whole number, got {got}",
    "float_type": lambda c: "must be a number, got {got}",
    "float_parsing": lambda c: "must be a number, got {got}",
    "finite_number": lambda c: "must be a finite number, got {got}",
    "bool_type": lambda c: "must be true or false, got {got}",
    "bool_parsing": lambda c: "must be true or false, got {got}",
    "string_type": lambda c: "must be text, got {got}",
    "date_type": lambda c: "must be a date like 2025-04-01, got {got}",
    "date_parsing": lambda c: "must be a date like 2025-04-01, got {got}",
    "date_from_datetime_parsing": lambda c: "must be a date like 2025-04-01, got {got}",
    "date_from_datetime_inexact": lambda c: "must be a date without a time, got {got}",
    "dict_type": lambda c: "must be a mapping of key: value entries, got {got}",
    "model_type": lambda c: "must be a mapping of key: value entries, got {got}",
    "model_attributes_type": lambda c: "must be a mapping of key: value entries, got {got}",
    "list_type": lambda c: "must be a list, got {got}",
    "none_required": lambda c: "must be empty (null), got {got}",
}


def _unknown_key(item: _Located, data: Any, root: type[BaseModel]) -> tuple[str, str | None, Path]:
    key = str(item.path[-1]) if item.path else str(item.error.get("input"))
    parent = item.path[:-1]
    tp, _ = fieldpaths.type_at(root, data, parent)
    allowed = fieldpaths.field_names(tp) if fieldpaths.is_model(tp) else []
    hint = fieldpaths.did_you_mean(key, allowed)
    if hint:
        fix = "correct the spelling, or remove it"
    elif allowed:
        fix = f"remove it, or use one of: {', '.join(allowed)}"
    else:
        fix = "remove it"
    return f"unknown key '{key}'{hint}", fix, item.path


def _missing(item: _Located, data: Any, root: type[BaseModel]) -> tuple[str, str | None, Path]:
    field = item.missing or "?"
    tp, _ = fieldpaths.type_at(root, data, item.path)
    fix = f"add {field}: ..."
    if fieldpaths.is_model(tp):
        for name, f in tp.model_fields.items():
            if field in (name, f.alias) and f.description:
                fix = f"add {field}: <{f.description}>"
    where = format_path(item.path) or "the model"
    return f"'{field}' is required in {where}", fix, item.path
