"""Where the files that ship with vaultkit are (a module of its own, light to import)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def default_templates_dir() -> Path:
    """The templates shipped with vaultkit (inside the wheel, or the repository's)."""
    packaged = Path(str(resources.files("vaultkit"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"
