"""How the content of a region is normalised before it is hashed.

A region whose normaliser maps the user's change and vaultkit's text to the same
string does not count as edited (a ticked task in ``followups``, say). Whether a
region was edited is decided when its note is parsed and kept with the parse (in the
cache too), so this module is part of the parser (see ``cache._PARSER_MODULES``): the
same whatever other modules a command imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TASK_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?:[-*+]|\d+[.)])[ \t]+\[(?P<status>.)\][ \t]?(?P<text>.*?)\r?$"
)
"""A task line (``- [ ] text``), as the Tasks plugin reads one."""
ID_PREFIX = "fu-"
ID_RE = re.compile(r"🆔\s*(fu-[0-9a-f]{8})(?![A-Za-z0-9_-])")
"""The id of one of vaultkit's follow-up tasks (Tasks' ``🆔`` field)."""
TRAILING_TAGS = re.compile(r"(?:\s+#[^\s#]+)+$")
WIKILINK = re.compile(r"\[\[[^\[\]\n]*\]\]")


def followups(content: str) -> str:
    """What a ``followups`` region is hashed as: each of vaultkit's task lines reduced to
    its description and id, so ticks, a ``✅`` date, a changed ``📅`` date, tags and
    text the user added to the line do not count as edits. Link targets are left out
    too, on every line: when Obsidian renames a note it rewrites ``[[Old]]`` to
    ``[[New]]`` here, and that is not the user's edit. Other text stays as it is.
    """
    out: list[str] = []
    for line in content.split("\n"):
        m = TASK_RE.match(line)
        found = ID_RE.search(line) if m else None
        if m and found and found.start() >= m.start("text"):
            before = TRAILING_TAGS.sub("", line[m.start("text") : found.start()].rstrip())
            line = f"{m.group('indent')}- [ ] {before.strip()} 🆔 {found.group(1)}"
        out.append(WIKILINK.sub("[[]]", line))
    return "\n".join(out)


NORMALISERS: dict[str, Callable[[str], str]] = {"followups": followups}
"""Region name -> how its content is normalised before hashing (default: not at all);
every other region is compared byte for byte."""
