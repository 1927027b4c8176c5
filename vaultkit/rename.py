"""``vaultkit rename OLD NEW``: rename a note and every link to it, touching only link text.

This is the one place where vaultkit edits the user's own text, so it is careful:

* a link is rewritten only when it names the note's *file* (``[[Old]]``,
  ``[[old#Heading|shown]]``, ``![[Old]]``, ``[[People/Old.md]]``, a Markdown link
  ``[x](People/Old.md)``, or a front-matter value in any form the note format
  allows); a link through an alias (``[[Jane]]``) still works and is left alone;
* only the name inside the link changes: the folder, ``.md``, heading, block id,
  alias and every other byte are kept;
* links inside code spans and code blocks are not links, and vaultkit's own regions
  are left to ``vaultkit regen``;
* every changed front-matter is read back and compared with what was meant, or the
  note is left alone and reported;
* every write is atomic and re-checked (:func:`vaultkit.write.atomic_write`); the
  note itself is moved with a hard link then an unlink, so nothing is ever replaced.

``vaultkit rename NEW OLD`` undoes it.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from . import prep
from .backup import RunBackup
from .build import Loaded
from .errors import NoteError, Problem, Severity, UnsafeWrite, VaultkitError, WriteConflict
from .model import Kind, link_target, stem_of
from .names import safe_filename
from .parse import _blank_regions, decode, find_regions, nfc_key
from .wikilinks import wikilinks_plugin
from .write import Stamp, _fsync_dir, atomic_write, inside, read_stamped
from .yamlsafe import VaultYAMLHandler, load_yaml

LINK_KEYS: dict[str, Kind | None] = {
    "company": Kind.COMPANY,
    "previous_companies": Kind.COMPANY,
    "introduced_by": Kind.PERSON,
    "with": Kind.PERSON,
    "referrals": Kind.PERSON,
}
"""Front-matter keys whose plain values (``company: Acme Corp``) are names of notes."""

RENAMABLE = (Kind.PERSON, Kind.COMPANY, Kind.MEETING)
MAX_REDO = 3
_WIKILINK_IN_VALUE = re.compile(r"\[\[([^\[\]\n]+?)\]\]")


class RenameError(VaultkitError):
    """The rename cannot be done (unknown note, name taken, ...); nothing was changed."""


@dataclass
class FileEdit:
    """The new bytes of one note whose links change."""

    path: str
    """Where the note is now."""
    target: str
    """Where it is written (differs from ``path`` only for the renamed note)."""
    old: bytes
    new: bytes
    stamp: Stamp
    links: int


@dataclass
class RenamePlan:
    old_path: str
    new_path: str
    edits: list[FileEdit] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    captured: list[str] = field(default_factory=list)
    """Notes with links that already say NEW (matching no note, or this one by an alias):
    they name this note's file after the rename, so an undo would change them too."""
    old_stamp: Stamp | None = None
    old_data: bytes = b""
    sheet_old: str | None = None
    """A renamed meeting's prep sheet, moved with it to ``sheet_new`` (None: no sheet)."""
    sheet_new: str | None = None
    sheet_stamp: Stamp | None = None
    sheet_data: bytes = b""

    @property
    def links(self) -> int:
        return sum(e.links for e in self.edits)

    @property
    def undo(self) -> str:
        return f"vaultkit rename {_shell(stem_of(self.new_path))} {_shell(stem_of(self.old_path))}"

    def diff(self) -> str:
        out = [f"rename {self.old_path} -> {self.new_path}\n"]
        if self.sheet_old is not None:
            out.append(f"rename {self.sheet_old} -> {self.sheet_new}\n")
        for edit in self.edits:
            old = edit.old.decode("utf-8", "replace").splitlines(keepends=True)
            new = edit.new.decode("utf-8", "replace").splitlines(keepends=True)
            for line in difflib.unified_diff(
                old, new, fromfile=f"a/{edit.path}", tofile=f"b/{edit.target}"
            ):
                out.append(
                    line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                )
        return "".join(out)


def _shell(name: str) -> str:
    """A name quoted for a shell: in double quotes when that is safe, else shlex's way."""
    if not any(c in name for c in '"$`\\!'):
        return f'"{name}"'
    return shlex.quote(name)


