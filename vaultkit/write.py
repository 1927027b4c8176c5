"""Atomic, checked writes inside the vault (the fourth and fifth promises).

A write goes to a temp file in the same folder, is flushed and fsynced, and then
takes the note's place. On Linux the two names are exchanged in one step
(``renameat2(RENAME_EXCHANGE)``), and the note taken out is compared with what was read
(size, mtime_ns and SHA-256): a save or a delete made at any instant before is never
lost, as it could be between a check and a replace. Elsewhere, or where the file system
cannot exchange names, the note on disk is compared just before ``os.replace``. If it
changed, the write is abandoned with :class:`WriteConflict` (the note as the user left
it) so the caller can redo it from the new content. A crash at any instant leaves the
old file or the new one, and at worst a ``.vaultkit-*.tmp`` file that the next scan
removes.

Many files at once (a first run writes a region into every note) are written in three
steps instead: every temp file (:func:`stage`), then one flush of the file system
that makes them all durable where one can (:class:`BatchSync`), then each replace,
checked as above (:func:`commit`). On an ext4 disk an fsync of each file was half the
cost of a write, and fsyncs from several threads only queued behind each other.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast

from .errors import UnsafeWrite, WriteConflict
from .scan import TEMP_PREFIX, TEMP_SUFFIX


@dataclass(frozen=True)
class Stamp:
    """What a file was when vaultkit read it."""

    size: int
    mtime_ns: int
    sha: str
    mode: int
    nlink: int


def read_stamped(path: Path) -> tuple[bytes, Stamp]:
    """Read a regular file (never through a symlink) with its stamp."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        data = fh.read()
    return data, Stamp(
        st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest(), st.st_mode, st.st_nlink
    )


def inside(root: Path, rel: str) -> Path:
    """The absolute path of ``rel`` after checking it stays inside the vault.

    ``rel`` comes from the scan or from vaultkit's own naming, never from a note; this
    is the last line of defence all the same: no absolute paths, no ``..``, no hidden
    part, and the real path of its folder is inside the vault's real path.
    """
    parts = rel.split("/")
    if (
        not rel
        or rel.startswith("/")
        or "\\" in rel
        or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
    ):
        raise UnsafeWrite(f"{rel}: refusing to write outside the vault or into a hidden folder")
    target = root.joinpath(*parts)
    real_parent = target.parent.resolve()
    if not real_parent.is_relative_to(root):
        raise UnsafeWrite(f"{rel}: its folder leads outside the vault; not written")
    return target


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@dataclass
class Staged:
    """A new file's bytes in a temp file beside its target, not yet in its place."""

    rel: str
    target: Path
    tmp: str
    expect: Stamp | None
    written: os.stat_result
    """The temp file's stat: the file's, once it replaces the target."""
    sha: str = ""
    """SHA-256 of the bytes staged: whether a file is still vaultkit's, as it wrote it."""
    keep: bool = False
    """The temp name holds words of the user's that could be given no other name: it is
    never removed (see :func:`_keep_beside`)."""


