"""Prep sheets: one generated note per upcoming meeting, shaped by its kind.

For every meeting that is planned (not cancelled, not done) and dated from today up
to ``prep_horizon_days`` ahead, :func:`prep_outputs` yields the ``prep`` region of
``<output_folder>/Prep/Prep <meeting name>.md``. The note is created once from a
skeleton (front-matter, the region, and a ``## My notes`` section that is the
user's); later runs only rewrite the region. A sheet whose meeting is past or
cancelled is left exactly as it is: never updated, never deleted.

The context a template sees is built here from the model (plain dicts and lists,
links ready to print); the question banks and checklists are YAML data files with
the same override rule as templates (a file of the same name under the vault's
templates folder replaces the default).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import yaml

from .errors import (
    ConfigError,
    NoteError,
    Problem,
    Severity,
    TemplateProblem,
    UnsafeWrite,
    VaultkitError,
)
from .model import MEETING_KINDS, Kind, Meeting, Vault, link_target, stem_of
from .names import safe_filename
from .parse import SECTION_TEXT_KEPT, Task, decode, find_regions, flatten, nfc_key
from .plan import Output, group
from .write import inside, read_stamped
from .yamlsafe import StrictLoader, VaultYAMLHandler, load_yaml

if TYPE_CHECKING:
    from . import followups
    from .build import Loaded, RunResult
    from .render import Templates

PREP_FOLDER = "Prep"
"""Sub-folder of the output folder that holds the prep sheets."""
REGION = "prep"
EXCERPT_CHARS = 200
"""About how many characters of an earlier meeting's ``## Notes`` a sheet quotes."""
assert EXCERPT_CHARS + 1 < SECTION_TEXT_KEPT  # the kept start of a section is enough
CHECKLIST_PARTS = ("before", "during", "after")
MAX_DATA_BYTES = 256 * 1024
"""Largest question bank or checklist file read."""
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WIKILINK = re.compile(r"\[\[([^\[\]]+?)\]\]")
_YAML_PREFIX = "front-matter: "


class UnknownMeeting(VaultkitError):
    """``vaultkit prep`` was given a name or path that is not a meeting note."""


# -- which meetings get a sheet, and where it lives ------------------------------------


def in_horizon(vault: Vault, meeting: Meeting) -> bool:
    """A meeting ``regen`` keeps a sheet for: planned, dated today up to the horizon."""
    if meeting.status != "planned" or meeting.date is None:
        return False
    last = vault.today + dt.timedelta(days=vault.config.prep_horizon_days)
    return vault.today <= meeting.date <= last


def sheet_path(vault: Vault, meeting: Meeting) -> str:
    """The vault-relative path of a meeting's prep sheet.

    ``Prep <meeting name>`` made safe with :func:`safe_filename`, so the sheet never
    shares the meeting's name (links to the meeting stay unambiguous). When the name
    had to be changed to be safe, or another note has the same name, a short hash of
    the meeting's path is added so that two meetings never share one sheet.
    """
    return sheet_path_of(
        vault.config.output_folder,
        meeting.name,
        meeting.path,
        lambda: vault.unique_stem(meeting.path),
    )


def sheet_path_of(
    output_folder: str, meeting_name: str, meeting_path: str, unique: Callable[[], bool]
) -> str:
    """:func:`sheet_path` from its parts (``vaultkit rename`` asks it for a new name)."""
    stem = unicodedata.normalize("NFC", meeting_name)
    name = safe_filename(f"Prep {stem}")
    if name != f"Prep {stem}" or not unique():
        digest = hashlib.sha256(meeting_path.encode("utf-8")).hexdigest()[:8]
        name = safe_filename(f"Prep {stem} {digest}")
    return f"{output_folder.strip('/')}/{PREP_FOLDER}/{name}.md"


