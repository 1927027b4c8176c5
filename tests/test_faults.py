"""Fault injection and hostile input: every promise of shared/DESIGN.md under stress.

Run only these with ``pytest -m faults``; they are part of the default run (and CI).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import time
import tracemalloc
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from vaultkit import build, scan, write
from vaultkit.errors import NoteError
from vaultkit.names import safe_filename
from vaultkit.parse import parse_note

from .safety_helpers import SMALL, TODAY, make_vault, regen, run, snapshot

pytestmark = pytest.mark.faults

JANE = "People/Jane Doe.md"
REPO = Path(__file__).resolve().parent.parent


def no_backups(root: Path) -> None:
    (root / "vaultkit.yaml").write_text("backup_runs: 0\n", encoding="utf-8")


def temps(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".vaultkit-")]


# --- crashes and full disks --------------------------------------------------------------


def test_disk_full_during_write_keeps_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(tmp_path / "vault")
    no_backups(root)
    before = snapshot(root)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write.os, "fsync", full)
    result = regen(root)
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert snapshot(root) == before
    assert temps(root) == []
    monkeypatch.undo()
    assert regen(root).exit_code == 0  # and the next run does the job


def regen_dying_at_replace(root: Path, cache: Path, nth: int, after: bool = False) -> int:
    """Run ``vaultkit regen`` in a process that dies at its ``nth`` replace (or exchange)
    of a file in the vault, just before it (``after``: just after it): the worst instants
    of a write (other files, such as compiled templates in the cache folder, are replaced
    as usual). Its exit code."""
    script = (
        "import os, sys\n"
        "import vaultkit.write as w\n"
        "count = [0]\n"
        f"inside = lambda p: os.path.realpath(p).startswith({str(root.resolve())!r} + os.sep)\n"
        "def dying(real):\n"
        "    def step(a, b):\n"
        "        last = inside(b) and count[0] + 1 == " + str(nth) + "\n"
        "        count[0] += inside(b)\n"
        "        if last and not " + str(after) + ":\n"
        "            os._exit(9)\n"
        "        done = real(a, b)\n"
        "        if last:\n"
        "            os._exit(9)\n"
        "        return done\n"
        "    return step\n"
        "os.replace = dying(os.replace)\n"
        "w._exchange = dying(w._exchange)\n"
        "from vaultkit.cli import main\n"
        f"sys.argv = ['vaultkit', 'regen', {str(root)!r}, '--today', {TODAY!r}]\n"
        "main()\n"
    )
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(cache), "VAULTKIT_JOBS": "1"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, check=False)
    return proc.returncode


def test_crash_between_temp_and_replace_leaves_old_file_and_next_run_cleans(
    tmp_path: Path, _local_cache: Path
) -> None:
    root = make_vault(tmp_path / "vault")
    before = snapshot(root)
    assert regen_dying_at_replace(root, _local_cache, 1) == 9
    left = temps(root)
    assert left, "the crash should have left a temp file behind"
    assert {k: v for k, v in snapshot(root).items() if "/.vaultkit-" not in f"/{k}"} == before
    age_past_stale(left)  # a fresh temp may belong to a writer still running
    assert regen(root).exit_code == 0
    assert temps(root) == []
    assert b"vaultkit:begin" in (root / JANE).read_bytes()


def test_crash_just_after_the_exchange_leaves_the_new_note_and_next_run_cleans(
    tmp_path: Path, _local_cache: Path
) -> None:
    """Exchanged, not yet cleaned: the new note is in its place, the old one under the
    temp name, which the next run removes (its words are all in the new note)."""
    root = make_vault(tmp_path / "vault")
    assert regen(root).exit_code == 0
    jane = root / JANE
    jane.write_text(jane.read_text(encoding="utf-8").replace("Designer", "Lead"), "utf-8")
    before = snapshot(root)
    assert regen_dying_at_replace(root, _local_cache, 1, after=True) == 9
    now = snapshot(root)
    written = [rel for rel in before if now[rel] != before[rel]]
    assert len(written) == 1 and b"<!-- vaultkit:end backlinks -->" in now[written[0]]
    left = temps(root)
    if write._renameat2() is not None:  # the note taken out waits under the temp name
        assert [p.read_bytes() for p in left] == [before[written[0]]]
    age_past_stale(left)
    assert regen(root).exit_code == 0
    assert temps(root) == []


def test_killed_mid_run_never_leaves_a_half_written_note(
    tmp_path: Path, _local_cache: Path
) -> None:
    root = make_vault(tmp_path / "vault")
    originals = snapshot(root)
    script = (
        "import os, sys\n"
        "import vaultkit.write as w\n"
        "real = w.atomic_write\n"
        "count = [0]\n"
        "def once(*a, **k):\n"
        "    count[0] += 1\n"
        "    if count[0] == 3:\n"
        "        os._exit(9)\n"
        "    return real(*a, **k)\n"
        "import vaultkit.build as b\n"
        "b.atomic_write = once\n"
        "from vaultkit.cli import main\n"
        f"sys.argv = ['vaultkit', 'regen', {str(root)!r}, '--today', {TODAY!r}]\n"
        "main()\n"
    )
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(_local_cache)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, check=False)
    assert proc.returncode == 9
    for rel, data in snapshot(root).items():
        # each note is either untouched or complete with its region
        assert data == originals[rel] or re.search(rb"<!-- vaultkit:end [a-z-]+ -->\s*$", data)
    # undo of the interrupted run restores what it wrote
    assert run("undo", str(root)).exit_code == 0
    assert snapshot(root) == originals


def test_file_mode_is_kept(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault")
    os.chmod(root / JANE, 0o640)
    os.chmod(root / "Companies/Acme.md", 0o604)
    regen(root)
    assert b"vaultkit:begin" in (root / JANE).read_bytes()
    assert stat.S_IMODE((root / JANE).stat().st_mode) == 0o640
    assert stat.S_IMODE((root / "Companies/Acme.md").stat().st_mode) == 0o604


def test_hard_linked_note_is_read_but_never_written(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault")
    other = tmp_path / "elsewhere.md"
    os.link(root / JANE, other)
    before = other.read_bytes()
    result = regen(root)
    assert f"{JANE}: warning: has other hard links" in result.output
    assert (root / JANE).read_bytes() == before == other.read_bytes()
    assert (root / JANE).stat().st_ino == other.stat().st_ino


def test_symlinked_note_and_folder_pointing_outside_are_never_written(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault")
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "Evil.md"
    target.write_text("---\ntype: person\ncompany: Acme\n---\n", encoding="utf-8")
    (outside / "Deep.md").write_text("---\ntype: person\n---\n", encoding="utf-8")
    (root / "People/Evil.md").symlink_to(target)
    (root / "People/Linked").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    result = regen(root)
    assert "People/Evil.md: warning: is a symbolic link" in result.output
    assert snapshot(outside) == before
    assert (root / "People/Evil.md").is_symlink()


def test_write_refuses_paths_that_leave_the_vault(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault").resolve()
    (root / "Out").symlink_to(tmp_path, target_is_directory=True)
    for rel in (
        "../x.md",
        "/tmp/x.md",
        "a/../../x.md",
        ".obsidian/x.md",
        "a\\..\\x.md",
        "Out/x.md",
    ):
        with pytest.raises(write.UnsafeWrite):
            write.atomic_write(root, rel, b"x", None)
    assert not (tmp_path / "x.md").exists()


# --- a file changed between read and replace -----------------------------------------------


def test_save_between_read_and_replace_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(tmp_path / "vault")
    real = write._recheck_stat
    calls = {"n": 0}

    def user_saves_first(target: Path, rel: str, expect: write.Stamp) -> None:
        if rel == JANE and calls["n"] == 0:
            calls["n"] += 1
            with target.open("a", encoding="utf-8") as fh:
                fh.write("A line typed at the worst moment.\n")
        real(target, rel, expect)

    monkeypatch.setattr(write, "_recheck_stat", user_saves_first)
    result = regen(root)
    assert result.exit_code == 0, result.output
    text = (root / JANE).read_text(encoding="utf-8")
    assert "A line typed at the worst moment.\n" in text
    assert "<!-- vaultkit:begin backlinks" in text
    assert calls["n"] == 1


def test_note_that_keeps_changing_is_deferred_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(tmp_path / "vault")
    real = write._recheck_stat
    saves: list[str] = []

    def always(target: Path, rel: str, expect: write.Stamp) -> None:
        if rel == JANE:
            line = f"save {len(saves)}\n"
            saves.append(line)
            with target.open("a", encoding="utf-8") as fh:
                fh.write(line)
        real(target, rel, expect)

    monkeypatch.setattr(write, "_recheck_stat", always)
    result = regen(root)
    assert "kept changing" in result.output
    text = (root / JANE).read_text(encoding="utf-8")
    assert "vaultkit:begin" not in text
    assert text == SMALL[JANE] + "".join(saves)


def _between_check_and_exchange(
    monkeypatch: pytest.MonkeyPatch, rel: str, change: Callable[[Path], None]
) -> dict[str, int]:
    """Make ``change`` happen to ``rel`` after vaultkit's last check of it and before it
    takes its place: the instant a replace cannot guard."""
    real = write._exchange
    calls = {"n": 0}

    def racing(a: str | Path, b: str | Path) -> bool:
        if str(b).endswith(rel) and calls["n"] == 0:
            calls["n"] += 1
            change(Path(b))
        return real(a, b)

    monkeypatch.setattr(write, "_exchange", racing)
    return calls


def _atomic_save(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.editor-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


needs_exchange = pytest.mark.skipif(
    write._renameat2() is None, reason="no renameat2 on this system"
)


@needs_exchange
def test_a_note_deleted_at_the_last_instant_is_not_brought_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(tmp_path / "vault")
    calls = _between_check_and_exchange(monkeypatch, JANE, lambda p: p.unlink())
    result = regen(root)
    assert calls["n"] == 1
    assert not (root / JANE).exists(), "a replace after the check would bring it back"
    assert temps(root) == []
    assert "<!-- vaultkit:begin backlinks" in (root / "People" / "Sam Lee.md").read_text()
    assert result.exit_code in (0, 1), result.output


@needs_exchange
@pytest.mark.parametrize("how", ["atomic", "in place"])
def test_a_save_at_the_last_instant_is_kept_and_written_around(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    root = make_vault(tmp_path / "vault")
    line = "A line typed as vaultkit took the note's place.\n"

    def save(path: Path) -> None:
        if how == "atomic":
            _atomic_save(path, path.read_text(encoding="utf-8") + line)
        else:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line)

    calls = _between_check_and_exchange(monkeypatch, JANE, save)
    result = regen(root)
    assert result.exit_code == 0, result.output
    assert calls["n"] == 1
    text = (root / JANE).read_text(encoding="utf-8")
    assert text.startswith(SMALL[JANE]) and line in text  # theirs, then redone from it
    assert "<!-- vaultkit:begin backlinks" in text
    assert temps(root) == []


@needs_exchange
def test_a_second_save_while_the_first_is_put_back_is_kept_beside_the_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two saves around vaultkit's exchange: the first is found (and put back), the
    second landed on vaultkit's file meanwhile; neither may go with the temp file."""
    root = make_vault(tmp_path / "vault")
    real = write._exchange
    calls = {"n": 0}

    def racing(a: str | Path, b: str | Path) -> bool:
        if str(b).endswith(JANE) and calls["n"] < 2:
            calls["n"] += 1
            _atomic_save(Path(b), f"save {calls['n']}\n")
        return real(a, b)

    monkeypatch.setattr(write, "_exchange", racing)
    result = regen(root)
    assert calls["n"] == 2
    jane = root / JANE
    kept = [p for p in jane.parent.iterdir() if "saved as vaultkit wrote" in p.name]
    texts = {jane.read_text(encoding="utf-8"), *(p.read_text(encoding="utf-8") for p in kept)}
    assert texts == {"save 1\n", "save 2\n"}
    assert result.exit_code == 1 and "kept beside it as" in result.output
    assert temps(root) == []
    # The copy reads as a conflict copy: never a second Jane Doe, nor written into.
    assert [scan.is_sync_conflict(p.name) for p in kept] == [True]
    copy = kept[0].read_bytes()
    regen(root)
    assert kept[0].read_bytes() == copy


