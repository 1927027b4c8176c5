"""One writer per vault: every command that writes refuses while a watcher holds the lock.

The test holds the vault's lock in the role ``watch`` (as ``vaultkit watch`` does for
its whole life), runs each writing command through the CLI, and checks the exit code,
that the message names the watcher's pid, and that nothing in the vault changed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultkit.cli import cli
from vaultkit.lock import VaultLock

from .conftest import TODAY, tree

FELIX = "2026-12-09 Felix Grant informational"  # beyond the horizon: regen made no sheet


def _region_edited(root: Path) -> None:
    """Edit the backlinks region of a person by hand, so that `resolve` has work."""
    path = root / "People" / "Sam Okafor.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Meetings", "## Meetings (mine)", 1), encoding="utf-8")


# Each writing command, given the vault's path.
COMMANDS = {
    "prep": lambda v: ["prep", FELIX, "--vault", v, "--today", TODAY],
    "undo": lambda v: ["undo", v],
    "resolve": lambda v: ["resolve", "People/Sam Okafor.md", "--take-vaultkit", "--vault", v],
    "rename": lambda v: ["rename", "Sam Okafor", "Samuel Okafor", "-C", v],
    "init": lambda v: ["init", v],
}

# Creating a note takes no lock: it can never clobber one, and the watcher picks it up.
NEW_NOTES = {
    "new person": lambda v: ["new", "person", "Ada Lovelace", "-C", v],
    "new company": lambda v: ["new", "company", "Analytical Engines", "-C", v],
    "new meeting": lambda v: [
        "new",
        "meeting",
        "--with",
        "Sam Okafor",
        "--kind",
        "casual",
        "--date",
        "2026-12-20",
        "-C",
        v,
    ],
}


@pytest.fixture
def ready(sample_vault: Path, runner: CliRunner) -> Path:
    """The sample vault after one regen (so that undo has a run), one region hand-edited."""
    result = runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY])
    assert result.exit_code == 0, result.output
    _region_edited(sample_vault)
    return sample_vault


@pytest.fixture
def watcher_lock(ready: Path) -> Iterator[VaultLock]:
    held = VaultLock(ready.resolve(), "watch")
    held.acquire()
    try:
        yield held
    finally:
        held.release()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_writing_command_refuses_while_a_watcher_holds_the_vault(
    name: str, ready: Path, watcher_lock: VaultLock, runner: CliRunner
) -> None:
    before = tree(ready)
    result = runner.invoke(cli, COMMANDS[name](str(ready)))
    assert result.exit_code == 2, result.output
    assert f"`vaultkit watch` (pid {os.getpid()})" in result.output
    assert f"kill {os.getpid()}" in result.output
    command = name.split()[0]
    assert f"`vaultkit {command}` would race it" in result.output
    assert tree(ready) == before


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_same_command_works_once_the_watcher_has_stopped(
    name: str, ready: Path, runner: CliRunner
) -> None:
    held = VaultLock(ready.resolve(), "watch")
    held.acquire()
    held.release()
    before = tree(ready)
    result = runner.invoke(cli, COMMANDS[name](str(ready)))
    assert result.exit_code in (0, 1), result.output
    assert "pid" not in result.output
    assert tree(ready) != before, "the command wrote nothing: the refusal test proves nothing"


def test_dry_runs_and_an_init_with_nothing_to_do_need_no_lock(
    ready: Path, runner: CliRunner
) -> None:
    assert runner.invoke(cli, ["init", str(ready)]).exit_code == 0  # now set up
    held = VaultLock(ready.resolve(), "watch")
    held.acquire()
    try:
        before = tree(ready)
        for argv in (
            ["undo", str(ready), "--dry-run"],
            ["rename", "Sam Okafor", "Samuel Okafor", "--dry-run", "-C", str(ready)],
            ["init", str(ready)],
        ):
            result = runner.invoke(cli, argv)
            assert result.exit_code in (0, 1), (argv, result.output)
            assert not re.search(r"pid \d+", result.output)
        assert tree(ready) == before
    finally:
        held.release()


@pytest.mark.parametrize("name", sorted(NEW_NOTES))
def test_new_notes_can_be_made_while_a_watcher_runs(
    name: str, ready: Path, watcher_lock: VaultLock, runner: CliRunner
) -> None:
    before = tree(ready)
    result = runner.invoke(cli, NEW_NOTES[name](str(ready)))
    assert result.exit_code == 0, result.output
    added = set(tree(ready)) - set(before)
    assert len(added) == 1, added
