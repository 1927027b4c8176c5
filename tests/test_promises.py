"""The promises of shared/DESIGN.md, each through the CLI or the core on a temporary vault."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import vaultkit.build
from vaultkit import build
from vaultkit.cli import cli

from .conftest import TODAY, snapshot

BEGIN = "<!-- vaultkit:begin backlinks "
END = "<!-- vaultkit:end backlinks -->"
DAY = dt.date.fromisoformat(TODAY)


def regen(runner: CliRunner, vault: Path, *args: str) -> Result:
    return runner.invoke(cli, ["regen", str(vault), "--today", TODAY, *args])


def put(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def before_region(data: bytes) -> bytes:
    index = data.find(BEGIN.encode())
    assert index >= 0, data
    return data[:index]


def after_region(data: bytes) -> bytes:
    index = data.find(END.encode())
    assert index >= 0, data
    return data[index + len(END) :]


# -- 1. nothing the user typed is lost or altered ---------------------------------------

ODD_NOTES: dict[str, bytes] = {
    # a BOM and CRLF endings
    "People/Bom Crlf.md": "\ufeff---\r\ntype: person\r\ncompany: '[[Acme Corp]]'\r\n---\r\n"
    "Met at a fair.\r\n".encode(),
    # no final newline
    "People/No Newline.md": b"---\ntype: person\ncompany: Acme Corp\n---\nLast line, no newline",
    # NFD text in the front-matter and the body, and odd spacing
    "People/Nfd Text.md": unicodedata.normalize(
        "NFD",
        "---\ntype:   person\nrole: Café owner   \ncompany: Acme Corp\n---\nZoë said hé.\n\n\n",
    ).encode(),
    # front-matter only, no body; a comment and odd quoting YAML would re-dump differently
    "People/Fm Only.md": b'---\ntype: person  # me\ncompany:   "Acme Corp"\ntags: [a,b]\n---',
}


def test_bytes_outside_regions_are_kept(runner: CliRunner, basic_vault: Path) -> None:
    for rel, data in ODD_NOTES.items():
        put(basic_vault, rel, data)
    mode_note = basic_vault / "People" / "Jane Doe.md"
    mode_note.chmod(0o640)
    jane_before = mode_note.read_bytes()
    result = regen(runner, basic_vault)
    assert result.exit_code == 0, result.output
    for rel, data in ODD_NOTES.items():
        new = (basic_vault / rel).read_bytes()
        assert new != data, rel
        prefix = before_region(new)
        assert prefix.startswith(data), rel  # every byte the user typed, in place
        assert prefix[len(data) :].strip(b"\r\n") == b"", rel  # then only line breaks
        # ends as the note ended: with its kind of line break, or none
        ending = b"\r\n" if data.endswith(b"\r\n") else b"\n" if data.endswith(b"\n") else b""
        assert after_region(new) == ending, rel
    crlf = (basic_vault / "People/Bom Crlf.md").read_bytes()
    assert crlf.startswith(b"\xef\xbb\xbf---\r\n")
    assert crlf.count(b"\n") == crlf.count(b"\r\n")  # the region uses the note's CRLF
    assert crlf.count(b"\xef\xbb\xbf") == 1
    assert stat.S_IMODE(mode_note.stat().st_mode) == 0o640
    assert before_region(mode_note.read_bytes()).startswith(jane_before)
    # A second run leaves all of them alone.
    before = snapshot(basic_vault)
    assert regen(runner, basic_vault).exit_code == 0
    assert snapshot(basic_vault) == before


def test_text_around_an_updated_region_is_kept(runner: CliRunner, basic_vault: Path) -> None:
    assert regen(runner, basic_vault).exit_code == 0
    jane = basic_vault / "People" / "Jane Doe.md"
    data = jane.read_bytes()
    head, tail = before_region(data), after_region(data)
    # The user writes after the region, without a final newline, and changes the role.
    head = head.replace(b"role: Staff Product Designer", b"role: Design Director")
    tail = tail + b"\nA line of mine after the region.\n\n  indented, trailing spaces  "
    middle = data[len(before_region(data)) : len(data) - len(after_region(data))]
    jane.write_bytes(head + middle + tail)
    jane.chmod(0o600)
    result = regen(runner, basic_vault)
    assert result.exit_code == 0, result.output
    new = jane.read_bytes()
    assert before_region(new) == head
    assert after_region(new) == tail
    assert b"[[Acme Corp]] \xc2\xb7 Design Director" in new
    assert stat.S_IMODE(jane.stat().st_mode) == 0o600


# -- 2. a hand edit is never overwritten -----------------------------------------------


def test_hand_edited_region_is_a_conflict(runner: CliRunner, basic_vault: Path) -> None:
    assert regen(runner, basic_vault).exit_code == 0
    jane = basic_vault / "People" / "Jane Doe.md"
    edited = jane.read_bytes().replace(b"### Meetings", b"### Meetings (mine)")
    jane.write_bytes(edited)
    # Another note changes too: it must still be updated.
    sam = basic_vault / "People" / "Sam Lee.md"
    sam.write_bytes(sam.read_bytes().replace(b"role: Recruiter", b"role: Head of Talent"))
    result = regen(runner, basic_vault)
    assert result.exit_code == 1, result.output
    assert jane.read_bytes() == edited
    begin_line = edited[: edited.find(BEGIN.encode())].count(b"\n") + 1
    assert f"People/Jane Doe.md:{begin_line}: warning: region 'backlinks' was edited" in (
        result.stderr
    )
    assert "1 conflict," in result.stdout
    assert b"[[Globex]] \xc2\xb7 Head of Talent" in sam.read_bytes()
    # It stays a conflict, and nothing else is written, on the next run.
    before = snapshot(basic_vault)
    again = regen(runner, basic_vault)
    assert again.exit_code == 1
    assert snapshot(basic_vault) == before
    # Deleting the region gets a fresh one.
    jane.write_bytes(before_region(edited).rstrip(b"\n") + b"\n")
    assert regen(runner, basic_vault).exit_code == 0
    assert b"### Meetings (mine)" not in jane.read_bytes()
    assert BEGIN.encode() in jane.read_bytes()


def test_damaged_markers_leave_the_note_alone(runner: CliRunner, basic_vault: Path) -> None:
    assert regen(runner, basic_vault).exit_code == 0
    jane = basic_vault / "People" / "Jane Doe.md"
    damaged = jane.read_bytes().replace(END.encode(), b"")
    jane.write_bytes(damaged)
    result = regen(runner, basic_vault)
    assert result.exit_code == 1
    assert "People/Jane Doe.md:" in result.stderr and "no end marker" in result.stderr
    assert jane.read_bytes() == damaged


# -- 6. a broken note is reported and left as it is; the rest is processed --------------


@pytest.mark.parametrize(
    ("data", "line", "what"),
    [
        (b"---\ntype: person\nrole: Designer\ncompany: [Acme\nemail: x\n---\n", 4, "front-matter"),
        (b"---\ntype: person\nrole: x\nrole: y\n---\n", 4, "duplicate key 'role'"),
        (b"---\ntype: person\nrole: Jos\xe9\n---\nbody\n", 3, "not valid UTF-8"),
        (b"---\ntype: person\n\nBody, but the front-matter is never closed.\n", 1, "never closed"),
        (b"---\ntype: person\nx: " + b"[" * 100_000 + b"\n---\n", 3, "nested too deeply"),
    ],
)
def test_broken_note_is_reported_and_untouched(
    runner: CliRunner, basic_vault: Path, data: bytes, line: int, what: str
) -> None:
    broken = put(basic_vault, "People/Broken.md", data)
    mtime = broken.stat().st_mtime_ns
    result = regen(runner, basic_vault)
    assert result.exit_code == 1
    assert f"People/Broken.md:{line}: error: " in result.stderr, result.stderr
    assert what in result.stderr
    assert broken.read_bytes() == data
    assert broken.stat().st_mtime_ns == mtime
    assert "10 created" in result.stdout
    assert BEGIN.encode() in (basic_vault / "People" / "Jane Doe.md").read_bytes()


# -- 5. the vault is a boundary ----------------------------------------------------------


def outside_snapshot(tmp_path: Path, vault: Path) -> dict[str, tuple[bytes, int, int]]:
    return {
        rel: v
        for rel, v in snapshot(tmp_path).items()
        if not (tmp_path / rel).is_relative_to(vault)
    }


def test_names_never_become_paths(runner: CliRunner, basic_vault: Path, tmp_path: Path) -> None:
    sentinel = b"---\ntype: person\ncompany: Acme Corp\n---\nnot in the vault\n"
    put(tmp_path, "x.md", sentinel)
    put(tmp_path, "a/b.md", sentinel)
    put(tmp_path, "etc/passwd", b"root:x:0:0\n")
    put(tmp_path, "etc/passwd.md", sentinel)
    put(
        basic_vault,
        "People/Mallory.md",
        b"---\ntype: person\ncompany: ../../etc/passwd\nintroduced_by: '[[../../x]]'\n"
        b"previous_companies: [a/b, ../a/b, '[[../a/b]]', /etc/passwd]\n---\n"
        b"See [[../../x]] and [[../x|x]] and [[a/b]] and ![[../../etc/passwd]].\n",
    )
    put(
        basic_vault,
        "Meetings/2026-11-01 Mallory.md",
        b"---\ntype: meeting\nkind: casual\nwith: ['[[../../x]]', ../a/b, '[[Mallory]]']\n"
        b"company: ../etc/passwd\n---\n",
    )
    before = outside_snapshot(tmp_path, basic_vault)
    result = regen(runner, basic_vault)
    assert outside_snapshot(tmp_path, basic_vault) == before  # same files, bytes, mtimes
    for name in ("../../etc/passwd", "../../x", "a/b", "../a/b"):
        assert f"{name!r} matches no note" in result.stderr or (
            f"{name!r} has no person note" in result.stderr
        ), name
    # Had a file outside been read as a note, Acme Corp would list it among its people.
    acme = (basic_vault / "Companies" / "Acme Corp.md").read_text(encoding="utf-8")
    for name in ("[[x]]", "[[b]]", "[[passwd]]", "[[passwd.md]]", "x|", "b|", "passwd|"):
        assert name not in acme
    assert BEGIN in (basic_vault / "People" / "Mallory.md").read_text(encoding="utf-8")
    check = runner.invoke(cli, ["check", str(basic_vault), "--today", TODAY])
    assert outside_snapshot(tmp_path, basic_vault) == before
    assert "'../../x' matches no note" in check.stdout


def test_hidden_folders_are_neither_read_nor_written(runner: CliRunner, basic_vault: Path) -> None:
    ghost = b"---\ntype: person\ncompany: '[[Acme Corp]]'\nintroduced_by: Jane\n---\n[[Jane Doe]]\n"
    broken = b"---\ntype: person\nrole: [\n---\n"
    hidden = {
        ".obsidian/People/Ghost One.md": ghost,
        ".trash/Ghost Two.md": ghost,
        "People/.drafts/Ghost Three.md": ghost,
        ".trash/Broken.md": broken,
        "People/.Ghost Four.md": ghost,
    }
    for rel, data in hidden.items():
        put(basic_vault, rel, data)
    before = {rel: v for rel, v in snapshot(basic_vault).items() if rel in hidden}
    result = regen(runner, basic_vault)
    assert result.exit_code == 0, result.output  # the broken hidden note is not read either
    after = snapshot(basic_vault)
    assert {rel: after[rel] for rel in hidden} == before
    everything = b"".join(after[rel][0] for rel in after)
    assert b"Ghost" not in everything
    # Nothing new appeared in the hidden folders.
    assert sorted(rel for rel in after if "/." in "/" + rel) == sorted(hidden)
    check = runner.invoke(cli, ["check", str(basic_vault), "--today", TODAY, "--json"])
    assert check.exit_code == 0 and "Ghost" not in check.stdout
    assert '"notes": 11' in check.stdout


def test_symlinked_note_is_not_written(
    runner: CliRunner, basic_vault: Path, tmp_path: Path
) -> None:
    outside = put(tmp_path, "elsewhere/Outside Person.md", b"---\ntype: person\n---\n")
    inside_target = put(basic_vault, "Notes/Target.md", b"---\ntype: person\n---\nmine\n")
    (basic_vault / "People" / "Linked.md").symlink_to(inside_target)
    (basic_vault / "People" / "Outside Person.md").symlink_to(outside)
    (basic_vault / "Linked folder").symlink_to(outside.parent, target_is_directory=True)
    result = regen(runner, basic_vault)
    assert (basic_vault / "People" / "Linked.md").is_symlink()
    assert (basic_vault / "People" / "Outside Person.md").is_symlink()
    assert outside.read_bytes() == b"---\ntype: person\n---\n"
    assert sorted(p.name for p in outside.parent.iterdir()) == ["Outside Person.md"]
    assert "People/Linked.md: warning: is a symbolic link" in result.stderr
    # The link's target, a real note of the vault, is written as itself, once.
    assert inside_target.read_bytes().startswith(b"---\ntype: person\n---\nmine\n")
    assert inside_target.read_bytes().count(BEGIN.encode()) == 1


# -- 4. writes are atomic and re-checked ------------------------------------------------


def interfere(
    monkeypatch: pytest.MonkeyPatch, rel: str, change: Callable[[Path], None], times: int = 1
) -> list[int]:
    """Make ``change`` happen to ``rel`` just before vaultkit's write of it, ``times`` times."""
    real = vaultkit.build.atomic_write
    calls: list[int] = []

    def racing(root: Path, path: str, data: bytes, expect: object, **kwargs: bool) -> object:
        if path == rel and len(calls) < times:
            calls.append(1)
            change(root / path)
        return real(root, path, data, expect, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(vaultkit.build, "atomic_write", racing)
    return calls


def append_line(text: bytes) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        data = path.read_bytes()
        index = data.find(b"\n---\n", 4) + 5
        path.write_bytes(data[:index] + text + data[index:])

    return change


def test_change_between_plan_and_write_is_kept(
    monkeypatch: pytest.MonkeyPatch, basic_vault: Path
) -> None:
    calls = interfere(monkeypatch, "People/Jane Doe.md", append_line(b"Typed just now.\n"))
    result = build.regen(basic_vault, DAY)
    assert calls == [1]
    data = (basic_vault / "People" / "Jane Doe.md").read_bytes()
    assert b"Typed just now.\n" in data  # the user's text survives
    assert data.count(BEGIN.encode()) == 1  # and the region is written
    assert "People/Jane Doe.md" in result.written
    assert result.errors == []


def test_same_size_change_with_the_old_mtime_is_caught(
    monkeypatch: pytest.MonkeyPatch, basic_vault: Path
) -> None:
    def sneaky(path: Path) -> None:
        st = path.stat()
        path.write_bytes(path.read_bytes().replace(b"Met at", b"MET AT"))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    interfere(monkeypatch, "People/Jane Doe.md", sneaky)
    build.regen(basic_vault, DAY)
    data = (basic_vault / "People" / "Jane Doe.md").read_bytes()
    assert b"MET AT a design meetup" in data
    assert BEGIN.encode() in data


def test_a_note_that_keeps_changing_is_deferred(
    monkeypatch: pytest.MonkeyPatch, basic_vault: Path
) -> None:
    counter = iter(range(100))

    def busy(path: Path) -> None:
        path.write_bytes(path.read_bytes() + f"edit {next(counter)}\n".encode())

    interfere(monkeypatch, "People/Jane Doe.md", busy, times=100)
    result = build.regen(basic_vault, DAY)
    data = (basic_vault / "People" / "Jane Doe.md").read_bytes()
    last = next(counter) - 1
    assert data.endswith(f"edit {last}\n".encode())  # every change the user made is there
    assert all(f"edit {n}\n".encode() in data for n in range(last + 1))
    assert BEGIN.encode() not in data
    assert "People/Jane Doe.md" not in result.written
    assert any(p.path == "People/Jane Doe.md" and p.code == "deferred" for p in result.problems)
    # The other notes were written.
    assert BEGIN.encode() in (basic_vault / "People" / "Sam Lee.md").read_bytes()


def test_region_edited_between_plan_and_write_is_a_conflict(
    monkeypatch: pytest.MonkeyPatch, runner: CliRunner, basic_vault: Path
) -> None:
    assert regen(runner, basic_vault).exit_code == 0
    jane = basic_vault / "People" / "Jane Doe.md"
    jane.write_bytes(jane.read_bytes().replace(b"role: Staff Product", b"role: Principal"))

    def edit_region(path: Path) -> None:
        path.write_bytes(path.read_bytes().replace(b"### Meetings", b"### My meetings"))

    interfere(monkeypatch, "People/Jane Doe.md", edit_region)
    result = regen(runner, basic_vault)
    data = jane.read_bytes()
    assert b"### My meetings" in data  # the hand edit is kept
    assert b"Staff Product Designer" in data  # the region was not rewritten
    assert "People/Jane Doe.md" in result.stderr and "edited by hand" in result.stderr
    assert result.exit_code == 1
    assert "1 conflict," in result.stdout


def test_note_deleted_between_plan_and_write_is_not_recreated(
    monkeypatch: pytest.MonkeyPatch, basic_vault: Path
) -> None:
    interfere(monkeypatch, "People/Sam Lee.md", lambda p: p.unlink())
    build.regen(basic_vault, DAY)
    assert not (basic_vault / "People" / "Sam Lee.md").exists()


def test_no_temp_files_are_left(runner: CliRunner, basic_vault: Path) -> None:
    assert regen(runner, basic_vault).exit_code == 0
    leftovers = [p for p in basic_vault.rglob("*") if p.name.startswith(".vaultkit-")]
    assert leftovers == []


def test_a_crashed_runs_temp_file_is_cleaned(runner: CliRunner, basic_vault: Path) -> None:
    temp = put(basic_vault, "People/.vaultkit-abc123.tmp", b"half a note")
    an_hour_ago = temp.stat().st_mtime_ns - 3600 * 10**9
    os.utime(temp, ns=(an_hour_ago, an_hour_ago))
    assert regen(runner, basic_vault).exit_code == 0
    assert not temp.exists()


def test_a_dry_run_removes_no_temp_file(runner: CliRunner, basic_vault: Path) -> None:
    """A dry run takes no lock: a writer's temp name may hold the note it is checking."""
    temp = put(basic_vault, "People/.vaultkit-abc123.tmp", b"half a note")
    an_hour_ago = temp.stat().st_mtime_ns - 3600 * 10**9
    os.utime(temp, ns=(an_hour_ago, an_hour_ago))
    assert regen(runner, basic_vault, "--dry-run").exit_code in (0, 1)
    assert temp.exists()
    assert regen(runner, basic_vault).exit_code == 0
    assert not temp.exists()


def test_another_runs_fresh_temp_file_is_left_alone(runner: CliRunner, basic_vault: Path) -> None:
    """A concurrent vaultkit (a watcher) may be about to rename its temp file in place."""
    temp = put(basic_vault, "People/.vaultkit-inflight.tmp", b"being written")
    assert regen(runner, basic_vault).exit_code == 0
    assert temp.read_bytes() == b"being written"


def test_check_removes_nothing(runner: CliRunner, basic_vault: Path) -> None:
    temp = put(basic_vault, "People/.vaultkit-abc123.tmp", b"half a note")
    an_hour_ago = temp.stat().st_mtime_ns - 3600 * 10**9
    os.utime(temp, ns=(an_hour_ago, an_hour_ago))
    before = snapshot(basic_vault)
    assert runner.invoke(cli, ["check", str(basic_vault), "--today", TODAY]).exit_code == 0
    assert snapshot(basic_vault) == before


def test_note_broken_between_plan_and_write_is_reported(
    monkeypatch: pytest.MonkeyPatch, runner: CliRunner, basic_vault: Path
) -> None:
    broken = b"---\ntype: person\nrole: [\n---\nhalf-saved\n"
    interfere(monkeypatch, "People/Jane Doe.md", lambda p: p.write_bytes(broken))
    result = regen(runner, basic_vault)
    assert (basic_vault / "People" / "Jane Doe.md").read_bytes() == broken
    assert "People/Jane Doe.md:3: error: front-matter" in result.stderr, result.output
    assert result.exit_code == 1
    assert "9 created" in result.stdout
    assert BEGIN.encode() in (basic_vault / "People" / "Sam Lee.md").read_bytes()


def test_note_replaced_by_a_symlink_before_the_write(
    monkeypatch: pytest.MonkeyPatch, basic_vault: Path, tmp_path: Path
) -> None:
    outside = put(tmp_path, "outside.md", b"---\ntype: person\n---\nnot yours\n")

    def swap(path: Path) -> None:
        path.unlink()
        path.symlink_to(outside)

    interfere(monkeypatch, "People/Jane Doe.md", swap)
    result = build.regen(basic_vault, DAY)
    assert outside.read_bytes() == b"---\ntype: person\n---\nnot yours\n"
    assert (basic_vault / "People" / "Jane Doe.md").is_symlink()
    assert "People/Jane Doe.md" not in result.written
    assert any(p.path == "People/Jane Doe.md" for p in result.problems)


def test_folder_replaced_by_a_symlink_out_of_the_vault(
    monkeypatch: pytest.MonkeyPatch, basic_vault: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"

    def swap(path: Path) -> None:
        folder = path.parent
        folder.rename(elsewhere)
        folder.symlink_to(elsewhere, target_is_directory=True)

    interfere(monkeypatch, "People/Jane Doe.md", swap)
    before = snapshot(tmp_path / "vault")
    result = build.regen(basic_vault, DAY)
    after = {p.name: p.read_bytes() for p in elsewhere.iterdir()}
    assert sorted(after) == [
        "Jane Doe.md",
        "Sam Lee.md",
        unicodedata.normalize("NFD", "Zoë Müller.md"),
    ]
    assert after["Jane Doe.md"] == before["People/Jane Doe.md"][0]
    assert after["Sam Lee.md"] == before["People/Sam Lee.md"][0]
    assert not any(rel.startswith("People/") for rel in result.written)
    assert "Companies/Acme Corp.md" in result.written


def test_opted_out_and_hard_linked_notes_are_not_written(
    runner: CliRunner, basic_vault: Path
) -> None:
    sam = basic_vault / "People" / "Sam Lee.md"
    sam.write_bytes(sam.read_bytes().replace(b"type: person\n", b"type: person\nvaultkit: false\n"))
    jane = basic_vault / "People" / "Jane Doe.md"
    os.link(jane, basic_vault / "Jane copy.txt")
    before = snapshot(basic_vault)
    result = regen(runner, basic_vault)
    after = snapshot(basic_vault)
    assert after["People/Sam Lee.md"] == before["People/Sam Lee.md"]
    assert after["People/Jane Doe.md"] == before["People/Jane Doe.md"]
    assert "People/Jane Doe.md: warning: has other hard links" in result.stderr
    # Both are still read: Sam's company lists Sam, Jane is in the meeting's region.
    assert b"[[Sam Lee]]" in (basic_vault / "Companies" / "Globex.md").read_bytes()
    meeting = basic_vault / "Meetings" / "2026-11-10 Jane Doe informational.md"
    assert b"[[Jane Doe]] \xc2\xb7 Staff Product Designer" in meeting.read_bytes()


def test_values_and_names_never_forge_a_marker(runner: CliRunner, basic_vault: Path) -> None:
    put(
        basic_vault,
        "People/Eve.md",
        b'---\ntype: person\ncompany: Acme Corp\nrole: "Boss\\n<!-- vaultkit:end backlinks -->'
        b'\\nInjected"\n---\n',
    )
    evil_name = "People/Evil\n<!-- vaultkit:end backlinks -->.md"
    with contextlib.suppress(OSError):  # a file system may refuse line breaks in names
        put(basic_vault, evil_name, b"---\ncompany: Acme\n---\n")
    first = regen(runner, basic_vault)
    assert first.exit_code == 0, first.output
    assert "0 problems" in first.stdout
    acme = (basic_vault / "Companies" / "Acme Corp.md").read_text(encoding="utf-8")
    assert "- [[Eve]] · Boss <!-- vaultkit:end backlinks --> Injected\n" in acme
    assert acme.count("\n<!-- vaultkit:end backlinks -->") == 1
    before = snapshot(basic_vault)
    second = regen(runner, basic_vault)
    assert second.exit_code == 0, second.output
    assert snapshot(basic_vault) == before


def test_ignored_folders_are_neither_read_nor_written(runner: CliRunner, basic_vault: Path) -> None:
    put(basic_vault, "vaultkit.yaml", b"ignore_folders: [Archive, notes/private]\n")
    ghost = b"---\ntype: person\ncompany: Acme Corp\n---\n"
    put(basic_vault, "Archive/People/Ghost One.md", ghost)
    put(basic_vault, "Notes/Private/Ghost Two.md", ghost)  # matched in any case
    before = snapshot(basic_vault)
    result = regen(runner, basic_vault)
    assert result.exit_code == 0, result.output
    after = snapshot(basic_vault)
    for rel in ("Archive/People/Ghost One.md", "Notes/Private/Ghost Two.md"):
        assert after[rel] == before[rel]
    assert b"Ghost" not in (basic_vault / "Companies" / "Acme Corp.md").read_bytes()


def test_rename_rewritten_by_obsidian_is_not_a_conflict(
    runner: CliRunner, basic_vault: Path
) -> None:
    """Obsidian renames a note and rewrites its links everywhere, inside regions too.
    Where that makes a region exactly what vaultkit wants, it is not a conflict."""
    assert regen(runner, basic_vault).exit_code == 0
    (basic_vault / "People" / "Sam Lee.md").rename(basic_vault / "People" / "Sam Leigh.md")
    for path in basic_vault.rglob("*.md"):
        data = path.read_bytes()
        path.write_bytes(data.replace(b"[[Sam Lee", b"[[Sam Leigh"))
    result = regen(runner, basic_vault)
    assert result.exit_code == 0, result.output
    assert "0 conflicts" in result.stdout
    before = snapshot(basic_vault)
    assert regen(runner, basic_vault).exit_code == 0
    assert snapshot(basic_vault) == before


def test_ignored_folder_matches_in_any_unicode_form(runner: CliRunner, basic_vault: Path) -> None:
    put(basic_vault, "vaultkit.yaml", "ignore_folders: [Privé]\n".encode())
    rel = unicodedata.normalize("NFD", "Privé/People/Ghost.md")
    ghost = put(basic_vault, rel, b"---\ntype: person\ncompany: Acme Corp\n---\n")
    before = ghost.read_bytes()
    assert regen(runner, basic_vault).exit_code == 0
    assert ghost.read_bytes() == before
    assert b"Ghost" not in (basic_vault / "Companies" / "Acme Corp.md").read_bytes()


@pytest.mark.parametrize("data", [b"---", b"---  ", b"\xef\xbb\xbf---"])
def test_a_region_that_would_change_how_the_note_reads_is_not_added(
    runner: CliRunner, basic_vault: Path, data: bytes
) -> None:
    """Found by hypothesis: appending a region to a note that is only '---' turned that
    line into an unclosed front-matter, so the next run found the note broken."""
    globex = put(basic_vault, "Companies/Globex.md", data)
    first = regen(runner, basic_vault)
    assert globex.read_bytes() == data
    assert "Companies/Globex.md:1: error: vaultkit cannot add its region" in first.stderr
    assert first.exit_code == 1
    before = snapshot(basic_vault)
    second = regen(runner, basic_vault)
    assert snapshot(basic_vault) == before
    assert second.stderr == first.stderr


def test_user_links_after_a_region_that_grows_are_fine(
    runner: CliRunner, basic_vault: Path
) -> None:
    assert regen(runner, basic_vault).exit_code == 0
    jane = basic_vault / "People" / "Jane Doe.md"
    jane.write_bytes(jane.read_bytes() + b"\nLater I met [[Sam Lee]].\n")
    put(
        basic_vault,
        "Meetings/2026-11-15 Jane.md",
        b'---\nkind: casual\nwith: "[[Jane Doe]]"\n---\n',
    )
    result = regen(runner, basic_vault)
    assert result.exit_code == 0, result.output
    data = jane.read_bytes()
    assert data.endswith(b"\nLater I met [[Sam Lee]].\n")
    assert b"[[2026-11-15 Jane]]" in data
