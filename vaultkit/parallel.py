"""Two cores for the bulk phases of a one-shot run: parsing and rendering.

A run forks one child that inherits the parsed vault (copy-on-write, nothing is sent
to it) and computes one part of the work while the parent computes the rest; the
child sends its results back pickled through a pipe, and the parent puts them in
order. The results are exactly those of doing it all in one process, in the same
order: whatever the child does, its part is checked by type and redone in the parent
when anything went wrong (no fork, a failed child, an exception, a short read), so an
error surfaces once, from the parent, with its usual message.

Only for pure computations (parse bytes, render text, plan bytes): the child never
writes a file. Never with other threads running (``watch``'s observer, the write
pool): forking those is unsafe, so such a process works alone. ``VAULTKIT_JOBS=1``
turns it off.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .parse import sharing_strings

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 256
"""Below this many items the work is done in one process (a fork costs ~10 ms)."""


def _can_fork() -> bool:
    if os.environ.get("VAULTKIT_JOBS", "").strip() == "1":
        return False
    if not hasattr(os, "fork") or sys.platform in ("win32", "emscripten", "wasi"):
        return False
    if (os.cpu_count() or 1) < 2:
        return False
    return threading.active_count() == 1


def _in_child(job: Callable[[], Any]) -> tuple[int, int] | None:
    """Fork; the child runs ``job`` and writes its pickled result into a pipe. The
    parent gets (pid, read end), or None when it could not fork."""
    try:
        read, write = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child: compute, send, and leave without running any cleanup
        code = 0
        try:
            os.close(read)
            result = job()
            with sharing_strings():  # parsed notes: each name sent once
                data = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(data)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _collect(child: tuple[int, int]) -> tuple[bool, Any]:
    """Read the child's result and reap it: (True, result) or (False, None)."""
    pid, read = child
    try:
        with os.fdopen(read, "rb") as fh:
            data = fh.read()
    except OSError:
        data = b""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return False, None
    if os.waitstatus_to_exitcode(status) != 0 or not data:
        return False, None
    try:
        return True, pickle.loads(data)
    except Exception:
        return False, None


def _abandon(child: tuple[int, int]) -> None:
    """The parent failed: stop the child and reap it."""
    pid, read = child
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.close(read)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def split_map(func: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
    """``func(items)``, its second half computed in a child process when that pays.

    ``func`` maps a slice of items to one result per item, in order, and must not
    write anything."""
    if len(items) < MIN_ITEMS or not _can_fork():
        return func(items)
    middle = len(items) // 2
    rest = items[middle:]
    child = _in_child(lambda: func(rest))
    if child is None:
        return func(items)
    try:
        first = func(items[:middle])
    except BaseException:
        _abandon(child)
        raise
    ok, second = _collect(child)
    if not ok or not isinstance(second, list) or len(second) != len(rest):
        second = func(rest)
    return [*first, *second]


def beside(child_job: Callable[[], R], parent_job: Callable[[], T], size: int) -> tuple[R, T]:
    """``(child_job(), parent_job())``, the first computed in a child process when the
    work is large enough (``size`` items, e.g. notes).

    Both must be pure; an exception from either surfaces from the parent."""
    child = _in_child(child_job) if size >= MIN_ITEMS and _can_fork() else None
    if child is None:
        return child_job(), parent_job()
    try:
        mine = parent_job()
    except Exception:
        # One process would have run child_job first: its error, if it has one, wins.
        ok, _ = _collect(child)
        if not ok:
            child_job()
        raise
    except BaseException:
        _abandon(child)
        raise
    ok, theirs = _collect(child)
    if not ok:
        theirs = child_job()
    return theirs, mine
