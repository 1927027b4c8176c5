"""One writer per vault, for the commands that write: the lock, or a clear refusal.

``regen``, ``prep``, ``undo``, ``resolve``, ``new``, ``rename`` and ``init`` each take
the vault's lock (:mod:`vaultkit.lock`) for as long as they write. Another one-off
command holding it is waited for (up to :data:`WAIT` seconds); a running ``vaultkit
watch`` is not (it does not finish): the command refuses with exit 2 and a message
that names the watcher's pid. Used by the click layer only; it prints and exits.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from .errors import VaultLocked
from .lock import VaultLock
from .scan import vault_root

WAIT = 10.0
"""Seconds a command waits for another one-off command to finish writing."""
EXIT_LOCKED = 2


@contextlib.contextmanager
def writing(vault: Path, command: str) -> Iterator[None]:
    """Hold the lock of ``vault`` while the block writes, or refuse and exit 2."""
    held = VaultLock(vault_root(vault), command)
    try:
        held.acquire(wait=WAIT)
    except VaultLocked as exc:
        click.echo(f"vaultkit: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    try:
        yield
    finally:
        held.release()
