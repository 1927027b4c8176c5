"""Hypothesis tests of the promises on generated notes with odd bytes.

Each example is a small vault of generated notes (arbitrary text, CRLF, BOM, no final
newline, Unicode in both forms, stray ``---`` and ``<!--``) with front-matter and a
person or company link. ``regen`` runs twice through the core; then:

* every note is either byte-identical, or its old bytes are an exact prefix of the new
  ones, followed only by line breaks and one vaultkit region (promise 1);
* a note that parsed cleanly and is a person, company or meeting got its region
  (unless the run refused it with a reported problem);
* the second run writes nothing and reports the same problems (promise 3).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vaultkit import build
from vaultkit.config import Config
from vaultkit.errors import NoteError
from vaultkit.model import build_model
from vaultkit.parse import parse_note

from .conftest import TODAY, snapshot

DAY = dt.date.fromisoformat(TODAY)
BEGIN = b"<!-- vaultkit:begin backlinks "
END = b"<!-- vaultkit:end backlinks -->"
ANY_BEGIN = b"<!-- vaultkit:begin "

FRAGMENTS = [
    "\n",
    "\r\n",
    "\r",
    "---",
    "\n---\n",
    "...",
    "<!--",
    "-->",
    "<!-- vaultkit:",
    "<!-- vaultkit:end backlinks -->",
    "[[",
    "]]",
    "[[Acme Corp]]",
    "`[[Jo Park]]`",
    "\n```\n[[Jo Park]]\n",
    "\ufeff",
    "é",
    "e\u0301",
    "Zoë",
    "\t",
    "  ",
    "- [ ] a task 📅 2026-11-30\n",
    "## Notes\n",
    "\u2028",
]

COMPANY_FORMS = [
    '"[[Acme Corp]]"',
    "Acme Corp",
    "acme corp",
    "Acme",
    "[[Acme Corp]]",
    '"[[Companies/Acme Corp|Acme]]"',
    '["[[Acme Corp]]"]',
    "\n  - Acme Corp",
    "../../Acme Corp",
]
PERSON_FORMS = [
    '"[[Jo Park]]"',
    "Jo Park",
    "jo park",
    "[[Jo Park]]",
    '["[[Jo Park|Jo]]", "[[Nobody Here]]"]',
    "\n  - Jo Park\n  - Acme Corp",
]
EXTRA_LINES = [
    "role: Designer",
    "tags: [a, b]",
    "# a comment",
    "country: NO",
    "time: 10:00",
    "zip: 01234",
    "note: 'quoted: text'",
    "empty:",
    "multi: |\n  line one\n  line two",
    "aliases: [Jo]",
    "date: 2026-11-10",
    "kind: informational",
    "status: done",
]

text_piece = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=20,
)
body_text = st.lists(st.one_of(text_piece, st.sampled_from(FRAGMENTS)), max_size=12).map("".join)


@st.composite
def notes(draw: st.DrawFn, kind: str) -> bytes:
    lines: list[str] = []
    if draw(st.booleans()):  # else the folder gives the kind
        lines.append(f"type: {kind}")
    if kind == "person":
        lines.append("company: " + draw(st.sampled_from(COMPANY_FORMS)))
    elif kind == "meeting":
        lines.append("with: " + draw(st.sampled_from(PERSON_FORMS)))
    lines.extend(draw(st.lists(st.sampled_from(EXTRA_LINES), max_size=4, unique=True)))
    if draw(st.booleans()):
        title = draw(text_piece)
        lines.append("title: " + json.dumps(title, ensure_ascii=draw(st.booleans())))
    front = ""
    if draw(st.booleans()) or lines:
        front = "---\n" + "\n".join(lines) + ("\n" if lines else "") + "---\n"
    text = front + draw(body_text)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    if newline == "\r\n":
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    ending = draw(st.sampled_from(["keep", "strip", "add"]))
    if ending == "strip":
        text = text.rstrip("\r\n")
    elif ending == "add" and not text.endswith("\n"):
        text += newline
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


NOTE_PATHS = {
    "person": "People/Jo Park.md",
    "company": "Companies/Acme Corp.md",
    "meeting": "Meetings/2026-11-10 Jo Park.md",
}

vaults = st.fixed_dictionaries({path: notes(kind) for kind, path in NOTE_PATHS.items()})


def check_added_region(old: bytes, new: bytes) -> None:
    """``new`` is ``old``, then vaultkit regions (one per name), each after line breaks."""
    assert new.startswith(old), (old, new)
    added = new[len(old) :]
    names: list[bytes] = []
    while added.lstrip(b"\r\n"):
        added = added.lstrip(b"\r\n")
        assert added.startswith(ANY_BEGIN), added
        name = added[len(ANY_BEGIN) :].split(b" ", 1)[0]
        end = b"<!-- vaultkit:end " + name + b" -->"
        assert end in added, added
        names.append(name)
        added = added[added.index(end) + len(end) :]
    assert names and len(set(names)) == len(names), names


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(vault_notes=vaults)
def test_user_bytes_kept_and_second_run_writes_nothing(vault_notes: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        for rel, data in vault_notes.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        first = build.regen(root, DAY)
        for rel, old in vault_notes.items():
            new = (root / rel).read_bytes()
            if new == old:
                continue
            check_added_region(old, new)
        for rel in first.written:
            if rel in vault_notes:  # else a note vaultkit generated (the dashboard)
                assert (root / rel).read_bytes() != vault_notes[rel]
        for rel in vault_notes:
            note = first.loaded.vault.notes.get(rel)
            kind = first.loaded.vault.kinds.get(rel)
            if (
                rel not in first.loaded.unwritable  # not read (broken), or opted out
                and kind in ("person", "company", "meeting")
                and note is not None
                and not note.regions
                and note.region_problem is None
                and not any(p.path == rel and p.code == "regions" for p in first.problems)
            ):
                assert rel in first.written, (rel, first.problems)
        before = snapshot(root)
        second = build.regen(root, DAY)
        assert second.written == []
        assert snapshot(root) == before
        assert second.problems == first.problems


def split_region(data: bytes) -> tuple[bytes, bytes, bytes]:
    start = data.index(BEGIN)
    end = data.index(END, start) + len(END)
    return data[:start], data[start:end], data[end:]


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    person=notes("person"),
    before=body_text,
    after=body_text,
)
def test_edits_around_a_region_survive_an_update(person: bytes, before: str, after: str) -> None:
    """The user writes before and after an existing region and changes a fact; the
    next run rewrites the region only."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        (root / "People").mkdir(parents=True)
        (root / "Companies").mkdir()
        (root / "Companies" / "Acme Corp.md").write_bytes(b"---\ntype: company\n---\n")
        note = root / "People" / "Jo Park.md"
        note.write_bytes(person)
        build.regen(root, DAY)
        data = note.read_bytes()
        if BEGIN not in data:
            return  # a broken note: covered by the test above
        head, region, tail = split_region(data)
        # A new first line of the body (after the front-matter, if any) and a new tail.
        # (Marker lines must stay lines of their own: the user's text ends with a line
        # break before the region and starts with one after it.)
        edited_head = head + before.encode("utf-8") + b"\n"
        edited_tail = (tail or b"\n") + after.encode("utf-8")
        # A new meeting with Jo: Jo's region must change.
        (root / "Meetings").mkdir()
        (root / "Meetings" / "2026-11-10 Jo.md").write_bytes(
            b'---\ntype: meeting\nkind: casual\nwith: "[[Jo Park]]"\n---\n'
        )
        edited = edited_head + region + edited_tail
        note.write_bytes(edited)
        build.regen(root, DAY)
        new = note.read_bytes()
        event("updated" if new != edited else "left as it was")
        if new != edited:
            new_head, _, new_tail = split_region(new)
            assert new_head == edited_head
            assert new_tail == edited_tail
        before_second = snapshot(root)
        assert build.regen(root, DAY).written == []
        assert snapshot(root) == before_second


YAML_PIECES = [
    *"abc:-[]{}!&*|>'\"#?,.@` \n\t0129Tx%<=~\\/",
    "!!",
    "&a ",
    "*a",
    "<<: *a",
    "2026-02-30",
    "2026-11-10",
    "10:00",
    "!!python/",
    "!!timestamp ",
    "!!binary ",
    "!!set ",
    "!!omap ",
    "!!int ",
    "? ",
    "type: meeting\n",
    "with: ",
    "date: ",
    "[[A]]",
    "---",
]


@settings(max_examples=50, deadline=None)
@given(
    front=st.lists(st.sampled_from(YAML_PIECES), max_size=40).map("".join),
    noise=st.binary(max_size=40),
)
def test_any_note_parses_or_is_a_note_error(front: str, noise: bytes) -> None:
    """Whatever the bytes, reading a note gives a model or a NoteError, never a crash."""
    for data in (f"---\n{front}\n---\nbody\n".encode(), noise, b"---\n" + noise + b"\n---\n"):
        try:
            note = parse_note("Meetings/M.md", data)
        except NoteError:
            continue
        build_model({note.path: note}, Config(), DAY)
