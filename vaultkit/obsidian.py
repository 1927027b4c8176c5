"""Obsidian's own settings that vaultkit honours, read (never written) from ``.obsidian/``.

* ``app.json``: ``useMarkdownLinks`` (write ``[Name](Name.md)`` instead of
  ``[[Name]]``) and ``newLinkFormat`` (``shortest``, ``relative`` or ``absolute``);
* ``templates.json`` (core Templates plugin, ``folder``) and Templater's
  ``plugins/templater-obsidian/data.json`` (``templates_folder``): folders of
  templates, which are not notes, so vaultkit never reads them as such;
* the Tasks plugin's ``plugins/obsidian-tasks-plugin/data.json``
  (``globalFilter``): a tag such as ``#task`` that a line needs to be a task to
  the plugin, so the tasks vaultkit writes carry it.

This is the one place vaultkit looks inside a hidden folder, and only at these
files: each is read without following a symbolic link out of the vault, only when
small, and a missing or broken file simply means Obsidian's default.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_DIR = ".obsidian"
APP = "app.json"
TEMPLATES = "templates.json"
TEMPLATER = "plugins/templater-obsidian/data.json"
TASKS = "plugins/obsidian-tasks-plugin/data.json"
SETTINGS_FILES = tuple(f"{CONFIG_DIR}/{name}" for name in (APP, TEMPLATES, TEMPLATER, TASKS))
"""The files above, from the vault's root: the only hidden files whose changes matter."""
LINK_FORMATS = ("shortest", "relative", "absolute")
MAX_SETTINGS_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ObsidianSettings:
    """What vaultkit takes from a vault's Obsidian settings (defaults: Obsidian's own)."""

    markdown_links: bool = False
    """``useMarkdownLinks``: links are ``[Name](path.md)`` rather than ``[[Name]]``."""
    link_format: str = "shortest"
    """``newLinkFormat``: ``shortest`` (a name, a path when it is not unique),
    ``relative`` (a path from the linking note) or ``absolute`` (a path from the root)."""
    template_folders: tuple[str, ...] = ()
    """Folders of the Templates and Templater plugins: skipped, never read as notes."""
    tasks_global_filter: str = ""
    """The Tasks plugin's global filter (e.g. ``#task``); empty when it has none."""


def read_json(root: Path, name: str) -> dict[str, Any] | None:
    """One settings file of ``.obsidian/`` as a mapping, or None (missing, too big, broken,
    or reached through a symbolic link that leaves the vault)."""
    path = root / CONFIG_DIR / name
    try:
        if not path.resolve().is_relative_to(root):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_SETTINGS_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_SETTINGS_BYTES:
        return None
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _folder(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    folder = value.strip().replace("\\", "/").strip("/")
    parts = folder.split("/")
    if not folder or any(p in ("", ".", "..") for p in parts):
        return None
    return folder


_UNSAFE_IN_FILTER = ("<!--", "-->", "🆔", "📅", "📆", "🗓", "✅", "[", "]")


def tasks_global_filter(root: Path) -> str:
    """The Tasks plugin's global filter for this vault (``""`` when none is set).

    vaultkit puts it in the task lines it writes, so a filter it could not write safely
    on one task line is ignored: one with a line break or other control character, a
    comment marker (``<!--``, ``-->``), brackets, or one of the task fields' emojis.
    """
    data = read_json(root, TASKS) or {}
    value = data.get("globalFilter")
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if not value.isprintable() or any(bad in value for bad in _UNSAFE_IN_FILTER):
        return ""
    return value


def read_settings(root: Path) -> ObsidianSettings:
    """Everything vaultkit honours from the vault's ``.obsidian/`` folder."""
    app = read_json(root, APP) or {}
    link_format = app.get("newLinkFormat")
    folders = [
        _folder((read_json(root, TEMPLATES) or {}).get("folder")),
        _folder((read_json(root, TEMPLATER) or {}).get("templates_folder")),
    ]
    return ObsidianSettings(
        markdown_links=app.get("useMarkdownLinks") is True,
        link_format=link_format if link_format in LINK_FORMATS else "shortest",
        template_folders=tuple(dict.fromkeys(f for f in folders if f)),
        tasks_global_filter=tasks_global_filter(root),
    )
