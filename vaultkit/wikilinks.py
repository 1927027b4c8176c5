"""A markdown-it-py plugin for Obsidian wikilinks: ``[[Target#Heading|Alias]]``.

Written in the style of mdit-py-plugins: ``wikilinks_plugin(md)`` adds one inline
rule, ``wikilink``, before the standard ``link`` rule. Because it is an inline
rule, text inside code spans and fenced or indented code blocks never reaches it,
so links there are not links. Embeds (``![[...]]``) produce the same token with
``meta["embed"] = True``.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

_MAX_LEN = 1000


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    src = state.src
    pos = state.pos
    embed = False
    if src.startswith("![[", pos):
        embed = True
        start = pos + 3
    elif src.startswith("[[", pos):
        start = pos + 2
    else:
        return False
    end = src.find("]]", start, start + _MAX_LEN)
    if end < 0:
        return False
    inner = src[start:end]
    if not inner.strip() or "\n" in inner or "[[" in inner:
        return False
    if not silent:
        target, _, alias = inner.partition("|")
        token = state.push("wikilink", "", 0)
        token.content = inner
        token.meta = {
            "target": target.strip(),
            "alias": alias.strip() or None,
            "embed": embed,
            "offset": pos,
        }
    state.pos = end + 2
    return True


def wikilinks_plugin(md: MarkdownIt) -> None:
    """Add the ``wikilink`` inline rule to ``md``."""
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
