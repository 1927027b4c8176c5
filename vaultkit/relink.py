"""Moving a line with relative links from one note to another, its links still right.

With Obsidian's ``newLinkFormat: relative`` a link is a path from the note it is in
(``[Jane](../People/Jane.md)``, ``[[../People/Jane|Jane]]``). A follow-up task has one
home line and a copy in the dashboard, which may sit in another folder: the copy's
links are rewritten to start from the dashboard, and a line coming back from the
dashboard (a tick made there) is rewritten to start from its home again. Only links
that lead to a note of the vault are rewritten; anything else (a plain name, a web
address, a link to nothing) is left exactly as it is. In the other link formats a
link does not depend on where it is, and lines are returned unchanged.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote, unquote

from .model import Vault, stem_of

_MD = re.compile(r"(?<!!)\[(?P<text>(?:\\.|[^\[\]\\\n])*)\]\((?P<target>[^()\s]+\.md)\)")
_WIKI = re.compile(r"(?<!!)\[\[(?P<target>[^\[\]|#\n]+)(?:\|(?P<text>[^\[\]\n]*))?\]\]")


def _moved(vault: Vault, target: str, src: str, dst: str) -> str | None:
    """``target`` (a path from ``src``'s folder, ``.md`` included) as a path from
    ``dst``'s folder, or None when it does not lead to a note."""
    if "://" in target or target.startswith("/"):
        return None
    found = posixpath.normpath(posixpath.join(posixpath.dirname(src), target))
    if found not in vault.notes:
        return None
    return posixpath.relpath(found, posixpath.dirname(dst) or ".")


def rebase(vault: Vault, line: str, src: str, dst: str) -> str:
    """``line``, written in the note ``src``, with its relative links made to work in ``dst``."""
    if src == dst or vault.obsidian.link_format != "relative":
        return line

    def markdown(m: re.Match[str]) -> str:
        moved = _moved(vault, unquote(m.group("target")), src, dst)
        if moved is None:
            return m.group(0)
        return f"[{m.group('text')}]({quote(moved, safe='/')})"

    def wikilink(m: re.Match[str]) -> str:
        target = m.group("target")
        moved = _moved(vault, target + ".md", src, dst)
        if moved is None:
            return m.group(0)
        text = m.group("text")
        if text is None:
            text = stem_of(target + ".md")
        moved = moved[:-3]
        return f"[[{moved}]]" if moved == text else f"[[{moved}|{text}]]"

    return _WIKI.sub(wikilink, _MD.sub(markdown, line))
