"""Typed errors and problem reports.

Core code never prints: it raises these errors, or collects :class:`Problem` values
that the CLI reports as ``path:line: message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: errors make ``vaultkit check`` exit 1."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one note, reported as ``path:line: message``."""

    path: str
    """The note's path relative to the vault, with ``/`` separators."""
    line: int
    """1-based line in the note, or 0 when the problem is about the whole note."""
    message: str
    severity: Severity = Severity.ERROR
    code: str = "error"
    """A stable short name for machines (``--json``), e.g. ``yaml`` or ``unresolved-link``."""

    def __reduce__(self) -> tuple[type[Problem], tuple[str, int, str, Severity, str]]:
        # As ``Problem(*fields)``: the default pickling of a frozen dataclass goes through
        # its ``__dict__`` and was half the time to save a kept model (thousands of these).
        return Problem, (self.path, self.line, self.message, self.severity, self.code)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "severity": str(self.severity),
            "code": self.code,
            "message": self.message,
        }


class VaultkitError(Exception):
    """Base of every error vaultkit raises on purpose; the CLI turns it into a message."""


class VaultError(VaultkitError):
    """The vault itself cannot be used (missing folder, not a directory, ...)."""


class ConfigError(VaultkitError):
    """The vault's config file is broken."""


class NoteError(VaultkitError):
    """One note cannot be read; it is reported and skipped, the rest goes on."""

    def __init__(self, path: str, line: int, message: str, code: str = "error") -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line
        self.message = message
        self.code = code

    def problem(self) -> Problem:
        return Problem(self.path, self.line, self.message, Severity.ERROR, self.code)


class WriteConflict(VaultkitError):
    """A file changed on disk between the moment vaultkit read it and the write."""


class UnsafeWrite(VaultkitError):
    """A write was refused because it would leave the vault or break a link."""


class TemplateProblem(VaultkitError):
    """A template is broken or tried something the sandbox forbids."""

    def __init__(self, name: str, line: int, message: str) -> None:
        super().__init__(f"{name}:{line}: {message}" if line else f"{name}: {message}")
        self.name = name
        self.line = line
        self.message = message


class VaultLocked(VaultkitError):
    """Another vaultkit process is writing to this vault."""
