"""Read YAML while remembering the line of every key and list item, and catching duplicate keys.

PyYAML's ``safe_load`` forgets where things came from and silently keeps the last of two equal
keys. Validation needs both: every problem names its line, and ``services: {acute: ..., acute:
...}`` is a duplicate id, not a quiet overwrite. So we compose the YAML node tree (which carries
positions), build plain Python data from it ourselves, and record, for each *path* (the keys and
list indexes leading to a value), the 1-based line where it was written.

Paths are tuples: mapping keys as ``str``, list positions as ``int``, e.g.
``("routes", "acute", 0, "probability")``. The empty path ``()`` is the document itself.

Hostile input is refused with a located problem, never an exception: a value its type tag
cannot hold (``!!int abc``, ``!!timestamp 2025-13-45``, an impossible date such as
``2025-02-30``), nesting deeper than :data:`MAX_DEPTH`, and aliases that expand to more than
:data:`MAX_VALUES` values ("billion laughs"). The expanded size is counted on the composed node
tree before anything is built (anchors are shared nodes there, so counting is linear in the
file's size), so a bomb is refused in milliseconds instead of filling memory.
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

MAX_VALUES = 200_000
"""The most values (keys, list items and scalars, counted after expanding aliases and merge
keys) a model file may hold. The Bolton example holds about 1,300; a 200-service model about
50,000. Beyond this the file is refused as an alias bomb."""

MAX_DEPTH = 100
"""The deepest nesting of mappings and lists a model file may have (the schema needs 6)."""
#: libyaml's loader when PyYAML was built with it (about ten times faster), else pure Python.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def key_segment(key: Any) -> str:
    """The path segment for a mapping key (keys are compared as text), written as YAML
    writes it: ``null`` for an empty key (``~:``), ``true``/``false`` for yes/no keys."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
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
    except yaml.reader.ReaderError as err:
        return LoadedYaml(None, source, [_reader_problem(err, file, text)])
    except yaml.YAMLError as err:
        return LoadedYaml(None, source, [Problem("", f"YAML syntax error: {err}", file, 1,
                                                 _SYNTAX_FIX)])
    except RecursionError:
        return LoadedYaml(None, source, [Problem(
            "", f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)", file, 1,
            "a model needs only a few levels of indentation: check for runaway [ or {")])
    try:
        if root is None:
            return LoadedYaml(None, source, [])
        source.lines[()] = root.start_mark.line + 1
        too_big = _Budget(file).check(root)
        if too_big is not None:
            return LoadedYaml(None, source, [too_big])
        builder = _Builder(loader, source, text)
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
    elif "undefined alias" in (err.problem or ""):
        fix = "define the anchor (&name) before its alias (*name), or quote text that starts " \
              "with *"
    elif "constructor for the tag" in (err.problem or "") or "base64" in (err.problem or ""):
        fix = "remove the tag: a model needs plain values (text, numbers, dates, lists, " \
              "mappings)"
    return Problem("", f"YAML syntax error: {what}", file, line, fix)


def _reader_problem(err: yaml.reader.ReaderError, file: str, text: str) -> Problem:
    """A character YAML does not allow (a control character), with its line."""
    line = text.count("\n", 0, max(err.position, 0)) + 1
    char = err.character if isinstance(err.character, str) else chr(err.character)
    return Problem("", f"the file holds a character YAML does not allow ({char!r}, code "
                   f"{ord(char):#x})", file, line, "delete it; a model file is plain text")


_DEPTH_FIX = "a model needs only a few levels: check for runaway brackets or indentation"


