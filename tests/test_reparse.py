"""What vaultkit caches for a note it just wrote is what a full parse of the file gives."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from benchmarks.generate_vault import generate
from vaultkit.cache import FileCache
from vaultkit.cli import cli
from vaultkit.errors import NoteError
from vaultkit.parse import decode, parse_note
from vaultkit.plan import checked_parse, encode, splice
from vaultkit.reparse import after_write, derive

from .test_properties import NOTE_PATHS, notes


def _assert_cache_matches_files(vault: Path) -> int:
    cache = FileCache.open(vault.resolve())
    checked = 0
    for path in sorted(vault.rglob("*.md")):
        rel = path.relative_to(vault).as_posix()
        st = path.stat()
        cached = cache.get(rel, st.st_size, st.st_mtime_ns)
        assert cached is not None, rel
        assert cached == parse_note(rel, path.read_bytes(), st.st_mtime_ns), rel
        checked += 1
    return checked


def test_cached_state_after_writes_is_a_full_parse(tmp_path: Path) -> None:
    runner = CliRunner()
    vault = tmp_path / "vault"
    generate(vault, 120, 2)
    for today in ("2026-11-22", "2024-03-01"):  # creates regions, then updates them
        result = runner.invoke(cli, ["regen", str(vault), "--today", today])
        assert result.exit_code in (0, 1), result.output
        checked = _assert_cache_matches_files(vault)  # the 120 notes and vaultkit's own
        assert checked == len(list(vault.rglob("*.md"))) > 120


def test_region_in_the_middle_is_parsed_again() -> None:
    old_text = (
        "---\ntype: person\n---\nIntro [[A]]\n\n"
        "<!-- vaultkit:begin backlinks 0000000000000000 (generated: edit outside this block) -->\n"
        "old\n<!-- vaultkit:end backlinks -->\n\nAfter [[B]]\n- [ ] task\n"
    )
    old = parse_note("p.md", old_text.encode(), 1)
    new_text = splice(old_text, "p.md", {"backlinks": "one\ntwo\nthree\n"}, "\n")
    assert derive("p.md", old, old_text.encode(), new_text.encode(), 2) is None
    full = parse_note("p.md", new_text.encode(), 2)
    assert after_write("p.md", old, old_text.encode(), new_text.encode(), 2) == full


def test_region_at_the_end_is_derived() -> None:
    old_text = "---\ntype: person\n---\n## Notes\nIntro [[A]]\n- [ ] task"
    old = parse_note("p.md", old_text.encode(), 1)
    new_text = splice(old_text, "p.md", {"backlinks": "- [[X]]\n"}, "\n")
    derived = derive("p.md", old, old_text.encode(), new_text.encode(), 2)
    assert derived is not None
    assert derived == parse_note("p.md", new_text.encode(), 2)


AFTER = "\nAfter [[Jo Park]]\n- [ ] call 📅 2026-12-01\n"
REGION_TEXTS = ["- [[Jo Park]]\n", "", "one\ntwo\nthree\n", "- [ ] a task 📅 2026-11-30\n", "é\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(NOTE_PATHS)),
    data=st.data(),
    first=st.sampled_from(REGION_TEXTS),
    second=st.sampled_from(REGION_TEXTS),
    region=st.sampled_from(["backlinks", "followups"]),
)
def test_the_check_before_a_write_reads_as_a_full_parse(
    kind: str, data: st.DataObject, first: str, second: str, region: str
) -> None:
    """The check before a write takes the derived parse where it can: it must accept
    and give exactly what a full parse of the new bytes would, region added or updated."""
    path = NOTE_PATHS[kind]
    old = data.draw(notes(kind))
    try:
        note = parse_note(path, old)
        text, bom = decode(old, path)
        if data.draw(st.booleans()):  # a note that already has the region
            # and maybe text after it (say [[links]] and tasks, whose lines a longer
            # region moves)
            tail = data.draw(st.sampled_from(["", AFTER, AFTER.replace("\n", note.newline)]))
            old = encode(splice(text, path, {region: first}, note.newline) + tail, bom)
            note = parse_note(path, old)
            text, bom = decode(old, path)
        new = encode(splice(text, path, {region: second}, note.newline), bom)
    except NoteError:
        return
    if note.region_problem:
        return
    changes = {region: second}
    quick = checked_parse(path, new, note, changes, old)
    full = checked_parse(path, new, note, changes)
    assert quick == full
    event(
        ("derived" if derive(path, note, old, new, 0) is not None else "parsed in full")
        + (" tail" if b"After [[" in old else "")
        + (" crlf" if b"\r" in old else "")
    )
    if quick is not None:
        assert quick == parse_note(path, new)
