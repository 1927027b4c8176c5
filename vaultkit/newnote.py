"""New person, company and meeting notes, written from templates.

``vaultkit new person|company|meeting`` renders ``templates/new/<kind>.md.j2`` (a
file of the same name in the vault's templates folder overrides it), checks that
the result is a note vaultkit can read, and creates it with an atomic write that
never replaces an existing file. A name that already belongs to a note (by file
name in any case, or by alias) is reused rather than duplicated.

Front-matter follows what Obsidian's Properties expect: links are quoted
(``"[[Acme Corp]]"``), ``tags`` and ``aliases`` are lists, dates are ISO dates.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .build import Loaded
from .errors import NoteError, VaultkitError, WriteConflict
from .model import _KIND_WORDS, MEETING_KINDS, Kind, link_target, parse_time, stem_of
from .names import safe_filename
from .parse import nfc_key, parse_note
from .render import Templates
from .write import atomic_write
from .yamlsafe import load_yaml


class NewNoteError(VaultkitError):
    """A new note cannot be created (bad option, or the name is taken)."""


@dataclass(frozen=True)
class Created:
    """The outcome of ``vaultkit new``: the note's path, and whether it was created now."""

    path: str
    created: bool
    hints: tuple[str, ...] = ()
    """Things worth telling the user (a company that has no note yet, ...)."""


def yaml_scalar(value: object) -> str:
    """A front-matter value as YAML: plain when it reads back as the same text, else quoted."""
    if value is None:
        return '""'
    if isinstance(value, bool | int):
        return json.dumps(value)
    text = str(value)
    plain_ok = (
        text == text.strip()
        and text != ""
        and "\n" not in text
        and not text.startswith(("[", "{", "!", "&", "*", "|", ">", "'", '"', "%", "@", "`", "-"))
    )
    if plain_ok:
        try:
            data, _ = load_yaml(f"k: {text}\n", "<value>", 1)
        except NoteError:
            data = None
        if isinstance(data, dict) and data.get("k") == text:
            return text
    return json.dumps(text, ensure_ascii=False)


def wikilink_value(link: str) -> str:
    """A quoted wikilink for front-matter: ``"[[Acme Corp]]"``."""
    return json.dumps(link, ensure_ascii=False)


def _folder_link(loaded: Loaded, path: str) -> str:
    """A wikilink to a note for front-matter (Properties only take wikilinks)."""
    vault = loaded.vault
    if vault.unique_stem(path):
        return f"[[{stem_of(path)}]]"
    return f"[[{path[:-3]}|{stem_of(path)}]]"


def find_existing(loaded: Loaded, name: str, kind: Kind) -> str | None:
    """The note that ``name`` names, by file name (any case, NFC) or alias, of this kind."""
    vault = loaded.vault
    assert vault.resolver is not None
    res = vault.resolver.resolve(name, vault.kinds, kind)
    if res.target is not None and vault.kinds.get(res.target) == kind:
        return res.target
    return None


def _linked(
    loaded: Loaded, name: str | None, kind: Kind, hints: list[str], option: str
) -> str | None:
    """A link to an existing note named ``name`` or, when there is none, to the name as typed."""
    if name is None or not name.strip():
        return None
    name = name.strip()
    if name.startswith("[[") and name.endswith("]]"):
        name = link_target(name)
    found = find_existing(loaded, name, kind)
    if found is not None:
        return _folder_link(loaded, found)
    if "[" in name or "]" in name or "|" in name or "#" in name:
        raise NewNoteError(f"{option} {name!r}: give a plain name, without brackets, | or #")
    hints.append(
        f"no {kind} note named {name!r} yet; create it with: vaultkit new {kind} {json.dumps(name)}"
    )
    return f"[[{name}]]"


def _folder(loaded: Loaded, folders: tuple[str, ...], what: str) -> str:
    """The first configured folder, spelled as it already is on disk (``people/``)."""
    if not folders:
        raise NewNoteError(f"the config names no folder for {what} notes")
    wanted = folders[0].strip("/")
    return existing_spelling(loaded.root, wanted)


def existing_spelling(root: Path, folder: str) -> str:
    """``folder`` with each part spelled as an existing folder spells it, in any case."""
    parts: list[str] = []
    here = root
    for part in folder.split("/"):
        try:
            names = sorted(e.name for e in os.scandir(here) if e.is_dir(follow_symlinks=False))
        except OSError:
            names = []
        same = [n for n in names if n == part] or [n for n in names if nfc_key(n) == nfc_key(part)]
        part = same[0] if same else part
        parts.append(part)
        here = here / part
    return "/".join(parts)


def _exists(loaded: Loaded, rel: str) -> bool:
    """A file of that name is there already (in any case: think of case-insensitive disks)."""
    key = nfc_key(rel)
    if any(nfc_key(p) == key for p in loaded.entries):
        return True
    return os.path.lexists(loaded.root / rel)