def stage(root: Path, rel: str, data: bytes, expect: Stamp | None, sync: bool = True) -> Staged:
    """Write ``data`` to a temp file in ``rel``'s folder (fsynced unless ``sync`` is False:
    the caller then makes it durable with :class:`BatchSync` before :func:`commit`)."""
    target = inside(root, rel)
    if expect is not None and expect.nlink > 1:
        raise UnsafeWrite(f"{rel}: has other hard links; replacing it would break them")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(root):
        raise UnsafeWrite(f"{rel}: its folder leads outside the vault; not written")
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(
                fh.fileno(),
                stat.S_IMODE(expect.mode) if expect is not None else _umask_mode(),
            )
            if sync:
                os.fsync(fh.fileno())
            written = os.fstat(fh.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Staged(rel, target, tmp, expect, written, hashlib.sha256(data).hexdigest())


def commit(staged: Staged) -> os.stat_result:
    """Put a staged file in its place, if the target is still what was read (else
    :class:`WriteConflict`); the temp file is gone afterwards either way."""
    rel, target, tmp, expect = staged.rel, staged.target, staged.tmp, staged.expect
    try:
        if expect is None:
            try:
                os.link(tmp, target)  # fails if the name exists: never clobbers a new note
            except FileExistsError:
                raise WriteConflict(f"{rel}: appeared while vaultkit was writing it") from None
            except OSError:
                if os.path.lexists(target):
                    raise WriteConflict(f"{rel}: appeared while vaultkit was writing it") from None
                os.replace(tmp, target)
        else:
            _recheck_stat(target, rel, expect)
            try:
                swapped = _exchange(tmp, target)
            except FileNotFoundError:
                raise WriteConflict(f"{rel}: was deleted while vaultkit was writing it") from None
            if swapped:
                _check_swapped(staged)
            else:
                _recheck(target, rel, expect)
                os.replace(tmp, target)
        return staged.written
    finally:
        discard(staged)


def _check_swapped(staged: Staged) -> None:
    """After the exchange: the note now at the temp name must be the one that was read.
    A save that landed between the check and the exchange is put back in its place; or,
    should vaultkit's file have been saved over as well, kept beside it (the newest save
    stays in the note's place)."""
    rel, expect = staged.rel, staged.expect
    assert expect is not None
    try:
        st = os.lstat(staged.tmp)
        same = (
            stat.S_ISREG(st.st_mode)
            and st.st_nlink == 1
            and (st.st_size, st.st_mtime_ns) == (expect.size, expect.mtime_ns)
            and read_stamped(Path(staged.tmp))[1].sha == expect.sha
        )
    except OSError:
        same = False
    if same:
        return
    if _ours(staged.target, staged):
        try:
            swapped = _exchange(staged.tmp, staged.target)
        except FileNotFoundError:
            swapped = False
        if swapped and _ours(staged.tmp, staged):
            raise WriteConflict(f"{rel}: changed while vaultkit was writing it")
        if not swapped and not os.path.lexists(staged.target):
            try:  # the note's place was emptied meanwhile: theirs has its name back
                _rename_noreplace(staged.tmp, staged.target)
            except OSError:
                pass
            else:
                raise WriteConflict(f"{rel}: changed while vaultkit was writing it")
    _keep_beside(staged)


def _ours(path: str | Path, staged: Staged) -> bool:
    """Whether ``path`` holds vaultkit's staged file, as it wrote it (no save since, not
    even one written into that same file)."""
    try:
        st = os.lstat(path)
        if (st.st_dev, st.st_ino, st.st_size) != (
            staged.written.st_dev,
            staged.written.st_ino,
            staged.written.st_size,
        ):
            return False
        return read_stamped(Path(path))[1].sha == staged.sha
    except OSError:
        return False


def _keep_beside(staged: Staged) -> None:
    """The temp name holds a save of the user's that is not in the note's place: give it a
    name of its own beside the note, and say so (UnsafeWrite). Should no name be free, it
    stays where it is, never removed, and the message says where."""
    kept = keep_visible(Path(staged.tmp), staged.target)
    if kept is None:
        staged.keep = True
        raise UnsafeWrite(
            f"{staged.rel}: saved twice while vaultkit was writing it; not written, and the "
            f"earlier save could not be given a name: it is {staged.tmp}; rename it to keep it"
        )
    raise UnsafeWrite(
        f"{staged.rel}: saved twice while vaultkit was writing it; not written, and the "
        f"other save is kept beside it as {kept.name}"
    )


ASIDE_PREFIX = ".vaultkit-aside-"
"""A note moved aside to be checked before it is removed: hidden, and not a temp name,
which a scan removes once old by its modification time (the note's own, perhaps old)."""


def move_aside(target: Path) -> Path:
    """Move ``target`` to a new hidden name in its folder (:data:`ASIDE_PREFIX`), in one
    step, never over another file; that name. Raises FileNotFoundError when it is gone."""
    for _ in range(100):
        aside = target.with_name(f"{ASIDE_PREFIX}{os.urandom(6).hex()}")
        try:
            _rename_noreplace(target, aside)
        except FileExistsError:
            continue
        return aside
    raise OSError(f"{target.name}: no free temp name beside it")


def put_back(aside: Path, target: Path, rel: str) -> None:
    """Give what was moved aside (:func:`move_aside`) its name again; should that name
    have been taken meanwhile, a name of its own beside it (UnsafeWrite says which)."""
    try:
        _rename_noreplace(aside, target)
        return
    except FileExistsError:
        why = "saved again while vaultkit was removing it"
    except OSError as exc:
        why = f"could not be put back after vaultkit found it changed ({exc.strerror})"
    kept = keep_visible(aside, target)
    where = f"it is kept beside it as {kept.name}" if kept else f"it is {aside}; rename it"
    raise UnsafeWrite(f"{rel}: {why}; {where}")


def keep_visible(path: Path, target: Path) -> Path | None:
    """Move ``path`` (a save of the user's under a temp name) to a free name beside
    ``target`` that reads as a conflict copy (the scan passes those by, and reports
    them), shortened to fit the file system's limit; else to a hidden name that is not a
    temp name (never removed). The new path, or None when nothing worked."""
    suffix = target.suffix
    stem = target.name[: len(target.name) - len(suffix)] if suffix else target.name
    names = [_fit(stem, f" (conflict {n}, saved as vaultkit wrote){suffix}") for n in range(1, 20)]
    names += [_fit(f".{stem}", f".vaultkit-kept-{os.urandom(4).hex()}{suffix}")]
    for name in names:
        try:
            _rename_noreplace(path, target.with_name(name))
        except FileExistsError:
            continue
        except OSError:
            continue
        return target.with_name(name)
    return None


def _fit(stem: str, suffix: str, limit: int = 255) -> str:
    """``stem + suffix``, the stem shortened so that the name fits in ``limit`` bytes."""
    room = limit - len(os.fsencode(suffix))
    while len(os.fsencode(stem)) > room:
        stem = stem[:-1]
    return stem + suffix


def _rename_noreplace(a: str | Path, b: str | Path) -> None:
    """Rename ``a`` to ``b`` in one step, never over a file at ``b`` (FileExistsError);
    where the system cannot refuse that itself, ``b`` is looked at just before."""
    call = _renameat2()
    if call is not None:
        if call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _NOREPLACE) == 0:
            return
        import ctypes

        err = ctypes.get_errno()
        if err not in _NOT_HERE:
            raise _os_error(err, b)
    if os.path.lexists(b):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fsdecode(b))
    os.rename(a, b)


