"""Plan the run: compare every output vaultkit wants with what is on disk.

Each file is classified ``create`` / ``update`` / ``unchanged`` / ``conflict`` /
``refused`` before anything is written (as copier does). Only regions change: the
text of a user note outside vaultkit's regions is carried over byte for byte, with
its BOM and line endings.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .actions import Action as Action  # re-exported: the planner's word for it
from .errors import NoteError, Problem, Severity
from .parse import (
    PACKED,
    ParsedNote,
    content_hash,
    decode,
    find_regions,
    parse_note,
    region_hash,
)
from .reparse import derive
from .write import Stamp, read_stamped


@dataclass(frozen=True)
class Output:
    """One thing vaultkit wants on disk: the content of one region of one note.

    ``skeleton`` is the text of a note vaultkit creates when the file does not exist
    yet (a generated note), with ``{region}`` where the region goes; None means the
    output only ever goes into an existing note.
    """

    path: str
    region: str
    content: str
    skeleton: str | None = None


@dataclass
class FilePlan:
    path: str
    action: Action
    changes: dict[str, str] = field(default_factory=dict)
    """Region name -> new content, for the regions that change."""
    conflicts: list[str] = field(default_factory=list)
    old: bytes | None = None
    new: bytes | None = None
    stamp: Stamp | None = None
    problems: list[Problem] = field(default_factory=list)
    parsed: ParsedNote | None = None
    """``new`` as parsed by the last check before writing (its mtime_ns left at 0), so
    that the cache can take it after the write without parsing it again."""


def begin_marker(name: str, digest: str) -> str:
    return f"<!-- vaultkit:begin {name} {digest} (generated: edit outside this block) -->"


def end_marker(name: str) -> str:
    return f"<!-- vaultkit:end {name} -->"


def block(name: str, content: str, newline: str) -> str:
    """A whole region: markers and content, in the note's line endings."""
    if content and not content.endswith("\n"):
        content += "\n"
    body = content.replace("\r\n", "\n").replace("\n", newline)
    return f"{begin_marker(name, region_hash(name, content))}{newline}{body}{end_marker(name)}"


def splice(text: str, path: str, changes: dict[str, str], newline: str) -> str:
    """Apply region changes to a note's text; new regions go at the end."""
    regions, problem, line = find_regions(text, path)
    if problem:
        raise NoteError(path, line, problem, "regions")
    by_name = {r.name: r for r in regions}
    out = text
    for region in sorted(regions, key=lambda r: r.start, reverse=True):
        if region.name in changes:
            out = (
                out[: region.start]
                + block(region.name, changes[region.name], newline)
                + out[region.end :]
            )
    for name in sorted(changes):
        if name in by_name:
            continue
        new = block(name, changes[name], newline)
        if not out:
            out = new + newline
        elif out.endswith("\n"):
            out = out + newline + new + newline
        else:
            out = out + newline + newline + new
    return out


def encode(text: str, bom: bool) -> bytes:
    return ("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8")


def plan_file(
    root: Path, path: str, outputs: list[Output], note: ParsedNote | None, depth: int = 0
) -> FilePlan:
    """Plan one file from its wanted outputs and its parsed state (None: not on disk)."""
    if note is None:
        skeleton = next((o.skeleton for o in outputs if o.skeleton is not None), None)
        if skeleton is None:
            return FilePlan(path, Action.UNCHANGED)
        text = skeleton
        first = outputs[0]
        text = text.replace("{region}", block(first.region, first.content, "\n"), 1)
        rest = {o.region: o.content for o in outputs[1:]}
        if rest:
            text = splice(text, path, rest, "\n")
        return FilePlan(
            path, Action.CREATE, {o.region: o.content for o in outputs}, new=text.encode()
        )
    if note.region_problem:
        return FilePlan(
            path,
            Action.REFUSED,
            problems=[
                Problem(
                    path,
                    note.region_problem_line,
                    f"{note.region_problem}; vaultkit leaves this note alone until the "
                    "markers are mended (or the region removed)",
                    Severity.ERROR,
                    "regions",
                )
            ],
        )
    changes: dict[str, str] = {}
    conflicts: list[str] = []
    created = False
    for out in outputs:
        region = note.region(out.region)
        if region is None:
            changes[out.region] = out.content
            created = True
        elif region.edited:
            if region.current_hash == content_hash(out.content):
                # Edited into exactly what vaultkit wants (Obsidian rewrote the links after
                # a rename, say): no conflict; only the marker's hash is brought up to date.
                changes[out.region] = out.content
            else:
                conflicts.append(out.region)
        elif content_hash(out.content) != region.current_hash:
            changes[out.region] = out.content
    plan = FilePlan(path, Action.UNCHANGED, changes, conflicts)
    for name in conflicts:
        region = note.region(name)
        plan.problems.append(
            Problem(
                path,
                region.line if region else 0,
                f"region {name!r} was edited by hand since vaultkit wrote it; left as it is "
                "(move your text outside the markers, or delete the region to get a fresh one)",
                Severity.WARNING,
                "conflict",
            )
        )
    if not changes:
        plan.action = Action.CONFLICT if conflicts else Action.UNCHANGED
        return plan
    plan.action = Action.CREATE if created and not note.regions else Action.UPDATE
    if not fill(root, plan, note):
        # The note changed since it was parsed: plan again from what is there now.
        if depth >= 3:
            raise NoteError(path, 0, "keeps changing while vaultkit reads it; skipped", "busy")
        assert plan.old is not None and plan.stamp is not None
        fresh = parse_note(path, plan.old, plan.stamp.mtime_ns)
        return plan_file(root, path, outputs, fresh, depth + 1)
    return plan


