"""Walk the vault: every ``.md`` note with its stat, nothing hidden, nothing outside.

Hidden folders and files (``.obsidian/``, ``.trash/``, ``.git/``, ...), editor and
sync debris, symlinks and the folders the config ignores are skipped. Temp files
that a crashed vaultkit left behind (``.vaultkit-*.tmp``) are removed.
"""

from __future__ import annotations

import os
import re
import stat
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .debris import icloud_placeholder
from .errors import Problem, Severity, VaultError

if TYPE_CHECKING:
    from .config import Config
    from .obsidian import ObsidianSettings

TEMP_PREFIX = ".vaultkit-"
TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 600
"""Age after which a vaultkit temp file is debris, not another process's write."""

_DEBRIS = re.compile(
    r"""(
        \ \((?:[^()]*'s\ )?conflicted\ copy[^()]*\)   # Dropbox
      | \.sync-conflict-                              # Syncthing
      | \ \(conflict(?:ed)?[^()]*\)                   # Obsidian Sync, Nextcloud, Drive
      | \ \[conflict\]
    )""",
    re.VERBOSE | re.IGNORECASE,
)


def is_editor_debris(name: str) -> bool:
    """Files editors and sync tools leave around that are never notes."""
    return (
        name.startswith((".", "~"))
        or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak"))
        or name == "4913"
        or "___jb_tmp___" in name
        or "___jb_old___" in name
        or name.startswith(".goutputstream-")
    )


def is_sync_conflict(name: str) -> bool:
    """A copy a sync tool made when two devices changed one note: never a new note."""
    return bool(_DEBRIS.search(name))


@dataclass(frozen=True)
class Entry:
    """One note on disk."""

    rel: str
    """Path relative to the vault, ``/``-separated, as the file system spells it."""
    size: int
    mtime_ns: int
    mode: int
    nlink: int


@dataclass(frozen=True)
class ScanResult:
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    removed_temps: tuple[str, ...]


def vault_root(path: Path) -> Path:
    """The vault's real path; raises :class:`VaultError` when it is not a folder."""
    try:
        root = path.resolve(strict=True)
    except FileNotFoundError:
        raise VaultError(f"{path}: no such folder") from None
    if not root.is_dir():
        raise VaultError(f"{path}: not a folder")
    return root


def _ignored(rel_dir: str, ignore: tuple[str, ...]) -> bool:
    low = unicodedata.normalize("NFC", rel_dir).casefold()
    return any(low == i or low.startswith(i + "/") for i in ignore)


def _stale_temp(item: os.DirEntry[str]) -> bool:
    """A temp file a crashed run left: old enough that no running vaultkit (another
    ``regen``, a watcher) can still be about to rename it into place."""
    try:
        st = item.stat(follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and time.time() - st.st_mtime > STALE_TEMP_SECONDS


def scan(root: Path, ignore: tuple[str, ...] = (), clean_temps: bool = True) -> ScanResult:
    """List every note under ``root`` (already resolved), sorted by path."""
    ignore_keys = tuple(
        unicodedata.normalize("NFC", i.strip("/")).casefold() for i in ignore if i.strip("/")
    )
    entries: list[Entry] = []
    problems: list[Problem] = []
    removed: list[str] = []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        folder = root / rel_dir if rel_dir else root
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.append(
                Problem(rel_dir or ".", 0, f"cannot list folder: {exc.strerror}", Severity.WARNING)
            )
            continue
        for item in items:
            name = item.name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
                if clean_temps and _stale_temp(item):
                    try:
                        os.unlink(item.path)
                        removed.append(rel)
                    except OSError:
                        pass
                continue
            if name.startswith("."):
                if name.endswith(".md.icloud") and (placeholder := icloud_placeholder(rel)):
                    problems.append(placeholder)
                continue
            if item.is_symlink():
                if name.endswith(".md"):
                    problems.append(
                        Problem(
                            rel,
                            0,
                            "is a symbolic link: vaultkit neither follows nor writes it",
                            Severity.WARNING,
                            "symlink",
                        )
                    )
                continue
            if item.is_dir(follow_symlinks=False):
                if not _ignored(rel, ignore_keys):
                    stack.append(rel)
                continue
            if not name.endswith(".md") or is_editor_debris(name):
                continue
            if is_sync_conflict(name):
                problems.append(
                    Problem(
                        rel,
                        0,
                        "looks like a sync conflict copy: not read; merge it into the "
                        "original note and delete it",
                        Severity.WARNING,
                        "sync-conflict",
                    )
                )
                continue
            try:
                st = item.stat(follow_symlinks=False)
            except OSError:
                continue  # vanished between listing and stat
            if not stat.S_ISREG(st.st_mode):
                continue
            entries.append(Entry(rel, st.st_size, st.st_mtime_ns, st.st_mode, st.st_nlink))
    entries.sort(key=lambda e: e.rel)
    return ScanResult(tuple(entries), tuple(problems), tuple(removed))


def scan_ignores(config: Config, settings: ObsidianSettings) -> tuple[str, ...]:
    """The folders a scan skips: the ignored ones, vaultkit's templates folder and the
    template folders of Obsidian's Templates and Templater plugins."""
    return (*config.ignore_folders, config.templates_folder, *settings.template_folders)
