"""A strict, read-only YAML loader for front-matter, built on python-frontmatter.

Front-matter is read, never written back, so the loader only has to be safe and
to keep text as text where Obsidian shows text:

* ``NO``, ``yes``, ``on`` stay strings (only ``true``/``false`` are booleans);
* ``10:00`` stays a string (YAML 1.1 would read it as 600), ``01234`` stays a string;
* dates stay dates (``2026-11-10``);
* duplicate keys, python tags and alias bombs are errors with the line;
* the C loader (libyaml) is used when PyYAML has it, the pure one otherwise.
"""

from __future__ import annotations

import re
from typing import Any

import frontmatter
import yaml

from .errors import NoteError
from .fastyaml import read_simple

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HAS_LIBYAML: bool = _Base is not yaml.SafeLoader

_DROPPED_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}

MAX_NODES = 20_000
"""Most YAML nodes one front-matter may expand to (aliases counted each time used)."""
MAX_FRONTMATTER_CHARS = 256 * 1024
"""Longest front-matter read; a longer one is reported instead."""
MAX_DEPTH = 200
"""Deepest nesting read. libyaml's composer recurses in C: a front-matter of a few
thousand ``[`` or ``- `` would crash the process instead of raising an error."""
_BLOCK_INDENT = re.compile(r"^(?:[ \t]|[?-](?=[ \t]))*", re.MULTILINE)


class StrictLoader(_Base):  # type: ignore[misc]
    """SafeLoader with YAML 1.2-like scalars and duplicate-key detection."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be plain text", key_node.start_mark
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {seen[key] + 1} of the block)",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result


def _timestamp_or_text(loader: Any, node: Any) -> Any:
    """A date YAML cannot build (``2026-02-30``, hour 25) stays text, so the model can
    report it on its own line instead of the whole note failing."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError, AttributeError):  # AttributeError: '!!timestamp x'
        return loader.construct_scalar(node)


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)

StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def _count_nodes(node: Any, budget: int) -> int:
    """Walk the composed graph, counting each use of an alias again; stop past budget."""
    stack = [node]
    count = 0
    while stack:
        current = stack.pop()
        count += 1
        if count > budget:
            return count
        value = current.value
        if isinstance(value, list):
            for item in value:
                if isinstance(item, tuple):
                    stack.extend(item)
                else:
                    stack.append(item)
    return count


_UNCLOSED = {
    "while parsing a flow sequence": "a [ list",
    "while parsing a flow mapping": "a { mapping",
    "while scanning a quoted scalar": "a quoted value",
}


def _error_line(exc: yaml.MarkedYAMLError, text: str) -> int:
    """The 0-based line of ``text`` to blame: where an unclosed bracket or quote opened,
    else where the parser stopped, but never past the last line that has text."""
    if exc.context in _UNCLOSED and exc.context_mark is not None:
        return int(exc.context_mark.line)
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return 0
    if mark.index >= len(text.rstrip()):
        return max(text.rstrip().count("\n"), 0)
    return int(mark.line)


def _nesting_bound(text: str) -> tuple[int, int]:
    """An upper bound of how deep ``text`` nests (open flow brackets, plus the longest
    run of indentation and ``-``/``?`` indicators that starts a line), and the 0-based
    line where it is deepest."""
    depth = deepest = line = flow_line = 0
    for char in text:
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest, flow_line = depth, line
        elif char in "]}" and depth:
            depth -= 1
        elif char == "\n":
            line += 1
    block = block_line = 0
    for m in _BLOCK_INDENT.finditer(text):
        if len(m.group(0)) > block:
            block, block_line = len(m.group(0)), text.count("\n", 0, m.start())
    return deepest + block, flow_line if deepest >= block else block_line


def load_yaml(
    text: str, path: str, first_line: int, fast: bool = True
) -> tuple[Any, dict[str, int]]:
    """Load one YAML document; return the data and the line of each top-level key.

    ``first_line`` is the file line the text starts on, so messages name the file's
    own line. Raises :class:`NoteError` for anything that is not plain, safe YAML.
    Plain ``key: value`` front-matter is read by :func:`fastyaml.read_simple` (the
    same result, faster) unless ``fast`` is False.
    """
    if len(text) > MAX_FRONTMATTER_CHARS:
        raise NoteError(path, first_line, "front-matter is too large to read safely", "yaml")
    simple = read_simple(text, first_line) if fast else None
    if simple is not None:
        return simple
    bound, deepest_line = _nesting_bound(text)
    if bound > MAX_DEPTH:
        raise NoteError(
            path, first_line + deepest_line, "front-matter is nested too deeply", "yaml"
        )
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        if ("&" in text or "*" in text) and _count_nodes(node, MAX_NODES) > MAX_NODES:
            raise NoteError(
                path,
                first_line + node.start_mark.line,
                "front-matter expands to too many values (YAML aliases nested too deep)",
                "yaml",
            )
        data = loader.construct_document(node)
        lines: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                lines.setdefault(str(key_node.value), first_line + key_node.start_mark.line)
        return data, lines
    except yaml.MarkedYAMLError as exc:
        line = first_line + _error_line(exc, text)
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context in _UNCLOSED:
            what = f"{_UNCLOSED[exc.context]} that starts on this line is never closed"
        if "could not determine a constructor" in what:
            what = "tags such as '!!python/...' are not allowed in front-matter"
        raise NoteError(path, line, f"front-matter: {what}", "yaml") from None
    except yaml.YAMLError as exc:
        raise NoteError(path, first_line, f"front-matter: {exc}", "yaml") from None
    except RecursionError:
        raise NoteError(path, first_line, "front-matter is nested too deeply", "yaml") from None
    except Exception as exc:  # PyYAML could not build a value ('!!int abc'): bad input all the same
        raise NoteError(path, first_line, f"front-matter: {exc}", "yaml") from None
    finally:
        loader.dispose()


class VaultYAMLHandler(frontmatter.YAMLHandler):  # type: ignore[misc,name-defined]
    """python-frontmatter's YAML handler, made exact and read-only for vaultkit.

    Obsidian only takes front-matter that starts on the very first line with ``---``
    and ends at the next line that is ``---`` (or ``...``); the stock handler's
    pattern also matches ``----`` anywhere, so the boundary is stricter here, and
    ``split_exact`` returns offsets so the rest of the file is never re-written.
    """

    FM_BOUNDARY = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
    _OPEN = re.compile(r"---[ \t]*\r?\n")

    def detect(self, text: str) -> bool:
        return bool(self._OPEN.match(text))

    def split_exact(self, text: str, path: str) -> tuple[str, int, int] | None:
        """Return (front-matter text, body offset, body's first line), or None if absent."""
        opened = self._OPEN.match(text)
        if opened is None:
            return None
        close = self.FM_BOUNDARY.search(text, opened.end())
        if close is None:
            raise NoteError(
                path, 1, "front-matter opened with '---' on line 1 is never closed", "frontmatter"
            )
        fm = text[opened.end() : close.start()]
        end = close.end()
        if text.startswith("\n", end):
            end += 1
        body_line = text.count("\n", 0, end) + 1
        return fm, end, body_line

    def load(self, fm: str, **kwargs: object) -> Any:
        data, _ = load_yaml(fm, str(kwargs.get("path", "<front-matter>")), 2)
        return data