def _write(loaded: Loaded, rel: str, template: str, context: dict[str, Any]) -> None:
    templates = Templates(
        loaded.root,
        loaded.config.templates_folder,
        {"yaml": yaml_scalar, "quoted": wikilink_value},
    )
    text = templates.render(template, context)
    if not text.endswith("\n"):
        text += "\n"
    data = text.encode("utf-8")
    try:
        parse_note(rel, data)
    except NoteError as exc:
        raise NewNoteError(
            f"{templates.origin(template)} made a note vaultkit cannot read "
            f"({exc.message}); nothing was written"
        ) from None
    try:
        atomic_write(loaded.root, rel, data, None)
    except WriteConflict:
        raise NewNoteError(f"{rel} already exists; nothing was written") from None


def _create(
    loaded: Loaded,
    folder: str,
    name: str,
    template: str,
    ctx: dict[str, Any],
    hints: list[str] | None = None,
) -> str:
    stem = safe_filename(name)
    rel = f"{folder}/{stem}.md" if folder else f"{stem}.md"
    if _exists(loaded, rel):
        raise NewNoteError(f"{rel} already exists; nothing was written")
    same = sorted(p for p in loaded.entries if nfc_key(stem_of(p)) == nfc_key(stem))
    if same and hints is not None:
        hints.append(
            f"{', '.join(same)} has the same name: write links to the new note with its "
            f"path, e.g. [[{rel[:-3]}]]"
        )
    _write(loaded, rel, template, ctx)
    return rel


def new_person(
    loaded: Loaded,
    name: str,
    company: str | None = None,
    role: str | None = None,
    introduced_by: str | None = None,
) -> Created:
    """Create a person note, or return the person who already has this name or alias."""
    name = name.strip()
    if not name:
        raise NewNoteError("give the person's name")
    existing = find_existing(loaded, name, Kind.PERSON)
    if existing is not None:
        return Created(existing, False)
    hints: list[str] = []
    context: dict[str, Any] = {
        "name": name,
        "company": _linked(loaded, company, Kind.COMPANY, hints, "--company"),
        "role": role.strip() if role and role.strip() else None,
        "introduced_by": _linked(loaded, introduced_by, Kind.PERSON, hints, "--introduced-by"),
        "aliases": [],
        "tags": [],
    }
    folder = _folder(loaded, loaded.config.people_folders, "person")
    rel = _create(loaded, folder, name, "new/person.md.j2", context, hints)
    return Created(rel, True, tuple(hints))


def new_company(loaded: Loaded, name: str) -> Created:
    """Create a company note, or return the company that already has this name or alias."""
    name = name.strip()
    if not name:
        raise NewNoteError("give the company's name")
    existing = find_existing(loaded, name, Kind.COMPANY)
    if existing is not None:
        return Created(existing, False)
    folder = _folder(loaded, loaded.config.company_folders, "company")
    hints: list[str] = []
    context = {"name": name, "aliases": [], "tags": []}
    rel = _create(loaded, folder, name, "new/company.md.j2", context, hints)
    return Created(rel, True, tuple(hints))


def meeting_kind(raw: str) -> str:
    kind = _KIND_WORDS.get(raw.strip().casefold())
    if kind is None:
        raise NewNoteError(f"--kind {raw!r}: use one of {', '.join(MEETING_KINDS)}")
    return kind


def people_phrase(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def new_meeting(
    loaded: Loaded,
    with_: list[str],
    kind: str,
    date: dt.date,
    time: str | None = None,
    duration: int | None = None,
    where: str | None = None,
) -> Created:
    """Create a meeting note named ``YYYY-MM-DD <people> <kind>``."""
    names = [n.strip() for n in with_ if n.strip()]
    if not names:
        raise NewNoteError("--with: name at least one person")
    kind_name = meeting_kind(kind)
    clock = None
    if time is not None:
        clock = parse_time(time)
        if clock is None:
            raise NewNoteError(f"--time {time!r}: use a time like 15:30")
    if duration is not None and duration <= 0:
        raise NewNoteError("--duration: give the length in minutes, more than 0")
    hints: list[str] = []
    links: list[str] = []
    shown: list[str] = []
    for name in names:
        link = _linked(loaded, name, Kind.PERSON, hints, "--with")
        assert link is not None
        links.append(link)
        found = find_existing(loaded, name, Kind.PERSON)
        shown.append(stem_of(found) if found else name)
    context: dict[str, Any] = {
        "name": "",
        "kind": kind_name,
        "date": date.isoformat() + (f"T{clock}" if clock else ""),
        "day": date.isoformat(),
        "time": clock,
        "duration": duration,
        "where": where.strip() if where and where.strip() else None,
        "with": links,
        "people": shown,
    }
    title = f"{date.isoformat()} {people_phrase(shown)} {kind_name}"
    context["name"] = title
    folder = _folder(loaded, loaded.config.meeting_folders, "meeting")
    rel = _create(loaded, folder, title, "new/meeting.md.j2", context, hints)
    return Created(rel, True, tuple(hints))
