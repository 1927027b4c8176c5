"""The progress bar: on a terminal after a second, silent everywhere else."""

from __future__ import annotations

import io

from vaultkit.progress import TerminalProgress


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
