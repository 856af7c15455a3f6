"""Read YAML while remembering the line of every key and list item, and catching duplicate keys.

PyYAML's ``safe_load`` forgets where things came from and silently keeps the last of two equal
keys. Validation needs both: every problem names its line, and ``services: {acute: ..., acute:
...}`` is a duplicate id, not a quiet overwrite. So we compose the YAML node tree (which carries
positions), build plain Python data from it ourselves, and record, for each *path* (the keys and
list indexes leading to a value), the 1-based line where it was written.

Paths are tuples: mapping keys as ``str``, list positions as ``int``, e.g.
``("routes", "acute", 0, "probability")``. The empty path ``()`` is the document itself.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wholeflow.errors import Problem

Segment = str | int
Path = tuple[Segment, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
#: libyaml's loader when PyYAML was built with it (about ten times faster), else pure Python.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def key_segment(key: Any) -> str:
    """The path segment for a mapping key (keys are compared as text)."""
    return str(key)


def format_path(path: Iterable[Segment]) -> str:
    """``("routes", "acute", 0, "to")`` -> ``routes.acute[0].to``."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out += f".{seg}" if out else str(seg)
    return out


@dataclass(frozen=True)
class SourceMap:
    """Where each path of a YAML document was written: ``file`` and 1-based ``lines``."""

    file: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest written ancestor (the document: line 1)."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None

    def has(self, path: Path) -> bool:
        """Whether ``path`` itself was written in the document."""
        return tuple(path) in self.lines


@dataclass
class LoadedYaml:
    """The outcome of reading one YAML text: data, source map and any problems found."""

    data: Any
    source: SourceMap
    problems: list[Problem]


def load_yaml(text: str, file: str) -> LoadedYaml:
    """Parse ``text`` (the contents of ``file``) into plain data with line numbers.

    Never raises for bad input: YAML syntax errors, duplicate keys, keys that are not plain
    values and recursive aliases come back as located :class:`Problem` items. On a syntax error
    ``data`` is ``None``.
    """
    source = SourceMap(file)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        return LoadedYaml(None, source, [_syntax_problem(err, file, text)])
    except yaml.YAMLError as err:
        return LoadedYaml(None, source, [Problem("", f"YAML syntax error: {err}", file, 1,
                                                 _SYNTAX_FIX)])
    try:
        if root is None:
            return LoadedYaml(None, source, [])
        source.lines[()] = root.start_mark.line + 1
        builder = _Builder(loader, source)
        data = builder.build(root, ())
        return LoadedYaml(data, source, builder.problems)
    except yaml.MarkedYAMLError as err:  # e.g. a bad !!tag or an unconstructable scalar
        return LoadedYaml(None, source, [_syntax_problem(err, file, text)])
    finally:
        loader.dispose()


_SYNTAX_FIX = "check the indentation and quoting on this line and the line above"


def _syntax_problem(err: yaml.MarkedYAMLError, file: str, text: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else None
    what = err.problem or "unreadable YAML"
    if err.context:
        what = f"{what} ({err.context})"
    if column is not None:
        what = f"{what} at column {column}"
    fix = _SYNTAX_FIX
    lines = text.splitlines()
    if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line][:mark.column + 1]:
        fix = "indent with spaces, not tab characters"
    elif "mapping values are not allowed" in (err.problem or ""):
        fix = "put text that contains ': ' in quotes, or check the indentation"
    return Problem("", f"YAML syntax error: {what}", file, line, fix)


class _Builder:
    """Turns a composed node tree into plain data, filling the source map as it goes."""

    def __init__(self, loader: Any, source: SourceMap):
        self.loader = loader
        self.source = source
        self.problems: list[Problem] = []
        self._stack: set[int] = set()

    def build(self, node: Node, path: Path) -> Any:
        if id(node) in self._stack:
            self._problem(path, node, "an alias refers to itself (a recursive structure)",
                          "remove the recursive alias")
            return None
        if isinstance(node, ScalarNode):
            return self.loader.construct_object(node, deep=True)
        self._stack.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            return self.loader.construct_object(node, deep=True)  # pragma: no cover
        finally:
            self._stack.discard(id(node))

    def _sequence(self, node: SequenceNode, path: Path) -> list[Any]:
        items = []
        for i, item in enumerate(node.value):
            self.source.lines.setdefault((*path, i), item.start_mark.line + 1)
            items.append(self.build(item, (*path, i)))
        return items

    def _mapping(self, node: MappingNode, path: Path) -> dict[Any, Any]:
        explicit = {id(k) for k, _ in node.value if k.tag != _MERGE_TAG}
        self.loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        seen: dict[Any, tuple[int, bool]] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key is _BAD_KEY:
                continue
            line = key_node.start_mark.line + 1
            is_explicit = id(key_node) in explicit
            child = (*path, key_segment(key))
            if key in seen and seen[key][1] and is_explicit:
                where = format_path(path) or "the top level"
                self.problems.append(Problem(
                    format_path(child),
                    f"'{key}' appears twice in {where} (first on line {seen[key][0]})",
                    self.source.file, line,
                    "ids and keys must be unique: rename or merge the two entries",
                ))
            seen[key] = (line, is_explicit)
            if is_explicit or child not in self.source.lines:
                self.source.lines[child] = line
            result[key] = self.build(value_node, child)
        return result

    def _key(self, key_node: Node, path: Path) -> Any:
        if not isinstance(key_node, ScalarNode):
            self._problem(path, key_node, "a key must be a plain name, not a list or mapping",
                          "write the key as a single word")
            return _BAD_KEY
        key = self.loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):  # pragma: no cover - scalars always hash
            return _BAD_KEY
        return key

    def _problem(self, path: Path, node: Node, message: str, fix: str) -> None:
        self.problems.append(Problem(format_path(path), message, self.source.file,
                                     node.start_mark.line + 1, fix))


_BAD_KEY = object()
