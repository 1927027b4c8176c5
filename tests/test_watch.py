"""Watch mode with a real observer on a temporary vault.

The watcher runs in a thread (or, for signals, a subprocess); every test waits on a
condition with a generous timeout, never on a fixed sleep, so a loaded machine only
makes the tests slower, not flaky.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultkit import build
from vaultkit import watch as watch_module
from vaultkit.cli import cli
from vaultkit.config import Config
from vaultkit.errors import ConfigError, VaultLocked
from vaultkit.lock import VaultLock, lock_path
from vaultkit.model import Vault
from vaultkit.reach import affected
from vaultkit.watch import Level, Watcher, WatchSettings, is_relevant

from .conftest import REPO, SAMPLE, TODAY

# watchdog warns when a folder created inside a new folder gets its watch twice; harmless.
pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

TIMEOUT = 30.0
DAY = dt.date.fromisoformat(TODAY)
FAST = "watch:\n  rescan_seconds: 0.2\n  quiet_seconds: {quiet}\n"


RUN_LINES: list[str] = []


def wait_for(condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {RUN_LINES[-12:]}")
        time.sleep(0.02)


def save(path: Path, text: str) -> None:
    """Save the way most editors do: a temp file beside the note, renamed onto it."""
    tmp = path.parent / f".{path.name}.tmp{os.getpid()}"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def region(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.search(r"<!-- vaultkit:begin backlinks.*?vaultkit:end backlinks -->", text, re.S)
    return match.group(0) if match else ""


def person(company: str = "Acme Corp", role: str = "Designer") -> str:
    return f'---\ntype: person\ncompany: "[[{company}]]"\nrole: {role}\n---\nMet at a meetup.\n'


def meeting(people: list[str], body: str = "Notes.") -> str:
    names = ", ".join(f'"[[{p}]]"' for p in people)
    return (
        f"---\ntype: meeting\nkind: informational\ndate: 2026-11-10\nwith: [{names}]\n"
        f'company: "[[Acme Corp]]"\n---\n{body}\n'
    )


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    for folder in ("People", "Companies", "Meetings", "Notes"):
        (root / folder).mkdir(parents=True)
    (root / "People" / "Jane Doe.md").write_text(person(), encoding="utf-8")
    (root / "People" / "Sam Lee.md").write_text(person(role="Engineer"), encoding="utf-8")
    (root / "Companies" / "Acme Corp.md").write_text("---\ntype: company\n---\n", "utf-8")
    (root / "Companies" / "Globex.md").write_text("---\ntype: company\n---\n", "utf-8")
    (root / "Meetings" / "2026-11-10 Jane coffee.md").write_text(meeting(["Jane Doe"]), "utf-8")
    (root / "vaultkit.yaml").write_text(FAST.format(quiet=0), encoding="utf-8")
    return root


class Running:
    def __init__(self, watcher: Watcher, lines: list[str]) -> None:
        self.watcher = watcher
        self.lines = lines

    def said(self, pattern: str) -> bool:
        return any(re.search(pattern, line) for line in list(self.lines))


@contextmanager
def watching(root: Path, poll: bool = False) -> Iterator[Running]:
    lines: list[str] = []
    RUN_LINES[:] = []
    lines = RUN_LINES

    def report(level: Level, text: str) -> None:
        lines.append(text)

    watcher = Watcher(root, report, DAY, poll)
    watcher.start()
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        yield Running(watcher, lines)
    finally:
        watcher.stop()
        thread.join(TIMEOUT)
        watcher.close()
        assert not thread.is_alive()


def unsettled(root: Path) -> list[str]:
    """What a full regen would still write: nothing, if the watcher did its job."""
    result = build.regen(root, DAY, dry_run=True)
    return [fp.path for fp in result.plans if fp.action in ("create", "update")]


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".vaultkit-")]


# -- the filter and the settings -------------------------------------------------


@pytest.mark.parametrize(
    "rel",
    [
        "People/4913",
        "People/Jane Doe.md~",
        "People/.Jane Doe.md.swp",
        "People/Jane Doe.md___jb_tmp___",
        "People/Jane Doe.md___jb_old___",
        "People/.goutputstream-X1Y2Z3",
        "People/.vaultkit-abc.tmp",
        ".obsidian/workspace.md",
        ".trash/Old.md",
        "People/photo.png",
        "../outside.md",
    ],
)
def test_debris_and_hidden_files_are_not_relevant(rel: str) -> None:
    assert not is_relevant(rel, "vaultkit/templates")


@pytest.mark.parametrize(
    "rel", ["People/Jane Doe.md", "vaultkit.yaml", "vaultkit/templates/regions/person.md.j2"]
)
def test_notes_config_and_templates_are_relevant(rel: str) -> None:
    assert is_relevant(rel, "vaultkit/templates")


def test_watch_settings_come_from_the_config() -> None:
    config = Config.from_mapping({"watch": {"quiet_seconds": 2, "breaker_writes": 3}})
    settings = WatchSettings.from_config(config)
    assert settings.quiet_seconds == 2.0
    assert settings.breaker_writes == 3
    with pytest.raises(ConfigError, match="unknown option 'quiet'"):
        WatchSettings.from_config(Config.from_mapping({"watch": {"quiet": 2}}))
    with pytest.raises(ConfigError, match="quiet_seconds must be a number"):
        WatchSettings.from_config(Config.from_mapping({"watch": {"quiet_seconds": "soon"}}))


def test_affected_is_the_neighbourhood_of_a_save_and_everything_after_a_rename(
    vault: Path,
) -> None:
    def model() -> Vault:
        return build.load(vault, DAY).vault

    (vault / "Notes" / "Unrelated.md").write_text("Nothing to do with anyone.\n", "utf-8")
    before = model()
    jane = vault / "People" / "Jane Doe.md"
    jane.write_text(person(company="Globex"), encoding="utf-8")
    after = model()
    changed = ["People/Jane Doe.md"]
    scope = affected(before, after, changed)
    assert scope is not None
    # Jane, her old and new company and her meeting; not a note linked to none of them.
    assert {
        "People/Jane Doe.md",
        "Companies/Acme Corp.md",
        "Companies/Globex.md",
        "Meetings/2026-11-10 Jane coffee.md",
    } <= scope
    assert "Notes/Unrelated.md" not in scope
    lonely = vault / "Notes" / "Lonely.md"
    lonely.write_text("No links here.\n", encoding="utf-8")
    grown = model()
    assert affected(after, grown, changed) is None
    jane.rename(vault / "People" / "Janet Doe.md")
    renamed = model()
    moved = ["People/Jane Doe.md", "People/Janet Doe.md"]
    assert affected(grown, renamed, moved) is None
    jane_again = vault / "People" / "Janet Doe.md"
    jane_again.write_text(person(company="Globex") + "\n", encoding="utf-8")
    text = jane_again.read_text(encoding="utf-8").replace("type: person", "type: company")
    jane_again.write_text(text, encoding="utf-8")
    retyped = model()
    janet = ["People/Janet Doe.md"]
    assert affected(renamed, retyped, janet) is None


# -- the lock --------------------------------------------------------------------


def test_lock_lives_outside_the_vault_and_admits_one_writer(vault: Path) -> None:
    root = vault.resolve()
    first = VaultLock(root, "watch")
    first.acquire()
    try:
        assert not lock_path(root).is_relative_to(root)
        with pytest.raises(VaultLocked, match=f"pid {os.getpid()}"):
            VaultLock(root, "regen").acquire(wait=0.2)
    finally:
        first.release()
    second = VaultLock(root, "regen")
    second.acquire()
    second.release()
    assert [p.name for p in vault.rglob("*.lock")] == []


def test_a_regen_waits_for_another_regen_but_not_for_a_watcher(vault: Path) -> None:
    root = vault.resolve()
    other = VaultLock(root, "regen")
    other.acquire()
    waiting = threading.Event()

    def finish_other() -> None:
        waiting.wait(TIMEOUT)
        other.release()

    thread = threading.Thread(target=finish_other)
    thread.start()
    mine = VaultLock(root, "regen")
    waiting.set()
    mine.acquire(wait=TIMEOUT)
    mine.release()
    thread.join(TIMEOUT)


# -- the watcher with a real observer --------------------------------------------


def test_atomic_rename_save_of_a_meeting_updates_the_persons_backlinks(vault: Path) -> None:
    sam = vault / "People" / "Sam Lee.md"
    coffee = vault / "Meetings" / "2026-11-10 Jane coffee.md"
    with watching(vault) as run:
        assert "2026-11-10 Jane coffee" not in region(sam)
        save(coffee, meeting(["Jane Doe", "Sam Lee"]))
        wait_for(lambda: "[[2026-11-10 Jane coffee]]" in region(sam), "Sam's backlinks")
        wait_for(lambda: "[[Sam Lee]]" in region(coffee), "the meeting's own region")
        wait_for(lambda: run.said(r"^changed Meetings/2026-11-10 Jane coffee\.md: wrote "), "line")
        new = vault / "Meetings" / "2026-11-12 Sam lunch.md"
        save(new, meeting(["Sam Lee"]))
        wait_for(lambda: "[[2026-11-12 Sam lunch]]" in region(sam), "a new meeting")
    assert temp_files(vault) == []
    assert unsettled(vault) == []


def test_polling_observer_sees_saves_too(vault: Path) -> None:
    sam = vault / "People" / "Sam Lee.md"
    with watching(vault, poll=True):
        save(vault / "Meetings" / "2026-11-10 Jane coffee.md", meeting(["Jane Doe", "Sam Lee"]))
        wait_for(lambda: "[[2026-11-10 Jane coffee]]" in region(sam), "Sam's backlinks")


def test_native_observer_failure_falls_back_to_polling(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Exhausted(watch_module.PollingObserver):
        def start(self) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watch_module, "Observer", Exhausted)
    sam = vault / "People" / "Sam Lee.md"
    with watching(vault) as run:
        assert run.said(r"could not start .*watch limit.*polling.*max_user_watches")
        save(vault / "Meetings" / "2026-11-10 Jane coffee.md", meeting(["Jane Doe", "Sam Lee"]))
        wait_for(lambda: "[[2026-11-10 Jane coffee]]" in region(sam), "Sam's backlinks")


def test_editor_debris_never_triggers_a_rebuild(vault: Path) -> None:
    people = vault / "People"
    with watching(vault) as run:
        before = run.watcher.rebuilds
        (people / "4913").write_text("probe")
        (people / "Jane Doe.md~").write_text(person(company="Globex"))
        (people / ".Jane Doe.md.swp").write_text("swap")
        (people / "Jane Doe.md___jb_tmp___").write_text(person(company="Globex"))
        (people / ".goutputstream-ABC123").write_text(person(company="Globex"))
        (people / "portrait.png").write_bytes(b"\x89PNG")
        (people / "4913").unlink()
        # A real save afterwards is the sync point: once it is handled, so is the debris.
        save(people / "Sam Lee.md", person(company="Globex", role="Engineer"))
        globex = vault / "Companies" / "Globex.md"
        wait_for(lambda: "[[Sam Lee]]" in region(globex), "Sam at Globex")
        wait_for(lambda: run.said(r"^changed People/Sam Lee\.md"), "the change line")
        # One rebuild for the save (the one at the pause that may follow is not counted):
        # none for the debris, which would each have said "changed ...".
        changed = [line for line in run.lines if line.startswith("changed ")]
        assert len(changed) == 1 and changed[0].startswith("changed People/Sam Lee.md"), changed
        assert run.watcher.rebuilds > before
        assert not any("4913" in line or "~" in line or "jb_" in line for line in run.lines)
        assert "[[Jane Doe]]" not in region(globex)
    assert unsettled(vault) == []


def test_a_vim_style_save_is_one_change_of_the_note(vault: Path) -> None:
    """vim (backupcopy=no): probe 4913, rename the note to a ~ backup, write, drop the backup."""
    jane = vault / "People" / "Jane Doe.md"
    backup = jane.with_name("Jane Doe.md~")
    globex = vault / "Companies" / "Globex.md"
    with watching(vault) as run:
        (jane.parent / "4913").write_text("")
        (jane.parent / "4913").unlink()
        os.rename(jane, backup)
        jane.write_text(person(company="Globex"), encoding="utf-8")
        backup.unlink()
        wait_for(lambda: "[[Jane Doe]]" in region(globex), "Jane at Globex")
        wait_for(run.watcher.idle, "the watcher idle")
        assert not any("~" in line or "4913" in line for line in run.lines), run.lines
    assert unsettled(vault) == []


def test_broken_note_is_reported_then_picked_up_when_fixed(vault: Path) -> None:
    jane = vault / "People" / "Jane Doe.md"
    globex = vault / "Companies" / "Globex.md"
    with watching(vault) as run:
        save(jane, '---\ntype: person\ncompany: "[[Globex]]\nrole: [Designer\n---\nText.\n')
        wait_for(lambda: run.said(r"^People/Jane Doe\.md:\d+: error: "), "the problem line")
        assert "[[Jane Doe]]" not in region(globex)
        save(vault / "vaultkit.yaml", "watch: [oops\n")
        wait_for(lambda: run.said(r"vaultkit\.yaml.*still watching"), "the config problem")
        save(vault / "vaultkit.yaml", FAST.format(quiet=0))
        save(jane, person(company="Globex"))
        wait_for(lambda: "[[Jane Doe]]" in region(globex), "Jane at Globex")
        wait_for(lambda: run.said(r"no more problems in People/Jane Doe\.md"), "the fixed line")
    assert unsettled(vault) == []


def test_deleting_a_folder_and_notes_keeps_watching(vault: Path) -> None:
    acme = vault / "Companies" / "Acme Corp.md"
    with watching(vault) as run:
        notes = vault / "Notes" / "Deep" / "Deeper"
        notes.mkdir(parents=True)
        save(notes / "Mention.md", "I should call [[Acme Corp]].\n")
        wait_for(lambda: "[[Mention]]" in region(acme), "the mention")
        for p in sorted(notes.iterdir()):
            p.unlink()
        notes.rmdir()
        notes.parent.rmdir()
        wait_for(lambda: "[[Mention]]" not in region(acme), "the mention gone")
        save(vault / "Notes" / "Other.md", "About [[Acme Corp]].\n")
        wait_for(lambda: "[[Other]]" in region(acme), "watching goes on")
        assert run.watcher.failed is False
    assert unsettled(vault) == []


def test_files_that_vanish_at_once_do_no_harm(vault: Path) -> None:
    people = vault / "People"
    with watching(vault) as run:
        for i in range(30):
            flash = people / f"Flash {i}.md"
            flash.write_text(person(company="Globex"), encoding="utf-8")
            flash.unlink()
        save(people / "Sam Lee.md", person(company="Globex", role="Engineer"))
        wait_for(lambda: "[[Sam Lee]]" in region(vault / "Companies" / "Globex.md"), "Sam")
        wait_for(run.watcher.idle, "the watcher idle")
        assert not any("error" in line or "could not" in line for line in run.lines), run.lines
    assert unsettled(vault) == []


def test_the_vault_folder_vanishing_stops_the_watcher(vault: Path) -> None:
    with watching(vault) as run:
        shutil.rmtree(vault)
        wait_for(lambda: run.watcher.failed, "the watcher to give up")
        wait_for(lambda: run.said(r"the vault's folder is gone"), "the message")


def test_rename_and_delete_of_a_person_update_the_regions_naming_them(vault: Path) -> None:
    people = vault / "People"
    acme = vault / "Companies" / "Acme Corp.md"
    with watching(vault):
        assert "[[Jane Doe]]" in region(acme)
        os.rename(people / "Jane Doe.md", people / "Janet Doe.md")
        wait_for(lambda: "[[Janet Doe]]" in region(acme), "the new name")
        assert "[[Jane Doe]]" not in region(acme)
        (people / "Janet Doe.md").unlink()
        wait_for(lambda: "Janet Doe" not in region(acme), "the person gone")
        assert "[[Sam Lee]]" in region(acme)
    assert unsettled(vault) == []


def test_a_burst_of_200_saves_gives_a_bounded_number_of_rebuilds(vault: Path) -> None:
    # The default pause: the note being saved 200 times is never written into meanwhile.
    (vault / "vaultkit.yaml").write_text(FAST.format(quiet=1), encoding="utf-8")
    coffee = vault / "Meetings" / "2026-11-10 Jane coffee.md"
    sam = vault / "People" / "Sam Lee.md"
    with watching(vault) as run:
        before = run.watcher.rebuilds
        for i in range(199):
            save(coffee, meeting(["Jane Doe"], body=f"Draft {i}."))
        save(coffee, meeting(["Jane Doe", "Sam Lee"], body="Final."))
        wait_for(lambda: "[[2026-11-10 Jane coffee]]" in region(sam), "the last save")
        wait_for(lambda: "[[Sam Lee]]" in region(coffee), "the meeting's region, after")
        assert run.watcher.rebuilds - before <= 25
    assert "Final." in coffee.read_text(encoding="utf-8")
    assert unsettled(vault) == []


def test_small_changes_render_only_what_they_touch_and_match_a_full_regen(
    tmp_path: Path,
) -> None:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    (root / "vaultkit.yaml").write_text(FAST.format(quiet=0), encoding="utf-8")
    edits = [
        ("People/Amara Osei.md", 'company: "[[Fernhill Studio]]"', 'company: "[[Civic Loop]]"'),
        ("People/Leah Whitfield.md", "role: Technical Recruiter", "role: Hiring Manager"),
        ("Meetings/2026-08-28 Amara Osei informational.md", "kind: informational", "kind: job"),
        ("Notes/Reading list.md", "- [ ] Good Services", "- [ ] Good Services ([[Corvid Labs]])"),
        ("People/Amara Osei.md", 'company: "[[Civic Loop]]"', 'company: "[[Fernhill Studio]]"'),
    ]
    with watching(root) as run:
        for rel, old, new in edits:
            rebuilds = run.watcher.rebuilds
            text = (root / rel).read_text(encoding="utf-8")
            assert old in text
            save(root / rel, text.replace(old, new))
            wait_for(lambda n=rebuilds: run.watcher.rebuilds > n and run.watcher.idle(), rel)
            assert unsettled(root) == [], rel
        assert run.watcher.quick == len(edits)
        assert "[[Reading list]]" in region(root / "Companies" / "Corvid Labs.md")


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_no_writes_while_idle(vault: Path) -> None:
    with watching(vault) as run:
        before = snapshot(vault)
        rebuilds = run.watcher.rebuilds
        rescans = run.watcher.rescans
        wait_for(lambda: run.watcher.rescans >= rescans + 3, "three rescans")
        assert snapshot(vault) == before
        assert run.watcher.rebuilds == rebuilds


def test_a_note_just_saved_is_written_only_after_a_pause(vault: Path) -> None:
    (vault / "vaultkit.yaml").write_text(FAST.format(quiet=2), encoding="utf-8")
    coffee = vault / "Meetings" / "2026-11-10 Jane coffee.md"
    sam = vault / "People" / "Sam Lee.md"
    with watching(vault) as run:
        save(coffee, meeting(["Jane Doe", "Sam Lee"]))
        wait_for(lambda: "[[2026-11-10 Jane coffee]]" in region(sam), "Sam's backlinks")
        assert "[[Sam Lee]]" not in region(coffee)
        wait_for(lambda: run.said(r"will write Meetings/2026-11-10 Jane coffee\.md once"), "1")
        wait_for(lambda: "[[Sam Lee]]" in region(coffee), "the deferred write")
        wait_for(lambda: run.said(r"^waited for a pause: wrote Meetings/2026-11-10 Jane"), "2")
    assert unsettled(vault) == []


def test_breaker_stops_writing_a_file_something_keeps_undoing(vault: Path) -> None:
    (vault / "vaultkit.yaml").write_text(
        FAST.format(quiet=0) + "  breaker_writes: 2\n  breaker_seconds: 600\n", encoding="utf-8"
    )
    jane = vault / "People" / "Jane Doe.md"
    with watching(vault) as run:
        # Another program strips vaultkit's region each time it appears.
        for _ in range(3):
            wait_for(lambda: region(jane) != "", "the region back")
            save(jane, person())
        wait_for(lambda: run.said(r"People/Jane Doe\.md: error: .*stops writing it"), "breaker")
        rescans = run.watcher.rescans
        wait_for(lambda: run.watcher.rescans >= rescans + 2, "two rescans")
        assert region(jane) == ""


# -- one writer per vault, through the CLI ---------------------------------------


def test_second_watch_and_regen_are_refused_while_watching(vault: Path, runner: CliRunner) -> None:
    with watching(vault):
        second = runner.invoke(cli, ["watch", str(vault), "--today", TODAY])
        assert second.exit_code == 2
        assert f"`vaultkit watch` (pid {os.getpid()})" in second.output
        regen = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
        assert regen.exit_code == 2
        assert f"pid {os.getpid()}" in regen.output
        dry = runner.invoke(cli, ["regen", str(vault), "--today", TODAY, "--dry-run"])
        assert dry.exit_code == 0, dry.output
    after = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
    assert after.exit_code == 0, after.output


def test_watch_help_has_an_example(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["watch", "--help"])
    assert result.exit_code == 0
    assert "vaultkit watch ~/Notes/Career" in result.output
    assert "--poll" in result.output


# -- signals, in a real process --------------------------------------------------


def watch_save_and_signal(vault: Path, sig: signal.Signals) -> list[str]:
    """Run `vaultkit watch` in its own process, save a meeting, wait for Sam's backlink,
    send ``sig``; assert exit 0 and return what it printed."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "watch", str(vault), "--today", TODAY],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any(line.startswith("watching ") for line in lines), "the start line")
        save(vault / "Meetings" / "2026-11-10 Jane coffee.md", meeting(["Jane Doe", "Sam Lee"]))
        sam = vault / "People" / "Sam Lee.md"
        wait_for(lambda: "[[2026-11-10 Jane coffee]]" in region(sam), "Sam's backlinks")
        proc.send_signal(sig)
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(TIMEOUT)
    if proc.stdout is not None:
        proc.stdout.close()
    return lines


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly_with_exit_0(vault: Path, sig: signal.Signals) -> None:
    lines = watch_save_and_signal(vault, sig)
    assert any(line.startswith("vaultkit: stopped watching") for line in lines), lines
    assert temp_files(vault) == []


