"""The parsed state of a note vaultkit just wrote, without parsing it all again.

vaultkit only ever changes its own regions, and what a note says (front-matter,
links, tasks, sections) is read with the regions blanked out. So when the bytes
before the front-matter's end are the same and the blanked bodies differ at most in
trailing newlines, everything read from the body is unchanged: only the regions and
the stamp are new. :func:`after_write` checks exactly that and otherwise parses the
note in full; tests/test_reparse.py compares it with a full parse.
"""

from __future__ import annotations

import dataclasses
import hashlib

from .errors import NoteError
from .parse import (
    _HANDLER,
    ParsedNote,
    Region,
    _blank_regions,
    decode,
    find_regions,
    parse_note,
)


def _blanked_body(
    text: str, path: str, regions: tuple[Region, ...] | None = None
) -> tuple[str, str, tuple[Region, ...]] | None:
    """(front-matter part, body with regions blanked, the regions), None if unusual;
    ``regions``: the text's, when they are known already."""
    split = _HANDLER.split_exact(text, path)
    offset = 0 if split is None else split[1]
    if regions is None:
        regions, problem, _ = find_regions(text, path)
        if problem:
            return None
    if regions and regions[0].start < offset:
        return None
    return text[:offset], _blank_regions(text[offset:], regions, offset), regions


def after_write(
    path: str, old_note: ParsedNote | None, old: bytes | None, new: bytes, mtime_ns: int
) -> ParsedNote:
    """The note as parsed from ``new`` (vaultkit's own write over ``old``)."""
    derived = derive(path, old_note, old, new, mtime_ns)
    return derived if derived is not None else parse_note(path, new, mtime_ns)


def derive(
    path: str, old_note: ParsedNote | None, old: bytes | None, new: bytes, mtime_ns: int
) -> ParsedNote | None:
    """``new`` as parsed, made from ``old_note`` (the parse of ``old``) when vaultkit's
    change to it left everything a note says alone; None when that cannot be shown."""
    if old_note is None or old is None or old_note.region_problem or "\r" in old_note.newline:
        return None
    if hashlib.sha256(old).hexdigest() != old_note.sha:
        return None
    try:
        old_text, old_bom = decode(old, path)
        new_text, new_bom = decode(new, path)
        if old_bom != new_bom or "\r" in new_text or "\x00" in new_text:
            return None
        before = _blanked_body(old_text, path, old_note.regions)  # old_note parsed old
        after = _blanked_body(new_text, path)
    except NoteError:
        return None
    if before is None or after is None or before[0] != after[0]:
        return None
    if before[1].rstrip("\n") != after[1].rstrip("\n"):
        return None
    return dataclasses.replace(
        old_note,
        regions=after[2],
        region_problem=None,
        region_problem_line=0,
        size=len(new),
        mtime_ns=mtime_ns,
        sha=hashlib.sha256(new).hexdigest(),
    )
