"""The benchmark runner runs end to end at a tiny size and prints every row (not timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.generate_vault import generate


@pytest.mark.slow
def test_runner_prints_every_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run.main(["--notes", "200", "--out", str(tmp_path), "--saves", "3"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[0].startswith("| step | 200 notes | × read | peak RSS |")
    rows = {line.split(" | ")[0].lstrip("| ") for line in lines[2:]}
    expected = set(run.ROWS)
    if run.has_watch(run.os.environ.copy()):
        expected |= set(run.WATCH_ROWS)
    assert rows == expected
    for line in lines[2:]:
        assert "n/a" not in line, line  # this vaultkit has every command the runner times
        assert line.count("|") == 5


def test_the_write_floor_leaves_every_note_as_it_was(tmp_path: Path) -> None:
    """The floor writes every note again with the bytes it had: the vault is the same
    afterwards (each note a new file), and no temp file stays."""
    vault = tmp_path / "vault"
    generate(vault, 120)
    before = {p: (p.read_bytes(), p.stat().st_ino) for p in vault.rglob("*") if p.is_file()}
    done = subprocess.run(
        [sys.executable, "-c", run._WRITE_ALL, str(vault)], capture_output=True, check=True
    )
    notes = [p for p in before if p.suffix == ".md"]
    assert int(done.stdout) == len(notes) > 100
    after = {p: (p.read_bytes(), p.stat().st_ino) for p in vault.rglob("*") if p.is_file()}
    assert after.keys() == before.keys()
    assert all(after[p][0] == before[p][0] for p in before)
    assert all(after[p][1] != before[p][1] for p in notes)  # written again, not skipped
