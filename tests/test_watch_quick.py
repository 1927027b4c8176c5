"""`vaultkit watch` after a save: the quick rebuild, then the full one at a pause.

A save of an existing note is handled without reading the vault again: the saved note
is parsed, the model brought up to date, and the backlinks one link around it are
written at once. Follow-ups, prep sheets, the dashboard and the map follow in a full
rebuild once the user pauses (``quiet_seconds``), and never later than
``max_behind_seconds`` after the first save they missed.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from vaultkit import build

from .test_watch import DAY, SAMPLE, region, save, unsettled, wait_for, watching

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

MEETING = "Meetings/2026-11-20 Tobias Brandt casual.md"
DASHBOARD = "vaultkit/Follow-ups.md"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    return root


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
