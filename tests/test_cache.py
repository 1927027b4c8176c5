"""The persistent parse cache: outside the vault, never trusted over a note, self-healing."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultkit import build, runmemo
from vaultkit import cache as cache_mod
from vaultkit.cache import FileCache, vault_cache_dir
from vaultkit.cli import cli
from vaultkit.errors import VaultError
from vaultkit.parse import parse_note

from .conftest import REPO, TODAY

MEETING = "Meetings/2026-08-28 Amara Osei informational.md"


def _regen(runner: CliRunner, vault: Path, *extra: str) -> str:
    result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _cache_file(vault: Path) -> Path:
    return vault_cache_dir(vault.resolve()) / cache_mod.NOTES_FILE


def test_cache_lives_outside_the_vault(
    runner: CliRunner, sample_vault: Path, cache_dir: Path
) -> None:
    before = set(_tree(sample_vault))
    _regen(runner, sample_vault)
    new = set(_tree(sample_vault)) - before
    assert new and all(rel.startswith("vaultkit/") for rel in new)  # only vaultkit's notes
    cached = _cache_file(sample_vault)
    assert cached.is_file()
    assert cached.resolve().is_relative_to(cache_dir.resolve())
    assert not cached.resolve().is_relative_to(sample_vault.resolve())
    notes = FileCache.open(sample_vault.resolve())
    assert notes.loaded_from_disk and len(notes) == len(list(sample_vault.rglob("*.md")))


def test_same_result_with_and_without_cache(
    runner: CliRunner, sample_vault: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    shutil.copytree(sample_vault, other)
    _regen(runner, sample_vault, "--no-cache")
    assert not _cache_file(sample_vault).exists()
    _regen(runner, other)
    _regen(runner, other)  # now from the cache
    assert _tree(other) == _tree(sample_vault)


def test_changed_note_is_parsed_again(runner: CliRunner, sample_vault: Path) -> None:
    _regen(runner, sample_vault)
    note = sample_vault / MEETING
    text = note.read_text(encoding="utf-8")
    assert "[[Ines Duarte]]" not in text
    # Same size, later mtime: the cached entry no longer matches and must not be used.
    marker = "## Notes"
    assert marker in text
    note.write_text(text.replace(marker, "## Nxtes", 1), encoding="utf-8")
    st = note.stat()
    os.utime(note, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    check = runner.invoke(cli, ["check", str(sample_vault), "--today", TODAY])
    assert check.exit_code in (0, 1), check.output
    notes = FileCache.open(sample_vault.resolve())
    rel = MEETING
    fresh = notes.get(rel, note.stat().st_size, note.stat().st_mtime_ns)
    assert fresh is not None
    assert fresh.section("Notes") is None  # the cached entry had it: this one is new


def test_changed_link_shows_in_backlinks(runner: CliRunner, sample_vault: Path) -> None:
    _regen(runner, sample_vault)
    person = sample_vault / "People" / "Amara Osei.md"
    extra = sample_vault / "Notes" / "cache check.md"
    extra.parent.mkdir(exist_ok=True)
    extra.write_text("A note.\n", encoding="utf-8")
    _regen(runner, sample_vault)
    assert "cache check" not in person.read_text(encoding="utf-8")
    extra.write_text("A note about [[Amara Osei]].\n", encoding="utf-8")
    _regen(runner, sample_vault)
    assert "[[cache check]]" in person.read_text(encoding="utf-8")


def test_corrupted_cache_is_ignored_and_rebuilt(runner: CliRunner, sample_vault: Path) -> None:
    _regen(runner, sample_vault)
    expected = _tree(sample_vault)
    for garbage in (
        b"",
        b"not a pickle at all",
        b"\x80\x05K\x01.",
        _cache_file(sample_vault).read_bytes()[:100],
    ):
        _cache_file(sample_vault).write_bytes(garbage)
        runmemo.forget(sample_vault.resolve(), "regen")  # else the run is a stat walk
        assert "0 created, 0 updated" in _regen(runner, sample_vault)
        assert _tree(sample_vault) == expected
        assert FileCache.open(sample_vault.resolve()).loaded_from_disk


def test_new_version_invalidates(
    runner: CliRunner, sample_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _regen(runner, sample_vault)
    assert FileCache.open(sample_vault.resolve()).loaded_from_disk
    monkeypatch.setattr(cache_mod, "__version__", "99.0")
    stale = FileCache.open(sample_vault.resolve())
    assert not stale.loaded_from_disk and len(stale) == 0
    monkeypatch.setattr(cache_mod, "CACHE_FORMAT", cache_mod.CACHE_FORMAT + 1)
    assert not FileCache.open(sample_vault.resolve()).loaded_from_disk


def test_deleting_the_cache_is_safe(runner: CliRunner, sample_vault: Path, cache_dir: Path) -> None:
    _regen(runner, sample_vault)
    shutil.rmtree(cache_dir)
    assert "0 created, 0 updated" in _regen(runner, sample_vault)
    assert _cache_file(sample_vault).is_file()


def test_cache_folder_inside_the_vault_is_refused(
    runner: CliRunner, sample_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(sample_vault / "cache"))
    before = _tree(sample_vault)
    result = runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY])
    assert isinstance(result.exception, VaultError)  # main() turns it into exit 2
    assert "inside the vault" in str(result.exception)
    assert _tree(sample_vault) == before
    # Backups go to the same folder, so --no-cache is refused the same way.
    again = runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY, "--no-cache"])
    assert "inside the vault" in str(again.exception)
    assert _tree(sample_vault) == before


def _no_loading(*args: object, **kwargs: object) -> None:
    raise AssertionError("the vault was read again")


def test_unchanged_vault_is_not_read_again(
    runner: CliRunner, sample_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _regen(runner, sample_vault)
    second = _regen(runner, sample_vault)  # writes nothing: remembered
    check = runner.invoke(cli, ["check", str(sample_vault), "--today", TODAY, "--json"])
    monkeypatch.setattr(build, "load", _no_loading)
    assert _regen(runner, sample_vault) == second
    again = runner.invoke(cli, ["check", str(sample_vault), "--today", TODAY, "--json"])
    assert (again.exit_code, again.output) == (check.exit_code, check.output)
    # Another day, or no cache: everything is read.
    other_day = runner.invoke(cli, ["regen", str(sample_vault), "--today", "2026-11-23"])
    assert isinstance(other_day.exception, AssertionError)
    no_cache = runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY, "--no-cache"])
    assert isinstance(no_cache.exception, AssertionError)


def test_template_edit_runs_everything(runner: CliRunner, sample_vault: Path) -> None:
    _regen(runner, sample_vault)
    _regen(runner, sample_vault)
    default = (REPO / "templates" / "regions" / "person.md.j2").read_text(encoding="utf-8")
    override = sample_vault / "vaultkit" / "templates" / "regions" / "person.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("Custom person region\n" + default, encoding="utf-8")
    out = _regen(runner, sample_vault)
    assert "0 updated" not in out
    assert "Custom person region" in (sample_vault / "People" / "Amara Osei.md").read_text(
        encoding="utf-8"
    )


def test_a_few_changes_go_to_a_small_delta(runner: CliRunner, sample_vault: Path) -> None:
    _regen(runner, sample_vault)
    base = _cache_file(sample_vault)
    delta = base.with_name(cache_mod.DELTA_FILE)
    base_bytes = base.read_bytes()
    note = sample_vault / "Notes" / "delta check.md"
    note.parent.mkdir(exist_ok=True)
    note.write_text("About [[Amara Osei]].\n", encoding="utf-8")
    _regen(runner, sample_vault)
    assert base.read_bytes() == base_bytes  # the base was not rewritten
    assert delta.is_file() and len(delta.read_bytes()) < len(base_bytes)
    expected = _tree(sample_vault)
    cached = FileCache.open(sample_vault.resolve())
    st = note.stat()
    assert cached.get("Notes/delta check.md", st.st_size, st.st_mtime_ns) is not None
    note.unlink()
    _regen(runner, sample_vault)
    assert (
        FileCache.open(sample_vault.resolve()).get(
            "Notes/delta check.md", st.st_size, st.st_mtime_ns
        )
        is None
    )
    # A damaged delta is ignored; the stamps still decide.
    delta.write_bytes(b"garbage")
    note.write_text("About [[Amara Osei]].\n", encoding="utf-8")
    runmemo.forget(sample_vault.resolve(), "regen")
    _regen(runner, sample_vault)
    assert _tree(sample_vault) == expected


def test_config_edit_runs_everything(
    runner: CliRunner, sample_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _regen(runner, sample_vault)
    _regen(runner, sample_vault)  # remembered from here on
    (sample_vault / "vaultkit.yaml").write_text("ignore_folders: [Notes]\n", encoding="utf-8")
    monkeypatch.setattr(build, "load", _no_loading)
    result = runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY])
    assert isinstance(result.exception, AssertionError)  # read everything again


def test_check_same_with_and_without_cache(runner: CliRunner, sample_vault: Path) -> None:
    args = ["check", str(sample_vault), "--today", TODAY, "--json"]
    plain = runner.invoke(cli, [*args, "--no-cache"])
    first = runner.invoke(cli, args)
    second = runner.invoke(cli, args)  # remembered
    assert plain.output == first.output == second.output
    assert plain.exit_code == first.exit_code == second.exit_code


def test_a_cache_for_a_long_lived_process_is_not_frozen(
    sample_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gc.freeze would keep a watcher's cyclic garbage for its whole life."""
    import gc

    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    cache_mod.FileCache.open(sample_vault.resolve(), freeze=False).retain(set())
    assert frozen == []
    cache_mod.FileCache.open(sample_vault.resolve()).retain(set())
    assert frozen


