"""Fixes for bugs a reviewer found: each test fails without its fix."""

from __future__ import annotations

import os
import threading
import unicodedata
from pathlib import Path

import pytest

from vaultkit import build
from vaultkit.config import Config
from vaultkit.errors import ConfigError
from vaultkit.watch import Level, Watcher

from .safety_helpers import TODAY, edit_region, make_vault, regen, run, snapshot

MEETING = "Meetings/2026-11-28 Jane coffee.md"
OLD_SHEET = "vaultkit/Prep/Prep 2026-11-28 Jane coffee.md"
NEW_SHEET = "vaultkit/Prep/Prep 2026-11-28 Jane lunch.md"
FILES = {
    "People/Jane Doe.md": '---\ntype: person\ncompany: "[[Acme]]"\nrole: Designer\n---\nHi.\n',
    "Companies/Acme.md": "---\ntype: company\n---\n# Acme\n",
    MEETING: (
        '---\ntype: meeting\nkind: informational\ndate: 2026-11-28\nwith: ["[[Jane Doe]]"]\n'
        "---\n\n## Notes\nAsk about [[Acme]].\n"
    ),
    "Notes/Plan.md": "Before [[2026-11-28 Jane coffee]]: read up.\n",
}


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = make_vault(tmp_path / "vault", dict(FILES))
    assert regen(root).exit_code == 0
    return root


def add_my_notes(sheet: Path, words: str) -> None:
    with sheet.open("a", encoding="utf-8") as fh:
        fh.write(words)


# -- 1. rename keeps a backup: undo reverses exactly the rename -------------------------


def test_undo_after_rename_puts_back_every_byte_of_before_the_rename(vault: Path) -> None:
    add_my_notes(vault / OLD_SHEET, "Bring the portfolio.\n")
    before = snapshot(vault)
    result = run("rename", "2026-11-28 Jane coffee", "2026-11-28 Jane lunch", "-C", str(vault))
    assert result.exit_code == 0, result.output
    assert snapshot(vault) != before
    undone = run("undo", str(vault))
    assert undone.exit_code == 0, undone.output
    assert snapshot(vault) == before
    # The regen before it is the next undo, not this one again.
    assert regen(vault).exit_code == 0
    assert snapshot(vault) == before


def test_undo_after_a_person_rename(vault: Path) -> None:
    before = snapshot(vault)
    assert run("rename", "Jane Doe", "Jane Smith", "-C", str(vault)).exit_code == 0
    assert "People/Jane Smith.md" in snapshot(vault)
    assert run("undo", str(vault)).exit_code == 0
    assert snapshot(vault) == before


# -- 2. a renamed meeting takes its prep sheet along -------------------------------------


def test_renaming_a_meeting_moves_its_prep_sheet_with_the_users_notes(vault: Path) -> None:
    add_my_notes(vault / OLD_SHEET, "Bring the portfolio.\n")
    result = run("rename", "2026-11-28 Jane coffee", "2026-11-28 Jane lunch", "-C", str(vault))
    assert result.exit_code == 0, result.output
    assert f"moved its prep sheet {OLD_SHEET} -> {NEW_SHEET}" in result.output
    assert not (vault / OLD_SHEET).exists()
    sheet = (vault / NEW_SHEET).read_text(encoding="utf-8")
    assert "Bring the portfolio." in sheet
    assert 'meeting: "[[2026-11-28 Jane lunch]]"' in sheet
    again = regen(vault)
    assert again.exit_code == 0, again.output
    assert "orphan" not in again.output and "no meeting note" not in again.output
    prep = sorted(p.name for p in (vault / "vaultkit/Prep").iterdir())
    assert prep == [Path(NEW_SHEET).name]
    assert "Bring the portfolio." in (vault / NEW_SHEET).read_text(encoding="utf-8")


def test_renaming_a_meeting_moves_a_sheet_with_a_markdown_link(vault: Path) -> None:
    sheet = vault / OLD_SHEET
    text = sheet.read_text(encoding="utf-8").replace(
        'meeting: "[[2026-11-28 Jane coffee]]"',
        'meeting: "[2026-11-28 Jane coffee](Meetings/2026-11-28%20Jane%20coffee.md)"',
    )
    sheet.write_text(text, encoding="utf-8")
    result = run("rename", "2026-11-28 Jane coffee", "2026-11-28 Jane lunch", "-C", str(vault))
    assert result.exit_code == 0, result.output
    moved = (vault / NEW_SHEET).read_text(encoding="utf-8")
    assert "(Meetings/2026-11-28%20Jane%20lunch.md)" in moved


