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

A whole stage can be remembered the same way (:meth:`RenderMemo.stage`): its outputs,
by a hash of all its inputs that the stage works out itself. The follow-ups are one
(:func:`vaultkit.followups.inputs_key`): working them out was as long as rendering every
backlinks region with remembered texts.

Rendering was about a third of a run's work at 10,000 notes.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeGuard

from .cache import collector_paused, replace_file, vault_cache_dir
from .errors import VaultError

if TYPE_CHECKING:
    from .plan import Output

_Kept = tuple[str, str, bytes | None, str | None, str | None]
"""An output of a stage as kept: path, region, and the key of its text among the
remembered renders (else the text itself), and the skeleton."""
_Stage = tuple[bytes, list[_Kept]]
"""A stage remembered: the key of its inputs, and its outputs."""

_Part = bytes | str
"""An output kept by its path (:meth:`RenderMemo.keep_parts`): the key of its text among
the remembered renders, else the text itself."""
_Parts = tuple[tuple[str, ...], frozenset[str], dict[str, _Part]]
"""Outputs kept by their path: the tag of what they were rendered from, the paths whose
outputs may differ from those of what the tag names, and the outputs."""

MEMO_FILE = "renders.pickle"
MEMO_FORMAT = 1
STAGE_FILE = "stage-{name}.pickle"
PARTS_FILE = "parts-{name}.pickle"


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
        self._stages: dict[str, _Stage | None] = {}
        self._parts: dict[str, _Parts | None] = {}
        self._new_stages: dict[str, _Stage] = {}
        self._recalled: dict[tuple[str, bytes], list[Output] | None] = {}

    @classmethod
    def open(cls, root: Path, key: str, rekey: Callable[[], str] | None = None) -> RenderMemo:
        """The memo of the vault at ``root`` for the environment ``key`` (empty when the
        file is missing, damaged, or from another environment)."""
        found = _load(_path(root), key)
        return cls(root, key, found if isinstance(found, dict) else {}, rekey)

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

    def _stage(self, name: str) -> _Stage | None:
        """What an earlier run in this environment kept of stage ``name`` (read once)."""
        if name not in self._stages:
            found = _load(_stage_path(self.root, name), self.key)
            self._stages[name] = found if _is_stage(found) else None  # else the stage runs
        return self._stages[name]

    def has_stage(self, name: str, key: bytes) -> bool:
        """Whether stage ``name`` is remembered for inputs ``key``, with all its texts."""
        return self._recall(name, key) is not None

    def _recall(self, name: str, key: bytes) -> list[Output] | None:
        """The outputs of stage ``name`` remembered for ``key``, made once (asked by
        :meth:`has_stage`, then by :meth:`stage`)."""
        if (name, key) not in self._recalled:
            self._recalled[name, key] = self._make_recalled(name, key)
        return self._recalled[name, key]

    def _make_recalled(self, name: str, key: bytes) -> list[Output] | None:
        found = self._stage(name)
        if found is None or found[0] != key:
            return None
        from .plan import Output

        outputs: list[Output] = []
        for path, region, text_key, text, skeleton in found[1]:
            if text_key is not None:
                text = self.old[text_key] if text_key in self.old else self.used.get(text_key)
            if text is None:
                return None  # that text is no longer remembered: the stage runs
            outputs.append(Output(path, region, text, skeleton))
        return outputs

    def stage(self, name: str, key: bytes, make: Callable[[], list[Output]]) -> list[Output]:
        """The outputs of stage ``name`` for inputs ``key``: remembered, or ``make()``
        (kept by :meth:`save`). Their texts are kept as the renders they are."""
        found = self._recall(name, key)
        if found is not None:
            remembered = self._stages[name]
            assert remembered is not None
            for kept_output in remembered[1]:
                text_key = kept_output[2]
                if text_key is not None and text_key in self.old:
                    self.used[text_key] = self.old[text_key]  # used: it stays remembered
            return list(found)
        before = set(self.used)
        outputs = make()
        keys = {self.used[k]: k for k in self.used if k not in before}
        kept: list[_Kept] = []
        for o in outputs:
            text_key = keys.get(o.content)
            text = None if text_key is not None else o.content
            kept.append((o.path, o.region, text_key, text, o.skeleton))
        self._new_stages[name] = (key, kept)
        return outputs

    # -- outputs kept one by one, by path --------------------------------------------

    def _read_parts(self, name: str) -> _Parts | None:
        """What an earlier run in this environment kept of the outputs ``name`` (read once)."""
        if name not in self._parts:
            found = _load(_parts_path(self.root, name), self.key)
            self._parts[name] = found if _is_parts(found) else None  # else all are rendered
        return self._parts[name]

    def recall_parts(
        self, name: str, tag: tuple[str, ...]
    ) -> tuple[frozenset[str], dict[str, _Part]] | None:
        """The outputs ``name`` an earlier run kept for ``tag`` (:meth:`keep_parts`), and
        the paths whose outputs may differ from those of what ``tag`` names; None when
        none were kept for it. Take each text with :meth:`text_of`."""
        found = self._read_parts(name)
        if found is None or found[0] != tag:
            return None
        return found[1], found[2]

    def text_of(self, part: _Part) -> str | None:
        """The text of a kept output, counted as used (it stays remembered); None when it
        is no longer remembered."""
        if isinstance(part, str):
            return part
        text = self.old[part] if part in self.old else self.used.get(part)
        if text is not None:
            self.used[part] = text
        return text

    def parts_of(self, outputs: Iterable[Output]) -> dict[str, _Part]:
        """``outputs`` by path, each text by its key among this run's renders where it
        is one (else the text itself), as :meth:`keep_parts` keeps them."""
        keys = {text: key for key, text in self.used.items()}
        return {o.path: keys.get(o.content, o.content) for o in outputs}

    def keep_parts(
        self, name: str, tag: tuple[str, ...], reach: frozenset[str], parts: dict[str, _Part]
    ) -> None:
        """Keep the outputs ``name`` of this run by path, rendered from what ``tag`` names
        or from it changed at ``reach`` (atomically; only when they differ from what
        the file holds; a failure only means rendering them next time)."""
        if self._read_parts(name) == (tag, reach, parts):
            return
        if self.rekey is not None and self.rekey() != self.key:
            return  # a template changed during the run
        kept: _Parts = (tag, reach, parts)
        if _dump(_parts_path(self.root, name), ".parts-", self.key, kept):
            self._parts[name] = kept

    def take(self, used: Iterable[tuple[bytes, str]]) -> None:
        """Count as used what another process rendered for this run."""
        self.used.update(used)

    def save(self) -> None:
        """Keep the texts this run used, and the stages it ran, for the next (atomically;
        only if they differ from what the files hold; a failure only means rendering
        again next time)."""
        if self.used.keys() == self.old.keys() and not self._new_stages:
            return
        if self.rekey is not None and self.rekey() != self.key:
            return  # a template changed during the run: which text came from which?
        for name, stage in self._new_stages.items():
            _dump(_stage_path(self.root, name), ".stage-", self.key, stage)
        self._new_stages.clear()
        if self.used.keys() != self.old.keys():
            _dump(_path(self.root), ".renders-", self.key, self.used)