def sheet_link(vault: Vault, meeting_path: str) -> dict[str, str] | None:
    """The meeting's prep sheet, for the meeting's region and the dashboard: when the
    sheet exists or this run writes it (the meeting is in the horizon).

    Decided from the meeting, not from whether the sheet is on disk yet, so the run
    that creates a sheet already links it and the next run has nothing to change. The
    link is written as Obsidian is set to write links (see :meth:`Vault.link`), from
    the note being rendered (:meth:`Vault.linking_from`).
    """
    meeting = vault.meetings[meeting_path]
    path = sheet_path(vault, meeting)
    if path not in vault.notes and not in_horizon(vault, meeting):
        return None
    return {"name": stem_of(path), "link": vault.link(path), "path": path}


def skeleton(vault: Vault, meeting: Meeting) -> str:
    """The whole sheet as first created; ``{region}`` is where vaultkit's part goes.

    The ``meeting:`` property is a wikilink whatever Obsidian's link settings say:
    Properties only understand those."""
    stem = stem_of(meeting.path)
    wikilink = (
        f"[[{stem}]]" if vault.unique_stem(meeting.path) else f"[[{meeting.path[:-3]}|{stem}]]"
    )
    meeting_link = json.dumps(wikilink, ensure_ascii=False)
    return f"---\ntype: prep\nmeeting: {meeting_link}\n---\n{{region}}\n\n## My notes\n\n"


# -- data files: question banks and checklists ----------------------------------------


@dataclass
class DataFiles:
    """Loads ``questions/*.yaml`` and ``checklists/*.yaml``, the vault's copy first."""

    templates: Templates
    _cache: dict[str, tuple[str, Any] | None] = field(default_factory=dict)

    def _find(self, rel: str) -> tuple[Path, str] | None:
        from .shipped import default_templates_dir

        user = self.templates.user_dir
        if user is not None:
            candidate = user / rel
            if candidate.is_file() and candidate.resolve().is_relative_to(self.templates.root):
                return candidate, f"{self.templates.folder}/{rel}"
        default = default_templates_dir() / rel
        if default.is_file():
            return default, f"(default template) {rel}"
        return None

    def load(self, rel: str) -> tuple[str, Any] | None:
        """The data of one file and its name for messages, or None when there is none."""
        if rel not in self._cache:
            self._cache[rel] = self._load(rel)
        return self._cache[rel]

    def _load(self, rel: str) -> tuple[str, Any] | None:
        found = self._find(rel)
        if found is None:
            return None
        path, shown = found
        try:
            if path.stat().st_size > MAX_DATA_BYTES:
                raise TemplateProblem(shown, 0, f"is larger than {MAX_DATA_BYTES} bytes; not read")
            text, _ = decode(path.read_bytes(), shown)
        except NoteError as exc:
            raise TemplateProblem(shown, exc.line, exc.message) from None
        except OSError as exc:
            raise TemplateProblem(shown, 0, f"cannot be read: {exc.strerror}") from None
        try:
            data, _ = load_yaml(text, shown, first_line=1)
        except NoteError as exc:
            message = exc.message.removeprefix(_YAML_PREFIX).replace("front-matter", "this file")
            raise TemplateProblem(shown, exc.line, message) from None
        return shown, (text, data)

    def questions(self, kind: str) -> list[dict[str, Any]]:
        """The question bank for a kind: ``[{name, questions: [text, ...]}, ...]``."""
        loaded = self.load(f"questions/{kind}.yaml")
        if loaded is None:
            return []
        shown, (text, data) = loaded
        if data is None:
            return []
        themes = data.get("themes") if isinstance(data, dict) else None
        if not isinstance(themes, list):
            raise _shape(shown, text, (), "expected 'themes:' with a list of themes")
        out: list[dict[str, Any]] = []
        for i, theme in enumerate(themes):
            where = ("themes", i)
            if not isinstance(theme, dict) or not isinstance(theme.get("name"), str | int):
                raise _shape(shown, text, where, "each theme needs 'name:' and 'questions:'")
            questions = theme.get("questions")
            if not isinstance(questions, list):
                raise _shape(shown, text, where, "'questions:' must be a list, one per line")
            texts: list[str] = []
            for j, question in enumerate(questions):
                if not isinstance(question, str) or not question.strip():
                    raise _shape(
                        shown,
                        text,
                        (*where, "questions", j),
                        "each question must be one line of text (put it in quotes if it "
                        "contains ': ' or starts with a special character)",
                    )
                texts.append(" ".join(question.split()))
            out.append({"name": " ".join(str(theme["name"]).split()), "questions": texts})
        return out

    def checklist(self, kind: str | None) -> dict[str, list[str]]:
        """The checklist for a kind, then the items for every meeting (``all.yaml``)."""
        merged: dict[str, list[str]] = {part: [] for part in CHECKLIST_PARTS}
        names = [f"checklists/{kind}.yaml"] if kind else []
        for rel in [*names, "checklists/all.yaml"]:
            loaded = self.load(rel)
            if loaded is None:
                continue
            shown, (text, data) = loaded
            if data is None:
                continue
            if not isinstance(data, dict):
                raise _shape(shown, text, (), "expected before:, during: and after: lists")
            for key, items in data.items():
                if key not in CHECKLIST_PARTS:
                    raise TemplateProblem(
                        shown,
                        _node_line(text, (key,), at_key=True),
                        f"unknown part {key!r} (use before, during, after)",
                    )
                if items is None:
                    continue
                if not isinstance(items, list):
                    raise _shape(shown, text, (key,), f"'{key}:' must be a list, one per line")
                for j, item in enumerate(items):
                    if not isinstance(item, str) or not item.strip():
                        raise _shape(
                            shown,
                            text,
                            (key, j),
                            "each item must be one line of text (put it in quotes if it "
                            "contains ': ' or starts with a special character)",
                        )
                    merged[key].append(" ".join(item.split()))
        return merged


