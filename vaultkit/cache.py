"""Reuse of parsed notes across runs: a note is parsed again only when its stamp changes.

:class:`NoteCache` is the interface ``build.load`` uses; :class:`MemoryCache` keeps
parsed notes in memory (the watcher holds one for its whole life); :class:`FileCache`
keeps them between runs in the user's cache folder, outside the vault. A cache is never
trusted over the file: an entry is used only when path, size and mtime_ns all match
what the scan just saw.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from . import __version__
from .errors import VaultError

if TYPE_CHECKING:  # the parser (and YAML) load only when notes are: not in a remembered run
    from .parse import ParsedNote


@contextlib.contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """No cyclic garbage collection inside: for bulk phases that make many objects which
    all live on (reading notes, building the model), where a collection finds nothing.
    The collector is left as it was found.

    ``freeze`` (one-shot commands, whose objects live until the process ends): what was
    made is moved out of the collector's sight (``gc.freeze``) before it runs again. Else
    the first collection after the phase walks every object it made, and passes them on
    to the older generations to be walked again (~75 ms of a one-note run at 10,000
    notes). These objects hold no cycles: they are still freed as usual when dropped."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if collecting:
            gc.enable()


class NoteCache(Protocol):
    def get(self, rel: str, size: int, mtime_ns: int) -> ParsedNote | None:
        """The parsed note for ``rel`` if its size and mtime_ns are still these."""

    def put(self, note: ParsedNote) -> None:
        """Remember a freshly parsed note."""

    def stale(self, rel: str) -> ParsedNote | None:
        """The parse kept for ``rel``, whatever its size and mtime_ns now (an earlier
        state of a note that changed since: see :mod:`vaultkit.modelcache`)."""

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

    def stale(self, rel: str) -> ParsedNote | None:
        return self._notes.get(rel)

    def retain(self, paths: set[str]) -> None:
        for rel in [p for p in self._notes if p not in paths]:
            del self._notes[rel]

    def __len__(self) -> int:
        return len(self._notes)


# -- the persistent cache --------------------------------------------------------------

CACHE_ENV = "VAULTKIT_CACHE_DIR"
"""Environment variable that moves vaultkit's per-user cache folder (tests, CI, roaming)."""
CACHE_FORMAT = 3
"""Bumped whenever what a cache file holds changes shape."""
NOTES_FILE = "notes.pickle"
DELTA_FILE = "notes-delta.pickle"
_PARSER_MODULES = (
    "parse.py",
    "fastbody.py",
    "fastyaml.py",
    "yamlsafe.py",
    "wikilinks.py",
    "normalisers.py",
)


def cache_base() -> Path:
    """vaultkit's per-user cache folder (``$VAULTKIT_CACHE_DIR`` when set); never synced."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("vaultkit", appauthor=False))


def vault_key(root: Path) -> str:
    """A short, stable name for the vault whose real path is ``root``."""
    return hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:16]


def vault_folder(root: Path, kind: str, what: str = "cache folder", suffix: str = "") -> Path:
    """``<cache base>/<kind>/<key of the vault>`` for the vault whose real path is ``root``
    (not created here): where its parse cache, backups and lock live.

    Raises :class:`VaultError` when it would be inside the vault: vaultkit's own files
    never go into the synced vault.
    """
    folder = cache_base() / kind / (vault_key(root) + suffix)
    real = folder.resolve()
    if real == root or real.is_relative_to(root):
        raise VaultError(
            f"{folder}: vaultkit's {what} is inside the vault; set {CACHE_ENV} to a "
            "folder outside it"
        )
    return folder


def vault_cache_dir(root: Path) -> Path:
    """The parse-cache folder of the vault whose real path is ``root``."""
    return vault_folder(root, "vaults")


def _fingerprint(root: Path) -> tuple[object, ...]:
    """What a cache file must have been written by: format, vaultkit, Python, the parser."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _PARSER_MODULES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return (CACHE_FORMAT, __version__, sys.version_info[:2], digest.hexdigest(), str(root))


CHUNK_NOTES = 1024
"""Notes per pickle in a cache file. A pickle stores each name once (see
:func:`vaultkit.parse.sharing_strings`), and its writer remembers every object in it
until the end: a few MB for this many notes."""


