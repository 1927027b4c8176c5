"""Backups of what vaultkit replaces, kept outside the vault, and ``vaultkit undo``.

Before vaultkit replaces or creates a file in the vault, it records the file's
previous bytes (or the fact that it did not exist) in a run record under the user's
cache folder (``platformdirs.user_cache_dir("vaultkit")``, or ``$VAULTKIT_CACHE_DIR``)::

    <cache>/backups/<hash of the vault's real path>/
        vault.txt                 the vault's path, for humans
        run-000007/
            manifest.jsonl        one line per file: path, existed, before, after, where
            blobs.pack            the previous bytes, each content stored once per run

One run that writes something is one record. All the files a run is about to write
are recorded first and fsynced together (two fsyncs per run, not two per file),
before any vault file is touched; if keeping the backup fails, nothing is written.
Records are bounded: the oldest go once there are more than ``backup_runs`` of them
or they take more than ``backup_megabytes`` (the newest record is always kept).
``backup_runs: 0`` turns backups (and undo) off.

:func:`undo` restores the newest record not yet undone: a file is put back only if
it is still exactly what that run wrote; a file changed since is left alone and
reported, with the path of the kept copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import vault_folder
from .errors import NoteError, Problem, Severity, UnsafeWrite, WriteConflict
from .write import atomic_write, inside, move_aside, put_back, read_stamped

RUN_PREFIX = "run-"
UNDONE_SUFFIX = ".undone"
MANIFEST = "manifest.jsonl"
PACK = "blobs.pack"


def vault_backups(root: Path) -> Path:
    """The backup folder of the vault whose real path is ``root``; refused inside the vault."""
    return vault_folder(root, "backups", "backup folder")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_write(path: Path, data: bytes, append: bool = False) -> None:
    with open(path, "ab" if append else "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _run_number(name: str) -> int:
    core = name.removesuffix(UNDONE_SUFFIX).removeprefix(RUN_PREFIX)
    return int(core) if core.isdigit() else -1


def _runs(folder: Path) -> list[Path]:
    """Every run record of a vault, oldest first."""
    if not folder.is_dir():
        return []
    runs = [p for p in folder.iterdir() if p.is_dir() and _run_number(p.name) >= 0]
    return sorted(runs, key=lambda p: _run_number(p.name))


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@dataclass
class RunBackup:
    """The backup record of one run; created on disk at the first file kept."""

    root: Path
    keep_runs: int
    keep_bytes: int
    folder: Path | None = None
    blobs: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Content hash -> (offset, length) in the run's pack."""
    pack_size: int = 0

    @property
    def enabled(self) -> bool:
        return self.keep_runs > 0

    def _open(self) -> Path:
        if self.folder is not None:
            return self.folder
        base = vault_backups(self.root)
        base.mkdir(parents=True, exist_ok=True)
        marker = base / "vault.txt"
        if not marker.exists():
            marker.write_text(f"{self.root}\n", encoding="utf-8")
        runs = _runs(base)
        number = _run_number(runs[-1].name) + 1 if runs else 1
        folder = base / f"{RUN_PREFIX}{number:06d}"
        folder.mkdir()
        self.folder = folder
        return folder

    def keep(self, rel: str, before: bytes | None, after: bytes | None) -> None:
        """Record ``rel``'s bytes before this run writes ``after`` there (None: deleted).

        Raises OSError when the backup cannot be kept; the caller then does not write.
        """
        self.keep_all([(rel, before, after)])

    def keep_all(self, files: list[tuple[str, bytes | None, bytes | None]]) -> None:
        """:meth:`keep` for many files at once, with one fsync of the pack and manifest."""
        if not self.enabled or not files:
            return
        folder = self._open()
        lines: list[str] = []
        with open(folder / PACK, "ab") as pack:
            for rel, before, after in files:
                entry: dict[str, Any] = {
                    "path": rel,
                    "existed": before is not None,
                    "before": _sha(before) if before is not None else None,
                    "after": _sha(after) if after is not None else None,
                }
                if before is not None:
                    digest = entry["before"]
                    if digest not in self.blobs:
                        pack.write(before)
                        self.blobs[digest] = (self.pack_size, len(before))
                        self.pack_size += len(before)
                    entry["offset"], entry["length"] = self.blobs[digest]
                lines.append(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
            pack.flush()
            os.fsync(pack.fileno())
        _fsync_write(folder / MANIFEST, "".join(lines).encode("utf-8"), append=True)

    def discard(self, rel: str) -> None:
        """The write of ``rel`` did not happen after all: undo has nothing to restore there."""
        if self.folder is None:
            return
        line = json.dumps({"path": rel, "discard": True}, sort_keys=True) + "\n"
        with contextlib.suppress(OSError):
            _fsync_write(self.folder / MANIFEST, line.encode("utf-8"), append=True)

    def drop(self) -> None:
        """Nothing of this run was written after all: remove its record, so that
        ``vaultkit undo`` goes back to the run before."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def close(self) -> None:
        """Finish the run: drop the oldest records beyond the bounds."""
        if self.folder is None:
            return
        prune(self.folder.parent, self.keep_runs, self.keep_bytes)


def open_run(root: Path, keep_runs: int, keep_megabytes: int) -> RunBackup:
    """A backup record for one run of vaultkit on the vault at ``root`` (its real path)."""
    return RunBackup(root, keep_runs, keep_megabytes * 1024 * 1024)


def prune(base: Path, keep_runs: int, keep_bytes: int) -> None:
    """Remove the oldest records beyond ``keep_runs`` or ``keep_bytes``; keep the newest."""
    runs = _runs(base)
    sizes = {p: _size(p) for p in runs}
    while len(runs) > 1 and (len(runs) > keep_runs or sum(sizes[p] for p in runs) > keep_bytes):
        oldest = runs.pop(0)
        shutil.rmtree(oldest, ignore_errors=True)


@dataclass(frozen=True)
class FileRecord:
    path: str
    existed: bool
    before: str | None
    after: str | None
    offset: int = 0
    length: int = 0


def read_manifest(folder: Path) -> list[FileRecord]:
    """The files of one run record, sorted by path (the last line about a path wins)."""
    latest: dict[str, FileRecord | None] = {}
    try:
        lines = (folder / MANIFEST).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    for raw in lines:
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash: its write never started
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        if entry.get("discard"):
            latest[entry["path"]] = None
            continue
        latest[entry["path"]] = FileRecord(
            entry["path"],
            bool(entry.get("existed")),
            entry.get("before"),
            entry.get("after"),
            int(entry.get("offset", 0)),
            int(entry.get("length", 0)),
        )
    return [rec for _, rec in sorted(latest.items()) if rec is not None]


@dataclass
class UndoResult:
    run: str | None
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _current(root: Path, rel: str) -> tuple[bytes | None, Any]:
    target = inside(root, rel)
    if not os.path.lexists(target):
        return None, None
    data, stamp = read_stamped(target)
    return data, stamp


def undo(root: Path, dry_run: bool = False) -> UndoResult:
    """Restore the files of the newest run record not yet undone (see the module's doc)."""
    base = vault_backups(root)
    runs = [p for p in _runs(base) if not p.name.endswith(UNDONE_SUFFIX)]
    if not runs:
        return UndoResult(None)
    folder = runs[-1]
    result = UndoResult(folder.name)
    for rec in read_manifest(folder):
        _undo_one(root, folder, rec, result, dry_run)
    if not dry_run:
        folder.rename(folder.with_name(folder.name + UNDONE_SUFFIX))
    return result


def _undo_one(root: Path, folder: Path, rec: FileRecord, result: UndoResult, dry: bool) -> None:
    rel = rec.path
    try:
        data, stamp = _current(root, rel)
        now = _sha(data) if data is not None else None
        if now == rec.before:
            result.already.append(rel)
            return
        if now != rec.after:
            kept = ""
            if rec.existed and not dry:
                # Reported where it will be once this record is marked undone.
                extracted = _extract(folder, rec).relative_to(folder)
                final = folder.with_name(folder.name + UNDONE_SUFFIX)
                kept = f"; the earlier version is kept at {final / extracted}"
            result.problems.append(
                Problem(
                    rel,
                    0,
                    f"changed since vaultkit wrote it; left as it is{kept}",
                    Severity.WARNING,
                    "undo-refused",
                )
            )
            return
        if rec.existed:
            old = _read_kept(folder, rec)
            if not dry:
                atomic_write(root, rel, old, stamp)
            result.restored.append(rel)
        else:
            if not dry:
                remove_checked(root, rel, now)
            result.removed.append(rel)
    except (OSError, UnsafeWrite, WriteConflict, NoteError) as exc:
        result.problems.append(
            Problem(rel, 0, f"not restored: {exc}", Severity.ERROR, "undo-failed")
        )


def _read_kept(folder: Path, rec: FileRecord) -> bytes:
    with open(folder / PACK, "rb") as fh:
        fh.seek(rec.offset)
        old = fh.read(rec.length)
    if _sha(old) != rec.before:
        raise OSError(f"the backup copy in {folder / PACK} is damaged")
    return old


def _extract(folder: Path, rec: FileRecord) -> Path:
    """Copy a kept version out of the pack, to a file the user can open and compare."""
    target = folder / "kept" / Path(*rec.path.split("/"))
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_read_kept(folder, rec))
    return target


def remove_checked(root: Path, rel: str, expect_sha: str | None) -> None:
    """Delete a file vaultkit made, only if it still holds exactly ``expect_sha``.

    The file is first moved aside in one step (:func:`vaultkit.write.move_aside`) and
    checked there: a save landing after a check of it in place would go with it. Found
    changed, it is put back (beside the note, should its name have been taken again)."""
    target = inside(root, rel)
    data, _ = read_stamped(target)
    if _sha(data) != expect_sha:
        raise WriteConflict(f"{rel}: changed while vaultkit was removing it")
    aside = move_aside(target)
    try:
        now: bytes | None = read_stamped(aside)[0]
    except OSError:
        now = None
    if now is None or _sha(now) != expect_sha:
        put_back(aside, target, rel)
        raise WriteConflict(f"{rel}: changed while vaultkit was removing it")
    os.unlink(aside)