def _shape(shown: str, text: str, where: tuple[Any, ...], message: str) -> TemplateProblem:
    return TemplateProblem(shown, _node_line(text, where), message)


def _node_line(text: str, where: tuple[Any, ...], at_key: bool = False) -> int:
    """The 1-based line of the YAML node at ``where`` (keys and indexes), best effort;
    ``at_key``: the line of the last key rather than of its value."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return 1
    finally:
        loader.dispose()
    if node is None:
        return 1
    for n, step in enumerate(where):
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    last = n == len(where) - 1
                    nxt = key if (at_key and last) or value.value in ("", None) else value
                    break
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value)
        ):
            nxt = node.value[step]
        if nxt is None:
            break
        node = nxt
    return int(node.start_mark.line) + 1


# -- small pieces of the context ---------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # the same bank questions come back for every sheet
def normalise_question(text: str) -> str:
    """How questions compare: case-folded, compatibility-normalised, letters and
    digits only (punctuation, spaces and markup are ignored)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first ``limit`` characters or so of ``text`` on one line, cut at a word
    boundary (never inside a ``[[link]]``), with an ellipsis when cut."""
    return excerpt_of_flat(flatten(text), limit)


def excerpt_of_flat(flat: str, limit: int = EXCERPT_CHARS) -> str:
    """:func:`excerpt` of text already flattened (:func:`~vaultkit.parse.flatten`); the same
    from any start of it longer than ``limit + 1`` characters (a section's kept text)."""
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else flat[:limit]
    if cut.rfind("[[") > cut.rfind("]]"):
        cut = cut[: cut.rfind("[[")]
    return cut.rstrip(" ,;:.-—(") + "…"


def _long_date(day: dt.date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _span(start: dt.date, end: dt.date) -> str:
    """A plain length of time, e.g. ``3 weeks``, ``about 4 months``."""
    days = (end - start).days
    if days < 14:
        return "1 day" if days == 1 else f"{days} days"
    if days < 60:
        return f"{days // 7} weeks"
    if days < 365 * 2:
        return f"about {round(days / 30.44)} months"
    return f"about {days // 365} years"


def _note_text(root: Path, path: str) -> str:
    """The body of a user note outside vaultkit's regions (empty when unreadable)."""
    try:
        data, _ = read_stamped(inside(root, path))
        text, _ = decode(data, path)
        split = VaultYAMLHandler().split_exact(text, path)
    except (OSError, VaultkitError):
        return ""
    body_at = split[1] if split else 0
    regions, problem, _ = find_regions(text, path)
    if problem:
        return ""
    parts: list[str] = []
    pos = body_at
    for region in regions:
        if region.start >= pos:
            parts.append(text[pos : region.start])
            pos = region.end
    parts.append(text[pos:])
    return "".join(parts)


@dataclass(frozen=True)
class _OpenTask:
    """An open task of the vault, with what it links and its text as names compare."""

    path: str
    task: Task
    links: frozenset[str]
    """The notes its wikilinks resolve to."""
    key: str
    """Its text with links reduced to their names, NFC and case-folded."""


_WORD = re.compile(r"\w+")


class _TaskIndex:
    """Open tasks by the notes they link and the words of their text, built once a run.

    A name that :meth:`Prep._mentions` finds as whole words in a task's text starts
    with a word (or has a word after its leading punctuation) that is a whole word of
    that text too, so the tasks holding a name's first word are all it can be in: the
    exact test then runs on those few tasks, not on every open task of the vault.
    """

    def __init__(self, tasks: list[_OpenTask]) -> None:
        self.size = len(tasks)
        self.by_link: dict[str, list[int]] = {}
        self.by_word: dict[str, list[int]] = {}
        for i, task in enumerate(tasks):
            for target in task.links:
                self.by_link.setdefault(target, []).append(i)
            for word in set(_WORD.findall(task.key)):
                self.by_word.setdefault(word, []).append(i)

    def candidates(self, person: str, keys: Iterable[str]) -> list[int]:
        """The tasks (by position, in order) that may mention the person."""
        found = set(self.by_link.get(person, ()))
        for key in keys:
            if not key:
                continue
            first = _WORD.search(key)
            if first is None:  # no word to look up: every task may hold it
                return list(range(self.size))
            found.update(self.by_word.get(first.group(), ()))
        return sorted(found)


def _line(value: str | None) -> str | None:
    """A value printed inside a line of the sheet: one line, spaces collapsed."""
    if value is None:
        return None
    return " ".join(value.split()) or None


class Prep:
    """Builds prep-sheet contexts for one loaded vault."""

    def __init__(self, loaded: Loaded, templates: Templates) -> None:
        self.loaded = loaded
        self.vault = loaded.vault
        self.templates = templates
        self.data = DataFiles(templates)
        self._tasks: list[_OpenTask] | None = None
        self._index: _TaskIndex | None = None
        from . import followups  # imports the renderer, which imports this module

        self.followups = followups.settings_of(loaded.config)

    # links and rows

    def _note(self, path: str) -> dict[str, Any]:
        return {"name": stem_of(path), "link": self.vault.link(path), "path": path}

    def _meeting_row(self, meeting: Meeting) -> dict[str, Any]:
        return {
            **self._note(meeting.path),
            "date": meeting.date.isoformat() if meeting.date else None,
            "time": meeting.time,
            "kind": meeting.kind,
            "status": meeting.status,
            "people": [self._note(p) for p in meeting.people],
        }

    def _earlier(self, meeting: Meeting, paths: Iterable[str]) -> list[Meeting]:
        """Meetings before this one (oldest first), this one left out."""
        rows = [
            m
            for p in paths
            if p != meeting.path and (m := self.vault.meetings[p]).sort_key < meeting.sort_key
        ]
        return sorted(rows, key=lambda m: m.sort_key)

    def _open_tasks(self) -> list[_OpenTask]:
        if self._tasks is None:
            assert self.vault.resolver is not None
            resolver, kinds = self.vault.resolver, self.vault.kinds
            self._tasks = []
            for path, note in self.vault.notes.items():
                for task in note.tasks:
                    if task.done:
                        continue
                    targets: set[str | None] = set()
                    plain = task.text
                    if "[[" in plain:  # no wikilink can match without it
                        targets = {
                            resolver.resolve(m.group(1), kinds, Kind.PERSON).target
                            for m in _WIKILINK.finditer(task.text)
                        }
                        plain = _WIKILINK.sub(lambda m: link_target(m.group(1)), task.text)
                    self._tasks.append(
                        _OpenTask(path, task, frozenset(t for t in targets if t), nfc_key(plain))
                    )
        return self._tasks

    def _tasks_mentioning(self, person: str) -> list[_OpenTask]:
        """The open tasks that mention a person (:meth:`_mentions`), in vault order.

        Only the tasks the index offers are checked, not all of them for each person."""
        tasks = self._open_tasks()
        if self._index is None:
            self._index = _TaskIndex(tasks)
        info = self.vault.people[person]
        keys = [nfc_key(name.strip()) for name in (info.name, *info.aliases)]
        return [
            tasks[i]
            for i in self._index.candidates(person, keys)
            if self._mentions(tasks[i], person)
        ]

    def _mentions(self, task: _OpenTask, person: str) -> bool:
        """Does a task link the person, or name them (name or alias, as whole words)?"""
        if person in task.links:
            return True
        info = self.vault.people[person]
        for name in (info.name, *info.aliases):
            key = nfc_key(name.strip())
            if key and key in task.key:
                pattern = r"(?<!\w)" + re.escape(key) + r"(?!\w)"
                if re.search(pattern, task.key):
                    return True
        return False

    # the sections

    def person(self, meeting: Meeting, path: str) -> dict[str, Any]:
        vault = self.vault
        info = vault.people[path]
        row = self._note(path)
        row["role"] = _line(info.role)
        row["company"] = None
        if info.company:
            row["company"] = (
                self._note(info.company.target)
                if info.company.target
                else {"name": _line(info.company.label), "link": _line(info.company.label)}
            )
        row["introduced_by"] = (
            self._note(info.introduced_by.target)
            if info.introduced_by and info.introduced_by.target
            else None
        )
        earlier = self._earlier(meeting, vault.meetings_of_person.get(path, []))
        held = [m for m in earlier if m.status != "cancelled" and m.date and vault.held(m)]
        first = held[0].date if held else None
        row["known_since"] = first.isoformat() if first else None
        row["known_for"] = _span(first, meeting.date) if first and meeting.date else None
        row["earlier"] = []
        for m in earlier:
            entry = self._meeting_row(m)
            notes = vault.notes[m.path].section("Notes")
            entry["excerpt"] = excerpt_of_flat(notes.text) if notes and not notes.blank else None
            row["earlier"].append(entry)
        row["open_tasks"] = [
            {"text": t.task.text, "note": self._note(t.path), "line": t.task.line}
            for t in self._tasks_mentioning(path)
        ]
        pending: dict[str, dict[str, Any]] = {}
        for ref, source in vault.referrals_made.get(path, []):
            target = ref.target
            met = vault.meetings_of_person.get(target, []) if target else []
            if any(vault.meetings[p].status != "cancelled" for p in met):
                continue
            key = target or nfc_key(ref.label)
            if key not in pending:
                label = _line(ref.label)
                who = self._note(target) if target else {"name": label, "link": label}
                pending[key] = {"person": who, "meeting": self._note(source)}
        row["open_referrals"] = list(pending.values())
        return row

    def company(self, meeting: Meeting) -> dict[str, Any] | None:
        vault = self.vault
        ref = meeting.company
        if ref is None:
            return None
        if ref.target is None:
            label = _line(ref.label)
            return {"name": label, "link": label, "path": None, "known": False}
        info = vault.companies[ref.target]
        people = []
        for p in sorted(vault.employees.get(ref.target, []), key=lambda p: nfc_key(stem_of(p))):
            if p in meeting.people:
                continue
            last = vault.last_contact(p)
            people.append(
                {
                    **self._note(p),
                    "role": _line(vault.people[p].role),
                    "last_contact": last.isoformat() if last else None,
                }
            )
        readable = vault.notes[ref.target].sha != ""  # not a note too large or broken to read
        body = _note_text(self.loaded.root, ref.target) if readable else ""
        return {
            **self._note(ref.target),
            "known": True,
            "industry": _line(info.industry),
            "website": _line(info.website),
            "people": people,
            "earlier": [
                self._meeting_row(m)
                for m in self._earlier(meeting, vault.meetings_of_company.get(ref.target, []))
            ],
            "notes": excerpt(body) if body.strip() else None,
        }

    def asked_before(self, meeting: Meeting) -> dict[str, dict[str, Any]]:
        """Questions in ``## Questions`` of earlier, not cancelled, meetings with the same
        people: normalised text -> the latest such meeting."""
        found: dict[str, dict[str, Any]] = {}
        for person in meeting.people:
            for m in self._earlier(meeting, self.vault.meetings_of_person.get(person, [])):
                if m.status == "cancelled":
                    continue
                section = self.vault.notes[m.path].section("Questions")
                if section is None:
                    continue
                for item in section.items:
                    key = normalise_question(item)
                    if not key:
                        continue
                    previous = found.get(key)
                    if previous is None or previous["sort_key"] < m.sort_key:
                        found[key] = {
                            "date": m.date.isoformat() if m.date else None,
                            "meeting": self._note(m.path),
                            "held": self.vault.held(m),
                            "sort_key": m.sort_key,
                        }
        return found

    def context(self, meeting: Meeting) -> dict[str, Any]:
        vault = self.vault
        asked = self.asked_before(meeting)

        def mark(text: str) -> dict[str, Any]:
            hit = asked.get(normalise_question(text))
            if hit is None:
                return {"text": text, "asked": None}
            public = {k: v for k, v in hit.items() if k != "sort_key"}
            return {"text": text, "asked": public}

        own = vault.notes[meeting.path].section("Questions")
        company = self.company(meeting)
        return {
            "meeting": {
                **self._meeting_row(meeting),
                "long_date": _long_date(meeting.date) if meeting.date else None,
                "duration": meeting.duration,
                "where": _line(meeting.where),
                "where_is_link": bool(meeting.where and re.match(r"https?://\S+$", meeting.where)),
                "role": _line(meeting.role),
                "stage": _line(meeting.stage),
            },
            "people": [self.person(meeting, p) for p in meeting.people],
            "unknown_people": [_line(r.label) for r in meeting.attendees if r.target is None],
            "company": company,
            "own_questions": [mark(q) for q in own.items] if own else [],
            "suggested": [
                {"name": theme["name"], "questions": [mark(q) for q in theme["questions"]]}
                for theme in (self.data.questions(meeting.kind) if meeting.kind else [])
            ],
            "checklist": self.data.checklist(meeting.kind),
            "after": after_meeting(vault, meeting, self.followups),
        }

    def output(self, meeting: Meeting) -> Output:
        kind = meeting.kind if meeting.kind in MEETING_KINDS else "other"
        path = sheet_path(self.vault, meeting)
        with self.vault.linking_from(path):  # links as Obsidian would write them there
            content = self.templates.render(f"prep/{kind}.md.j2", self.context(meeting))
            return Output(path, REGION, content, skeleton(self.vault, meeting))


# -- after the meeting -------------------------------------------------------------------


def after_meeting(
    vault: Vault, meeting: Meeting, settings: followups.Settings | None = None
) -> list[dict[str, Any]]:
    """What the follow-up rules will schedule once the meeting is over.

    One source of truth: the tasks are made by :func:`followups.meeting_tasks` with the
    rules configured in ``followups:`` (:func:`followups.settings_of`), exactly as they
    will be written after the meeting. A rule that needs what only the meeting brings
    (the people they suggest) or that will not apply (no status check) gets a line
    saying so; the keep-in-touch nudge closes the list. Each item is ``{"due":
    "YYYY-MM-DD" or None, "text": ..., "rule": ...}``, in the rules' order.
    """
    from . import followups

    if meeting.date is None:
        return []
    if settings is None:
        settings = followups.settings_of(vault.config)
    day = meeting.date

    def on(days: int) -> str:
        return (day + dt.timedelta(days=days)).isoformat()

    tasks = followups.meeting_tasks(vault, settings, meeting, ahead=True)
    items: list[dict[str, Any]] = [
        {"due": w.due.isoformat(), "text": w.text, "rule": w.rule} for w in tasks
    ]
    made = {w.rule for w in tasks}
    rules = settings.rules_for(meeting.kind)
    if settings.since is not None and day < settings.since:
        rules = {}  # followups.since: no tasks for this meeting
    if "referrals" in rules and not meeting.referrals:
        text = (
            "Get in touch with each person they suggest (list them under `referrals:` "
            "in the meeting's front-matter)"
        )
        items.append({"due": on(rules["referrals"]), "text": text, "rule": "referrals"})
    if "status_check" in rules and "status_check" not in made:
        later = _later_with_company(vault, meeting)
        if later is not None:
            text = f"No status check: your next meeting with them is {vault.link(later.path)}"
        else:
            text = "No status check after this stage: the next move is theirs"
        items.append({"due": None, "text": text, "rule": "status_check"})
    order = {rule: n for n, rule in enumerate(followups.RULES)}
    items.sort(key=lambda item: order.get(item["rule"], len(order)))
    if settings.keep_in_touch:
        for person in meeting.people:
            cadence = followups.cadence_of(vault, person)
            if cadence > 0:
                text = (
                    f"If you have not met again by then, a nudge to reach out to "
                    f"{vault.link(person)} (every {cadence} days)"
                )
                items.append({"due": on(cadence), "text": text, "rule": followups.KEEP_IN_TOUCH})
    return items


def _later_with_company(vault: Vault, meeting: Meeting) -> Meeting | None:
    if meeting.company is None or meeting.company.target is None:
        return None
    later = [
        m
        for p in vault.meetings_of_company.get(meeting.company.target, [])
        if (m := vault.meetings[p]).sort_key > meeting.sort_key and m.status != "cancelled"
    ]
    return min(later, key=lambda m: m.sort_key) if later else None


# -- the pipeline's doors ------------------------------------------------------------------


def _check_folder(loaded: Loaded) -> None:
    folder = f"{loaded.config.output_folder.strip('/')}/{PREP_FOLDER}"
    try:
        inside(loaded.root, f"{folder}/x.md")
    except UnsafeWrite:
        raise ConfigError(
            f"vaultkit.yaml: output_folder {loaded.config.output_folder!r} leads outside the "
            "vault or into a hidden folder; prep sheets are not written"
        ) from None


def prep_outputs(loaded: Loaded, templates: Templates) -> Iterator[Output]:
    """The ``prep`` region of the sheet of every meeting in the horizon."""
    _check_folder(loaded)
    prep = Prep(loaded, templates)
    for meeting in loaded.vault.meetings.values():
        if in_horizon(loaded.vault, meeting):
            yield prep.output(meeting)


def find_meeting(vault: Vault, name: str) -> Meeting:
    """A meeting by note name (resolved like a link) or vault-relative path."""
    raw = name.strip().replace("\\", "/").removeprefix("./")
    for candidate in (raw, f"{raw}.md"):
        if candidate in vault.meetings:
            return vault.meetings[candidate]
    assert vault.resolver is not None
    found = vault.resolver.resolve(raw, vault.kinds, Kind.MEETING)
    if found.target is None:
        if found.candidates:
            raise UnknownMeeting(
                f"{name!r} matches several notes: {', '.join(found.candidates)}; "
                "give the path instead"
            )
        raise UnknownMeeting(f"no meeting note named {name!r} in the vault")
    if found.target not in vault.meetings:
        raise UnknownMeeting(f"{found.target} is a {vault.kinds[found.target]} note, not a meeting")
    return vault.meetings[found.target]


@dataclass
class PrepResult:
    """What ``vaultkit prep`` did: the sheet's path and the run."""

    path: Path
    rel: str
    result: RunResult


def prep_one(root: Path, today: dt.date, name: str) -> PrepResult:
    """Write one meeting's prep sheet now, whatever its date or status."""
    from . import build
    from .render import Templates

    loaded = build.load(root, today)
    meeting = find_meeting(loaded.vault, name)
    _check_folder(loaded)
    templates = Templates(loaded.root, loaded.config.templates_folder)
    output = Prep(loaded, templates).output(meeting)
    if output.path in loaded.unwritable:
        raise UnknownMeeting(f"{output.path}: vaultkit does not write this note (vaultkit: false?)")
    plans, problems = build.plan(loaded, group([output]))
    about = (meeting.path, output.path)
    mine = [p for p in loaded.problems if p.path in about]
    result = build.RunResult(loaded, plans, [*mine, *problems])
    from .backup import open_run

    config = loaded.config
    backup = open_run(loaded.root, config.backup_runs, config.backup_megabytes)
    try:  # kept like regen's writes, so `vaultkit undo` can take the sheet back
        written, write_problems = build.apply(loaded, plans, {output.path: [output]}, backup)
    finally:
        backup.close()
    result.written = written
    result.problems = sorted(set([*result.problems, *write_problems]))
    return PrepResult(loaded.root / output.path, output.path, result)


# -- sheets left without a meeting -------------------------------------------------------

_MD_DEST = re.compile(r"^\s*\[[^\[\]]*\]\(<?([^()<>]+?)>?\)\s*$")


def orphan_sheets(vault: Vault) -> list[Problem]:
    """A warning for each prep sheet whose ``meeting:`` names no meeting note any more
    (its meeting was renamed or deleted outside ``vaultkit rename``)."""
    prefix = nfc_key(f"{vault.config.output_folder.strip('/')}/{PREP_FOLDER}/")
    assert vault.resolver is not None
    problems: list[Problem] = []
    for path, note in vault.notes.items():
        if PREP_FOLDER.casefold() not in path.casefold():
            continue
        key = nfc_key(path)
        if not key.startswith(prefix) or "/" in key[len(prefix) :]:
            continue
        raw = note.meta.get("meeting")
        if note.meta.get("type") != "prep" or not isinstance(raw, str) or not raw.strip():
            continue
        md = _MD_DEST.match(raw)
        if md is not None:
            dest = unquote(md.group(1).split("#", 1)[0])
            if dest.startswith(("./", "../")):
                dest = posixpath.normpath(posixpath.join(posixpath.dirname(path), dest))
            name = link_target(dest)
        else:
            name = link_target(raw)
        found = vault.resolver.resolve(name, vault.kinds, Kind.MEETING)
        if found.target in vault.meetings:
            continue
        problems.append(
            Problem(
                path,
                note.meta_lines.get("meeting", 1),
                f"meeting: {raw.strip()!r} is no meeting note now; this prep sheet belongs to "
                "no meeting (use vaultkit rename to rename a meeting; move your notes from "
                "here, then delete this sheet)",
                Severity.WARNING,
                "orphan-sheet",
            )
        )
    return sorted(problems)
