"""A fast line scanner for the common shape of a note body, exact or silent.

markdown-it-py's full parse costs about 1 ms a note; most bodies are made of
headings, paragraphs, flat lists and fenced code blocks, for which the block
structure is plain from the first characters of each line. :func:`scan_body` reads
such a body in one pass and returns exactly what ``parse.parse_body`` takes from
markdown-it's tokens: the wikilinks outside code (with their lines), the first line
of every list item and the ATX headings. For anything it does not fully understand
(indented lines, block quotes, HTML blocks, setext headings, thematic breaks,
ordered lists, reference definitions, nested lists, a lone CR...) it returns None,
and the caller uses markdown-it. tests/test_fastbody.py proves on generated bodies
that whenever it answers, the answer is the one markdown-it gives.
"""

from __future__ import annotations

import re

# (offset in the inline source, target, alias, embed)
InlineLink = tuple[int, str, str | None, bool]
# (target, alias, line index in the body, embed)
BodyLink = tuple[str, str | None, int, bool]

_MAX_LEN = 1000  # as wikilinks._MAX_LEN
_INTERESTING = re.compile(r"[\\`\[!]")
_ATX = re.compile(r"#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)$")
_ITEM = re.compile(r"[-*+] (?=[^ \t])")
_ORDERED = re.compile(r"\d{1,9}[.)](?:[ \t]|$)")
_HR = re.compile(r"([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r"(?:=+|-+)[ \t]*$")
_REFDEF = re.compile(r"\[(?:[^\[\]\\]|\\.)*\]:", re.DOTALL)


def inline_links(src: str) -> list[InlineLink]:
    """The wikilinks markdown-it's inline rules (escape, code span, wikilink) find in ``src``."""
    out: list[InlineLink] = []
    if "[[" not in src:
        return out
    n = len(src)
    pos = 0
    search = _INTERESTING.search
    while True:
        m = search(src, pos)
        if m is None:
            return out
        pos = m.start()
        ch = src[pos]
        if ch == "\\":
            pos += 2 if pos + 1 < n else 1
            continue
        if ch == "`":
            end = pos + 1
            while end < n and src[end] == "`":
                end += 1
            length = end - pos
            close = end
            found = -1
            while True:
                start = src.find("`", close)
                if start < 0:
                    break
                close = start + 1
                while close < n and src[close] == "`":
                    close += 1
                if close - start == length:
                    found = close
                    break
            pos = found if found >= 0 else end
            continue
        embed = ch == "!"
        if embed:
            if not src.startswith("![[", pos):
                pos += 1
                continue
            start = pos + 3
        elif src.startswith("[[", pos):
            start = pos + 2
        else:
            pos += 1
            continue
        close = src.find("]]", start, start + _MAX_LEN)
        if close >= 0:
            inner = src[start:close]
            if inner.strip() and "\n" not in inner and "[[" not in inner:
                target, _, alias = inner.partition("|")
                out.append((pos, target.strip(), alias.strip() or None, embed))
                pos = close + 2
                continue
        pos += 1


def _heading(line: str) -> tuple[int, str]:
    """Level and inline source of an ATX heading line (markdown-it's heading rule)."""
    level = len(line) - len(line.lstrip("#"))
    pos = level
    maximum = len(line)
    while maximum > pos and line[maximum - 1] in " \t":
        maximum -= 1
    tmp = maximum
    while tmp > pos and line[tmp - 1] == "#":
        tmp -= 1
    if tmp > pos and line[tmp - 1] in " \t":
        maximum = tmp
    return level, line[pos:maximum]


def _block_start_ok(text: str, rest: str) -> bool:
    """Whether ``text`` (a paragraph's first line) starts a plain paragraph."""
    if not text.strip():
        return False  # only Unicode spaces: markdown-it's trim would cross a line
    first = text[0]
    if first in " \t>|<=":
        return first == "|" or (first == "=" and not _SETEXT.match(text))
    if first == "#":
        return not _ATX.match(text)
    if first in "`~":
        return not text.startswith(("```", "~~~"))
    if first in "-*+_":
        return not (_HR.match(text) or _SETEXT.match(text) or _ITEM.match(text)) and not (
            first != "_" and (len(text) == 1 or text[1] in " \t")
        )
    if first.isdigit():
        return not _ORDERED.match(text)
    if first == "[" and not text.startswith("[["):
        return not _REFDEF.match(rest)
    return True


def scan_body(body: str) -> tuple[list[BodyLink], list[int], list[tuple[int, int, str]]] | None:
    """Links, list-item lines and headings of ``body``, or None to ask markdown-it."""
    if "\r" in body:
        text = body.replace("\r\n", "\n")
        if "\r" in text:
            return None
    else:
        text = body
    lines = text.split("\n")
    links: list[BodyLink] = []
    items: list[int] = []
    headings: list[tuple[int, int, str]] = []
    para: list[str] = []
    para_line = 0
    fence = ""

    def flush() -> None:
        if para:
            src = "\n".join(para)
            for off, target, alias, embed in inline_links(src):
                links.append((target, alias, para_line + src.count("\n", 0, off), embed))
            para.clear()

    offset = 0
    for idx, line in enumerate(lines):
        line_start = offset
        offset += len(line) + 1
        if fence:
            stripped = line.lstrip(" \t")
            if stripped.startswith(fence[0]):
                lead = line[: len(line) - len(stripped)]
                if "\t" in lead:
                    return None
                run = len(stripped) - len(stripped.lstrip(fence[0]))
                if len(lead) <= 3 and run >= len(fence) and not stripped[run:].strip(" \t"):
                    fence = ""
            continue
        if not line.strip(" \t"):
            flush()
            continue
        first = line[0]
        if first in " \t":
            return None
        if first == "#" and _ATX.match(line):
            flush()
            level, src = _heading(line)
            headings.append((level, idx, src.strip()))
            for _, target, alias, embed in inline_links(src):
                links.append((target, alias, idx, embed))
            continue
        if first in "`~":
            m = _FENCE.match(line)
            if m:
                if first == "`" and "`" in m.group(2):
                    return None
                flush()
                fence = m.group(1)
                continue
        if first in "-*+" and _ITEM.match(line):
            if _HR.match(line):
                return None
            flush()
            content = line[2:]
            if not _block_start_ok(content, text[line_start + 2 :]):
                return None
            items.append(idx)
            para.append(content)
            para_line = idx
            continue
        if para:
            # A continuation line (of a paragraph or, lazily, of a list item's one).
            if not _block_start_ok(line, ""):
                return None
            para.append(line)
            continue
        if not _block_start_ok(line, text[line_start:]):
            return None
        para.append(line)
        para_line = idx
    flush()
    return links, items, headings
