"""Line numbers of YAML values, so that errors can say where in a file a field is.

PyYAML's composer gives every node a start mark; we walk the node tree once and remember the
line of each value (and of each key, for keys that should not be there) by its path of keys
and list indexes, e.g. ``("pdsa", 0, "start")``.
"""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[Any, ...]


def parse_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """Load ``text`` safely and map each value's path to its 1-based line number.

    Raises ``yaml.YAMLError`` (with ``problem_mark``) when the text is not valid YAML.
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    lines: dict[Path, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value
            lines[(*path, name, "<key>")] = key.start_mark.line + 1
            _walk(value, (*path, name), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of the key (or list item) at ``path``, else of its nearest ancestor."""
    for end in range(len(path), -1, -1):
        prefix = path[:end]
        found = lines.get((*prefix, "<key>"), lines.get(prefix))
        if found is not None:
            return found
    return None
