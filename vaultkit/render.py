"""Render vaultkit's outputs from the model with Jinja2 templates.

Templates run in Jinja2's immutable sandbox with ``StrictUndefined``: a template
can read the values it is given and nothing else. The default templates ship with
vaultkit (``templates/``); a file of the same name in the vault's templates folder
overrides one. A broken or hostile template raises :class:`TemplateProblem` naming
the file and line, and nothing is written from it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import TemplateProblem
from .model import Meeting, Vault
from .prep import sheet_link
from .shipped import default_templates_dir

if TYPE_CHECKING:
    from .rendermemo import RenderMemo

__all__ = ["Templates", "default_templates_dir"]


class _VaultLoader(jinja2.FileSystemLoader):
    """Loads from the vault's templates folder, refusing links that leave the vault."""

    def __init__(self, folder: Path, root: Path) -> None:
        super().__init__(str(folder))
        self._root = root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self._root):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


@dataclass
class Templates:
    """The template environment for one vault."""

    root: Path
    """The vault's real path."""
    folder: str
    """The vault's templates folder, relative to the vault."""
    filters: dict[str, Callable[..., Any]] = field(default_factory=dict)
    """Filters beyond Jinja2's own (``vaultkit new`` adds two for front-matter)."""
    memo: RenderMemo | None = None
    """Texts an earlier run rendered, reused for equal contexts (see :meth:`remember`)."""

    def remember(self) -> RenderMemo:
        """Reuse what earlier runs rendered (:mod:`vaultkit.rendermemo`), from now on."""
        from .rendermemo import RenderMemo, environment_key

        folders = [d for d in (self.user_dir, default_templates_dir()) if d is not None]

        def key() -> str:
            return environment_key(folders, self.env.filters, self.env.tests)

        self.memo = RenderMemo.open(self.root, key(), key)
        return self.memo

    @cached_property
    def user_dir(self) -> Path | None:
        path = (self.root / self.folder).resolve()
        if path.is_dir() and path.is_relative_to(self.root):
            return path
        return None

    @cached_property
    def env(self) -> ImmutableSandboxedEnvironment:
        loaders: list[jinja2.BaseLoader] = []
        if self.user_dir is not None:
            loaders.append(_VaultLoader(self.user_dir, self.root))
        loaders.append(jinja2.FileSystemLoader(str(default_templates_dir())))
        env = ImmutableSandboxedEnvironment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # One environment serves one run (or the watcher's quick rebuilds, which
            # never follow a template edit): no stat of the template on every render.
            auto_reload=False,
        )
        env.filters.update(self.filters)
        env.bytecode_cache = _bytecode_cache(self.root, env)
        return env

    def origin(self, name: str) -> str:
        """Where a template comes from, for messages: the vault's file or the default."""
        if self.user_dir is not None and (self.user_dir / name).is_file():
            return f"{self.folder}/{name}"
        return f"(default template) {name}"

    def render(self, name: str, context: dict[str, Any]) -> str:
        """The text of template ``name`` with ``context`` (markers defused)."""
        if self.memo is not None:
            return self.memo.render(name, context, lambda: self._render(name, context))
        return self._render(name, context)

    def _render(self, name: str, context: dict[str, Any]) -> str:
        try:
            template = self.env.get_template(name)
            return _defuse_markers(template.render(context))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(
                self.origin(exc.name or name), exc.lineno, exc.message or "syntax error"
            ) from None
        except SecurityError as exc:
            raise TemplateProblem(*self._where(name), f"not allowed in a template: {exc}") from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateProblem(name, 0, f"template not found: {exc.name}") from None
        except jinja2.UndefinedError as exc:
            raise TemplateProblem(*self._where(name), exc.message or "undefined") from None
        except (TypeError, ValueError, AttributeError, ZeroDivisionError) as exc:
            raise TemplateProblem(*self._where(name), str(exc)) from None
        except jinja2.TemplateError as exc:  # e.g. a filter this command does not have
            raise TemplateProblem(*self._where(name), exc.message or str(exc)) from None

    def _where(self, name: str) -> tuple[str, int]:
        """The template (an included one too) and line a render error came from."""
        tb = sys.exc_info()[2]
        found: tuple[str, int] | None = None
        roots = [(d, f"{self.folder}/") for d in (self.user_dir,) if d is not None]
        roots.append((Path(os.path.normpath(default_templates_dir())), "(default template) "))
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            for folder, prefix in roots:
                if filename.startswith(str(folder) + os.sep):
                    found = (prefix + filename[len(str(folder)) + 1 :], tb.tb_lineno)
                    break
            tb = tb.tb_next
        return found or (self.origin(name), _template_line(name))


_MARKER_LINE = re.compile(r"^<!-- vaultkit:", re.MULTILINE)


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's cache of compiled templates, where a file that cannot be read or written
    (a full disk, a read-only cache folder) only means compiling again."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable or damaged: compiled afresh (and written anew)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            return


