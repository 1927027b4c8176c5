"""Sync debris: what sync tools leave in a vault that must never be taken as a note.

* conflict copies (``Name (conflicted copy ...)``, ``Name.sync-conflict-...``):
  skipped by the scan (see :func:`vaultkit.scan.is_sync_conflict`);
* iCloud placeholders (``.Name.md.icloud``): the note is not downloaded on this
  device. Reported, and ``regen`` writes nothing while one is there, because
  regions written without that note would differ from another device's and the two
  devices would rewrite each other's notes forever;
* zero-byte notes (a sync tool's half-done download, or a wiped note) and notes
  with git conflict markers: their name still resolves, but they are ordinary notes
  (never a person, company or meeting), nothing is read from them and nothing is
  ever written to them.
"""

from __future__ import annotations

import re

from .errors import Problem, Severity

ICLOUD_CODE = "icloud-placeholder"
_ICLOUD = re.compile(r"^\.(?P<name>.+\.md)\.icloud$")
_GIT_MARKER = re.compile(rb"^(?:<{7}|>{7})(?: |\r?$)", re.MULTILINE)
DEBRIS_TYPE = "vaultkit-debris"
"""The ``type`` given to the stand-in of a debris note, so it is an ordinary note."""


def icloud_placeholder(rel: str) -> Problem | None:
    """A problem for an iCloud placeholder file, or None for any other name."""
    folder, _, name = rel.rpartition("/")
    m = _ICLOUD.match(name)
    if m is None:
        return None
    note = f"{folder}/{m.group('name')}" if folder else m.group("name")
    return Problem(
        note,
        0,
        "is not downloaded on this device (an iCloud placeholder): regen writes nothing until "
        "it is (in Finder: Download Now, or Keep Downloaded for the vault)",
        Severity.ERROR,
        ICLOUD_CODE,
    )


def empty_note(rel: str) -> Problem:
    return Problem(
        rel,
        0,
        "is empty (0 bytes), maybe a sync tool's placeholder: not taken as a person, company "
        "or meeting, and never written",
        Severity.WARNING,
        "empty-note",
    )


def git_conflict(rel: str, data: bytes) -> Problem | None:
    """A problem for a note with unfinished git merge markers, or None."""
    m = _GIT_MARKER.search(data)
    if m is None:
        return None
    line = data.count(b"\n", 0, m.start()) + 1
    return Problem(
        rel,
        line,
        "has git conflict markers (<<<<<<< / >>>>>>>): finish the merge; until then vaultkit "
        "reads nothing from this note and never writes it",
        Severity.ERROR,
        "git-conflict",
    )
