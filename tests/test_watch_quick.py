"""`vaultkit watch` after a save: the quick rebuild, then the full one at a pause.

A save of an existing note is handled without reading the vault again: the saved note
is parsed, the model brought up to date, and the backlinks one link around it are
written at once. Follow-ups, prep sheets, the dashboard and the map follow in a full
rebuild once the user pauses (``quiet_seconds``), and never later than
``max_behind_seconds`` after the first save they missed.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from vaultkit import build

from .test_watch import DAY, region, save, unsettled, wait_for, watching

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

MEETING = "Meetings/2026-11-20 Tobias Brandt casual.md"
DASHBOARD = "vaultkit/Follow-ups.md"


@pytest.fixture
def sample(sample_vault: Path) -> Path:
    """A copy of the sample vault (conftest's)."""
    return sample_vault


def settings(root: Path, quiet: float, behind: float = 10.0) -> None:
    (root / "vaultkit.yaml").write_text(
        f"watch:\n  rescan_seconds: 0.2\n  quiet_seconds: {quiet}\n"
        f"  max_behind_seconds: {behind}\n",
        encoding="utf-8",
    )


def backlinks_behind(root: Path, held: set[str]) -> list[str]:
    """Notes whose backlinks region a full regen would still change (held ones aside)."""
    result = build.regen(root, DAY, dry_run=True)
    return sorted(
        fp.path
        for fp in result.plans
        if "backlinks" in fp.changes and fp.action in ("create", "update") and fp.path not in held
    )


def add_attendee(root: Path, name: str) -> None:
    note = root / MEETING
    text = note.read_text(encoding="utf-8")
    save(
        note,
        text.replace('with: ["[[Tobias Brandt]]"]', f'with: ["[[Tobias Brandt]]", "[[{name}]]"]'),
    )


def test_a_save_writes_every_backlink_a_full_regen_would_and_the_rest_after_a_pause(
    sample: Path,
) -> None:
    settings(sample, quiet=3)
    jonah = sample / "People" / "Jonah Pierce.md"
    with watching(sample) as run:
        assert "2026-11-20 Tobias Brandt casual" not in region(jonah)
        quick = run.watcher.quick
        add_attendee(sample, "Jonah Pierce")
        wait_for(lambda: "2026-11-20 Tobias Brandt casual" in region(jonah), "Jonah's backlinks")
        wait_for(lambda: run.watcher.quick == quick + 1, "the quick rebuild's end")
        # Every other note's backlinks are already what a full regen writes ...
        assert backlinks_behind(sample, {MEETING}) == []
        # ... while the thank-you note to Jonah waits for the pause.
        dashboard = (sample / DASHBOARD).read_text(encoding="utf-8")
        assert "thank-you note to [[Jonah Pierce]]" not in dashboard
        wait_for(
            lambda: "thank-you note to [[Jonah Pierce]]" in (sample / DASHBOARD).read_text("utf-8"),
            "the dashboard after the pause",
        )
        wait_for(run.watcher.idle, "the full rebuild")
        assert unsettled(sample) == []


def test_the_rest_follows_within_max_behind_even_while_saves_go_on(sample: Path) -> None:
    settings(sample, quiet=5, behind=0.5)
    with watching(sample) as run:
        add_attendee(sample, "Jonah Pierce")
        note = sample / MEETING
        deadline = time.monotonic() + 4
        # Save every 0.2 s: the user never pauses for quiet_seconds.
        while time.monotonic() < deadline:
            save(note, note.read_text(encoding="utf-8") + "\nMore notes.\n")
            if "thank-you note to [[Jonah Pierce]]" in (sample / DASHBOARD).read_text("utf-8"):
                break
            time.sleep(0.2)
        assert "thank-you note to [[Jonah Pierce]]" in (sample / DASHBOARD).read_text("utf-8")
        assert run.watcher.quick >= 1


def test_a_new_alias_or_a_broken_note_takes_the_full_rebuild(sample: Path) -> None:
    settings(sample, quiet=0)
    grace = sample / "People" / "Grace Mensah.md"
    notes = sample / "Notes" / "2026-11-18.md"
    with watching(sample) as run:
        quick, rebuilds = run.watcher.quick, run.watcher.rebuilds
        text = grace.read_text(encoding="utf-8")
        save(grace, text.replace("---\n", "---\naliases: [Gracie]\n", 1))
        wait_for(lambda: run.watcher.rebuilds > rebuilds and run.watcher.idle(), "the alias")
        assert run.watcher.quick == quick  # names resolve differently: everything redone
        save(notes, notes.read_text(encoding="utf-8") + "\nSaw [[Gracie]] today.\n")
        wait_for(lambda: "[[2026-11-18]]" in region(grace), "the mention through the alias")
        rebuilds = run.watcher.rebuilds
        save(notes, "---\nbroken: [yaml\n---\nBody.\n")
        wait_for(lambda: run.said(r"Notes/2026-11-18\.md:\d+: error"), "the YAML problem")
        assert run.watcher.rebuilds > rebuilds
        wait_for(run.watcher.idle, "idle")
    assert unsettled(sample) == []


def test_a_save_taken_in_by_a_redone_write_is_caught_up(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user saves a note while vaultkit writes it: the checked write is redone from
    the new bytes, so the file then holds the user's new link *and* vaultkit's region,
    and its own event looks like vaultkit's write. The kept model must still learn of
    the new link: the rebuild at the pause redoes what that note touches."""
    from vaultkit.watch import Watcher

    settings(sample, quiet=0)
    tidewater = "Companies/Tidewater Bank.md"
    jonah = "People/Jonah Pierce.md"
    real = build.atomic_write
    raced: list[str] = []

    def racing(root: Path, rel: str, *args: object, **kwargs: object) -> object:
        if rel == tidewater and not raced:
            raced.append(rel)
            text = (sample / rel).read_text(encoding="utf-8")
            text = text.replace(
                "\n<!-- vaultkit:begin",
                "\nTalked to [[Kenji Watanabe]] about them.\n\n<!-- vaultkit:begin",
                1,
            )
            save(sample / rel, text)
        return real(root, rel, *args, **kwargs)  # type: ignore[arg-type]

    watcher = Watcher(sample, lambda level, text: None, DAY, poll=True)
    watcher.start()
    try:
        monkeypatch.setattr(build, "atomic_write", racing)
        text = (sample / jonah).read_text(encoding="utf-8")
        save(sample / jonah, text.replace("role: UX Writer", "role: Lead UX Writer"))
        watcher._handle({jonah: False})
        assert raced and "Talked to [[Kenji" in (sample / tidewater).read_text("utf-8")
        monkeypatch.setattr(build, "atomic_write", real)
        watcher._handle({tidewater: False})  # its event: the bytes vaultkit wrote
        assert watcher._deferred_at is not None  # a full rebuild is due ...
        watcher._rebuild({})  # ... and here it is
    finally:
        watcher.close()
    assert unsettled(sample) == []


def test_problems_found_or_fixed_by_the_rebuild_at_a_pause_are_reported(sample: Path) -> None:
    """A quick rebuild reports the model's new problems; the rebuild at the pause, even
    one that writes nothing, reports what only it finds (an orphan prep sheet) and what
    was fixed."""
    from vaultkit.watch import Watcher

    settings(sample, quiet=0)
    lines: list[str] = []
    kenji = sample / "People" / "Kenji Watanabe.md"
    sheet = sample / "vaultkit" / "Prep" / "Prep 2026-11-22 Jonah Pierce networking.md"
    watcher = Watcher(sample, lambda level, text: lines.append(text), DAY, poll=True)
    watcher.start()

    def saved(path: Path, text: str) -> list[str]:
        lines.clear()
        save(path, text)
        watcher._handle({path.relative_to(sample).as_posix(): False})
        return list(lines)

    def paused() -> list[str]:
        lines.clear()
        watcher._rebuild({})
        return list(lines)

    try:
        text = kenji.read_text(encoding="utf-8")
        said = saved(kenji, text.replace("---\n", "---\nkeep_in_touch: often\n", 1))
        assert any("Kenji Watanabe.md:2: warning: keep_in_touch" in line for line in said)
        assert watcher.quick == 1 and paused() == []  # the pause writes nothing new
        assert saved(kenji, text.replace("---\n", "---\nkeep_in_touch: 0\n", 1)) == [
            "changed People/Kenji Watanabe.md: nothing to write"
        ]
        assert paused() == ["waited for a pause: no more problems in People/Kenji Watanabe.md"]
        meeting = "[[2026-11-22 Jonah Pierce networking]]"
        said = saved(sheet, sheet.read_text(encoding="utf-8").replace(meeting, "[[Nowhere]]", 1))
        assert not any("no meeting note now" in line for line in said)
        assert any("'[[Nowhere]]' is no meeting note now" in line for line in paused())
    finally:
        watcher.close()


def test_undoing_an_edit_back_to_vaultkits_bytes_is_a_change_too(sample: Path) -> None:
    from vaultkit.watch import Watcher

    settings(sample, quiet=0)
    tidewater = sample / "Companies" / "Tidewater Bank.md"
    kenji = sample / "People" / "Kenji Watanabe.md"
    rel = "Companies/Tidewater Bank.md"
    watcher = Watcher(sample, lambda level, text: None, DAY, poll=True)
    watcher.start()  # its first run writes every note: these are vaultkit's bytes
    try:
        written = tidewater.read_text(encoding="utf-8")
        assert "[[Tidewater Bank]]" not in region(kenji).split("Mentioned in")[-1]
        save(
            tidewater,
            written.replace(
                "\n<!-- vaultkit:begin", "\nAsk [[Kenji Watanabe]].\n\n<!-- vaultkit:begin", 1
            ),
        )
        watcher._handle({rel: False})
        assert "[[Tidewater Bank]]" in region(kenji).split("Mentioned in")[-1]
        save(tidewater, written)  # undone: exactly the bytes vaultkit wrote
        watcher._handle({rel: False})
        assert "[[Tidewater Bank]]" not in region(kenji).split("Mentioned in")[-1]
        watcher._rebuild({})
    finally:
        watcher.close()
    assert unsettled(sample) == []