# -- finding links ----------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    """Decides whether a written name points at the renamed note by its file name."""

    loaded: Loaded
    old_path: str
    new_stem: str
    new_path: str
    moves: dict[str, str] = field(default_factory=dict)
    """Other notes that move with this one (a meeting's prep sheet): old path -> new."""

    @property
    def old_key(self) -> str:
        return nfc_key(stem_of(self.old_path))

    def names_file(self, raw: str, want: Kind | None = None, source: str | None = None) -> bool:
        name = link_target(raw)
        if name.endswith("\\"):  # ``[[Old\\|x]]`` in a table
            name = name[:-1]
        name = name.replace("\\", "/")
        last = name.rsplit("/", 1)[-1]
        if nfc_key(last) != self.old_key:
            return False
        vault = self.loaded.vault
        assert vault.resolver is not None
        if source is not None and name.startswith(("./", "../")):
            return self._relative(name, source) == nfc_key(self.old_path)
        return vault.resolver.resolve(name, vault.kinds, want).target == self.old_path

    def _relative(self, name: str, source: str) -> str | None:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), name))
        if joined.startswith("../") or joined == "..":
            return None
        return nfc_key(joined if joined.casefold().endswith(".md") else joined + ".md")

    def captures(self, raw: str, want: Kind | None = None) -> bool:
        """A link that names NEW and matches no note, or names this note by an alias."""
        name = link_target(raw).replace("\\", "/")
        last = nfc_key(name.rsplit("/", 1)[-1])
        if last != nfc_key(self.new_stem) or last == self.old_key or "/" in name:
            return False
        vault = self.loaded.vault
        assert vault.resolver is not None
        res = vault.resolver.resolve(name, vault.kinds, want)
        # Matching no note today, or this note through an alias: a file link after.
        return res.target == self.old_path or (res.target is None and not res.candidates)


def retarget(raw: str, new_stem: str) -> str:
    """``raw`` (a link's target, e.g. ``People/Old.md#Heading``) with its name changed."""
    hash_at = raw.find("#")
    name_part, rest = (raw, "") if hash_at < 0 else (raw[:hash_at], raw[hash_at:])
    core = name_part.strip()
    lead = name_part[: len(name_part) - len(name_part.lstrip())]
    trail = name_part[len(name_part.rstrip()) :]
    escape = ""
    if core.endswith("\\"):  # ``[[Old\|x]]`` in a table: the backslash escapes the pipe
        core, escape = core[:-1], "\\"
    slash = max(core.rfind("/"), core.rfind("\\"))
    folder, last = core[: slash + 1], core[slash + 1 :]
    ext = last[-3:] if last.casefold().endswith(".md") else ""
    return lead + folder + new_stem + ext + escape + trail + rest


# A Markdown link ``[text](dest)`` as an inline rule that records where it is, so that
# links in code spans and code blocks are never seen (as for wikilinks).
_MDLINK = re.compile(
    r"!?\[(?P<text>[^\[\]\n]*)\]\((?P<dest><[^<>\n]+>|[^()\s]+)(?P<title>[ \t]+\"[^\"\n]*\")?\)"
)


def _mdlink_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] not in "[!":
        return False
    m = _MDLINK.match(state.src, state.pos)
    if m is None:
        return False
    if not silent:
        token = state.push("mdlink", "", 0)
        token.content = m.group(0)
        token.meta = {"dest": m.group("dest"), "dest_at": m.start("dest") - state.pos}
        token.meta["offset"] = state.pos
    state.pos = m.end()
    return True


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    md.disable(["emphasis", "link", "image", "autolink", "html_inline", "entity"])
    md.use(wikilinks_plugin)
    md.inline.ruler.before("wikilink", "mdlink", _mdlink_rule)
    return md


@dataclass(frozen=True)
class Change:
    start: int
    end: int
    text: str


def _locate(line: str, content_line: str, column: int, written: str) -> int | None:
    """Where in a source line the inline content's ``column`` is (the link is verified)."""
    positions = []
    at = line.find(content_line)
    while at >= 0:
        positions.append(at)
        at = line.find(content_line, at + 1)
    for at in reversed(positions):
        if line.startswith(written, at + column):
            return at + column
    if line.count(written) == 1:
        return line.find(written)
    return None


