"""What a run does to each file (``plan`` decides it); its own module so that the CLI
can count and print a summary without importing the planner and the parser."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    REFUSED = "refused"