def test_a_one_shot_run_freezes_what_it_read_before_the_collector_runs_again(
    runner: CliRunner, sample_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notes read from the cache and the kept model go out of the collector's sight
    while it is still paused: frozen after it ran again, its first collection would walk
    them all first."""
    import gc

    root = sample_vault.resolve()
    day = dt.date.fromisoformat(TODAY)
    _regen(runner, sample_vault)
    _regen(runner, sample_vault)  # the model of the notes as the first run left them
    paused: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: paused.append(not gc.isenabled()))
    loaded = build.load(root, day, cache=FileCache.open(root))
    assert loaded.model == "kept"
    assert len(paused) >= 2 and all(paused), paused  # the notes, then the model
    assert gc.isenabled()


def test_a_run_without_the_cache_freezes_only_as_a_one_shot_command(
    runner: CliRunner, sample_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``regen --no-cache`` parses every note and builds the model: frozen, while the
    collector is paused. A caller that lives on (the watcher, a library user) passes no
    ``freeze``, and nothing of its is frozen."""
    import gc

    paused: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: paused.append(not gc.isenabled()))
    build.regen(sample_vault.resolve(), dt.date.fromisoformat(TODAY), dry_run=True)
    assert paused == []
    _regen(runner, sample_vault, "--no-cache")
    assert len(paused) >= 2 and all(paused), paused  # the notes parsed, the model