def test_a_sandbox_that_forbids_renameat2_falls_back_to_the_checked_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some container profiles answer EPERM to renameat2 while rename works."""
    import ctypes
    import errno

    def forbidden(*args: object) -> int:
        ctypes.set_errno(errno.EPERM)
        return -1

    monkeypatch.setattr(write, "_renameat2", lambda: forbidden)
    root = make_vault(tmp_path / "vault")
    assert regen(root).exit_code == 0
    assert "<!-- vaultkit:begin backlinks" in (root / JANE).read_text(encoding="utf-8")
    assert temps(root) == []


def _two_saves_around_the_exchange(
    monkeypatch: pytest.MonkeyPatch, first: Callable[[Path], None], second: Callable[[Path], None]
) -> None:
    """``first`` lands after the stat check and before the exchange (found, put back);
    ``second`` lands on the note's place after the exchange, before the swap back."""
    real = write._exchange
    calls = {"n": 0}

    def racing(a: str | Path, b: str | Path) -> bool:
        calls["n"] += 1
        if calls["n"] <= 2:
            (first if calls["n"] == 1 else second)(Path(b))
        return real(a, b)

    monkeypatch.setattr(write, "_exchange", racing)


@needs_exchange
def test_a_second_save_in_place_while_the_first_is_put_back_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Editors that write in place (Obsidian's fs.writeFile, nano) keep vaultkit's inode:
    the second save is in vaultkit's file, whose inode is still the one it wrote."""
    note = tmp_path / "Note.md"
    note.write_bytes(b"original\n")
    _, stamp = write.read_stamped(note)
    staged = write.stage(tmp_path, "Note.md", b"original\nregion\n", stamp)

    def in_place(text: bytes) -> Callable[[Path], None]:
        return lambda p: p.write_bytes(text)

    _two_saves_around_the_exchange(
        monkeypatch, in_place(b"original\nsave 1\n"), in_place(b"original\nsave 2\n")
    )
    with pytest.raises((write.WriteConflict, write.UnsafeWrite)):
        write.commit(staged)
    texts = {p.read_bytes() for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert b"original\nsave 2\n" in texts, texts


@needs_exchange
def test_a_second_save_is_kept_even_where_the_name_beside_is_too_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note named near the 255-byte limit (76 CJK characters): the "(saved during a
    vaultkit write 1)" name cannot be made; the save must not go with the temp file."""
    rel = "\u4f1a" * 76 + ".md"
    note = tmp_path / rel
    note.write_bytes(b"original\n")
    _, stamp = write.read_stamped(note)
    staged = write.stage(tmp_path, rel, b"original\nregion\n", stamp)
    _two_saves_around_the_exchange(
        monkeypatch,
        lambda p: _atomic_save(p, "save 1\n"),
        lambda p: _atomic_save(p, "save 2\n"),
    )
    with pytest.raises((write.UnsafeWrite, OSError)):
        write.commit(staged)
    texts = {p.read_bytes() for p in tmp_path.iterdir()}
    assert {b"save 1\n", b"save 2\n"} <= texts, texts


def test_a_save_put_back_is_never_left_under_a_temp_name(tmp_path: Path) -> None:
    """put_back when the note's name was taken again and the name beside cannot be made."""
    rel = "\u4f1a" * 76 + ".md"
    note = tmp_path / rel
    note.write_text("first save")
    aside = write.move_aside(note)
    note.write_text("second save")
    with pytest.raises((write.UnsafeWrite, OSError)):
        write.put_back(aside, note, rel)
    visible = [p.read_text() for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert sorted(visible) == ["first save", "second save"], visible


def test_without_an_exchange_the_check_before_the_replace_still_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where names cannot be exchanged (another system, a file system that cannot), the
    note is checked whole just before it is replaced."""
    root = make_vault(tmp_path / "vault")
    monkeypatch.setattr(write, "_renameat2", lambda: None)
    real = write._recheck
    calls = {"n": 0}

    def user_saves_first(target: Path, rel: str, expect: write.Stamp) -> None:
        if rel == JANE and calls["n"] == 0:
            calls["n"] += 1
            with target.open("a", encoding="utf-8") as fh:
                fh.write("x" * 0)  # same size: only the hash can tell
            data = target.read_bytes().replace(b"Designer", b"designer")
            st = target.stat()
            target.write_bytes(data)
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
        real(target, rel, expect)

    monkeypatch.setattr(write, "_recheck", user_saves_first)
    assert regen(root).exit_code == 0
    assert calls["n"] == 1
    text = (root / JANE).read_text(encoding="utf-8")
    assert "designer" in text and "<!-- vaultkit:begin backlinks" in text


@needs_exchange
def test_exchange_swaps_two_files_and_reports_a_missing_one(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("A"), b.write_text("B")
    assert write._exchange(a, b) is True
    assert (a.read_text(), b.read_text()) == ("B", "A")
    with pytest.raises(FileNotFoundError):
        write._exchange(a, tmp_path / "gone")
    assert a.read_text() == "B"


# --- damaged markers -----------------------------------------------------------------------

BEGIN = "<!-- vaultkit:begin backlinks 0123456789abcdef (generated: edit outside this block) -->"
END = "<!-- vaultkit:end backlinks -->"
DAMAGED = {
    "start without end": f"Mine.\n{BEGIN}\nold\n",
    "end without start": f"Mine.\nold\n{END}\n",
    "two starts": f"{BEGIN}\nold\n{BEGIN}\nold\n{END}\n",
    "sync merge duplicate": f"{BEGIN}\nold\n{END}\nMine.\n{BEGIN}\nother\n{END}\n",
    "damaged marker line": "<!-- vaultkit:begin backlinks ZZZ -->\nold\n" + END + "\n",
    "mismatched names": f"{BEGIN}\nold\n<!-- vaultkit:end other -->\n",
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_damaged_markers_refuse_the_note(tmp_path: Path, case: str) -> None:
    body = "---\ntype: person\ncompany: Acme\n---\n" + DAMAGED[case]
    root = make_vault(tmp_path / "vault", {**SMALL, JANE: body})
    result = regen(root)
    assert result.exit_code == 1
    assert (root / JANE).read_text(encoding="utf-8") == body
    assert f"{JANE}:" in result.output and "leaves this note alone" in result.output
    checked = run("check", str(root), "--today", TODAY)
    assert checked.exit_code == 1 and f"{JANE}:" in checked.output


# --- front-matter ----------------------------------------------------------------------------


def test_yaml_keeps_text_as_text() -> None:
    note = parse_note(
        "a.md",
        b"---\ncountry: NO\ntime: 10:00\nzip: 01234\nok: yes\nwith: [[Jane Doe]]\n---\nx\n",
    )
    assert note.meta == {
        "country": "NO",
        "time": "10:00",
        "zip": "01234",
        "ok": "yes",
        "with": [["Jane Doe"]],
    }


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ("name: a\nname: b\n", 3, "duplicate key"),
        ("x: !!python/object/apply:os.system ['echo hi']\n", 2, "not allowed"),
        ("x: [unclosed\n", 2, "front-matter"),
    ],
)
def test_yaml_errors_name_the_line(front: str, line: int, words: str) -> None:
    with pytest.raises(NoteError) as info:
        parse_note("n.md", f"---\n{front}---\nbody\n".encode())
    assert info.value.line == line
    assert words in info.value.message


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    data = ("---\n" + "\n".join(lines) + "\n---\n").encode()
    start = time.process_time()
    with pytest.raises(NoteError, match="too many values"):
        parse_note("bomb.md", data)
    assert time.process_time() - start < 5  # generous: it is milliseconds in practice


def test_unquoted_wikilinks_still_link(tmp_path: Path) -> None:
    files = {
        **SMALL,
        "Meetings/2026-11-01 Sam.md": "---\ntype: meeting\ndate: 2026-11-01\n"
        "with: [[Sam Lee]]\n---\n",
    }
    root = make_vault(tmp_path / "vault", files)
    regen(root)
    assert "[[2026-11-01 Sam]]" in (root / "People/Sam Lee.md").read_text(encoding="utf-8")


def test_fifty_megabyte_note_is_skipped_with_a_clear_message(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault")
    big = root / "People/Huge.md"
    with big.open("wb") as fh:
        fh.write(b"---\ntype: person\n---\n")
        chunk = b"A very long journal line about [[Jane Doe]].\n" * 1024
        for _ in range(50 * 1024 * 1024 // len(chunk) + 1):
            fh.write(chunk)
    size = big.stat().st_size
    tracemalloc.start()
    try:
        result = regen(root)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "People/Huge.md: warning: is 50.0 MB, over the" in result.output
    assert peak < 20 * 1024 * 1024  # the note is never read into memory
    assert big.stat().st_size == size


def test_huge_front_matter_gets_a_message() -> None:
    data = b"---\n" + b"k: " + b"x" * (300 * 1024) + b"\n---\n"
    with pytest.raises(NoteError, match="too large"):
        parse_note("n.md", data)


# --- names -----------------------------------------------------------------------------------

HOSTILE = [
    "../../x",
    "a/b",
    "..\\x",
    "/tmp/x",
    "CON",
    "nul.txt",
    "Q: why?",
    "trailing dots...",
    "trailing spaces   ",
    ". hidden",
    "..",
    "",
    "\x00\x1f",
    "Zoë Martín",
    unicodedata.normalize("NFD", "Zoë Martín"),
    "JANE doe",
    "x" * 400,
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_become_safe_stable_file_names(tmp_path: Path, name: str) -> None:
    safe = safe_filename(name)
    assert safe == safe_filename(name)  # stable
    assert safe and "/" not in safe and "\\" not in safe and ":" not in safe
    assert not safe.startswith(".") and not safe.endswith((".", " "))
    assert safe.split(".")[0].casefold() not in {"con", "nul", "prn", "aux"}
    assert len(safe) <= 120
    assert unicodedata.is_normalized("NFC", safe)
    root = tmp_path.resolve()
    assert write.inside(root, f"Folder/{safe}.md").parent == root / "Folder"


def test_nfc_and_nfd_names_are_one_file_name() -> None:
    assert safe_filename("Zoë Martín") == safe_filename(unicodedata.normalize("NFD", "Zoë Martín"))
    assert safe_filename("x" * 300) != safe_filename("x" * 299 + "y")


def test_hostile_links_never_reach_outside(tmp_path: Path) -> None:
    files = {
        **SMALL,
        "Meetings/2026-11-02 Odd.md": (
            "---\ntype: meeting\ndate: 2026-11-02\n"
            'with: ["[[../../x]]", "[[a/b]]", "/tmp/x", "CON", "[[..\\\\x]]"]\n'
            "company: ../../etc/passwd\n---\n"
        ),
    }
    outside = snapshot(tmp_path)
    root = make_vault(tmp_path / "vault", files)
    result = regen(root)
    assert "matches no note" in result.output
    after = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("vault/")}
    assert after == outside


def test_nfd_link_finds_the_nfc_person(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Zoë Martín")
    files = {
        "People/Zoë Martín.md": "---\ntype: person\n---\n",
        "Meetings/2026-11-03 Z.md": "---\ntype: meeting\ndate: 2026-11-03\n"
        f'with: "[[{nfd}]]"\n---\n',
    }
    root = make_vault(tmp_path / "vault", files)
    regen(root)
    assert "[[2026-11-03 Z]]" in (root / "People/Zoë Martín.md").read_text(encoding="utf-8")


# --- encodings and sync debris ---------------------------------------------------------------


def test_latin1_note_is_reported_and_untouched(tmp_path: Path) -> None:
    latin = "---\ntype: person\n---\nCafé notes.\n".encode("latin-1")
    root = make_vault(tmp_path / "vault", {**SMALL, "People/Renée.md": latin})
    result = regen(root)
    assert "People/Renée.md:4: error: not valid UTF-8" in result.output
    assert (root / "People/Renée.md").read_bytes() == latin
    assert b"vaultkit:begin" in (root / JANE).read_bytes()  # the rest still works


def people_count(root: Path) -> int:
    out = run("check", str(root), "--today", TODAY, "--json")
    return int(json.loads(out.output)["people"])


def test_sync_conflict_copies_are_never_people(tmp_path: Path) -> None:
    copies = [
        "People/Jane Doe (conflicted copy 2026-11-20).md",
        "People/Jane Doe (Sam's conflicted copy 2026-11-20).md",
        "People/Jane Doe.sync-conflict-20261120-101010-ABCDEF.md",
        "People/Jane Doe (Conflict 2026-11-20).md",
    ]
    files: dict[str, str | bytes] = {**SMALL, **dict.fromkeys(copies, SMALL[JANE])}
    root = make_vault(tmp_path / "vault", files)
    assert people_count(root) == 2
    checked = run("check", str(root), "--today", TODAY)
    for copy in copies:
        assert f"{copy}: warning: looks like a sync conflict copy" in checked.output
    regen(root)
    for copy in copies:
        assert (root / copy).read_text(encoding="utf-8") == SMALL[JANE]


def test_empty_note_is_not_a_person_and_never_written(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault", {**SMALL, "People/Ghost.md": b""})
    assert people_count(root) == 2
    result = regen(root)
    assert "People/Ghost.md: warning: is empty (0 bytes)" in result.output
    assert (root / "People/Ghost.md").read_bytes() == b""


def test_git_conflicted_note_is_reported_and_untouched(tmp_path: Path) -> None:
    merged = (
        "---\ntype: person\n<<<<<<< HEAD\ncompany: Acme\n=======\ncompany: Globex\n"
        ">>>>>>> theirs\n---\nNotes.\n"
    )
    root = make_vault(tmp_path / "vault", {**SMALL, "People/Merged.md": merged})
    assert people_count(root) == 2
    checked = run("check", str(root), "--today", TODAY)
    assert "People/Merged.md:3: error: has git conflict markers" in checked.output
    regen(root)
    assert (root / "People/Merged.md").read_text(encoding="utf-8") == merged


def test_icloud_placeholder_is_reported_and_holds_regen(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault")
    (root / "People/.Lee Park.md.icloud").write_bytes(b"bplist00")
    before = snapshot(root)
    checked = run("check", str(root), "--today", TODAY)
    assert "People/Lee Park.md: error: is not downloaded on this device" in checked.output
    result = regen(root)
    assert result.exit_code == 1 and "would be created" in result.output
    assert snapshot(root) == before


def test_crashed_temp_files_are_removed_by_the_next_scan(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault")
    (root / "People/.vaultkit-abc123.tmp").write_bytes(b"half a note")
    (root / "People/.vaultkit-fresh.tmp").write_bytes(b"another writer's, still running")
    age_past_stale([root / "People/.vaultkit-abc123.tmp"])
    regen(root)
    assert temps(root) == [root / "People/.vaultkit-fresh.tmp"]


def age_past_stale(paths: list[Path]) -> None:
    """Make temp files look older than a running writer's could be."""
    old = time.time() - scan.STALE_TEMP_SECONDS - 60
    for path in paths:
        os.utime(path, (old, old))


# --- two devices ---------------------------------------------------------------------------


def test_two_devices_give_byte_identical_output(tmp_path: Path) -> None:
    sample = REPO / "sample_vault"
    files = sorted(p for p in sample.rglob("*") if p.is_file())
    outputs = []
    for n, order in enumerate(
        (files, list(reversed(files)), random.Random(7).sample(files, len(files)))
    ):
        root = tmp_path / f"device{n}" / "vault"
        for src in order:
            dest = root / src.relative_to(sample)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            os.utime(dest, ns=(n * 10**12 + random.Random(str(src)).randrange(10**9),) * 2)
        assert regen(root).exit_code in (0, 1)
        outputs.append(snapshot(root))
    assert outputs[0] == outputs[1] == outputs[2]


def test_core_load_survives_every_kind_of_bad_note(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        **SMALL,
        "People/Bad yaml.md": "---\nname: [\n---\n",
        "People/Unclosed.md": "---\ntype: person\nbody\n",
        "People/Nul.md": b"---\ntype: person\n---\n\x00\x00",
        "People/Latin.md": "Ren\xe9e".encode("latin-1"),
    }
    root = make_vault(tmp_path / "vault", files)
    result = build.regen(root, __import__("datetime").date(2026, 11, 22))
    bad = {p.path for p in result.errors}
    assert {"People/Bad yaml.md", "People/Unclosed.md", "People/Nul.md", "People/Latin.md"} <= bad
    assert b"vaultkit:begin" in (root / JANE).read_bytes()


def test_names_differing_only_in_case_are_reported_not_merged_silently(tmp_path: Path) -> None:
    files = {
        "People/Jane Doe.md": "---\ntype: person\n---\n",
        "People/jane doe.md": "---\ntype: person\n---\n",
        "Meetings/2026-11-01 M.md": (
            '---\ntype: meeting\ndate: 2026-11-01\nwith: "[[Jane Doe]]"\n---\n'
        ),
    }
    root = make_vault(tmp_path / "vault", files)
    if len(list((root / "People").iterdir())) < 2:
        pytest.skip("case-insensitive file system")
    checked = run("check", str(root), "--today", TODAY)
    assert "matches several notes" in checked.output
    assert "likely the same person" in checked.output
    result = regen(root)
    assert result.exit_code == 1 and "matches several notes" in result.output
    # Neither person is credited with the ambiguous meeting.
    for rel in files:
        if rel.startswith("People/"):
            assert b"2026-11-01 M" not in (root / rel).read_bytes()


# --- many files at once: temp files, one flush, then each replace -----------------------


def _big_vault(root: Path) -> Path:
    """A vault whose first run writes more files than a batch needs."""
    from benchmarks.generate_vault import generate

    generate(root, 60, 5)
    no_backups(root)
    return root


def test_batch_flush_failure_writes_nothing_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _big_vault(tmp_path / "vault")
    before = snapshot(root)
    flushed: list[int] = []

    def failing(fd: int) -> bool:
        flushed.append(fd)
        raise OSError(5, "could not flush the vault's file system: Input/output error")

    monkeypatch.setattr(write, "_syncfs", failing)
    monkeypatch.setattr(write, "_local_file_system", lambda device: True)  # CI may be overlayfs
    result = regen(root)
    assert flushed, "the batch path should have run"
    assert result.exit_code == 1
    assert "Input/output error" in result.output
    assert snapshot(root) == before  # not one note replaced by bytes that are not durable
    assert temps(root) == []
    monkeypatch.undo()
    assert regen(root).exit_code == 0
    assert snapshot(root) != before


def test_batch_without_syncfs_fsyncs_each_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _big_vault(tmp_path / "vault")
    before = snapshot(root)
    synced: list[int] = []
    real_fsync = os.fsync

    def counting(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(write, "_syncfs", lambda fd: False)  # e.g. macOS, an old Linux
    monkeypatch.setattr(write.os, "fsync", counting)
    result = regen(root)
    assert result.exit_code == 0, result.output
    changed = [rel for rel, data in snapshot(root).items() if before.get(rel) != data]
    assert len(changed) >= build.BATCH_WRITES
    assert len(synced) >= len(changed)  # each temp file, then each folder

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    other = _big_vault(tmp_path / "other")
    untouched = snapshot(other)
    monkeypatch.setattr(write.os, "fsync", full)
    result = regen(other)
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert snapshot(other) == untouched
    assert temps(other) == []


def test_batch_redoes_a_note_saved_between_its_temp_file_and_its_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _big_vault(tmp_path / "vault")
    person = sorted((root / "People").rglob("*.md"))[3]
    rel = person.relative_to(root).as_posix()
    real = build.commit
    typed: list[str] = []

    def user_types_first(staged: write.Staged) -> os.stat_result:
        if staged.rel == rel and not typed:
            typed.append(rel)
            person.write_bytes(person.read_bytes() + b"\nTyped just now.\n")
        return real(staged)

    monkeypatch.setattr(build, "commit", user_types_first)
    result = regen(root)
    assert typed == [rel]
    assert result.exit_code == 0, result.output
    data = person.read_bytes()
    assert b"Typed just now.\n" in data  # the user's words survive
    assert data.count(b"<!-- vaultkit:begin backlinks ") == 1  # and the region is written
    assert temps(root) == []
    settled = snapshot(root)
    assert regen(root).exit_code == 0
    assert snapshot(root) == settled  # the redone write was complete: nothing left to do


def test_crash_in_the_middle_of_a_batch_leaves_whole_notes(
    tmp_path: Path, _local_cache: Path
) -> None:
    root = _big_vault(tmp_path / "vault")
    before = snapshot(root)
    assert regen_dying_at_replace(root, _local_cache, 20) == 9
    after = {k: v for k, v in snapshot(root).items() if "/.vaultkit-" not in f"/{k}"}
    replaced = [rel for rel in before if after[rel] != before[rel]]
    assert len(replaced) == 19  # the replaces before the crash, each whole
    for rel in replaced:
        assert after[rel].startswith(before[rel]) and after[rel].rstrip().endswith(b"-->")
    assert temps(root), "the crash should have left the batch's temp files behind"
    age_past_stale(temps(root))
    assert regen(root).exit_code == 0
    assert temps(root) == []


def _staged_files(root: Path, n: int, device: int | None = None) -> list[write.Staged]:
    out = []
    for i in range(n):
        one = write.stage(root, f"n{i}.md", b"new bytes", None, sync=False)
        if device is not None:  # as if on another mount inside the vault
            fields = list(one.written)
            fields[2] = device
            one = write.Staged(one.rel, one.target, one.tmp, None, os.stat_result(fields))
        out.append(one)
    return out


@pytest.mark.parametrize("case", ["another mount", "not a local file system", "local"])
def test_a_batch_is_flushed_file_by_file_unless_one_syncfs_covers_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    root = tmp_path.resolve()
    whole: list[int] = []
    each: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        each.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(write, "_syncfs", lambda fd: whole.append(fd) or True)
    monkeypatch.setattr(write.os, "fsync", counting_fsync)
    monkeypatch.setattr(
        write, "_local_file_system", lambda device: case != "not a local file system"
    )
    with write.BatchSync(root) as sync:
        device = sync.device + 1 if case == "another mount" else None
        staged = _staged_files(root, 3, device)
        sync.flush(staged)
    if case == "local":
        assert (len(whole), len(each)) == (1, 0)
    else:
        assert (len(whole), len(each)) == (0, 3)
    for one in staged:
        write.discard(one)


def test_mountinfo_names_the_file_system_of_each_device() -> None:
    text = (
        "22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
        "40 22 0:45 / /home/me/Vault/Shared rw,nosuid shared:9 - fuse.sshfs me@host:/v rw\n"
        "41 22 0:46 / /mnt/x rw - tmpfs tmpfs rw\n"
        "42 22 0:46 / /mnt/y rw - overlay overlay rw\n"
    )
    found = write.parse_mountinfo(text)
    assert found[(253, 0)] == "ext4"
    assert found[(0, 45)] == "fuse.sshfs"
    assert found[(0, 46)] == "?"  # one device, two types: trusted for neither
    assert "fuse.sshfs" not in write.LOCAL_FILE_SYSTEMS and "ext4" in write.LOCAL_FILE_SYSTEMS