def fill(root: Path, plan: FilePlan, note: ParsedNote) -> bool:
    """Read the file and compute the new bytes of a plan with changes.

    Returns False (and computes nothing) when the file is no longer what was parsed.
    """
    data, stamp = read_stamped(root / plan.path)
    plan.old, plan.stamp = data, stamp
    if note.sha and stamp.sha != note.sha:
        return False
    text, bom = decode(data, plan.path)
    plan.old, plan.stamp = data, stamp
    plan.new = encode(splice(text, plan.path, plan.changes, note.newline), bom)
    if plan.new == data:
        plan.action = Action.UNCHANGED
        plan.changes = {}
    elif (parsed := checked_parse(plan.path, plan.new, note, plan.changes, data)) is not None:
        plan.parsed = _sharing(parsed, note)
    else:
        plan.action = Action.REFUSED
        plan.new = None
        plan.problems.append(
            Problem(
                plan.path,
                1,
                "vaultkit cannot add its region without changing how the rest of this note "
                "reads (a note that is only '---'?); left as it is",
                Severity.ERROR,
                "regions",
            )
        )
    return True


_OWN_FIELDS = ("regions", "size", "sha", "mtime_ns")
"""What a write of vaultkit's regions changes in a parsed note; the rest stays the same."""


def _sharing(after: ParsedNote, before: ParsedNote) -> ParsedNote:
    """``after``, holding ``before``'s objects wherever the two read the same (one copy
    in memory of what a write of vaultkit's regions left alone)."""
    for f in dataclasses.fields(ParsedNote):
        name = PACKED.get(f.name, f.name)  # packed links and sections: as they read
        if f.name not in _OWN_FIELDS and getattr(after, name) != getattr(before, name):
            return after
    return dataclasses.replace(
        before, regions=after.regions, size=after.size, sha=after.sha, mtime_ns=after.mtime_ns
    )


def checked_parse(
    path: str, new: bytes, note: ParsedNote, changes: dict[str, str], old: bytes | None = None
) -> ParsedNote | None:
    """The last check before a write: the parse of ``new`` if it reads the same
    front-matter and links as ``note`` and every changed region is there, intact
    (else None).

    ``old``, the bytes ``note`` was parsed from, spares the full parse when the write
    only changed what follows the note's text (see :mod:`vaultkit.reparse`)."""
    derived = derive(path, note, old, new, 0) if old is not None else None
    if derived is not None:
        after = derived
    else:
        try:
            after = parse_note(path, new)
        except NoteError:
            return None
    if after.meta != note.meta or after.region_problem:
        return None
    if [(k.target, k.alias, k.embed) for k in after.links] != [
        (k.target, k.alias, k.embed) for k in note.links
    ]:
        return None
    for name in changes:
        region = after.region(name)
        if region is None or region.edited:
            return None
    return after


def group(outputs: list[Output]) -> dict[str, list[Output]]:
    by_path: dict[str, list[Output]] = defaultdict(list)
    for out in outputs:
        by_path[out.path].append(out)
    return dict(sorted(by_path.items()))


def unified_diff(plan: FilePlan) -> str:
    old = (plan.old or b"").decode("utf-8", "replace").splitlines(keepends=True)
    new = (plan.new or b"").decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(
        old,
        new,
        fromfile=f"a/{plan.path}" if plan.old is not None else "/dev/null",
        tofile=f"b/{plan.path}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