def test_regen_warns_about_a_prep_sheet_whose_meeting_is_gone(vault: Path) -> None:
    os.rename(vault / MEETING, vault / "Meetings/2026-11-28 Jane lunch.md")  # by hand
    result = regen(vault)
    assert f"{OLD_SHEET}:3: warning: meeting: '[[2026-11-28 Jane coffee]]'" in result.output
    assert result.exit_code == 0  # a warning


# -- 3. watch notices Obsidian's settings ------------------------------------------------


def test_watch_rerenders_everything_when_obsidian_link_style_changes(vault: Path) -> None:
    (vault / "vaultkit.yaml").write_text(
        "watch:\n  rescan_seconds: 0.2\n  quiet_seconds: 0\n", encoding="utf-8"
    )
    assert regen(vault).exit_code == 0
    lines: list[str] = []

    def report(level: Level, text: str) -> None:
        lines.append(text)

    watcher = Watcher(vault, report, build.dt.date.fromisoformat(TODAY))
    watcher.start()
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        (vault / ".obsidian").mkdir()
        (vault / ".obsidian/app.json").write_text('{"useMarkdownLinks": true}', "utf-8")
        acme = vault / "Companies/Acme.md"
        jane = vault / "People/Jane Doe.md"

        def settled() -> bool:
            return (
                "[Jane Doe](" in acme.read_text(encoding="utf-8")
                and "[Acme](" in jane.read_text(encoding="utf-8")
                and watcher.idle()
            )

        deadline = build.dt.datetime.now() + build.dt.timedelta(seconds=30)
        while not settled():
            assert build.dt.datetime.now() < deadline, lines[-10:]
            threading.Event().wait(0.05)
    finally:
        watcher.stop()
        thread.join(30)
        watcher.close()
    dry = build.regen(vault, build.dt.date.fromisoformat(TODAY), dry_run=True)
    assert [fp.path for fp in dry.plans if fp.action in ("create", "update")] == []


# -- 4. a backup that cannot be kept: the summary tells the truth ------------------------


def test_backup_failure_is_counted_as_nothing_written(tmp_path: Path, _local_cache: Path) -> None:
    root = make_vault(tmp_path / "vault", dict(FILES))
    (_local_cache / "backups").write_text("not a folder")
    before = snapshot(root)
    result = regen(root)
    assert result.exit_code == 1
    assert "vaultkit: 0 created, 0 updated" in result.output, result.output
    assert "could not keep a backup" in result.output
    assert snapshot(root) == before


# -- 5. times and durations that are no time -----------------------------------------------


def test_bad_time_and_duration_are_reported_and_not_printed(vault: Path) -> None:
    path = vault / MEETING
    text = path.read_text(encoding="utf-8").replace(
        "date: 2026-11-28\n", "date: 2026-11-28T25:99\nduration: -30\n"
    )
    path.write_text(text, encoding="utf-8")
    check = run("check", str(vault), "--today", TODAY)
    assert f"{MEETING}:4: warning: date: 25:99 is not a time of day" in check.output
    assert f"{MEETING}:5: warning: duration: -30 is not a number of minutes" in check.output
    result = regen(vault)
    assert "25:99" in result.output
    sheet = (vault / OLD_SHEET).read_text(encoding="utf-8")
    assert "25:99" not in sheet and "-30" not in sheet


def test_a_bad_time_field_is_reported(vault: Path) -> None:
    path = vault / MEETING
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "date: 2026-11-28\n", "date: 2026-11-28\ntime: 26:00\n"
        ),
        encoding="utf-8",
    )
    check = run("check", str(vault), "--today", TODAY)
    assert f"{MEETING}:5: warning: time: '26:00' is not a time of day" in check.output