def _body_changes(
    text: str, body_offset: int, body_line: int, path: str, m: Matcher, problems: list[Problem]
) -> tuple[list[Change], int]:
    regions, _, _ = find_regions(text, path)
    body = text[body_offset:]
    blanked = _blank_regions(body, regions, body_offset)
    lines = body.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    changes: list[Change] = []
    captured = 0
    for token in _markdown().parse(blanked):
        if token.type != "inline" or not token.children or not token.map:
            continue
        content_lines = token.content.split("\n")
        for child in token.children:
            if child.type not in ("wikilink", "mdlink"):
                continue
            offset = int(child.meta["offset"])
            k = token.content.count("\n", 0, offset)
            column = offset - (token.content.rfind("\n", 0, offset) + 1)
            idx = token.map[0] + k
            if child.type == "wikilink":
                inner = child.content
                raw = inner.split("|", 1)[0]
                written = ("![[" if child.meta["embed"] else "[[") + inner + "]]"
                if m.captures(raw):
                    captured += 1
                if not m.names_file(raw):
                    continue
                new_raw = retarget(raw, m.new_stem)
                into = len(written) - len(inner) - 2
            else:
                dest = str(child.meta["dest"])
                target = _md_target(dest)
                if target is None or not m.names_file(target, source=path):
                    continue
                written = child.content
                raw = dest
                new_raw = _md_retarget(dest, m.new_stem)
                into = int(child.meta["dest_at"])
            at = (
                _locate(lines[idx], content_lines[k], column, written) if idx < len(lines) else None
            )
            if at is None:
                problems.append(
                    Problem(
                        path,
                        body_line + idx,
                        f"a link to {stem_of(m.old_path)!r} here could not be updated; "
                        "change it by hand",
                        Severity.WARNING,
                        "rename",
                    )
                )
                continue
            start = body_offset + starts[idx] + at + into
            changes.append(Change(start, start + len(raw), new_raw))
    return changes, captured


def _md_target(dest: str) -> str | None:
    """The note a Markdown link's destination names, or None for a web address."""
    if dest.startswith("<") and dest.endswith(">"):
        dest = dest[1:-1]
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", dest):
        return None
    path = unquote(dest.split("#", 1)[0])
    if not path.casefold().endswith(".md"):
        return None
    return path


def _md_retarget(dest: str, new_stem: str) -> str:
    angle = dest.startswith("<") and dest.endswith(">")
    inner = dest[1:-1] if angle else dest
    hash_at = inner.find("#")
    path, rest = (inner, "") if hash_at < 0 else (inner[:hash_at], inner[hash_at:])
    slash = path.rfind("/")
    folder, last = path[: slash + 1], path[slash + 1 :]
    encoded = "%" in last or " " not in unquote(last)
    name = quote(new_stem, safe="") if encoded and not angle else new_stem
    ext = last[-3:]
    out = folder + name + ext + rest
    return f"<{out}>" if angle else out


# -- front-matter ------------------------------------------------------------------------


def _scalars(
    node: yaml.Node, key: str | None, bracketed: bool, seen: set[int]
) -> Iterator[tuple[yaml.ScalarNode, str | None, bool]]:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        yield node, key, bracketed
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            inner = isinstance(item, yaml.SequenceNode) and node.flow_style
            yield from _scalars(item, key, bracketed or bool(inner and item.flow_style), seen)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from _scalars(v, str(k.value) if key is None else key, bracketed, seen)


