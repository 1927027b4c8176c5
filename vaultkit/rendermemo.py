"""Rendered text remembered across runs, by template and context.

A region or generated note is rendered from a plain context (strings, numbers, lists
and dicts: see the view models in :mod:`vaultkit.render`) by a template. The text is a
pure function of the two and of the environment, so a run can reuse the text an
earlier run rendered from an equal context instead of rendering it again:

* each render is keyed by a hash of the template's name and of its context, pickled
  without references (so that the key depends on the values alone, not on which of
  them happen to be the same object);
* the file holding the texts is only used by a run whose environment is the one it
  was written by: the same vaultkit (its code), Jinja2 and Python, the same filters
  and tests, and the same templates, byte for byte (the vault's and the shipped ones);
  any difference starts it afresh;
* it lives in the vault's cache folder, never in the vault; a missing or damaged file
  only means rendering everything. A run keeps only the texts it used, so the file
  holds one text per output of the vault.

Rendering was about a third of a run's work at 10,000 notes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from .cache import collector_paused, replace_file, vault_cache_dir
from .errors import VaultError

MEMO_FILE = "renders.pickle"
MEMO_FORMAT = 1


def environment_key(folders: Iterable[Path], filters: Iterable[str], tests: Iterable[str]) -> str:
    """A hash of everything a render depends on besides its template's name and context."""
    import jinja2

    from . import __version__
    from .runmemo import code_digest

    digest = hashlib.sha256()
    digest.update(
        repr((MEMO_FORMAT, __version__, jinja2.__version__, sys.version_info[:2])).encode()
    )
    digest.update(code_digest())
    digest.update(repr((sorted(filters), sorted(tests))).encode())
    for folder in folders:
        digest.update(f"folder\0{folder}\0".encode())
        seen: set[str] = set()
        # Through links to folders, as the template loader goes (once each: no loops).
        for base, dirs, files in os.walk(folder, followlinks=True):
            real = os.path.realpath(base)
            if real in seen:
                dirs.clear()
                continue
            seen.add(real)
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(base, name)
                try:
                    with open(path, "rb") as fh:
                        data = fh.read()
                except OSError:
                    data = b"(unreadable)"
                digest.update(f"{os.path.relpath(path, folder)}\0{len(data)}\0".encode())
                digest.update(data)
    return digest.hexdigest()


def render_key(name: str, context: dict[str, Any]) -> bytes | None:
    """The key of one render, None when its context cannot be pickled (never reused)."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: equal values give equal bytes, however they are shared
    try:
        pickler.dump((name, context))
    except Exception:  # an object pickle cannot take, or a structure that refers to itself
        return None
    return hashlib.blake2b(buf.getbuffer(), digest_size=16).digest()


class RenderMemo:
    """The texts of an earlier run (``old``) and those this run used (``used``)."""

    def __init__(
        self,
        root: Path,
        key: str,
        old: dict[bytes, str],
        rekey: Callable[[], str] | None = None,
    ) -> None:
        self.root = root
        self.key = key
        self.old = old
        self.used: dict[bytes, str] = {}
        self.rekey = rekey
        """The environment's key as it is now: a template saved during the run would
        have its new text kept under the old key, so :meth:`save` then keeps nothing."""

    @classmethod
    def open(cls, root: Path, key: str, rekey: Callable[[], str] | None = None) -> RenderMemo:
        """The memo of the vault at ``root`` for the environment ``key`` (empty when the
        file is missing, damaged, or from another environment)."""
        old: dict[bytes, str] = {}
        try:
            with open(_path(root), "rb") as fh, collector_paused():
                header = pickle.load(fh)
                if header == (MEMO_FORMAT, key):
                    found = pickle.load(fh)
                    if isinstance(found, dict):
                        old = found
        except Exception:  # missing or damaged: everything is rendered
            old = {}
        return cls(root, key, old, rekey)

    def render(self, name: str, context: dict[str, Any], make: Callable[[], str]) -> str:
        """The text of ``name`` with ``context``: remembered, or ``make()``."""
        key = render_key(name, context)
        if key is None:
            return make()
        text = self.old.get(key) or self.used.get(key)
        if text is None:
            text = make()
        self.used[key] = text
        return text

    def take(self, used: Iterable[tuple[bytes, str]]) -> None:
        """Count as used what another process rendered for this run."""
        self.used.update(used)

    def save(self) -> None:
        """Keep the texts this run used, for the next (atomically; only if they differ
        from what the file holds; a failure only means rendering again next time)."""
        if self.used.keys() == self.old.keys():
            return
        if self.rekey is not None and self.rekey() != self.key:
            return  # a template changed during the run: which text came from which?

        def write(fh: BinaryIO) -> None:
            pickle.dump((MEMO_FORMAT, self.key), fh, pickle.HIGHEST_PROTOCOL)
            pickle.dump(self.used, fh, pickle.HIGHEST_PROTOCOL)

        with contextlib.suppress(OSError, VaultError):
            replace_file(_path(self.root), ".renders-", write)


def _path(root: Path) -> Path:
    return vault_cache_dir(root) / MEMO_FILE
