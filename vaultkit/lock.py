"""One writer per vault: a lock file outside the vault, held while a command writes.

``vaultkit watch`` holds the lock for its whole life; ``vaultkit regen`` takes it for
its run. The lock file lives in the user's cache folder (``VAULTKIT_CACHE_DIR``
overrides it), never in the vault, so sync tools never see it; its name is a hash of
the vault's real path, so two spellings of one vault share one lock. The file holds
the holder's pid and role so that a refusal can name who is writing.

On POSIX the lock is ``fcntl.flock``: the kernel drops it when the process dies, so a
crash never leaves a stale lock. On Windows it is ``msvcrt.locking`` on a byte of
the same file, which Windows also drops when the process ends.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .cache import vault_folder
from .errors import VaultLocked

_LOCK_BYTE = 1 << 30  # Windows locks a byte far from the pid text, which stays readable


def lock_path(root: Path) -> Path:
    """The lock file of the vault whose real path is ``root`` (never inside the vault)."""
    return vault_folder(root, "locks", "lock file", ".lock")


def _try_lock(fh: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        fh.seek(_LOCK_BYTE)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fh: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        fh.seek(_LOCK_BYTE)
        with contextlib.suppress(OSError):
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _holder(path: Path) -> tuple[str, str]:
    """The pid and role written by the process holding the lock ('?' when unknown)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "?", "?"
    parts = text.split()
    if len(parts) >= 2 and parts[0].isdigit():
        return parts[0], parts[1]
    return "?", "?"


class VaultLock:
    """The lock of one vault, held by this process in one ``role`` (``watch``, ``regen``)."""

    def __init__(self, root: Path, role: str) -> None:
        self.root = root
        self.role = role
        self.path = lock_path(root)
        self._fh: IO[str] | None = None

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock or raise :class:`VaultLocked` naming the holder.

        When another one-off command (``regen``) holds it, wait up to ``wait`` seconds
        for it to finish; a watcher is never waited for, it does not finish.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait
        while True:
            fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held open)
            if _try_lock(fh):
                fh.seek(0)
                fh.truncate()
                fh.write(f"{os.getpid()} {self.role}\n")
                fh.flush()
                self._fh = fh
                return
            fh.close()
            pid, role = _holder(self.path)
            if role == "watch" or time.monotonic() >= deadline:
                raise VaultLocked(self._refusal(pid, role))
            time.sleep(0.05)

    def _refusal(self, pid: str, role: str) -> str:
        if role == "watch" and self.role not in ("regen", "watch"):
            return (
                f"{self.root}: `vaultkit watch` (pid {pid}) is writing to this vault, and "
                f"`vaultkit {self.role}` would race it. Stop the watcher (Ctrl-C in its "
                f"terminal, or `kill {pid}`), run this command, then start the watcher again."
            )
        if role == "watch":
            return (
                f"{self.root}: `vaultkit watch` (pid {pid}) is already keeping this vault "
                "current; it does this work for you. Stop it (Ctrl-C in its terminal, or "
                f"`kill {pid}`) to run this command by hand."
            )
        who = f"`vaultkit {role}` (pid {pid})" if role != "?" else "another vaultkit"
        return f"{self.root}: {who} is writing to this vault; try again when it has finished."

    def release(self) -> None:
        """Let go of the lock (the file stays: removing it would race a new holder)."""
        fh, self._fh = self._fh, None
        if fh is None:
            return
        with contextlib.suppress(OSError):
            fh.seek(0)
            fh.truncate()
            fh.flush()
        with contextlib.suppress(OSError):
            _unlock(fh)
        fh.close()

    def __enter__(self) -> VaultLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def hold(root: Path, role: str, wait: float = 0.0) -> Iterator[VaultLock]:
    """Hold the vault's lock for the duration of a ``with`` block."""
    lock = VaultLock(root, role)
    lock.acquire(wait)
    try:
        yield lock
    finally:
        lock.release()