class _Budget:
    """Counts the values a composed tree expands to (aliases and merges included), once per
    node, and finds where it grows past :data:`MAX_VALUES` or :data:`MAX_DEPTH`."""

    def __init__(self, file: str):
        self.file = file
        self._size: dict[int, int] = {}
        self._depth: dict[int, int] = {}

    def check(self, root: Node) -> Problem | None:
        """A located problem when ``root`` is too big or too deep, else None."""
        try:
            size, depth = self._measure(root, set())
        except RecursionError:
            return Problem("", f"the YAML is nested more than {MAX_DEPTH} levels deep",
                           self.file, 1, _DEPTH_FIX)
        if size > MAX_VALUES:
            node = self._culprit(root)
            return Problem("", f"the aliases (*name) here expand to {size:,} values, more than "
                           f"the {MAX_VALUES:,} a model may hold", self.file,
                           node.start_mark.line + 1, "write the values out, or use fewer "
                           "aliases of aliases (an alias bomb is refused before it is expanded)")
        if depth > MAX_DEPTH:
            node = self._deepest(root)
            return Problem("", f"the YAML is nested more than {MAX_DEPTH} levels deep",
                           self.file, node.start_mark.line + 1, _DEPTH_FIX)
        return None

    def _children(self, node: Node) -> list[Node]:
        if isinstance(node, SequenceNode):
            return list(node.value)
        if isinstance(node, MappingNode):
            return [n for pair in node.value for n in pair]
        return []

    def _measure(self, node: Node, stack: set[int]) -> tuple[int, int]:
        # iterative would be longer; the composer itself recursed this deep already
        key = id(node)
        if key in self._size:
            return self._size[key], self._depth[key]
        if key in stack:  # a recursive alias: the builder reports it
            return 1, 1
        stack.add(key)
        size, depth = 1, 0
        for child in self._children(node):
            s, d = self._measure(child, stack)
            size, depth = size + s, max(depth, d)
        stack.discard(key)
        self._size[key], self._depth[key] = size, depth + 1
        return size, depth + 1

    def _culprit(self, node: Node) -> Node:
        """The deepest node still over the budget: where the expansion happens."""
        while True:
            bigger = [c for c in self._children(node) if self._size.get(id(c), 0) > MAX_VALUES]
            if not bigger:
                return node
            node = bigger[0]

    def _deepest(self, node: Node) -> Node:
        for _ in range(MAX_DEPTH):
            deeper = [c for c in self._children(node) if self._depth.get(id(c), 0) > 1]
            if not deeper:
                break
            node = max(deeper, key=lambda c: self._depth.get(id(c), 0))
        return node


class _Builder:
    """Turns a composed node tree into plain data, filling the source map as it goes."""

    def __init__(self, loader: Any, source: SourceMap, text: str = ""):
        self.loader = loader
        self.text = text
        self.source = source
        self.problems: list[Problem] = []
        self._stack: set[int] = set()

    def build(self, node: Node, path: Path) -> Any:
        if id(node) in self._stack:
            self._problem(path, node, "an alias refers to itself (a recursive structure)",
                          "remove the recursive alias")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self._stack.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            return self.loader.construct_object(node, deep=True)  # pragma: no cover
        finally:
            self._stack.discard(id(node))

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        """The value of a scalar; a value its tag cannot hold is a located problem (None)."""
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError:
            raise
        except Exception as err:  # PyYAML's constructors raise many types for a bad value
            tag = node.tag.rsplit(":", 1)[-1]
            explicit = f"!!{tag}" in self._written(node)
            kind = _TAG_WORDS.get(tag, f"a {tag}")
            fix = _TAG_FIXES.get(tag, "write a valid value")
            if explicit:
                fix += f", or remove the !!{tag} tag"
            self._problem(path, node, f"{node.value!r} is not {kind} ({err})", fix)
            return None

    def _written(self, node: Node) -> str:
        """The text of the node's line, as written."""
        lines = self.text.splitlines()
        line = node.start_mark.line
        return lines[line] if 0 <= line < len(lines) else ""

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

_TAG_WORDS = {
    "int": "a whole number", "float": "a number", "bool": "true or false",
    "timestamp": "a real date", "binary": "base64 binary data", "null": "null",
}
_TAG_FIXES = {
    "int": "write a whole number such as 365",
    "float": "write a number such as 1.5",
    "timestamp": "write a real date as YYYY-MM-DD, such as 2025-04-01",
    "bool": "write true or false",
}
