"""Writing a model file with a comment beside each number saying where it came from.

PyYAML cannot write comments, so calibrated models are built as a small tree of
:class:`Entry` objects and emitted here: block mappings for structure, flow style for leaf values
(``{dist: lognormal, mean: 5.2, sd: 3.9}``), and ``# comment`` at the end of the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

INDENT = "  "


@dataclass
class Entry:
    """One key of a mapping: a value (scalar or flow collection), a block, or a list."""

    key: str
    value: Any = None
    comment: str | None = None
    children: list[Entry] | None = None
    """A nested block mapping."""
    items: list[tuple[Any, str | None]] = field(default_factory=list)
    """A block sequence of (flow value, comment)."""


def flow(value: Any) -> str:
    """A value in YAML flow style on one line (``{a: 1}``, ``[x, y]``, ``0.5``, ``'yes'``)."""
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6,
                          allow_unicode=True).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    elif text == "...":
        text = ""
    return text


def _comment(text: str | None) -> str:
    return f"  # {' '.join(text.split())}" if text else ""


def emit(entries: list[Entry], depth: int = 0) -> list[str]:
    """The lines of a block mapping made of ``entries``."""
    pad = INDENT * depth
    lines: list[str] = []
    for entry in entries:
        key = flow(entry.key)
        if entry.children is not None:
            if not entry.children:
                lines.append(f"{pad}{key}: {{}}{_comment(entry.comment)}")
                continue
            lines.append(f"{pad}{key}:{_comment(entry.comment)}")
            lines.extend(emit(entry.children, depth + 1))
        elif entry.items:
            lines.append(f"{pad}{key}:{_comment(entry.comment)}")
            lines.extend(f"{pad}{INDENT}- {flow(v)}{_comment(c)}" for v, c in entry.items)
        else:
            lines.append(f"{pad}{key}: {flow(entry.value)}{_comment(entry.comment)}")
    return lines


def render(entries: list[Entry], header: list[str]) -> str:
    """A whole YAML document: ``header`` lines as comments, then the entries."""
    head = [f"# {line}" if line else "#" for line in header]
    return "\n".join([*head, *emit(entries)]) + "\n"