def test_cached_notes_read_back_equal_with_each_name_stored_once(
    sample_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache file stores a name (link target, front-matter key, section title) once
    per chunk of notes; what it reads back is equal to what was parsed, across chunks."""
    monkeypatch.setattr(cache_mod, "CHUNK_NOTES", 3)  # several chunks, even here
    root = sample_vault.resolve()
    written = FileCache.open(root)
    parsed = {}
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        # Each note its own copy of every name (as notes read from a cache were).
        note = pickle.loads(
            pickle.dumps(parse_note(rel, path.read_bytes(), path.stat().st_mtime_ns))
        )
        parsed[rel] = note
        written.put(note)
    written.save()
    back = FileCache.open(root)
    assert back.loaded_from_disk
    assert {rel: back.get(rel, n.size, n.mtime_ns) for rel, n in parsed.items()} == parsed
    assert len(parsed) > 2 * cache_mod.CHUNK_NOTES
    # In one chunk, the same name is one string: "type" in every note's front-matter.
    first = [back.get(rel, n.size, n.mtime_ns) for rel, n in list(parsed.items())[:3]]
    keys = [next(k for k in note.meta if k == "type") for note in first if note and note.meta]
    assert len(keys) >= 2 and all(k is keys[0] for k in keys)
    # Outside a cache write, notes pickle as they are (nothing shared, nothing lost).
    note = next(iter(parsed.values()))
    assert pickle.loads(pickle.dumps(note)) == note


def test_links_and_sections_stay_packed_until_read(runner: CliRunner, sample_vault: Path) -> None:
    """Read back from the cache, a note's links and sections are one pickle each, in
    bytes, unpacked when first asked for: equal to a fresh parse, and a run with the
    model kept leaves the links of the notes it did not change unread."""
    _regen(runner, sample_vault)
    _regen(runner, sample_vault)  # the model is kept now
    root = sample_vault.resolve()
    back = FileCache.open(root)
    rel = MEETING
    path = root / rel
    st = path.stat()
    note = back.get(rel, st.st_size, st.st_mtime_ns)
    assert note is not None
    assert type(note.link_data) is bytes and type(note.section_data) is bytes
    fresh = parse_note(rel, path.read_bytes(), st.st_mtime_ns)
    assert note == fresh  # compared with its links and sections unpacked
    assert type(note.link_data) is tuple and type(note.section_data) is tuple
    assert note.links == fresh.links and note.links
    assert [s.title for s in note.sections] == [s.title for s in fresh.sections]
    # A note that differs only in its links is not equal.
    other = back.get(rel, st.st_size, st.st_mtime_ns)
    assert other is not None
    assert replace(other, link_data=note.links[1:]) != note
    # A whole run from the cache, its model kept, reads no note's links.
    loaded = build.load(sample_vault, dt.date.fromisoformat(TODAY), cache=FileCache.open(root))
    assert loaded.model == "kept"
    notes = list(loaded.vault.notes.values())
    packed = sum(type(n.link_data) is bytes for n in notes)
    assert packed == sum(bool(n.links) for n in notes) > 10
    # Unpacked, a name linked from several notes is one string again.
    targets: dict[str, list[str]] = {}
    for n in notes:
        for link in n.links:
            targets.setdefault(link.target, []).append(link.target)
    repeated = [same for same in targets.values() if len(same) > 1]
    assert repeated and all(all(t is same[0] for t in same) for same in repeated)


def test_notes_parsed_by_a_second_process_come_back_unpacked(tmp_path: Path) -> None:
    """Packing is for the cache file: notes a forked parse sends back are read whole at
    once (the model is built from them), so they come as they are."""
    from benchmarks.generate_vault import generate

    generate(tmp_path / "v", 700, seed=2)  # large enough to parse on two cores
    loaded = build.load(tmp_path / "v", dt.date.fromisoformat(TODAY))
    notes = list(loaded.vault.notes.values())
    assert all(type(n.link_data) is tuple and type(n.section_data) is tuple for n in notes)


def test_a_write_keeps_sharing_a_cached_note(sample_vault: Path) -> None:
    """After a write of a region, the new parse holds the cached note's objects where
    they read the same, packed links and sections included (one copy in memory)."""
    from vaultkit.plan import _sharing

    root = sample_vault.resolve()
    path = root / MEETING
    written = FileCache.open(root)
    written.put(parse_note(MEETING, path.read_bytes(), path.stat().st_mtime_ns))
    written.save()
    st = path.stat()
    before = FileCache.open(root).get(MEETING, st.st_size, st.st_mtime_ns)
    assert before is not None and type(before.link_data) is bytes
    after = parse_note(MEETING, path.read_bytes() + b"\n", 0)
    shared = _sharing(after, before)
    assert shared.link_data is before.link_data and shared.meta is before.meta
    assert shared == after
