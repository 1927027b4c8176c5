"""Remember what a run that changed nothing reported, so that the same run is a stat walk.

When ``regen`` wrote nothing (or ``check`` ran), the outcome depends only on: every
note's path, size, mtime_ns, mode and link count; what the scan reported; the date;
``vaultkit.yaml``; the templates (the vault's and the defaults); and vaultkit's own
code. :func:`inputs_key` hashes all of that. If the next run of the same command finds
the same key, nothing it would compute can differ, so it reports the remembered
outcome without reading a note. Any difference at all (one note touched, a template
edited, another day, another vaultkit) runs everything. The file lives in the vault's
cache folder (never in the vault); a damaged or missing one only means a full run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .cache import replace_file, vault_cache_dir
from .errors import Problem
from .scan import ScanResult

MEMO_FILE = "last-run.pickle"
MEMO_FORMAT = 1


@dataclass
class Outcome:
    """What a command reported: enough to report it again, word for word."""

    command: str
    key: str
    problems: list[Problem]
    counts: dict[str, int] = field(default_factory=dict)
    exit_code: int = 0


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """A hash of vaultkit's own modules: any change to the code runs everything. Once per
    process (a run asks for it three times: the remembered run, the kept model, the
    rendered texts)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(here.glob("*.py")):
        digest.update(path.name.encode())
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.digest()


def _stat_tree(digest: Any, folder: Path) -> None:
    """Feed the stat of every file under ``folder`` (if it exists) into ``digest``."""
    if not folder.is_dir():
        digest.update(b"-")
        return
    for base, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(base, name)
            with contextlib.suppress(OSError):
                st = os.stat(path)
                digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())


def inputs_key(
    command: str,
    root: Path,
    today: dt.date,
    scanned: ScanResult,
    templates: tuple[Path, ...],
    extra: str = "",
) -> str:
    """A hash of everything the outcome of ``command`` can depend on."""
    digest = hashlib.sha256()
    digest.update(f"{MEMO_FORMAT}\0{command}\0{root}\0{today.isoformat()}\0{extra}\0".encode())
    digest.update(code_digest())
    config = root / "vaultkit.yaml"
    try:
        st = config.stat()
        digest.update(f"config\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}".encode())
    except OSError:
        digest.update(b"no config")
    for folder in templates:
        _stat_tree(digest, folder)
    for entry in scanned.entries:
        digest.update(
            f"{entry.rel}\0{entry.size}\0{entry.mtime_ns}\0{entry.mode}\0{entry.nlink}\n".encode()
        )
    for problem in scanned.problems:
        digest.update(f"{problem}\n".encode())
    digest.update(f"removed {len(scanned.removed_temps)}".encode())
    return digest.hexdigest()


def _path(root: Path, command: str) -> Path:
    return vault_cache_dir(root) / f"{command}-{MEMO_FILE}"


def recall(root: Path, command: str, key: str) -> Outcome | None:
    """The remembered outcome of ``command`` if it was for exactly these inputs."""
    try:
        data = _path(root, command).read_bytes()
        outcome = pickle.loads(data)
    except Exception:  # missing or damaged: a full run
        return None
    if isinstance(outcome, Outcome) and outcome.key == key and outcome.command == command:
        return outcome
    return None


def remember(root: Path, outcome: Outcome) -> None:
    """Keep ``outcome`` for the next run (atomically; a failure is not an error)."""
    data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):
        replace_file(_path(root, outcome.command), ".run-", lambda fh: fh.write(data))


def forget(root: Path, command: str) -> None:
    with contextlib.suppress(OSError):
        _path(root, command).unlink()
