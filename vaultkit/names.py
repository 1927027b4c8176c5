"""Safe, stable file names for the notes vaultkit creates.

A name that comes from a note (a meeting's or a person's) is never used as a path
as it is: :func:`safe_filename` maps it to one file name component that is valid on
Windows, macOS and Linux, cannot climb out of a folder, and is the same for the same
name on every machine (so two synced devices agree).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*#^\[\]]')
_RESERVED = {
    "con", "prn", "aux", "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}  # fmt: skip
MAX_NAME_CHARS = 120


def safe_filename(name: str, fallback: str = "untitled") -> str:
    """One safe file-name component (without extension) for ``name``.

    NFC-normalised; path separators, characters Windows or Obsidian forbid and
    control characters become spaces; leading dots and trailing dots and spaces are
    removed; Windows device names get a suffix; long names are cut and given a short
    hash so distinct names stay distinct.
    """
    text = unicodedata.normalize("NFC", name)
    text = _FORBIDDEN.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = text.lstrip(". ").rstrip(". ")
    if not text:
        text = fallback
    stem, dot, rest = text.partition(".")
    if stem.rstrip().casefold() in _RESERVED:
        # Windows reserves the device name before any extension too (NUL.txt is NUL).
        text = f"{stem.rstrip()} (note){dot}{rest}"
    if len(text) > MAX_NAME_CHARS:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        text = f"{text[: MAX_NAME_CHARS - 9].rstrip('. ')} {digest}"
    return text