def _new_value(
    value: str, key: str | None, bracketed: bool, m: Matcher, source: str | None = None
) -> tuple[str, int, int]:
    """The scalar's new value, how many links changed, and how many it captures."""
    want = LINK_KEYS.get(key or "")
    links = captured = 0
    pieces: list[str] = []
    if "](" in value and "[[" not in value:  # a Markdown link (``meeting:`` of a prep sheet)
        pos = 0
        for md in _MDLINK.finditer(value):
            dest = md.group("dest")
            target = _md_target(dest)
            if target is not None and m.names_file(target, source=source):
                pieces.append(value[pos : md.start("dest")] + _md_retarget(dest, m.new_stem))
                pos = md.end("dest")
                links += 1
        if links:
            pieces.append(value[pos:])
            return "".join(pieces), links, 0
    if "[[" in value:
        pos = 0
        for wl in _WIKILINK_IN_VALUE.finditer(value):
            raw = wl.group(1).split("|", 1)[0]
            captured += m.captures(raw, want)
            if m.names_file(raw, want):
                pieces.append(value[pos : wl.start(1)] + retarget(raw, m.new_stem))
                pos = wl.start(1) + len(raw)
                links += 1
        pieces.append(value[pos:])
        return "".join(pieces), links, captured
    if key not in LINK_KEYS and not bracketed:
        return value, 0, 0
    parts = [value]
    if "," in value and not m.names_file(value, want):
        parts = value.split(",")
    out = []
    for part in parts:
        name = part.strip()
        captured += bool(name) and m.captures(name, want)
        if name and m.names_file(name, want):
            lead = part[: len(part) - len(part.lstrip())]
            trail = part[len(part.rstrip()) :]
            out.append(lead + retarget(name, m.new_stem) + trail)
            links += 1
        else:
            out.append(part)
    return ",".join(out), links, captured


