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

Building the model was about a quarter of a run with no change at 10,000 notes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from .cache import collector_paused, replace_file, vault_cache_dir
from .config import Config
from .errors import VaultError
from .model import Vault, update_model
from .obsidian import ObsidianSettings
from .parse import ParsedNote, sharing_strings

MODEL_FILE = "model.pickle"
MODEL_FORMAT = 3
MAX_UPDATED = 64
"""More notes than this saying something new: the model is built afresh."""


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


@dataclasses.dataclass
class Kept:
    """A model read back: what each note said when it was built, and the model without
    its notes (``notes`` is empty, the resolver is made again from the notes)."""

    said: dict[str, str]
    bare: Vault


def read(root: Path, config: Config, today: dt.date) -> Kept | None:
    """The kept model of the vault at ``root``, if it was kept for this config, date and
    vaultkit; None otherwise (missing, damaged, or kept by another)."""
    try:
        with open(_path(root), "rb") as fh, collector_paused():
            header = pickle.load(fh)
            if header != _key(config, today):
                return None
            said, bare = pickle.load(fh)
    except Exception:  # missing or damaged: the model is built afresh
        return None
    if not isinstance(said, dict) or not isinstance(bare, Vault):
        return None
    return Kept(said, bare)


def reuse(
    kept: Kept,
    notes: Mapping[str, ParsedNote],
    config: Config,
    earlier: Callable[[str], ParsedNote | None],
) -> tuple[Vault, bool] | None:
    """The model of ``notes`` from ``kept`` and whether it had to be brought up to date,
    or None when it must be built afresh.

    ``earlier(path)`` gives the previous parse of a note that changed since (the parse
    cache still has it): it is the one the kept model was built from when its ``said``
    is the kept one."""
    said = kept.said
    if len(said) != len(notes) or any(p not in said for p in notes):
        return None  # a note added, removed or renamed: names may resolve otherwise
    changed = [p for p, note in notes.items() if not note.said or note.said != said[p]]
    if len(changed) > MAX_UPDATED:
        return None
    before: dict[str, ParsedNote] = {}
    for path in changed:
        last = earlier(path)
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
        return None if updated is None else (updated, True)
    aliases = {path: values_of(note.meta.get("aliases")) for path, note in ordered.items()}
    same = dataclasses.replace(
        bare, config=config, notes=ordered, resolver=_resolver(list(ordered), aliases)
    )
    return same, False


def keep(root: Path, vault: Vault) -> None:
    """Keep ``vault`` for the next run (atomically; only when every note's ``said`` is
    known; a failure only means building the model again next time)."""
    said = {path: note.said for path, note in vault.notes.items()}
    if not all(said.values()):
        return
    bare = dataclasses.replace(
        vault, notes={}, resolver=None, obsidian=ObsidianSettings(), link_source=None
    )
    bare._links = {}
    bare.unique_names = {}
    bare.id_keys = {}

    def write(fh: BinaryIO) -> None:
        # One pickle, each name in it once: it loads as one string, as the notes' do
        # (slices of it would each load their own copy: +50 MB at 50k notes).
        with sharing_strings():
            pickle.dump(_key(vault.config, vault.today), fh, pickle.HIGHEST_PROTOCOL)
            pickle.dump((said, bare), fh, pickle.HIGHEST_PROTOCOL)

    with contextlib.suppress(OSError, VaultError, pickle.PicklingError):
        replace_file(_path(root), ".model-", write)


def forget(root: Path) -> None:
    with contextlib.suppress(OSError, VaultError):
        _path(root).unlink()
