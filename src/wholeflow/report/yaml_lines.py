"""YAML with line numbers for the report's own files (the findings register).

A thin layer over :mod:`wholeflow.model.yaml_lines`, the one reader that keeps the line of every
value (and catches duplicate keys) for every file wholeflow validates.
"""

from __future__ import annotations

from typing import Any

from wholeflow.errors import Problem
from wholeflow.model.yaml_lines import Path, load_yaml
from wholeflow.model.yaml_lines import format_path as dotted

__all__ = ["Path", "dotted", "line_of", "load_with_lines"]


def load_with_lines(text: str, file: str) -> tuple[Any, dict[Path, int], list[Problem]]:
    """Parse ``text``; return the data, the line of every path and the problems found."""
    loaded = load_yaml(text, file)
    return loaded.data, loaded.source.lines, loaded.problems


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