def _frontmatter_changes(
    text: str, path: str, m: Matcher, problems: list[Problem]
) -> tuple[list[Change], int, int]:
    opened = VaultYAMLHandler._OPEN.match(text)
    if opened is None:
        return [], 0, 0
    close = VaultYAMLHandler.FM_BOUNDARY.search(text, opened.end())
    if close is None:
        return [], 0, 0
    fm_at = opened.end()
    fm = text[fm_at : close.start()]
    try:
        root = yaml.compose(fm, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return [], 0, 0
    if not isinstance(root, yaml.MappingNode):
        return [], 0, 0
    changes: list[Change] = []
    wanted: dict[int, str] = {}
    links = captured = 0
    for node, key, bracketed in list(_scalars(root, None, False, set())):
        new, n, c = _new_value(node.value, key, bracketed, m, path)
        captured += c
        if not n:
            continue
        src = fm[node.start_mark.index : node.end_mark.index]
        line = node.start_mark.line + 2
        if node.style is None and src == node.value:
            start, end, body = node.start_mark.index, node.end_mark.index, new
        elif node.style in ("'", '"') and src[1:-1] == node.value and "\n" not in src:
            start, end = node.start_mark.index + 1, node.end_mark.index - 1
            body = new.replace("'", "''") if node.style == "'" else new
        else:
            problems.append(
                Problem(
                    path,
                    line,
                    f"{key}: a link to {stem_of(m.old_path)!r} is written in a way vaultkit "
                    "does not edit (escapes or several lines); change it by hand",
                    Severity.WARNING,
                    "rename",
                )
            )
            continue
        changes.append(Change(fm_at + start, fm_at + end, body))
        wanted[node.start_mark.index] = new
        links += n
    if not changes:
        return [], 0, captured
    # Read the changed front-matter back: it must be the same YAML with only these values new.
    new_text = _apply(text, changes)
    new_fm = new_text[fm_at : close.start() + len(new_text) - len(text)]
    if not _same_but(fm, new_fm, wanted, path):
        problems.append(
            Problem(
                path,
                2,
                f"the front-matter's links to {stem_of(m.old_path)!r} could not be updated "
                "safely; change them by hand",
                Severity.WARNING,
                "rename",
            )
        )
        return [], 0, captured
    return changes, links, captured


def _same_but(old_fm: str, new_fm: str, wanted: dict[int, str], path: str) -> bool:
    """The new front-matter reads as the old one with exactly the wanted values changed."""
    try:
        load_yaml(new_fm, path, 2)
        old_root = yaml.compose(old_fm, Loader=yaml.SafeLoader)
        new_root = yaml.compose(new_fm, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, NoteError):
        return False

    def same(a: yaml.Node | None, b: yaml.Node | None) -> bool:
        if type(a) is not type(b) or a is None or b is None:
            return a is None and b is None
        if isinstance(a, yaml.ScalarNode):
            expect = wanted.get(a.start_mark.index, a.value)
            return bool(a.tag == b.tag and b.value == expect)
        if len(a.value) != len(b.value):
            return False
        if isinstance(a, yaml.MappingNode):
            return all(
                same(ka, kb) and same(va, vb)
                for (ka, va), (kb, vb) in zip(a.value, b.value, strict=True)
            )
        return all(same(x, y) for x, y in zip(a.value, b.value, strict=True))

    return same(old_root, new_root)


def _apply(text: str, changes: list[Change]) -> str:
    out = text
    last = len(text) + 1
    for ch in sorted(changes, key=lambda c: c.start, reverse=True):
        if ch.end > last:
            raise RenameError("overlapping link edits; nothing was changed")
        out = out[: ch.start] + ch.text + out[ch.end :]
        last = ch.start
    return out


# -- planning and doing -----------------------------------------------------------------


def file_edit(
    loaded: Loaded, rel: str, m: Matcher, problems: list[Problem]
) -> tuple[FileEdit | None, int]:
    """The new bytes of one note (None when no link in it changes), and its captured links."""
    data, stamp = read_stamped(loaded.root / rel)
    text, bom = decode(data, rel)
    hay = nfc_key(text) + "\n" + nfc_key(unquote(text))  # Markdown links are %-encoded
    if nfc_key(stem_of(m.old_path)) not in hay and nfc_key(m.new_stem) not in hay:
        return None, 0
    fm_changes, _fm_links, fm_captured = _frontmatter_changes(text, rel, m, problems)
    split = VaultYAMLHandler().split_exact(text, rel)
    body_offset, body_line = (0, 1) if split is None else (split[1], split[2])
    body_changes, body_captured = _body_changes(text, body_offset, body_line, rel, m, problems)
    changes = fm_changes + [c for c in body_changes if c.start >= body_offset]
    captured = fm_captured + body_captured
    if not changes:
        return None, captured
    new_text = _apply(text, changes)
    new = (("\ufeff" if bom else "") + new_text).encode("utf-8")
    target = m.new_path if rel == m.old_path else m.moves.get(rel, rel)
    return FileEdit(rel, target, data, new, stamp, len(changes)), captured


def plan_rename(loaded: Loaded, old: str, new: str) -> RenamePlan:
    """Everything a rename would change, computed before anything is written."""
    vault = loaded.vault
    assert vault.resolver is not None
    res = vault.resolver.resolve(old, vault.kinds)
    if res.target is None:
        if res.candidates:
            raise RenameError(
                f"{old!r} matches several notes: {', '.join(res.candidates)}; give the path"
            )
        raise RenameError(f"{old!r} matches no note")
    old_path = res.target
    if vault.kinds[old_path] not in RENAMABLE:
        raise RenameError(
            f"{old_path} is not a person, company or meeting note; rename it in your editor"
        )
    if old_path in loaded.unwritable:
        raise RenameError(f"{old_path}: vaultkit does not write this note (see vaultkit check)")
    new = new.strip()
    if new.casefold().endswith(".md"):
        new = new[:-3]
    if not new or "/" in new or "\\" in new:
        raise RenameError(f"{new!r}: give the new name only, not a path (the folder stays)")
    if safe_filename(new) != new:
        raise RenameError(
            f"{new!r} cannot be a file name in every system; try {safe_filename(new)!r}"
        )
    if new == stem_of(old_path):
        raise RenameError(f"{old_path} is already called {new!r}")
    folder = old_path.rsplit("/", 1)[0] + "/" if "/" in old_path else ""
    new_path = f"{folder}{new}.md"
    taken = vault.resolver.resolve(new, vault.kinds)
    for other in (taken.target, *taken.candidates):
        if other is not None and other != old_path:
            how = "a note" if nfc_key(stem_of(other)) == nfc_key(new) else "an alias of"
            raise RenameError(f"{new!r} is already {how} {other}; links to it would change meaning")
    if nfc_key(new_path) != nfc_key(old_path) and os.path.lexists(loaded.root / new_path):
        raise RenameError(f"{new_path} already exists")
    plan = RenamePlan(old_path, new_path)
    _plan_sheet(loaded, plan, new)
    moves = {plan.sheet_old: plan.sheet_new} if plan.sheet_old and plan.sheet_new else {}
    m = Matcher(loaded, old_path, new, new_path, moves)
    for rel in sorted(vault.notes):
        note = vault.notes[rel]
        if not note.sha:  # could not be read: reported by vaultkit check
            continue
        try:
            edit, captured = file_edit(loaded, rel, m, plan.problems)
        except (OSError, NoteError) as exc:
            plan.problems.append(Problem(rel, 0, f"not read: {exc}", Severity.WARNING, "rename"))
            continue
        if captured:
            plan.captured.append(rel)
        if rel == old_path:
            plan.old_data, plan.old_stamp = (
                read_stamped(loaded.root / rel) if edit is None else (edit.old, edit.stamp)
            )
        if rel == plan.sheet_old:
            plan.sheet_data, plan.sheet_stamp = (
                read_stamped(loaded.root / rel) if edit is None else (edit.old, edit.stamp)
            )
        if edit is None:
            continue
        if rel in loaded.unwritable and rel != old_path:
            plan.problems.append(
                Problem(
                    rel,
                    0,
                    f"links to {stem_of(old_path)!r} not updated: vaultkit does not write this "
                    "note (vaultkit: false, or other hard links)",
                    Severity.WARNING,
                    "rename",
                )
            )
            continue
        plan.edits.append(edit)
    return plan


def _plan_sheet(loaded: Loaded, plan: RenamePlan, new: str) -> None:
    """A renamed meeting's prep sheet moves with it, so the user's notes in it follow."""
    vault = loaded.vault
    meeting = vault.meetings.get(plan.old_path)
    if meeting is None:
        return
    old_sheet = prep.sheet_path(vault, meeting)
    if old_sheet not in vault.notes:
        return
    # The new name is no other note's (checked above), so it needs no hash to be unique.
    new_sheet = prep.sheet_path_of(vault.config.output_folder, new, plan.new_path, lambda: True)
    if new_sheet == old_sheet:
        return
    if old_sheet in loaded.unwritable:
        plan.problems.append(
            Problem(
                old_sheet,
                0,
                "this prep sheet keeps its name: vaultkit does not write it (vaultkit: false, "
                "or other hard links)",
                Severity.WARNING,
                "rename",
            )
        )
        return
    if nfc_key(new_sheet) != nfc_key(old_sheet) and os.path.lexists(loaded.root / new_sheet):
        raise RenameError(f"{new_sheet} already exists; the meeting's prep sheet cannot move there")
    plan.sheet_old, plan.sheet_new = old_sheet, new_sheet


def _move(loaded: Loaded, plan: RenamePlan) -> None:
    """Move the note without ever replacing a file; refuse if it changed since it was read."""
    _move_one(loaded.root, plan.old_path, plan.new_path, plan.old_stamp)


def _move_one(root: Path, old_path: str, new_path: str, expect: Stamp | None) -> None:
    src = inside(root, old_path)
    dst = inside(root, new_path)
    _data, stamp = read_stamped(src)
    if expect is not None and stamp.sha != expect.sha:
        raise RenameError(f"{old_path} changed while vaultkit read the vault; run it again")
    if stamp.nlink > 1:
        raise UnsafeWrite(f"{old_path}: has other hard links; not renamed")
    if _same_entry(src, dst):  # only the case or Unicode form changes, on a disk that ignores it
        os.rename(src, dst)
    elif not _link_then_unlink(src, dst, new_path):
        if os.path.lexists(dst):
            raise RenameError(f"{new_path} appeared meanwhile; nothing renamed")
        os.rename(src, dst)
    _fsync_dir(dst.parent)


def _same_entry(src: Path, dst: Path) -> bool:
    try:
        a, b = os.lstat(src), os.lstat(dst)
    except FileNotFoundError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _link_then_unlink(src: Path, dst: Path, rel: str) -> bool:
    try:
        os.link(src, dst)
    except FileExistsError:
        raise RenameError(f"{rel} appeared meanwhile; nothing renamed") from None
    except OSError:
        return False  # no hard links on this file system: rename after a check
    os.unlink(src)
    return True


def _backup_records(plan: RenamePlan) -> list[tuple[str, bytes | None, bytes | None]]:
    """What the rename changes, for ``vaultkit undo``: each moved note is one file removed
    and one created (with its new links), each other note its old and new bytes."""
    edited = {e.path: e.new for e in plan.edits}
    records: list[tuple[str, bytes | None, bytes | None]] = []
    moved = [(plan.old_path, plan.new_path, plan.old_data)]
    if plan.sheet_old is not None and plan.sheet_new is not None:
        moved.append((plan.sheet_old, plan.sheet_new, plan.sheet_data))
    for old, new, data in moved:
        records += [(old, data, None), (new, None, edited.get(old, data))]
    records += [(e.path, e.old, e.new) for e in plan.edits if e.path == e.target]
    return records


def apply_rename(
    loaded: Loaded, plan: RenamePlan, backup: RunBackup | None = None
) -> list[Problem]:
    """Move the note, then write each note's new links (atomic, re-checked, redone if needed).

    With ``backup``, every file the rename changes is recorded first (see
    vaultkit.backup), so ``vaultkit undo`` puts the vault back as it was.
    """
    if backup is not None:
        try:
            backup.keep_all(_backup_records(plan))
        except OSError as exc:
            raise RenameError(f"nothing renamed: could not keep a backup first ({exc})") from None
    try:
        _move(loaded, plan)
    except BaseException:
        if backup is not None:
            backup.drop()
        raise
    problems: list[Problem] = []
    moves = {}
    if plan.sheet_old is not None and plan.sheet_new is not None:
        try:
            _move_one(loaded.root, plan.sheet_old, plan.sheet_new, plan.sheet_stamp)
            moves[plan.sheet_old] = plan.sheet_new
        except (RenameError, UnsafeWrite, OSError) as exc:
            problems.append(
                Problem(plan.sheet_old, 0, f"prep sheet not moved: {exc}", Severity.WARNING)
            )
            for edit in plan.edits:
                edit.target = edit.path if edit.path == plan.sheet_old else edit.target
            if backup is not None:
                backup.discard(plan.sheet_new)
                backup.keep(plan.sheet_old, plan.sheet_data, _edited(plan, plan.sheet_old))
    m = Matcher(loaded, plan.old_path, stem_of(plan.new_path), plan.new_path, moves)
    created = {plan.new_path, *moves.values()}
    for edit in plan.edits:
        current: FileEdit | None = edit
        for attempt in range(MAX_REDO + 1):
            if current is None:
                break
            try:
                if backup is not None and attempt > 0:
                    before = None if current.target in created else current.old
                    backup.keep(current.target, before, current.new)
                atomic_write(loaded.root, current.target, current.new, current.stamp)
                break
            except WriteConflict:
                if attempt == MAX_REDO:
                    _unrecord(backup, current, created)
                    problems.append(
                        Problem(
                            edit.target,
                            0,
                            "kept changing while vaultkit renamed links in it; check its links",
                            Severity.WARNING,
                            "rename",
                        )
                    )
                    break
                current, _ = _redo(loaded, edit, m, problems)
            except (UnsafeWrite, OSError, NoteError) as exc:
                problems.append(Problem(edit.target, 0, f"not written: {exc}", Severity.ERROR))
                _unrecord(backup, current, created)
                break
    return problems


def _unrecord(backup: RunBackup | None, edit: FileEdit, created: set[str]) -> None:
    """A note's new links were not written: the run record says what is really there."""
    if backup is None:
        return
    if edit.target in created:  # moved, with its links as they were
        with contextlib.suppress(OSError):
            backup.keep(edit.target, None, edit.old)
    else:
        backup.discard(edit.target)


def _edited(plan: RenamePlan, rel: str) -> bytes | None:
    return next((e.new for e in plan.edits if e.path == rel), None) or plan.sheet_data


def _redo(
    loaded: Loaded, edit: FileEdit, m: Matcher, problems: list[Problem]
) -> tuple[FileEdit | None, int]:
    """Plan one note again from what is on disk now (the renamed note at its new place)."""
    return file_edit(loaded, edit.target, m, problems)