def _os_error(err: int, path: str | Path) -> OSError:
    """The OSError (FileNotFoundError, FileExistsError...) for ``err`` at ``path``."""
    return OSError(err, os.strerror(err), os.fsdecode(path))


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_NOREPLACE = 1
_NOT_HERE = frozenset(
    {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM}
)
"""What renameat2 says where the file system or the kernel cannot exchange two names, or
refuse to rename over one (EPERM: a sandbox that forbids the call; where it is a real
refusal, the plain rename that follows is refused too)."""


@lru_cache(maxsize=1)
def _renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    """libc's renameat2 (Linux 3.15 and later, glibc 2.28 and later), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        call = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    call.restype = ctypes.c_int
    return cast("Callable[[int, bytes, int, bytes, int], int]", call)


def _exchange(a: str | Path, b: str | Path) -> bool:
    """Swap the files named ``a`` and ``b`` in one step (``renameat2(RENAME_EXCHANGE)``):
    True when done, False where this system or file system cannot (nothing happened).
    Raises FileNotFoundError when either name is gone.

    Replacing a note after checking it leaves an instant between the check and the
    replace in which a save or a delete would be lost (the note written over, or brought
    back). An exchange keeps the note that was in its place: vaultkit checks that one,
    and puts it back if it is not the note it read."""
    call = _renameat2()
    if call is None:
        return False
    if call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    err = ctypes.get_errno()
    if err in _NOT_HERE:
        return False
    raise _os_error(err, b)


def discard(staged: Staged) -> None:
    """Remove a staged file's temp file (nothing if it already replaced its target; the
    note it was exchanged with, once checked, if it was; never words of the user's that
    could be given no other name)."""
    if staged.keep:
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(staged.tmp)


LOCAL_FILE_SYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "tmpfs"})
"""File systems whose ``syncfs`` flushes every file to the disk. Elsewhere (FUSE mounts
such as sshfs, rclone or Cryptomator, network file systems, overlays) each file is
fsynced: only that reaches the backing store for certain."""


class BatchSync:
    """Makes many staged files durable at once, before any is committed.

    Opened before the files are staged: ``syncfs`` reports a write-back error to a
    descriptor opened before it happened, even when another program's sync saw it
    first. One ``syncfs`` of the vault's file system where that covers them all (Linux
    5.8 and later, which report write-back errors; a local file system of
    :data:`LOCAL_FILE_SYSTEMS`; every file on the vault's own device, none on another
    mount inside the vault); else an fsync of each file, as :func:`atomic_write` does."""

    def __init__(self, root: Path) -> None:
        self.fd = os.open(root, os.O_RDONLY)
        self.device = os.fstat(self.fd).st_dev

    def __enter__(self) -> BatchSync:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def flush(self, staged: list[Staged]) -> None:
        if not staged:
            return
        same = all(one.written.st_dev == self.device for one in staged)
        if same and _local_file_system(self.device) and _syncfs(self.fd):
            return
        for one in staged:
            tfd = os.open(one.tmp, os.O_RDONLY)
            try:
                os.fsync(tfd)
            finally:
                os.close(tfd)


def _local_file_system(device: int) -> bool:
    """Whether the file system of ``device`` is one of :data:`LOCAL_FILE_SYSTEMS`, as
    ``/proc/self/mountinfo`` says (False when it cannot tell)."""
    return _mount_types().get((os.major(device), os.minor(device))) in LOCAL_FILE_SYSTEMS


@lru_cache(maxsize=1)
def _mount_types() -> dict[tuple[int, int], str]:
    """(major, minor) of each mounted device -> its file system type (Linux)."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            return parse_mountinfo(fh.read())
    except OSError:
        return {}