def test_a_template_edit_no_event_reported_is_found_by_the_rescan(vault: Path) -> None:
    part = vault / "vaultkit" / "templates" / "regions" / "person.md.j2"
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_text("{{ name }}\n", encoding="utf-8")
    watcher = Watcher(vault, lambda level, text: None, DAY)
    try:
        watcher.start()
        time.sleep(0.3)
        with watcher._cond:
            watcher._pending.clear()  # the events of the first rebuild's own writes
        watcher._rescan()  # the templates as the first rebuild saw them: no difference
        assert watcher._pending == {}
        part.write_text("{{ name }} (edited)\n", encoding="utf-8")
        time.sleep(0.3)
        with watcher._cond:
            watcher._pending.clear()  # as if the observer had missed it
        watcher._rescan()
        assert "vaultkit/templates/regions/person.md.j2" in watcher._pending
    finally:
        watcher.close()


@pytest.mark.parametrize("what", ["note", "config", "template"])
def test_a_change_during_the_first_rebuild_is_queued_once_watching(vault: Path, what: str) -> None:
    """The first rebuild runs before the observer starts (so that it may use two cores):
    a note, the config or a template changed while it ran is found right after."""
    template = vault / "vaultkit" / "templates" / "regions" / "person.md.j2"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text("{{ name }}\n", encoding="utf-8")
    changed = {
        "note": ("Meetings/2026-11-10 Jane coffee.md", meeting(["Jane Doe", "Sam Lee"])),
        "config": ("vaultkit.yaml", "watch:\n  quiet_seconds: 1\n"),
        "template": ("vaultkit/templates/regions/person.md.j2", "{{ name }} (new)\n"),
    }[what]
    watcher = Watcher(vault, lambda level, text: None, DAY)
    real = watcher._regen

    def regen_then_edit(*args: object, **kwargs: object) -> build.RunResult:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        save(vault / changed[0], changed[1])  # saved after the rebuild read the vault
        return result

    watcher._regen = regen_then_edit  # type: ignore[method-assign]
    try:
        watcher.start()
        assert watcher.observer is not None
        assert changed[0] in watcher._pending
    finally:
        watcher.close()