def replace_file(path: Path, prefix: str, write: Callable[[BinaryIO], object]) -> None:
    """Write a file of the cache folder: ``write`` fills a temp file beside it, which
    then replaces it (a reader sees the old file or the new one; the temp file never
    stays). Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _write_atomic(path: Path, header: tuple[object, ...], notes: dict[str, ParsedNote]) -> None:
    """Write ``header``, then the notes as pickles of :data:`CHUNK_NOTES`, to a temp file;
    replace. (One pickle of 10,000 notes would have its writer hold an entry for every
    object in it.)"""
    from .parse import sharing_strings

    values = list(notes.values())
    chunks = [tuple(values[i : i + CHUNK_NOTES]) for i in range(0, len(values), CHUNK_NOTES)]

    def write(fh: BinaryIO) -> None:
        with sharing_strings(pack=True):
            pickle.dump((*header, len(chunks)), fh, pickle.HIGHEST_PROTOCOL)
            for chunk in chunks:
                pickle.dump(chunk, fh, pickle.HIGHEST_PROTOCOL)

    replace_file(path, ".notes-", write)


def _read_pickles(path: Path) -> tuple[tuple[Any, ...], dict[str, ParsedNote]] | None:
    """What :func:`_write_atomic` wrote, or None when missing or damaged."""
    try:  # unpickling thousands of small objects: no collection midway
        with open(path, "rb") as fh, collector_paused():
            return _unpickle(fh)
    except Exception:  # missing or damaged: only a slower run (it is rebuilt)
        return None


def _unpickle(fh: BinaryIO) -> tuple[tuple[Any, ...], dict[str, ParsedNote]] | None:
    from .parse import ParsedNote

    header = pickle.load(fh)
    if not isinstance(header, tuple) or not header or not isinstance(header[-1], int):
        return None
    notes: dict[str, ParsedNote] = {}
    for _ in range(header[-1]):
        chunk = pickle.load(fh)
        if not isinstance(chunk, tuple):
            return None
        for note in chunk:
            if not isinstance(note, ParsedNote):
                return None
            notes[note.path] = note
    return header[:-1], notes


class FileCache(MemoryCache):
    """Parsed notes kept between runs in the vault's cache folder (outside the vault).

    Two pickle files: the base (every note) and a small delta (the notes that changed
    since the base was written), so that a run that parsed a few notes does not
    rewrite the whole cache; the base is rewritten once the delta grows. Safe to
    delete; a file that is unreadable, corrupted or written by another version of
    vaultkit (or of its parser) is ignored and rebuilt. Entries are used only when
    path, size and mtime_ns match the scan, so a changed note is always parsed again.
    Files are replaced atomically, and only when something changed.
    """

    def __init__(self, root: Path, freeze: bool = True) -> None:
        super().__init__()
        self.root = root
        self.freeze = freeze
        """Move the notes out of the cyclic collector's sight as they are read, and the
        notes parsed and the model built in the same run (:func:`collector_paused`):
        they live as long as the run, and each full collection would walk them all again
        (one-shot commands only: a long-lived process such as the watcher would keep its
        cyclic garbage)."""
        self.path = vault_cache_dir(root) / NOTES_FILE
        self.delta_path = self.path.with_name(DELTA_FILE)
        self._fingerprint = _fingerprint(root)
        self._base_id = ""
        self._changed: set[str] = set()
        self._removed: set[str] = set()
        self._dirty = False
        self._read_done = False
        self._loaded_from_disk = False

    @classmethod
    def open(cls, root: Path, freeze: bool = True) -> FileCache:
        """The vault's cache; its files are read on first use, not here."""
        return cls(root, freeze)

    @property
    def files_unread(self) -> bool:
        """Whether the cache files are still to be read (on first use)."""
        return not self._read_done

    @property
    def loaded_from_disk(self) -> bool:
        """Whether usable entries were read from the cache files."""
        self._read()
        return self._loaded_from_disk

    def _read(self) -> None:
        if self._read_done:
            return
        self._read_done = True
        with collector_paused(self.freeze):
            self._read_files()

    def _read_files(self) -> None:
        base = _read_pickles(self.path)
        if base is None or len(base[0]) != 2 or base[0][0] != self._fingerprint:
            self._dirty = True
            return
        self._base_id, self._notes = base[0][1], base[1]
        self._loaded_from_disk = True
        delta = _read_pickles(self.delta_path)
        if delta is None or len(delta[0]) != 3:
            return
        fingerprint, base_id, removed = delta[0]
        if fingerprint != self._fingerprint or base_id != self._base_id:
            return
        if not isinstance(removed, frozenset):
            return
        self._notes.update(delta[1])
        for rel in removed:
            self._notes.pop(rel, None)
        self._changed, self._removed = set(delta[1]), set(removed)

    def get(self, rel: str, size: int, mtime_ns: int) -> ParsedNote | None:
        self._read()
        return super().get(rel, size, mtime_ns)

    def stale(self, rel: str) -> ParsedNote | None:
        self._read()
        return super().stale(rel)

    def put(self, note: ParsedNote) -> None:
        self._read()
        super().put(note)
        self._changed.add(note.path)
        self._removed.discard(note.path)
        self._dirty = True

    def __len__(self) -> int:
        self._read()
        return super().__len__()

    def retain(self, paths: set[str]) -> None:
        self._read()
        gone = [p for p in self._notes if p not in paths]
        if gone:
            super().retain(paths)
            self._removed.update(gone)
            self._changed.difference_update(gone)
            self._dirty = True

    def save(self) -> None:
        """Write what changed (a delta, or a new base); a failure to write is not an error."""
        if not self._dirty:
            return
        try:
            pending = len(self._changed) + len(self._removed)
            if self._loaded_from_disk and pending <= max(64, len(self._notes) // 10):
                header = (self._fingerprint, self._base_id, frozenset(self._removed))
                _write_atomic(self.delta_path, header, self._delta())
            else:
                self._base_id = os.urandom(8).hex()
                _write_atomic(self.path, (self._fingerprint, self._base_id), self._notes)
                with contextlib.suppress(FileNotFoundError):
                    self.delta_path.unlink()
                self._changed.clear()
                self._removed.clear()
                self._loaded_from_disk = True
        except OSError:
            return
        self._dirty = False

    def _delta(self) -> dict[str, ParsedNote]:
        return {rel: self._notes[rel] for rel in self._changed if rel in self._notes}


def open_cache(root: Path, enabled: bool = True, freeze: bool = True) -> FileCache | None:
    """The vault's persistent parse cache, or None when disabled."""
    return FileCache.open(root, freeze) if enabled else None
