"""A fast reader for the plain front-matter most notes have, exact or silent.

Most front-matter is ``key: value`` lines, with quoted strings, dates, numbers, flow
lists (``[a, "b"]``) and block lists of scalars. :func:`read_simple` reads exactly
that subset, resolving each plain scalar with vaultkit's own strict YAML resolver,
and returns None for anything else (comments, anchors, tags, block scalars, escapes,
nested structures, continuation lines, duplicate keys, odd characters), so the caller
falls back to the full loader. tests/test_fastyaml.py proves on generated
front-matter that whenever it answers, the answer is the full loader's.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?:( +)(.*))?$")
_ITEM_LINE = re.compile(r"( *)- (.*)$")
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_PLAIN_BAD_START = frozenset("-?:,[]{}#&*!|>'\"%@`= ")
_FLOW_PLAIN = re.compile(r"[^,\[\]{}#:'\"]*")

_MISS = object()


class _Resolver:
    def __init__(self) -> None:
        from .yamlsafe import StrictLoader

        self._loader = StrictLoader("")

    def plain(self, text: str) -> Any:
        """The value of a plain scalar, or _MISS when the full loader must decide."""
        if not text:
            return None
        if text[0] in _PLAIN_BAD_START or text[-1] in " :" or not text.isprintable():
            return _MISS
        if ": " in text or " #" in text:
            return _MISS
        tag = self._loader.resolve(yaml.ScalarNode, text, (True, False))
        if tag == "tag:yaml.org,2002:str":
            return text
        if tag == "tag:yaml.org,2002:int":
            return int(text)
        if tag == "tag:yaml.org,2002:float":
            return float(text)
        if tag == "tag:yaml.org,2002:bool":
            return text.lower() == "true"
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:timestamp":
            m = _DATE.match(text)
            if m:
                try:
                    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    return _MISS
        return _MISS


_resolver: _Resolver | None = None


def _quoted(text: str) -> Any:
    quote = text[0]
    if len(text) < 2 or text[-1] != quote:
        return _MISS
    inner = text[1:-1]
    if quote in inner or "\\" in inner or not inner.isprintable():
        return _MISS
    return inner


def _scalar(text: str, resolver: _Resolver) -> Any:
    text = text.rstrip(" ")
    if text[:1] in ("'", '"'):
        return _quoted(text)
    return resolver.plain(text)


def _flow(text: str, resolver: _Resolver) -> Any:
    """A one-line flow sequence of scalars: ``[a, "b c", 'd']``."""
    text = text.rstrip(" ")
    if not text.endswith("]"):
        return _MISS
    inner = text[1:-1]
    if not inner.strip(" "):
        return [] if inner == "" or inner.strip(" ") == "" else _MISS
    out: list[Any] = []
    pos = 0
    n = len(inner)
    while True:
        while pos < n and inner[pos] == " ":
            pos += 1
        if pos >= n:
            return _MISS  # a trailing comma
        ch = inner[pos]
        if ch in ("'", '"'):
            close = inner.find(ch, pos + 1)
            if close < 0:
                return _MISS
            value = _quoted(inner[pos : close + 1])
            pos = close + 1
        else:
            m = _FLOW_PLAIN.match(inner, pos)
            assert m is not None
            item = m.group(0).rstrip(" ")
            if not item:
                return _MISS
            value = resolver.plain(item)
            pos = m.end()
        if value is _MISS:
            return _MISS
        out.append(value)
        while pos < n and inner[pos] == " ":
            pos += 1
        if pos >= n:
            return out
        if inner[pos] != ",":
            return _MISS
        pos += 1


def read_simple(text: str, first_line: int) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The mapping and each key's file line, or None when the full loader must read it."""
    global _resolver
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if "\t" in text or "\r" in text or "\\" in text:
        return None
    if _resolver is None:
        _resolver = _Resolver()
    resolver = _resolver
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    data: dict[str, Any] = {}
    where: dict[str, int] = {}
    i = 0
    n = len(lines)
    while i < n:
        m = _KEY_LINE.match(lines[i])
        if m is None:
            return None
        key = m.group(1)
        if key in data or resolver.plain(key) != key:
            return None
        raw = (m.group(3) or "").rstrip(" ")
        line = i
        i += 1
        if not raw:
            items: list[Any] = []
            indent: str | None = None
            while i < n:
                item = _ITEM_LINE.match(lines[i])
                if item is None:
                    break
                if indent is None:
                    indent = item.group(1)
                elif item.group(1) != indent:
                    return None
                body = item.group(2).rstrip(" ")
                if not body or body[0] in "[{" or (body[0] == "-" and body[1:2] == " "):
                    return None
                value = _scalar(body, resolver)
                if value is _MISS:
                    return None
                items.append(value)
                i += 1
            value = items if indent is not None else None
        elif raw[0] == "[":
            value = _flow(raw, resolver)
        elif raw[0] in "{|>&*!":
            return None
        else:
            value = _scalar(raw, resolver)
        if value is _MISS:
            return None
        if i < n and lines[i][:1] == " ":
            return None  # a continuation line or a nested block
        data[key] = value
        where[key] = first_line + line
    return data, where
