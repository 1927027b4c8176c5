"""Hand-edited regions: vaultkit's proposal kept beside them, and ``vaultkit resolve``.

When a region was edited by hand since vaultkit wrote it, the region is left as it
is and vaultkit writes a *conflict note* in ``<output_folder>/Conflicts/``: one per
note, named after the note's path (``People/Jane Doe.md`` ->
``vaultkit/Conflicts/People - Jane Doe.md``), showing the user's version and
vaultkit's proposal of each conflicting region, and the two ways out:

* ``vaultkit resolve NOTE --take-vaultkit``: the regions get vaultkit's version;
* ``vaultkit resolve NOTE --keep-mine``: the region markers go, the user's text stays
  where it was as ordinary text, and a ``<!-- vaultkit:off NAME -->`` line in its
  place tells vaultkit never to write (nor re-create) that region in this note.

A conflict note is vaultkit's own: it is removed when its conflict is gone, unless
the user edited it (then it is left, and reported).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .backup import RunBackup, remove_checked
from .config import Config
from .errors import NoteError, Problem, Severity, UnsafeWrite, VaultError, WriteConflict
from .names import safe_filename
from .parse import ParsedNote, Region, decode, parse_note
from .plan import FilePlan, Output, block, encode, splice
from .write import atomic_write, read_stamped

REGION = "conflict"
SUBFOLDER = "Conflicts"


def folder_of(config: Config) -> str:
    return f"{config.output_folder.strip('/')}/{SUBFOLDER}"


def note_paths(config: Config, sources: Iterable[str]) -> dict[str, str]:
    """The conflict note of each source note: stable, safe, distinct."""
    folder = folder_of(config)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for rel in sorted(set(sources)):
        name = safe_filename(rel.removesuffix(".md").replace("/", " - "), "note")
        if name.casefold() in taken:
            name = f"{name} {hashlib.sha256(rel.encode('utf-8')).hexdigest()[:8]}"
        taken.add(name.casefold())
        out[rel] = f"{folder}/{name}.md"
    return out


def skeleton(source: str) -> str:
    """The text of a conflict note outside its region: front-matter naming the source."""
    return f"---\nconflict_of: {json.dumps(source, ensure_ascii=False)}\n---\n{{region}}\n"


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"~{3,}", text)), default=2)
    return "~" * max(4, longest + 1)


def _shown(text: str) -> str:
    text = text.replace("\r\n", "\n")
    fence = _fence(text)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{fence}markdown\n{body}{fence}\n"


def command(source: str, choice: str) -> str:
    return f'vaultkit resolve "{source}" --{choice}'


def content(source: str, regions: list[tuple[Region, str]]) -> str:
    """The conflict note's region: each conflicting region, the user's and vaultkit's."""
    target = source.removesuffix(".md")
    lines = [
        f"# Conflict in [[{target}]]",
        "",
        f"These regions of [[{target}]] were edited by hand since vaultkit wrote them, so "
        "vaultkit left them as they are. Compare the two versions, then run one of:",
        "",
        f"- `{command(source, 'take-vaultkit')}`: replace your version with vaultkit's;",
        f"- `{command(source, 'keep-mine')}`: keep yours as your own text; vaultkit will "
        "no longer write that region in this note.",
        "",
        "This note goes away by itself once the conflict is resolved.",
        "",
    ]
    for region, proposal in regions:
        lines += [
            f"## Region `{region.name}`: your version",
            "",
            _shown(region.text),
            f"## Region `{region.name}`: vaultkit's proposal",
            "",
            _shown(proposal),
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass
class Conflicts:
    """The conflicts of one run: the conflict notes wanted and the problems to report."""

    outputs: list[Output] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    """Source note -> its conflict note."""


def gather(
    config: Config,
    notes: dict[str, ParsedNote],
    plans: list[FilePlan],
    wanted: dict[str, list[Output]],
) -> Conflicts:
    """Conflict notes for every plan with hand-edited regions, and the messages naming them."""
    found: dict[str, list[tuple[Region, str]]] = {}
    for fp in plans:
        note = notes.get(fp.path)
        if not fp.conflicts or note is None:
            continue
        proposals = {o.region: o.content for o in wanted.get(fp.path, [])}
        regions = [
            (region, proposals[name])
            for name in sorted(fp.conflicts)
            if (region := note.region(name)) is not None and name in proposals
        ]
        if regions:
            found[fp.path] = regions
    result = Conflicts(notes=note_paths(config, found))
    for source, regions in sorted(found.items()):
        path = result.notes[source]
        result.outputs.append(Output(path, REGION, content(source, regions), skeleton(source)))
        for region, _ in regions:
            result.problems.append(
                Problem(
                    source,
                    region.line,
                    f"region {region.name!r} was edited by hand since vaultkit wrote it; left "
                    f"as it is. vaultkit's version is in {path}; run "
                    f"`{command(source, 'take-vaultkit')}` or `--keep-mine`",
                    Severity.WARNING,
                    "conflict",
                )
            )
    return result


def edited_conflict_notes(plans: list[FilePlan]) -> list[Problem]:
    """Conflict notes the user wrote in: reported, never a conflict note of their own."""
    return [
        Problem(
            fp.path,
            0,
            "you edited this conflict note, so vaultkit no longer updates it; delete it to get "
            "a fresh one",
            Severity.WARNING,
            "conflict",
        )
        for fp in plans
        if fp.conflicts
    ]


def _is_pristine(note: ParsedNote, data: bytes) -> bool:
    """A conflict note exactly as vaultkit wrote it (no word of the user's in it)."""
    source = note.meta.get("conflict_of")
    region = note.region(REGION)
    if not isinstance(source, str) or region is None or region.edited:
        return False
    expected = skeleton(source).replace("{region}", block(REGION, region.text, "\n"), 1)
    return data == expected.encode("utf-8")


def remove_stale(
    root: Path,
    config: Config,
    notes: dict[str, ParsedNote],
    keep: set[str],
    backup: RunBackup | None,
) -> tuple[list[str], list[Problem]]:
    """Remove the conflict notes whose conflict is gone; leave (and report) edited ones."""
    prefix = folder_of(config).casefold() + "/"
    removed: list[str] = []
    problems: list[Problem] = []
    for rel in sorted(notes):
        if not rel.casefold().startswith(prefix) or rel in keep:
            continue
        if "/" in rel[len(prefix) :]:
            continue
        try:
            data, _ = read_stamped(root / rel)
            note = parse_note(rel, data)
            if not _is_pristine(note, data):
                problems.append(
                    Problem(
                        rel,
                        0,
                        "its conflict is resolved, but you edited this note, so vaultkit leaves "
                        "it: delete it when you are done with it",
                        Severity.WARNING,
                        "stale-conflict",
                    )
                )
                continue
            if backup is not None:
                backup.keep(rel, data, None)
            remove_checked(root, rel, hashlib.sha256(data).hexdigest())
            removed.append(rel)
            _drop_if_empty(root, rel)
        except (OSError, NoteError, UnsafeWrite, WriteConflict) as exc:
            if backup is not None:
                backup.discard(rel)
            problems.append(Problem(rel, 0, f"not removed: {exc}", Severity.WARNING, "write"))
    return removed, problems


# --- vaultkit resolve -------------------------------------------------------------


def off_marker(name: str) -> str:
    return f"<!-- vaultkit:off {name} (kept as your own text: vaultkit no longer writes it) -->"


def keep_mine(text: str, regions: list[Region], newline: str) -> str:
    """Turn each region into the user's own text, headed by an off marker."""
    out = text
    for region in sorted(regions, key=lambda r: r.start, reverse=True):
        body = region.text
        if body.endswith(newline):
            body = body[: -len(newline)]
        elif body.endswith("\n"):
            body = body[:-1]
        replacement = off_marker(region.name) + (newline + body if body else "")
        out = out[: region.start] + replacement + out[region.end :]
    return out


@dataclass
class ResolveResult:
    source: str
    regions: list[str]
    conflict_note_removed: bool = False
    problems: list[Problem] = field(default_factory=list)


def source_of(root: Path, config: Config, rel: str) -> str:
    """The note a conflict note is about (or ``rel`` itself for any other note)."""
    if not rel.casefold().startswith(folder_of(config).casefold() + "/"):
        return rel
    try:
        note = parse_note(rel, (root / rel).read_bytes())
    except (OSError, NoteError):
        return rel
    source = note.meta.get("conflict_of")
    return source if isinstance(source, str) else rel


def _drop_if_empty(root: Path, rel: str) -> None:
    """Remove the conflicts folder once its last note is gone (never a folder with files)."""
    with contextlib.suppress(OSError):
        (root / rel).parent.rmdir()


def _by_nfc(path: Path) -> Path:
    """``path`` with each missing part matched to an entry of the same Unicode NFC form
    (a name typed in NFC for a file whose name on disk is NFD, or the other way)."""
    if path.exists() or not path.is_absolute():
        return path
    found = Path(path.anchor)
    for part in path.parts[1:]:
        step = found / part
        if not os.path.lexists(step):
            key = unicodedata.normalize("NFC", part)
            try:
                names = sorted(os.listdir(found))
            except OSError:
                return path
            same = [n for n in names if unicodedata.normalize("NFC", n) == key]
            if len(same) != 1:
                return path
            step = found / same[0]
        found = step
    return found


def relative_note(root: Path, given: str) -> str:
    """A NOTE argument (a path from the vault's root, or from here) as a vault path."""
    candidate = root / given
    if not candidate.is_file():
        candidate = Path(given).absolute()
    if not candidate.is_file():  # the name on disk may be in another Unicode form
        candidate = _by_nfc(root / given)
    if not candidate.is_file():
        candidate = _by_nfc(Path(given).absolute())
    if not candidate.is_file():
        raise VaultError(f"{given}: no such note in {root}")
    if candidate.is_symlink():
        raise VaultError(f"{given}: is a symbolic link; vaultkit does not write through links")
    real = Path(os.path.realpath(candidate))
    if not real.is_relative_to(root):
        raise VaultError(f"{given}: is not inside the vault {root}")
    return real.relative_to(root).as_posix()


def resolve(
    root: Path,
    config: Config,
    rel: str,
    note: ParsedNote | None,
    wanted: list[Output],
    take_vaultkit: bool,
    backup: RunBackup | None,
    notes: dict[str, ParsedNote] | None = None,
) -> ResolveResult:
    """Resolve the hand-edited regions of one note one way or the other."""
    if note is None:
        raise VaultError(f"{rel}: not a note vaultkit reads")
    if note.region_problem:
        raise VaultError(
            f"{rel}:{note.region_problem_line}: {note.region_problem}; mend the markers first"
        )
    proposals = {o.region: o.content for o in wanted}
    edited = [r for r in note.regions if r.edited and r.name in proposals]
    result = ResolveResult(rel, [r.name for r in edited])
    if edited:
        data, stamp = read_stamped(root / rel)
        if stamp.sha != note.sha:
            raise WriteConflict(f"{rel}: changed while vaultkit was reading it; run it again")
        text, bom = decode(data, rel)
        if take_vaultkit:
            new_text = splice(text, rel, {r.name: proposals[r.name] for r in edited}, note.newline)
        else:
            new_text = keep_mine(text, edited, note.newline)
        new = encode(new_text, bom)
        if new != data:
            if backup is not None:
                backup.keep(rel, data, new)
            try:
                atomic_write(root, rel, new, stamp)
            except BaseException:
                if backup is not None:
                    backup.discard(rel)
                raise
    prefix = folder_of(config).casefold() + "/"
    candidates = [
        path
        for path, other in sorted((notes or {}).items())
        if path.casefold().startswith(prefix) and other.meta.get("conflict_of") == rel
    ]
    for conflict_note in candidates:
        data, _ = read_stamped(root / conflict_note)
        cnote = parse_note(conflict_note, data)
        if _is_pristine(cnote, data):
            if backup is not None:
                backup.keep(conflict_note, data, None)
            remove_checked(root, conflict_note, hashlib.sha256(data).hexdigest())
            result.conflict_note_removed = True
            _drop_if_empty(root, conflict_note)
    return result
