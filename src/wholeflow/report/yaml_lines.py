"""Read YAML keeping the line of every value, so errors can point at the line to fix.

A small reader for the report's own files (the findings register): PyYAML composes the document
into nodes that know their line; we turn them into plain Python values plus a map from each
value's path (``(2, "arrow")``) to its 1-based line. Syntax errors and duplicate keys come back as
:class:`~wholeflow.errors.Problem` values, never as exceptions.
"""

from __future__ import annotations

from typing import Any

import yaml

from wholeflow.errors import Problem

Path = tuple[str | int, ...]


def load_with_lines(text: str, file: str) -> tuple[Any, dict[Path, int], list[Problem]]:
    """Parse ``text``; return the data, the line of every path and the problems found."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        line = mark.line + 1 if mark is not None else None
        col = f", column {mark.column + 1}" if mark is not None else ""
        return None, {}, [Problem("", f"not valid YAML{col}: {err.problem}", file, line,
                                  "check indentation, colons and quotes on that line")]
    lines: dict[Path, int] = {}
    problems: list[Problem] = []
    if root is None:
        return None, lines, problems
    data = _to_python(root, (), lines, problems, file)
    return data, lines, problems


def _to_python(
    node: yaml.Node, path: Path, lines: dict[Path, int], problems: list[Problem], file: str
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in out:
                problems.append(Problem(
                    dotted((*path, str(key))), f"'{key}' is given twice", file,
                    key_node.start_mark.line + 1, "keep one of them"))
            out[key] = _to_python(value_node, (*path, str(key)), lines, problems, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines, problems, file)
                for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """The Python value of a scalar node, resolved as ``yaml.safe_load`` would."""
    return yaml.SafeLoader("").construct_object(node, deep=True)


def dotted(path: Path) -> str:
    """``("findings", 2, "arrow")`` -> ``findings[2].arrow``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
