"""`vaultkit watch` starts from the persistent parse cache and leaves it up to date.

The watcher parses notes in its loop's thread only (watchdog's thread records paths),
so the same :class:`FileCache` that `regen` uses serves it: it starts warm from what
the last run parsed, and saves what it parsed when it stops.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vaultkit import build
from vaultkit.cache import NOTES_FILE, FileCache, vault_cache_dir
from vaultkit.cli import _memo as cli_memo
from vaultkit.cli import cli
from vaultkit.runmemo import MEMO_FILE
from vaultkit.watch import Watcher

from .conftest import TODAY
from .test_watch import (
    DAY,
    FAST,
    meeting,
    person,
    region,
    save,
    watch_save_and_signal,
)

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    for folder in ("People", "Companies", "Meetings"):
        (root / folder).mkdir(parents=True)
    (root / "People" / "Jane Doe.md").write_text(person(), encoding="utf-8")
    (root / "People" / "Sam Lee.md").write_text(person(role="Engineer"), encoding="utf-8")
    (root / "Companies" / "Acme Corp.md").write_text("---\ntype: company\n---\n", "utf-8")
    (root / "Meetings" / "2026-11-10 Jane coffee.md").write_text(meeting(["Jane Doe"]), "utf-8")
    (root / "vaultkit.yaml").write_text(FAST.format(quiet=0), encoding="utf-8")
    return root


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = build.parse_note

    def counting(rel: str, *args: object, **kwargs: object) -> object:
        parsed.append(rel)
        return real(rel, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "parse_note", counting)
    return parsed


def test_watch_saves_the_parse_cache_when_it_stops(vault: Path) -> None:
    root = vault.resolve()
    cache_file = vault_cache_dir(root) / NOTES_FILE
    assert not cache_file.exists()
    watch_save_and_signal(vault, signal.SIGTERM)
    assert cache_file.exists()
    # What it saved is the vault as it is now (the save and vaultkit's own writes too):
    # a regen from that cache parses nothing.
    cached = FileCache.open(root)
    for path in vault.rglob("*.md"):
        rel = path.relative_to(vault).as_posix()
        st = path.stat()
        assert cached.get(rel, st.st_size, st.st_mtime_ns) is not None, rel


def test_watch_keeps_its_model_when_it_stops_and_the_next_run_takes_it(vault: Path) -> None:
    from vaultkit import modelcache
    from vaultkit.model import build_model

    root = vault.resolve()
    watch_save_and_signal(vault, signal.SIGTERM)
    assert (vault_cache_dir(root) / modelcache.MODEL_FILE).is_file()
    loaded = build.load(vault, DAY, cache=FileCache.open(root))
    assert loaded.model == "kept"  # the watcher's model, with the save it handled
    assert "Meetings/2026-11-10 Jane coffee.md" in loaded.vault.meetings_of_person.get(
        "People/Sam Lee.md", []
    )
    fresh = build_model(loaded.vault.notes, loaded.config, DAY)
    assert loaded.vault.meetings_of_person == fresh.meetings_of_person
    assert loaded.vault.problems == fresh.problems


def test_a_watcher_given_the_file_cache_starts_warm(
    vault: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
    assert result.exit_code == 0, result.output
    parsed = count_parses(monkeypatch)
    watcher = Watcher(vault, lambda level, text: None, DAY, cache=FileCache.open(vault.resolve()))
    try:
        first = watcher.start()
    finally:
        watcher.close()
    assert first.written == []
    assert parsed == []  # every note came from the cache regen left


def test_watch_help_offers_no_cache(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["watch", "--help"])
    assert result.exit_code == 0
    assert "--no-cache" in result.output


def test_watch_starts_a_settled_vault_without_rendering_it(
    vault: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):  # the second run writes nothing, and is remembered
        result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
        assert result.exit_code == 0, result.output
    memo = cli_memo(vault, "regen", DAY)
    assert memo.outcome is not None
    rendered: list[str] = []
    real = build.backlink_outputs

    def counting(*args: Any, **kwargs: Any) -> Any:
        for out in real(*args, **kwargs):
            rendered.append(out.path)
            yield out

    monkeypatch.setattr(build, "backlink_outputs", counting)
    watcher = Watcher(vault, lambda level, text: None, DAY, cache=FileCache.open(vault.resolve()))
    try:
        first = watcher.start(memo.scanned, memo.outcome.problems)
        assert first is None and watcher._loaded is None  # watching; the read comes next
        assert not watcher.idle()
        save(vault / "Meetings" / "2026-11-10 Jane coffee.md", meeting(["Jane Doe", "Sam Lee"]))
        watcher._handle({"Meetings/2026-11-10 Jane coffee.md": False})
        # The vault was read, not rendered: only the save's neighbours were.
        assert watcher._loaded is not None and "People/Sam Lee.md" in rendered
        assert (
            set(rendered)
            == {
                "Meetings/2026-11-10 Jane coffee.md",
                "People/Jane Doe.md",
                "People/Sam Lee.md",
                "Companies/Acme Corp.md",
            }
            != set(watcher._loaded.vault.kinds)
        )
        assert "[[2026-11-10 Jane coffee]]" in region(vault / "People" / "Sam Lee.md")
        assert watcher.quick == 1  # and the first save is a quick one
        assert watcher._unread is None
    finally:
        watcher.close()


def test_a_watch_whose_first_run_writes_nothing_is_remembered(
    vault: Path, runner: CliRunner
) -> None:
    memo_file = vault_cache_dir(vault.resolve()) / f"regen-{MEMO_FILE}"
    result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert not memo_file.exists()  # that run wrote: nothing to remember
    lines = watch_save_and_signal(vault, signal.SIGTERM)
    assert memo_file.exists(), lines  # the watch's first run wrote nothing: remembered
    assert any("0 created, 0 updated" in line for line in lines), lines


def test_a_settled_watch_says_watching_before_reading_and_handles_a_save_at_once(
    vault: Path, runner: CliRunner
) -> None:
    """Through the CLI: on a settled vault, `watch` starts watching without reading the
    notes first; a save made as soon as it says so is still reflected."""
    for _ in range(2):  # the second run writes nothing, and is remembered
        result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
        assert result.exit_code == 0, result.output
    lines = watch_save_and_signal(vault, signal.SIGTERM)
    start = next(i for i, line in enumerate(lines) if line.startswith("watching "))
    assert "(6 notes)" in lines[start], lines
    assert any("0 created, 0 updated" in line for line in lines[:start]), lines
    assert any("Meetings/2026-11-10 Jane coffee.md" in line for line in lines[start:]), lines


def test_a_settled_start_whose_cache_lacks_a_note_saved_since_renders_it(
    vault: Path, runner: CliRunner
) -> None:
    """The remembered run's scan was taken, then a note was saved, and the parse cache
    does not have it (deleted, say): reading it would hold the save in the model with
    nothing written for it. The watcher renders the vault from what it reads instead."""
    for _ in range(2):
        result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
        assert result.exit_code == 0, result.output
    memo = cli_memo(vault, "regen", DAY)
    assert memo.outcome is not None
    save(vault / "Meetings" / "2026-11-10 Jane coffee.md", meeting(["Jane Doe", "Sam Lee"]))
    lines: list[str] = []
    watcher = Watcher(vault, lambda level, text: lines.append(text), DAY)  # an empty cache
    try:
        assert watcher.start(memo.scanned, memo.outcome.problems) is None
        watcher._read_settled()
        assert "[[2026-11-10 Jane coffee]]" in region(vault / "People" / "Sam Lee.md")
        assert any(line.startswith("the parse cache lacked") for line in lines), lines
    finally:
        watcher.close()


def test_watch_sets_the_parse_cache_aside_from_the_collector_but_no_garbage(
    vault: Path, runner: CliRunner
) -> None:
    """The notes read from the parse cache live on: the watcher freezes them out of the
    cyclic collector's sight as soon as they are read, after collecting what is garbage
    then (else that garbage would be kept for the whole watch)."""
    import gc
    import weakref

    result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
    assert result.exit_code == 0, result.output

    class Cycle:
        me: object = None

    garbage = Cycle()
    garbage.me = garbage
    alive = weakref.ref(garbage)
    del garbage
    cache = FileCache.open(vault.resolve(), freeze=False)
    watcher = Watcher(vault, lambda level, text: None, DAY, cache=cache)
    gc.unfreeze()
    try:
        watcher.start()
        assert not cache.files_unread and gc.get_freeze_count() > 0
        assert alive() is None  # collected before the freeze, not kept
    finally:
        watcher.close()
        gc.unfreeze()
