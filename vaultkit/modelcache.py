"""The vault's model kept between runs, so that a run whose notes say what they said
last time does not build it again.

The model (people, companies, meetings, the facts between them, the problems) is a
pure function of what the notes say, of ``vaultkit.yaml`` and of the date, and it reads
nothing of a note but its path, its front-matter and its links: all of which follow
from the note's :attr:`~vaultkit.parse.ParsedNote.said` hash (its text with vaultkit's
regions blanked). A run keeps the model it used, with the ``said`` of every note, in the
vault's cache folder (never in the vault). The next run takes it back:

* as it is, when every note says the same, under the same config, date and vaultkit;
* brought up to date by :func:`vaultkit.model.update_model` (what the watcher does after
  a save), when a few notes say something else and their earlier parse is still at
  hand: the same model as one built afresh (``tests/test_incremental.py``);
* not at all otherwise (a note added or removed, a name or kind changed, many edits, a
  damaged or missing file): then the model is built afresh.

A run that brought the model up to date does not write it all again (a quarter of a
second at 10,000 notes, and the pickler's memory): it keeps, beside it, the parses the
kept model was built from of the notes that changed since (:func:`keep_delta`), and the
next run brings the same kept model up to date from those. Past
:data:`MAX_DELTA` such notes the whole model is written again.

Building the model was about a quarter of a run with no change at 10,000 notes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import pickle
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import BinaryIO

from .cache import collector_paused, replace_file, vault_cache_dir
from .config import Config
from .errors import VaultError
from .model import Vault, update_model
from .obsidian import ObsidianSettings
from .parse import ParsedNote, sharing_strings

MODEL_FILE = "model.pickle"
DELTA_FILE = "model-delta.pickle"
MODEL_FORMAT = 4
MAX_UPDATED = 64
"""More notes than this saying something new: the model is built afresh."""
MAX_DELTA = 32
"""More notes than this saying something new since the kept model was written: the
model brought up to date is written whole (each run would update it again from them)."""


def _key(config: Config, today: dt.date) -> tuple[object, ...]:
    """What a kept model must have been built with besides the notes: vaultkit's code,
    Python (names are compared by its Unicode tables), the config and the date."""
    import sys
    import unicodedata

    from .runmemo import code_digest

    return (
        MODEL_FORMAT,
        code_digest().hex(),
        sys.version_info[:3],
        unicodedata.unidata_version,
        repr(config),
        today.isoformat(),
    )


def _path(root: Path) -> Path:
    return vault_cache_dir(root) / MODEL_FILE


def _delta_path(root: Path) -> Path:
    return vault_cache_dir(root) / DELTA_FILE


@dataclasses.dataclass
class Kept:
    """A model read back: what each note said when it was built, and the model without
    its notes (``notes`` is empty, the resolver is made again from the notes)."""

    said: dict[str, str]
    bare: Vault
    base: str = ""
    """The id the model was written with (a delta names the model it belongs to)."""
    before: dict[str, ParsedNote] = dataclasses.field(default_factory=dict)
    """The parses it was built from of notes that said something else at a later run
    (:func:`keep_delta`)."""


def read(root: Path, config: Config, today: dt.date) -> Kept | None:
    """The kept model of the vault at ``root``, if it was kept for this config, date and
    vaultkit; None otherwise (missing, damaged, or kept by another)."""
    key = _key(config, today)
    try:
        with open(_path(root), "rb") as fh, collector_paused():
            if pickle.load(fh) != key:
                return None
            base, said, bare = pickle.load(fh)
    except Exception:  # missing or damaged: the model is built afresh
        return None
    if not isinstance(base, str) or not isinstance(said, dict) or not isinstance(bare, Vault):
        return None
    kept = Kept(said, bare, base)
    try:
        with open(_delta_path(root), "rb") as fh, collector_paused():
            if pickle.load(fh) == key:
                of, before = pickle.load(fh)
                if of == base and all(
                    isinstance(n, ParsedNote) and n.said and said.get(p) == n.said
                    for p, n in before.items()
                ):
                    kept.before = dict(before)
    except Exception:  # missing or damaged: the notes' earlier parses from the cache
        pass
    return kept


def reuse(
    kept: Kept,
    notes: Mapping[str, ParsedNote],
    config: Config,
    earlier: Callable[[str], ParsedNote | None],
) -> tuple[Vault, dict[str, ParsedNote], set[str] | None] | None:
    """The model of ``notes`` from ``kept``, with the parses it was built from of the
    notes that say something else now (none: taken as it is), and the notes whose
    backlinks may differ from those of the kept model (:func:`vaultkit.reach.affected`;
    None: any); None when it must be built afresh.

    Such a parse comes from the delta kept beside the model (:attr:`Kept.before`), else
    from ``earlier(path)``: the previous parse of a note that changed since (the parse
    cache still has it), which is the one the kept model was built from when its
    ``said`` is the kept one."""
    said = kept.said
    if len(said) != len(notes) or any(p not in said for p in notes):
        return None  # a note added, removed or renamed: names may resolve otherwise
    changed = [p for p, note in notes.items() if not note.said or note.said != said[p]]
    if len(changed) > MAX_UPDATED:
        return None
    before: dict[str, ParsedNote] = {}
    for path in changed:
        last = kept.before.get(path) or earlier(path)
        if last is None or not last.said or last.said != said[path]:
            return None
        before[path] = last
    from .model import _resolver, values_of

    ordered = dict(sorted(notes.items()))
    bare = kept.bare
    if before:
        ordered_before = {p: before.get(p, n) for p, n in ordered.items()}
        aliases_before = {p: values_of(n.meta.get("aliases")) for p, n in ordered_before.items()}
        old = dataclasses.replace(
            bare,
            config=config,
            notes=ordered_before,
            resolver=_resolver(list(ordered_before), aliases_before),
        )
        updated = update_model(old, {p: notes[p] for p in changed})
        if updated is None:
            return None
        from .reach import affected

        return updated, before, affected(old, updated, changed)
    aliases = {path: values_of(note.meta.get("aliases")) for path, note in ordered.items()}
    same = dataclasses.replace(
        bare, config=config, notes=ordered, resolver=_resolver(list(ordered), aliases)
    )
    return same, {}, set()


def keep(root: Path, vault: Vault) -> str | None:
    """Keep ``vault`` for the next run (atomically; only when every note's ``said`` is
    known; a failure only means building the model again next time): the id it was kept
    with, None when it was not. A delta kept beside the model before goes: it belonged
    to the model replaced."""
    said = {path: note.said for path, note in vault.notes.items()}
    if not all(said.values()):
        return None
    bare = dataclasses.replace(
        vault, notes={}, resolver=None, obsidian=ObsidianSettings(), link_source=None
    )
    bare._links = {}
    bare.unique_names = {}
    bare.id_keys = {}
    base = os.urandom(8).hex()

    def write(fh: BinaryIO) -> None:
        # One pickle, each name in it once: it loads as one string, as the notes' do
        # (slices of it would each load their own copy: +50 MB at 50k notes).
        with sharing_strings():
            pickle.dump(_key(vault.config, vault.today), fh, pickle.HIGHEST_PROTOCOL)
            pickle.dump((base, said, bare), fh, pickle.HIGHEST_PROTOCOL)

    try:
        replace_file(_path(root), ".model-", write)
    except (OSError, VaultError, pickle.PicklingError):
        return None
    with contextlib.suppress(OSError):
        _delta_path(root).unlink()
    return base


def keep_delta(
    root: Path,
    vault: Vault,
    base: str,
    before: Mapping[str, ParsedNote],
    kept_before: Collection[str] = (),
) -> bool:
    """Keep ``vault``, the kept model ``base`` brought up to date from the parses
    ``before`` (what :func:`reuse` gave), as those parses beside the kept model: a small
    file, where :func:`keep` would write the whole model. False when that is not the way
    (too many notes changed since, :data:`MAX_DELTA`, or the delta could not be
    written): then :func:`keep` it is. True also when the delta read (``kept_before``,
    its notes) says it already."""
    if len(before) > MAX_DELTA or not base:
        return False
    # The delta names its model: should another run (a ``check`` beside this one) keep
    # its own meanwhile, readers pass this delta by.
    if before.keys() == set(kept_before):
        return True

    def write(fh: BinaryIO) -> None:
        with sharing_strings(pack=True):
            pickle.dump(_key(vault.config, vault.today), fh, pickle.HIGHEST_PROTOCOL)
            pickle.dump((base, dict(before)), fh, pickle.HIGHEST_PROTOCOL)

    try:
        replace_file(_delta_path(root), ".model-delta-", write)
    except (OSError, VaultError, pickle.PicklingError):
        return False
    return True


def forget(root: Path) -> None:
    for path in (_path, _delta_path):
        with contextlib.suppress(OSError, VaultError):
            path(root).unlink()
