"""Conflict notes, `vaultkit resolve`, the deletion rule, backups and `vaultkit undo`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vaultkit import backup, cache, write
from vaultkit.errors import UnsafeWrite, VaultError, WriteConflict

from .safety_helpers import SMALL, TODAY, edit_region, make_vault, regen, run, snapshot, stamps

JANE = "People/Jane Doe.md"
SMALL_JANE = str(SMALL[JANE])
CONFLICT = "vaultkit/Conflicts/People - Jane Doe.md"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = make_vault(tmp_path / "vault")
    assert regen(root).exit_code == 0
    return root


def test_hand_edit_keeps_the_edit_and_saves_the_proposal_beside_it(vault: Path) -> None:
    edit_region(vault / JANE, "- **Works at:**", "- **Works at (my words):**")
    mine = (vault / JANE).read_bytes()
    result = regen(vault)
    assert result.exit_code == 1
    assert (vault / JANE).read_bytes() == mine
    assert f'vaultkit resolve "{JANE}" --take-vaultkit' in result.output
    assert CONFLICT in result.output
    note = (vault / CONFLICT).read_text(encoding="utf-8")
    assert 'conflict_of: "People/Jane Doe.md"' in note
    assert "Works at (my words)" in note  # the user's version
    assert "- **Works at:** [[Acme]] · Designer" in note  # vaultkit's proposal
    # Stable: the next run writes nothing more.
    before = stamps(vault)
    assert regen(vault).exit_code == 1
    assert stamps(vault) == before


def test_resolve_take_vaultkit_rewrites_region_and_removes_conflict_note(vault: Path) -> None:
    pristine = (vault / JANE).read_bytes()
    edit_region(vault / JANE, "- **Works at:**", "- **Works at (my words):**")
    regen(vault)
    result = run("resolve", JANE, "--take-vaultkit", "--vault", str(vault), "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert (vault / JANE).read_bytes() == pristine
    assert not (vault / CONFLICT).exists()
    second = regen(vault)
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated" in second.output


def test_resolve_keep_mine_keeps_text_and_turns_region_off(vault: Path) -> None:
    edit_region(vault / JANE, "- **Works at:**", "- **Works at (my words):**")
    regen(vault)
    result = run("resolve", CONFLICT, "--keep-mine", "--vault", str(vault), "--today", TODAY)
    assert result.exit_code == 0, result.output
    text = (vault / JANE).read_text(encoding="utf-8")
    assert "vaultkit:begin" not in text and "vaultkit:end" not in text
    assert "<!-- vaultkit:off backlinks" in text
    assert "- **Works at (my words):** [[Acme]] · Designer\n" in text
    assert text.startswith("---\ntype: person\n")
    assert not (vault / CONFLICT).exists()
    regen(vault)
    regen(vault)
    assert (vault / JANE).read_text(encoding="utf-8") == text  # never re-created


def test_resolve_needs_a_choice_and_a_real_note(vault: Path) -> None:
    assert run("resolve", JANE, "--vault", str(vault)).exit_code != 0
    with pytest.raises(VaultError, match="no such note"):
        run("resolve", "People/Nobody.md", "--keep-mine", "--vault", str(vault))
    nothing = run("resolve", JANE, "--keep-mine", "--vault", str(vault), "--today", TODAY)
    assert nothing.exit_code == 0 and "nothing to resolve" in nothing.output


def test_deleted_region_comes_back_unless_turned_off(vault: Path) -> None:
    path = vault / JANE
    text = path.read_text(encoding="utf-8")
    start = text.index("<!-- vaultkit:begin")
    path.write_text(text[:start], encoding="utf-8")
    regen(vault)
    assert "<!-- vaultkit:begin backlinks" in path.read_text(encoding="utf-8")
    # Deliberate: an off line keeps it out for good.
    off = text[:start] + "<!-- vaultkit:off backlinks -->\n"
    path.write_text(off, encoding="utf-8")
    regen(vault)
    assert path.read_text(encoding="utf-8") == off


def test_opt_out_front_matter_is_never_written(vault: Path) -> None:
    path = vault / "People/Sam Lee.md"
    text = "---\ncompany: Acme\nvaultkit: false\n---\nSam's notes.\n"
    path.write_text(text, encoding="utf-8")
    regen(vault)
    assert path.read_text(encoding="utf-8") == text


def test_deleted_generated_note_comes_back_unless_a_stub_opts_out(vault: Path) -> None:
    edit_region(vault / JANE, "- **Works at:**", "- **Works at (my words):**")
    regen(vault)
    (vault / CONFLICT).unlink()
    regen(vault)
    assert (vault / CONFLICT).exists()  # generated notes are vaultkit's: re-created
    stub = "---\nvaultkit: false\n---\n"
    (vault / CONFLICT).write_text(stub, encoding="utf-8")
    regen(vault)
    assert (vault / CONFLICT).read_text(encoding="utf-8") == stub


def test_conflict_note_goes_when_the_conflict_does_unless_edited(vault: Path) -> None:
    pristine = (vault / JANE).read_bytes()
    edit_region(vault / JANE, "- **Works at:**", "- **Works at (my words):**")
    regen(vault)
    (vault / JANE).write_bytes(pristine)  # the user undid their edit by hand
    regen(vault)
    assert not (vault / CONFLICT).exists()
    edit_region(vault / JANE, "- **Works at:**", "- **Works at (my words):**")
    regen(vault)
    with (vault / CONFLICT).open("a", encoding="utf-8") as fh:
        fh.write("My own thoughts on this.\n")
    (vault / JANE).write_bytes(pristine)
    result = regen(vault)
    assert (vault / CONFLICT).exists()
    assert "stale-conflict" not in result.output and "delete it when you are done" in result.output


# --- backups and undo ------------------------------------------------------------------


def test_undo_restores_the_last_run(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault")
    before = snapshot(root)
    assert regen(root).exit_code == 0
    after = snapshot(root)
    assert after != before
    result = run("undo", str(root))
    assert result.exit_code == 0, result.output
    assert "4 restored" in result.output
    assert snapshot(root) == before
    again = run("undo", str(root))
    assert "nothing to undo" in again.output
    assert snapshot(root) == before


def test_undo_removes_created_notes_and_walks_back_run_by_run(vault: Path, tmp_path: Path) -> None:
    first = snapshot(make_vault(tmp_path / "original"))
    edit_region(vault / JANE, "- **Works at:**", "- **Works at (my words):**")
    edited = snapshot(vault)
    regen(vault)  # creates the conflict note
    assert (vault / CONFLICT).exists()
    assert run("undo", str(vault)).exit_code == 0
    assert snapshot(vault) == edited
    back = run("undo", str(vault))  # the first regen, older than the hand edit
    assert back.exit_code == 1 and f"{JANE}: warning: changed since" in back.output
    restored = snapshot(vault)
    assert restored[JANE] == edited[JANE]  # the hand edit is newer than that run: kept
    assert {k: v for k, v in restored.items() if k != JANE} == {
        k: v for k, v in first.items() if k != JANE
    }


def test_undo_refuses_a_file_changed_since_the_run(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault")
    regen(root)
    changed = (root / JANE).read_bytes() + b"\nA line I added after the run.\n"
    (root / JANE).write_bytes(changed)
    result = run("undo", str(root))
    assert result.exit_code == 1
    assert f"{JANE}: warning: changed since vaultkit wrote it" in result.output
    assert "the earlier version is kept at" in result.output
    kept = Path(result.output.split("kept at ")[1].split("\n")[0])
    assert not kept.is_relative_to(root)
    assert b"vaultkit:begin" not in kept.read_bytes()
    assert kept.read_bytes() == make_vault(root.parent / "original").joinpath(JANE).read_bytes()
    assert (root / JANE).read_bytes() == changed
    assert "Companies/Acme.md" in snapshot(root)
    assert b"vaultkit:begin" not in (root / "Companies/Acme.md").read_bytes()


def test_undo_dry_run_changes_nothing(vault: Path) -> None:
    before = stamps(vault)
    result = run("undo", str(vault), "--dry-run")
    assert result.exit_code == 0 and "would be restored" in result.output
    assert stamps(vault) == before


def test_backups_live_outside_the_vault_and_are_bounded(tmp_path: Path, _local_cache: Path) -> None:
    root = make_vault(tmp_path / "vault")
    (root / "vaultkit.yaml").write_text("backup_runs: 2\n", encoding="utf-8")
    for i in range(4):
        regen(root)
        with (root / "Notes/Plan.md").open("a", encoding="utf-8") as fh:
            fh.write(f"See [[Sam Lee]] {i}.\n" if i % 2 == 0 else "And [[Acme]].\n")
    folder = backup.vault_backups(root.resolve())
    assert folder.is_relative_to(_local_cache)
    runs = [p.name for p in folder.iterdir() if p.name.startswith("run-")]
    assert len(runs) == 2
    assert not any(".vaultkit" in p.name or "run-" in p.name for p in root.rglob("*"))


def test_backups_can_be_turned_off(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault")
    (root / "vaultkit.yaml").write_text("backup_runs: 0\n", encoding="utf-8")
    regen(root)
    assert "nothing to undo" in run("undo", str(root)).output


def test_backup_folder_inside_the_vault_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(tmp_path / "vault")
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(root / "cache"))
    with pytest.raises(Exception, match="inside the vault"):
        backup.vault_backups(root.resolve())


def test_no_backup_no_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_vault(tmp_path / "vault")
    before = snapshot(root)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_fsync_write", broken)
    result = regen(root)
    assert result.exit_code == 1
    assert "could not keep a backup" in result.output
    assert snapshot(root) == before


def test_cache_dir_default_is_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAULTKIT_CACHE_DIR")
    assert "vaultkit" in str(cache.cache_base())
    assert os.path.isabs(cache.cache_base())


def test_an_edited_conflict_note_gets_no_conflict_note_of_its_own(vault: Path) -> None:
    edit_region(vault / JANE, "- **Works at:**", "- **Works at (my words):**")
    regen(vault)
    edit_region(vault / CONFLICT, "## Region", "## My region")
    edited = (vault / CONFLICT).read_bytes()
    result = regen(vault)
    assert "you edited this conflict note" in result.output
    assert (vault / CONFLICT).read_bytes() == edited
    assert sorted(p.name for p in (vault / "vaultkit/Conflicts").iterdir()) == [
        "People - Jane Doe.md"
    ]


def test_prune_keeps_within_megabytes_and_always_the_newest(tmp_path: Path) -> None:
    base = tmp_path / "backups"
    for n, size in enumerate((600_000, 600_000, 900_000), start=1):
        blobs = base / f"run-{n:06d}" / "blobs"
        blobs.mkdir(parents=True)
        (blobs / "x").write_bytes(b"x" * size)
    backup.prune(base, keep_runs=10, keep_bytes=1_000_000)
    assert sorted(p.name for p in base.iterdir()) == ["run-000003"]


@pytest.mark.parametrize("command", ["undo", "resolve"])
def test_new_commands_have_help_with_an_example_and_a_readme_entry(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0 and "Example:" in result.output
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"`vaultkit {command}" in readme


def test_keep_mine_in_a_crlf_note_with_bom_keeps_its_bytes(tmp_path: Path) -> None:
    crlf = "\ufeff" + SMALL_JANE.replace("\n", "\r\n")
    root = make_vault(tmp_path / "vault", {**SMALL, JANE: crlf})
    regen(root)
    data = (root / JANE).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n<!-- vaultkit:end" in data
    (root / JANE).write_bytes(data.replace(b"- **Works at:**", b"- **Works at (mine):**"))
    dry = regen(root, "--dry-run")
    assert not (root / CONFLICT).exists() and "vaultkit/Conflicts" in dry.output
    regen(root)
    result = run("resolve", JANE, "--keep-mine", "--vault", str(root), "--today", TODAY)
    assert result.exit_code == 0, result.output
    after = (root / JANE).read_bytes()
    assert after.startswith(crlf.encode("utf-8"))
    assert b"\n" not in after.replace(b"\r\n", b"")  # no lone line feed
    assert b"- **Works at (mine):**" in after and b"vaultkit:begin" not in after


def test_a_run_whose_writes_failed_is_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that could not write (here: no backup could be kept) leaves the vault
    unsettled: the next run, on the same notes, must try again rather than repeat it."""
    root = make_vault(tmp_path / "vault")
    real = backup._fsync_write

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_fsync_write", broken)
    for _ in range(2):  # the second time too: nothing was remembered
        failed = regen(root)
        assert failed.exit_code == 1 and "could not keep a backup" in failed.output
    before = snapshot(root)
    monkeypatch.setattr(backup, "_fsync_write", real)
    again = regen(root)
    assert again.exit_code == 0, again.output
    assert snapshot(root) != before  # the disk has room again: this run wrote


