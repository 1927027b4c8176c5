"""The benchmark runner runs end to end at a tiny size and prints every row (not timed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import run


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