def _is_kept(value: object) -> bool:
    """Whether ``value`` is a :data:`_Kept` output (what a damaged file may not hold)."""
    if not isinstance(value, tuple) or len(value) != 5:
        return False
    path, region, text_key, text, skeleton = value
    return (
        isinstance(path, str)
        and isinstance(region, str)
        and (text_key is None or isinstance(text_key, bytes))
        and (text is None or isinstance(text, str))
        and (text_key is None) != (text is None)
        and (skeleton is None or isinstance(skeleton, str))
    )


def _load(path: Path, key: str) -> object:
    """What the file at ``path`` holds for the environment ``key``; None when it is
    missing, damaged, or of another environment."""
    try:
        with open(path, "rb") as fh, collector_paused():
            if pickle.load(fh) != (MEMO_FORMAT, key):
                return None
            return pickle.load(fh)
    except Exception:  # missing or damaged: what it held is rendered again
        return None


def _dump(path: Path, prefix: str, key: str, value: object) -> bool:
    """Keep ``value`` at ``path`` for the environment ``key`` (atomically): whether it
    was; a failure only means rendering again next time."""

    def write(fh: BinaryIO) -> None:
        pickle.dump((MEMO_FORMAT, key), fh, pickle.HIGHEST_PROTOCOL)
        pickle.dump(value, fh, pickle.HIGHEST_PROTOCOL)

    try:
        replace_file(path, prefix, write)
    except (OSError, VaultError, pickle.PicklingError):
        return False
    return True


def _is_stage(value: object) -> TypeGuard[_Stage]:
    """Whether ``value`` is a :data:`_Stage` (what a damaged file may not hold)."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], bytes)
        and isinstance(value[1], list)
        and all(map(_is_kept, value[1]))
    )


def _is_parts(value: object) -> TypeGuard[_Parts]:
    """Whether ``value`` is :data:`_Parts` (what a damaged file may not hold)."""
    if not isinstance(value, tuple) or len(value) != 3:
        return False
    tag, reach, texts = value
    return (
        isinstance(tag, tuple)
        and all(isinstance(t, str) for t in tag)
        and isinstance(reach, frozenset)
        and all(isinstance(p, str) for p in reach)
        and isinstance(texts, dict)
        and all(isinstance(p, str) and isinstance(t, bytes | str) for p, t in texts.items())
    )


def _path(root: Path) -> Path:
    return vault_cache_dir(root) / MEMO_FILE


def _stage_path(root: Path, name: str) -> Path:
    return vault_cache_dir(root) / STAGE_FILE.format(name=name)


def _parts_path(root: Path, name: str) -> Path:
    return vault_cache_dir(root) / PARTS_FILE.format(name=name)