# -- 6. config mistakes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder", ["People", "Work/meetings", ".", "./", ".hidden", "a/../b", "Companies/Out"]
)
def test_output_folder_must_be_vaultkits_own(folder: str, tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault", dict(FILES))
    (root / "vaultkit.yaml").write_text(
        f"keep_in_touch_days: 30\noutput_folder: {folder!r}\n", encoding="utf-8"
    )
    before = snapshot(root)
    with pytest.raises(ConfigError, match=r"^vaultkit\.yaml:2: output_folder"):
        run("regen", str(root), "--today", TODAY)
    assert snapshot(root) == before


def test_unknown_prep_option_is_reported() -> None:
    with pytest.raises(ConfigError, match=r"vaultkit.yaml:3: prep: unknown option 'horizon'"):
        Config.from_mapping({"prep": {"horizon": 3}}, {"prep": 3})
    Config.from_mapping({"prep": {}})


def test_unknown_prep_option_through_the_cli(vault: Path) -> None:
    (vault / "vaultkit.yaml").write_text("prep:\n  horizon: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^vaultkit\.yaml:1: prep: unknown option 'horizon'"):
        run("check", str(vault), "--today", TODAY)


# -- 7. a safe file name in the suggestion -------------------------------------------------


def test_check_suggests_a_safe_person_file(vault: Path) -> None:
    (vault / "vaultkit.yaml").write_text("people_folders: [Contacts]\n", encoding="utf-8")
    path = vault / MEETING
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'with: ["[[Jane Doe]]"]', 'with: ["../../etc/passwd"]'
        ),
        encoding="utf-8",
    )
    result = run("check", str(vault), "--today", TODAY)
    line = next(x for x in result.output.splitlines() if "has no person note" in x)
    assert "(create Contacts/" in line
    assert "../" not in line.split("(create", 1)[1]
    assert "/etc/passwd" not in line.split("(create", 1)[1]


# -- 8. resolve finds an NFD file typed in NFC; the empty Conflicts folder goes ----------


def test_resolve_matches_an_nfd_file_name_typed_in_nfc(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "People/Zoë Martín.md")
    nfc = unicodedata.normalize("NFC", "People/Zoë Martín.md")
    root = make_vault(
        tmp_path / "vault",
        {nfd: '---\ntype: person\ncompany: "[[Acme]]"\n---\n', "Companies/Acme.md": "# Acme\n"},
    )
    if (root / nfc).exists() and os.listdir(root / "People") != [Path(nfd).name]:
        pytest.skip("this file system normalises names")
    assert regen(root).exit_code == 0
    pristine = (root / nfd).read_bytes()
    edit_region(root / nfd, "- **Works at:**", "- **Works at (mine):**")
    assert regen(root).exit_code == 1
    assert (root / "vaultkit/Conflicts").is_dir()
    result = run("resolve", nfc, "--take-vaultkit", "--vault", str(root), "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert (root / nfd).read_bytes() == pristine
    assert not (root / "vaultkit/Conflicts").exists()


def test_the_empty_conflicts_folder_goes_when_regen_removes_the_last_note(
    tmp_path: Path,
) -> None:
    root = make_vault(tmp_path / "vault", dict(FILES))
    assert regen(root).exit_code == 0
    jane = root / "People/Jane Doe.md"
    pristine = jane.read_bytes()
    edit_region(jane, "- **Works at:**", "- **Works at (mine):**")
    regen(root)
    assert any((root / "vaultkit/Conflicts").iterdir())
    jane.write_bytes(pristine)
    assert regen(root).exit_code == 0
    assert not (root / "vaultkit/Conflicts").exists()


# -- 9. help text ------------------------------------------------------------------------


def test_help_says_what_vaultkit_does_and_when_regen_exits_1() -> None:
    top = " ".join(run("--help").output.split())
    for words in ("prep sheet", "follow-ups", "dashboard", "vaultkit watch", "network map"):
        assert words in top, words
    regen_help = " ".join(run("regen", "--help").output.split())
    assert "Exits 1 when there was an error (warnings alone exit 0)" in regen_help
    assert "had a problem" not in regen_help


@pytest.mark.parametrize(
    ("rel", "relevant"),
    [
        (".obsidian/app.json", True),
        (".obsidian/plugins/obsidian-tasks-plugin/data.json", True),
        (".obsidian/templates.json", True),
        (".obsidian/workspace.json", False),
        (".obsidian/plugins/other/data.json", False),
    ],
)
def test_obsidian_settings_files_are_relevant_to_watch(rel: str, relevant: bool) -> None:
    from vaultkit.watch import is_relevant

    assert is_relevant(rel, "vaultkit/templates") is relevant


def test_the_rescan_snapshot_includes_obsidian_settings(vault: Path) -> None:
    (vault / ".obsidian/plugins/obsidian-tasks-plugin").mkdir(parents=True)
    (vault / ".obsidian/app.json").write_text("{}", encoding="utf-8")
    (vault / ".obsidian/plugins/obsidian-tasks-plugin/data.json").write_text("{}", "utf-8")
    watcher = Watcher(vault, lambda level, text: None, build.dt.date.fromisoformat(TODAY))
    try:
        seen = watcher._stat_all()
    finally:
        watcher.close()
    assert ".obsidian/app.json" in seen
    assert ".obsidian/plugins/obsidian-tasks-plugin/data.json" in seen