def parse_mountinfo(text: str) -> dict[tuple[int, int], str]:
    """:func:`_mount_types` from the text of ``/proc/self/mountinfo``."""
    found: dict[tuple[int, int], str] = {}
    for line in text.splitlines():
        fields, _, rest = line.partition(" - ")
        parts = fields.split()
        if len(parts) < 3 or not rest.split():
            continue
        major, _, minor = parts[2].partition(":")
        if major.isdigit() and minor.isdigit():
            key = (int(major), int(minor))
            kind = rest.split()[0]
            # A device mounted twice with two types is not trusted.
            found[key] = kind if found.get(key, kind) == kind else "?"
    return found


@lru_cache(maxsize=1)
def _syncfs_call() -> Callable[[int], int] | None:
    """libc's syncfs, on a Linux whose syncfs reports write-back errors (5.8 and later)."""
    if not sys.platform.startswith("linux"):
        return None
    release = re.match(r"(\d+)\.(\d+)", os.uname().release)
    if release is None or (int(release[1]), int(release[2])) < (5, 8):
        return None
    try:
        import ctypes

        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int]
    call.restype = ctypes.c_int
    return cast("Callable[[int], int]", call)


def _syncfs(fd: int) -> bool:
    """syncfs(2) on ``fd``'s file system: True when done, False when not available."""
    call = _syncfs_call()
    if call is None:
        return False
    if call(fd) != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, f"could not flush the vault's file system: {os.strerror(err)}")
    return True


def atomic_write(
    root: Path, rel: str, data: bytes, expect: Stamp | None, sync_dir: bool = True
) -> os.stat_result:
    """Write ``data`` to ``rel`` atomically; ``expect`` is what was read (None: a new file).

    Returns the stat of the written file as vaultkit left it (taken from its own file
    descriptor, so a later edit by someone else can never be mistaken for it). With
    ``sync_dir`` False the caller fsyncs the folder itself (once for many files: see
    :func:`sync_folders`); the replace is atomic either way.
    """
    staged = stage(root, rel, data, expect)
    written = commit(staged)
    if sync_dir:
        _fsync_dir(staged.target.parent)
    return written


def _recheck_stat(target: Path, rel: str, expect: Stamp) -> None:
    """What the note's stat says of it since it was read (cheap: before the exchange)."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        raise WriteConflict(f"{rel}: was deleted while vaultkit was writing it") from None
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeWrite(f"{rel}: became a symbolic link; not written")
    if st.st_nlink > 1:
        raise UnsafeWrite(f"{rel}: has other hard links; replacing it would break them")
    if st.st_size != expect.size or st.st_mtime_ns != expect.mtime_ns:
        raise WriteConflict(f"{rel}: changed while vaultkit was writing it")


def _recheck(target: Path, rel: str, expect: Stamp) -> None:
    _recheck_stat(target, rel, expect)
    data, _ = read_stamped(target)
    if hashlib.sha256(data).hexdigest() != expect.sha:
        raise WriteConflict(f"{rel}: changed while vaultkit was writing it")


def sync_folders(root: Path, rels: list[str]) -> None:
    """Fsync each folder holding one of ``rels`` once (makes their renames durable)."""
    for folder in sorted({rel.rpartition("/")[0] for rel in rels}):
        _fsync_dir(root / folder if folder else root)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
