"""The progress bar: on a terminal after a second, silent everywhere else."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.generate_vault import generate
from vaultkit import build
from vaultkit.cli import cli
from vaultkit.progress import TerminalProgress

from .conftest import TODAY


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal_once_the_run_is_long() -> None:
    stream = FakeTerminal()
    progress = TerminalProgress(delay=0.0, stream=stream)
    for n in range(0, 101, 10):
        progress.update("reading notes", n, 100)
    progress.close()
    assert "vaultkit: reading notes" in stream.getvalue()


def test_silent_for_short_runs_and_pipes() -> None:
    short = FakeTerminal()
    progress = TerminalProgress(delay=3600.0, stream=short)
    progress.update("reading notes", 50, 100)
    progress.close()
    assert short.getvalue() == ""
    pipe = io.StringIO()
    progress = TerminalProgress(delay=0.0, stream=pipe)
    progress.update("reading notes", 50, 100)
    progress.close()
    assert pipe.getvalue() == ""


def test_many_writes_in_parallel_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written by the thread pool or one by one: the same bytes, and nothing written on
    the next run."""
    runner = CliRunner()
    trees = []
    for name, threshold in (("pool", 32), ("serial", 10**9)):
        monkeypatch.setattr(build, "PARALLEL_WRITES", threshold)
        vault = tmp_path / name
        generate(vault, 120, 1)
        result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY, "--no-cache"])
        assert result.exit_code in (0, 1), result.output
        assert "reading notes" not in result.output
        trees.append(
            {str(p.relative_to(vault)): p.read_bytes() for p in sorted(vault.rglob("*.md"))}
        )
        again = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
        assert " 0 created, 0 updated" in again.output
    assert trees[0] == trees[1]
    assert sum(b"<!-- vaultkit:begin backlinks" in data for data in trees[0].values()) > 60
