"""Progress of a long run: a bar on a terminal once a run passes a second, else silence.

The core reports ``update(phase, done, total)`` through the :class:`Progress` protocol
and never prints; :class:`TerminalProgress` (the CLI's) draws a click progress bar on
stderr, only when stderr is a terminal and only after the run has taken a second, so
short runs, pipes, logs and tests see nothing.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, TextIO


class Progress(Protocol):
    def update(self, phase: str, done: int, total: int) -> None:
        """``done`` of ``total`` items of ``phase`` (e.g. "reading notes") are done."""


class TerminalProgress:
    """A click progress bar on stderr, shown only after ``delay`` seconds on a terminal."""

    def __init__(self, delay: float = 1.0, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.delay = delay
        self.started = time.monotonic()
        self._bar: Any = None
        self._phase = ""
        self._done = 0

    def update(self, phase: str, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.started < self.delay:
            return
        import click

        if self._bar is None or phase != self._phase:
            self.close()
            self._bar = click.progressbar(
                length=total, label=f"vaultkit: {phase}", file=self.stream, width=30
            )
            self._bar.__enter__()
            self._phase, self._done = phase, 0
        if done > self._done:
            self._bar.update(done - self._done)
            self._done = done

    def close(self) -> None:
        """Finish the bar, if one is shown (call before printing the summary)."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
