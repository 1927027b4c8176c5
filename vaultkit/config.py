"""The vault's configuration: ``vaultkit.yaml`` at the vault's root (optional).

Every option has a default, so a vault without the file works. Unknown keys are an
error naming the file and line, so a typo never silently does nothing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError, NoteError
from .yamlsafe import load_yaml

CONFIG_NAME = "vaultkit.yaml"
MAX_DAYS = 36500
"""The most a count of days may be (100 years): dates end in the year 9999."""


@dataclass(frozen=True)
class Config:
    """Options read from ``vaultkit.yaml``; each has a one-line docstring and a default."""

    people_folders: tuple[str, ...] = ("People",)
    """Folders (any depth, any case) whose notes are people when they have no ``type``."""
    company_folders: tuple[str, ...] = ("Companies",)
    """Folders whose notes are companies when they have no ``type``."""
    meeting_folders: tuple[str, ...] = ("Meetings",)
    """Folders whose notes are meetings when they have no ``type``."""
    ignore_folders: tuple[str, ...] = ()
    """Folders (paths from the vault's root) that vaultkit never reads nor writes."""
    output_folder: str = "vaultkit"
    """The folder vaultkit owns for the notes it generates (prep sheets, dashboard)."""
    templates_folder: str = "vaultkit/templates"
    """Folder in the vault whose files override the default templates of the same name."""
    keep_in_touch_days: int = 90
    """Default days between contacts before a keep-in-touch nudge is due."""
    prep_horizon_days: int = 14
    """How many days ahead prep sheets are written for upcoming meetings."""
    max_note_bytes: int = 8 * 1024 * 1024
    """Notes larger than this are reported and skipped, never read into memory whole."""
    backup_runs: int = 10
    """How many runs ``vaultkit undo`` can go back (backups outside the vault); 0: none."""
    backup_megabytes: int = 200
    """Most space the backups of this vault take; the oldest runs go first."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    """Sections other features read (e.g. ``followups``), passed through as written."""

    @classmethod
    def load(cls, root: Path) -> Config:
        """Read ``vaultkit.yaml`` from the vault's root, or return the defaults."""
        path = root / CONFIG_NAME
        if not path.is_file():
            return cls()
        try:
            text = path.read_bytes().decode("utf-8-sig")
            data, lines = load_yaml(text, CONFIG_NAME, first_line=1)
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{CONFIG_NAME}: not valid UTF-8 ({exc.reason})") from exc
        except NoteError as exc:
            raise ConfigError(str(exc)) from exc
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ConfigError(f"{CONFIG_NAME}:1: expected a mapping of option: value")
        return cls.from_mapping(data, lines)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], lines: dict[str, int] | None = None) -> Config:
        lines = lines or {}
        known = {f.name: f for f in fields(cls) if f.name != "extra"}
        extra_sections = {"followups", "prep", "dashboard", "watch", "network"}
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            where = f"{CONFIG_NAME}:{lines.get(str(key), 1)}"
            if key in extra_sections:
                extra[key] = value
                continue
            if key not in known:
                names = ", ".join(sorted([*known, *extra_sections]))
                raise ConfigError(f"{where}: unknown option {key!r} (known: {names})")
            default = getattr(cls(), key)
            if isinstance(default, tuple):
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"{where}: {key} must be a list of folder names")
                kwargs[key] = tuple(value)
            elif isinstance(default, bool) or not isinstance(default, int):
                if not isinstance(value, str) or not value.strip():
                    raise ConfigError(f"{where}: {key} must be a folder name")
                kwargs[key] = value.strip().strip("/")
            else:
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ConfigError(f"{where}: {key} must be a whole number of 0 or more")
                if key.endswith("_days") and value > MAX_DAYS:
                    raise ConfigError(
                        f"{where}: {key} must be at most {MAX_DAYS} (100 years), not {value}"
                    )
                kwargs[key] = value
        config = cls(**kwargs, extra=extra)
        _check_output_folder(config, f"{CONFIG_NAME}:{lines.get('output_folder', 1)}")
        _check_prep_section(extra.get("prep"), f"{CONFIG_NAME}:{lines.get('prep', 1)}")
        return config


PREP_OPTIONS: tuple[str, ...] = ()
"""The options of the ``prep:`` section (prep_horizon_days is a top-level option)."""


def _check_output_folder(config: Config, where: str) -> None:
    """The output folder is vaultkit's own: never the vault's root, a hidden folder,
    nor a folder whose notes are people, companies or meetings."""
    folder = config.output_folder
    parts = [p for p in folder.replace("\\", "/").split("/") if p]
    if not parts or all(p == "." for p in parts):
        raise ConfigError(
            f"{where}: output_folder must be a folder inside the vault, not the vault itself"
        )
    if any(p == ".." or p.startswith(".") for p in parts):
        raise ConfigError(
            f"{where}: output_folder {folder!r} is a hidden folder or leads out of the vault; "
            "vaultkit never writes there"
        )
    kinds = (
        ("people", config.people_folders),
        ("company", config.company_folders),
        ("meeting", config.meeting_folders),
    )
    for kind, names in kinds:
        keys = {_folder_key(n) for n in names}
        for part in parts:
            if _folder_key(part) in keys:
                raise ConfigError(
                    f"{where}: output_folder {folder!r} is (or is inside) a {kind} folder "
                    f"({part!r}); vaultkit would take your notes there for its own"
                )


def _folder_key(name: str) -> str:
    return unicodedata.normalize("NFC", name.strip("/")).casefold()


def _check_prep_section(raw: Any, where: str) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: prep: expected a mapping of option: value")
    for key in raw:
        if key not in PREP_OPTIONS:
            known = ", ".join(PREP_OPTIONS) or "none yet; prep_horizon_days is a top-level option"
            raise ConfigError(f"{where}: prep: unknown option {key!r} (known: {known})")