def _save_before_the_move(monkeypatch: pytest.MonkeyPatch, text: bytes, times: int = 1) -> None:
    """A save of the file being removed, after vaultkit checked it and before it goes."""
    real = backup.move_aside
    calls = {"n": 0}

    def racing(target: Path) -> Path:
        if calls["n"] < times:
            calls["n"] += 1
            tmp = target.with_name(".editor-save.tmp")
            tmp.write_bytes(text)
            os.replace(tmp, target)
        return real(target)

    monkeypatch.setattr(backup, "move_aside", racing)


def test_a_save_as_undo_removes_a_created_note_is_not_lost(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_region(vault / JANE, "- **Works at:**", "- **Works at (my words):**")
    regen(vault)  # creates the conflict note
    mine = b"---\nconflict_of: x\n---\nMy notes, typed as undo ran.\n"
    _save_before_the_move(monkeypatch, mine)
    result = run("undo", str(vault))
    assert result.exit_code == 1 and "changed while vaultkit was removing it" in result.output
    assert (vault / CONFLICT).read_bytes() == mine  # a check then unlink would delete it
    assert not [p for p in vault.rglob(".vaultkit-*")]


def test_a_file_moved_aside_goes_beside_its_name_if_that_was_taken(tmp_path: Path) -> None:
    note = tmp_path / "Note.md"
    note.write_text("first save")
    aside = write.move_aside(note)
    assert not note.exists() and aside.read_text() == "first save"
    assert aside.name.startswith(".vaultkit-")
    note.write_text("second save")
    with pytest.raises(UnsafeWrite, match="kept beside it as Note"):
        write.put_back(aside, note, "Note.md")
    kept = [p for p in tmp_path.iterdir() if p.name != "Note.md"]
    assert [p.read_text() for p in kept] == ["first save"]
    assert note.read_text() == "second save"
    with pytest.raises(FileNotFoundError):
        write.move_aside(tmp_path / "gone.md")


def test_a_folder_put_where_a_removed_note_was_is_given_its_name_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "Note.md"
    note.write_text("made by vaultkit")
    expect = backup._sha(note.read_bytes())
    real = write.move_aside

    def racing(target: Path) -> Path:
        target.unlink()
        target.mkdir()
        (target / "inside.md").write_text("mine")
        return real(target)

    monkeypatch.setattr(backup, "move_aside", racing)
    with pytest.raises(WriteConflict):
        backup.remove_checked(tmp_path, "Note.md", expect)
    assert (note / "inside.md").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["Note.md"]