def _bytecode_cache(root: Path, env: jinja2.Environment) -> jinja2.BytecodeCache | None:
    """Templates compiled by an earlier run, kept in the user's cache folder (never in
    the vault; one folder per vault and environment): each is compiled again when its
    source changes. Jinja2 keys them by file
    and source only, but the compiled code also depends on the environment (its options,
    its filters and tests, checked as it compiles): those make the folder's name. None
    when no such folder can be had; then every run compiles its templates (~0.1 s)."""
    import hashlib

    from . import __version__
    from .cache import vault_folder
    from .errors import VaultError

    key = repr(
        (
            __version__,
            jinja2.__version__,
            sys.version_info[:2],
            type(env).__name__,
            env.undefined.__name__,
            env.autoescape,
            env.trim_blocks,
            env.lstrip_blocks,
            env.keep_trailing_newline,
            sorted(env.filters),
            sorted(env.tests),
        )
    )
    suffix = "-" + hashlib.sha256(key.encode()).hexdigest()[:16]
    try:
        folder = vault_folder(root, "templates", "template cache", suffix)
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, VaultError):
        return None
    return _BytecodeCache(str(folder))


def _defuse_markers(text: str) -> str:
    """Rendered text never holds a line that reads as a region marker (a name or value
    from a note could forge one): its ``<`` is written as ``&lt;``, which shows the same."""
    return _MARKER_LINE.sub("&lt;!-- vaultkit:", text)


def _template_line(name: str) -> int:
    """The template line a render error came from, read off the traceback Jinja2 rewrites."""
    tb = sys.exc_info()[2]
    line = 0
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(name) or filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# -- view models: plain dicts with links ready to print --------------------------------


def _note(vault: Vault, path: str) -> dict[str, Any]:
    return {"name": vault.name(path), "link": vault.link(path), "path": path}


def _meeting_row(vault: Vault, meeting: Meeting) -> dict[str, Any]:
    return {
        "name": meeting.name,
        "link": vault.link(meeting.path),
        "path": meeting.path,
        "date": meeting.date.isoformat() if meeting.date else None,
        "time": meeting.time,
        "kind": meeting.kind,
        "status": meeting.status,
        "people": [_note(vault, p) for p in meeting.people],
    }


def person_context(vault: Vault, path: str) -> dict[str, Any]:
    person = vault.people[path]
    company = None
    if person.company:
        company = (
            _note(vault, person.company.target)
            if person.company.target
            else {"name": person.company.label, "link": person.company.label, "path": None}
        )
    meetings = vault.meetings_of_person.get(path, [])
    listed = set(meetings) | {path}
    return {
        "name": person.name,
        "role": person.role,
        "company": company,
        "former_companies": [
            _note(vault, r.target) if r.target else {"name": r.label, "link": r.label}
            for r in person.previous_companies
        ],
        "introduced_by": _note(vault, person.introduced_by.target)
        if person.introduced_by and person.introduced_by.target
        else None,
        "introduced": [_note(vault, p) for p in vault.introduced.get(path, [])],
        "referred_by": [
            {"person": _note(vault, p), "meeting": _note(vault, m)}
            for p, m in vault.referred_by.get(path, [])
        ],
        "meetings": [_meeting_row(vault, vault.meetings[m]) for m in meetings],
        "referrals": [
            {
                "person": _note(vault, r.target)
                if r.target
                else {"name": r.label, "link": r.label},
                "meeting": _note(vault, m),
            }
            for r, m in vault.referrals_made.get(path, [])
        ],
        "mentioned_in": [_note(vault, p) for p in vault.mentions.get(path, []) if p not in listed],
    }


def company_context(vault: Vault, path: str) -> dict[str, Any]:
    company = vault.companies[path]
    people = []
    for p in vault.employees.get(path, []):
        row = _note(vault, p)
        row["role"] = vault.people[p].role
        people.append(row)
    former = []
    for p in vault.former_employees.get(path, []):
        row = _note(vault, p)
        now = vault.people[p].company
        row["now"] = (vault.link(now.target) if now.target else now.label) if now else None
        former.append(row)
    meetings = vault.meetings_of_company.get(path, [])
    listed = set(meetings) | {path} | set(vault.employees.get(path, []))
    return {
        "name": company.name,
        "industry": company.industry,
        "website": company.website,
        "people": people,
        "former_people": former,
        "meetings": [_meeting_row(vault, vault.meetings[m]) for m in meetings],
        "mentioned_in": [_note(vault, p) for p in vault.mentions.get(path, []) if p not in listed],
    }


def meeting_context(vault: Vault, path: str) -> dict[str, Any]:
    meeting = vault.meetings[path]
    people = []
    for p in meeting.people:
        row = _note(vault, p)
        person = vault.people[p]
        row["role"] = person.role
        row["company"] = None
        if person.company:
            row["company"] = (
                vault.link(person.company.target) if person.company.target else person.company.label
            )
        people.append(row)
    company = None
    if meeting.company and meeting.company.target:
        company = _note(vault, meeting.company.target)
    return {
        **_meeting_row(vault, meeting),
        "people": people,
        "unknown_people": [r.label for r in meeting.attendees if r.target is None],
        "company": company,
        "where": meeting.where,
        "role": meeting.role,
        "stage": meeting.stage,
        "duration": meeting.duration,
        "prep": sheet_link(vault, path),
    }
