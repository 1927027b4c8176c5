"""Reuse of parsed notes across runs: a note is parsed again only when its stamp changes.

:class:`NoteCache` is the interface ``build.load`` uses; :class:`MemoryCache` keeps
parsed notes in memory (the watcher holds one for its whole life). A cache is never
trusted over the file: an entry is used only when path, size and mtime_ns all match
what the scan just saw.
"""

from __future__ import annotations

from typing import Protocol

from .parse import ParsedNote


class NoteCache(Protocol):
    def get(self, rel: str, size: int, mtime_ns: int) -> ParsedNote | None:
        """The parsed note for ``rel`` if its size and mtime_ns are still these."""

    def put(self, note: ParsedNote) -> None:
        """Remember a freshly parsed note."""

    def retain(self, paths: set[str]) -> None:
        """Forget every note not in ``paths`` (deleted or renamed since)."""


class MemoryCache:
    """A cache in memory, for one process."""

    def __init__(self) -> None:
        self._notes: dict[str, ParsedNote] = {}

    def get(self, rel: str, size: int, mtime_ns: int) -> ParsedNote | None:
        note = self._notes.get(rel)
        if note is not None and note.size == size and note.mtime_ns == mtime_ns:
            return note
        return None

    def put(self, note: ParsedNote) -> None:
        self._notes[note.path] = note

    def retain(self, paths: set[str]) -> None:
        for rel in [p for p in self._notes if p not in paths]:
            del self._notes[rel]

    def __len__(self) -> int:
        return len(self._notes)
