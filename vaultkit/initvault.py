"""``vaultkit init``: a commented ``vaultkit.yaml`` and the vault's folders.

The config file is generated from :class:`vaultkit.config.Config` itself (each
field, its one-line docstring and its default), so it can never drift from the
options vaultkit reads. An existing config file is never replaced.
"""

from __future__ import annotations

import ast
import inspect
import os
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from . import config as config_module
from .config import CONFIG_NAME, Config
from .errors import VaultError, WriteConflict
from .newnote import yaml_scalar
from .write import atomic_write, inside

EXTRA_SECTIONS_DOC = """\
# Sections that vaultkit's features read (each optional), for example:
# network:                  # the generated "Network map" note
#   enabled: true
#   max_nodes: 60           # the most connected people and companies shown
#   former_companies: true  # also draw where people used to work
"""


def field_docs(cls: type = Config) -> dict[str, str]:
    """Each dataclass field's docstring (the string right after it), read from the source."""
    tree = ast.parse(inspect.getsource(config_module))
    docs: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ClassDef) and node.name == cls.__name__):
            continue
        body = node.body
        for stmt, after in zip(body, [*body[1:], None], strict=True):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[stmt.target.id] = " ".join(after.value.value.split()).replace("``", "`")
    return docs


def options() -> list[tuple[str, Any, str]]:
    """(name, default, docstring) of every option a user can set, in the class's order."""
    docs = field_docs()
    out: list[tuple[str, Any, str]] = []
    for f in fields(Config):
        if f.name == "extra":
            continue
        if f.default is not MISSING:
            default: Any = f.default
        elif f.default_factory is not MISSING:
            default = f.default_factory()
        else:  # pragma: no cover - every option has a default
            raise TypeError(f"{f.name} has no default")
        out.append((f.name, default, docs.get(f.name, "")))
    return out


def _yaml(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    return yaml_scalar(value)


def config_text() -> str:
    """The text of a fresh ``vaultkit.yaml``: every option, its meaning and its default."""
    lines = [
        "# vaultkit's settings for this vault. Every option is shown with its default:",
        "# change a value to use your own, or delete the line to go back to the default.",
        "# Folder lists take several names, e.g. people_folders: [People, Contacts]",
        "",
    ]
    for name, default, doc in options():
        if doc:
            lines.append(f"# {doc}")
        lines.append(f"{name}: {_yaml(default)}")
        lines.append("")
    return "\n".join(lines) + "\n" + EXTRA_SECTIONS_DOC


@dataclass
class InitResult:
    root: Path
    config_written: bool
    folders_created: list[str]


def _has_folder(root: Path, name: str) -> bool:
    """A folder of this path exists, in any case (so ``people/`` counts for ``People``)."""
    folder = root
    for part in name.split("/"):
        try:
            names = {e.name.casefold(): e.name for e in os.scandir(folder) if e.is_dir()}
        except OSError:
            return False
        found = names.get(part.casefold())
        if found is None:
            return False
        folder = folder / found
    return True


def _folders(config: Config) -> list[str]:
    """The folders a set-up vault has, as the config names them."""
    wanted = [
        *config.people_folders,
        *config.company_folders,
        *config.meeting_folders,
        config.output_folder,
        config.templates_folder,
    ]
    return list(dict.fromkeys(w.strip("/") for w in wanted if w.strip("/")))


def has_work(path: Path) -> bool:
    """Whether :func:`init_vault` would write into the existing folder ``path`` (a missing
    ``vaultkit.yaml`` or folder); ``init`` takes the vault's lock only then."""
    root = path.resolve()
    if not (root / CONFIG_NAME).exists():
        return True
    return not all(_has_folder(root, name) for name in _folders(Config.load(root)))


def init_vault(path: Path) -> InitResult:
    """Write ``vaultkit.yaml`` if there is none, and create the folders it names."""
    if path.exists() and not path.is_dir():
        raise VaultError(f"{path}: not a folder")
    path.mkdir(parents=True, exist_ok=True)
    root = path.resolve(strict=True)
    written = False
    if (root / CONFIG_NAME).exists():
        config = Config.load(root)
    else:
        config = Config()
        try:
            atomic_write(root, CONFIG_NAME, config_text().encode("utf-8"), None)
            written = True
        except WriteConflict:
            config = Config.load(root)
    created: list[str] = []
    for name in _folders(config):
        if _has_folder(root, name):
            continue
        inside(root, name + "/x.md").parent.mkdir(parents=True, exist_ok=True)
        created.append(name)
    return InitResult(root, written, created)
