"""The vault model: people, companies, meetings and ordinary notes, and their links.

Built from parsed notes only (no file access). Names resolve as Obsidian resolves
them (file name without ``.md``, case-insensitively, then aliases; a path-qualified
name picks that file), compared in Unicode NFC. A name never becomes a path: it is
only ever looked up among the notes the scan found.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from .config import MAX_DAYS, Config
from .errors import Problem, Severity
from .names import safe_filename
from .obsidian import ObsidianSettings
from .parse import ParsedNote, nfc_key, pickles_fast


class Kind(StrEnum):
    PERSON = "person"
    COMPANY = "company"
    MEETING = "meeting"
    NOTE = "note"
    GENERATED = "generated"
    """A note in vaultkit's own output folder (prep sheets, dashboards)."""


MEETING_KINDS = ("informational", "job", "casual", "networking")
_KIND_WORDS = {
    "informational": "informational",
    "informational interview": "informational",
    "info": "informational",
    "info interview": "informational",
    "job": "job",
    "job interview": "job",
    "interview": "job",
    "casual": "casual",
    "casual interview": "casual",
    "informal": "casual",
    "informal interview": "casual",
    "networking": "networking",
    "coffee": "networking",
    "coffee chat": "networking",
    "chat": "networking",
}
_STATUS_WORDS = {
    "planned": "planned",
    "scheduled": "planned",
    "upcoming": "planned",
    "done": "done",
    "held": "done",
    "completed": "done",
    "complete": "done",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}
_DATE_RE = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?\s*$"
)
_TIME_RE = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*(am|pm)?\s*$", re.IGNORECASE)
_NAME_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\b")
_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")


@lru_cache(maxsize=1 << 16)  # pure; the same names come back many times per run
def stem_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.endswith(".md") else name


@lru_cache(maxsize=1 << 16)
def link_target(raw: str) -> str:
    """The note name a link or plain value points at: no brackets, alias, heading or .md."""
    text = raw.strip()
    if text.startswith("!"):
        text = text[1:]
    if text.startswith("[[") and text.endswith("]]"):
        text = text[2:-2]
    text = text.split("|", 1)[0]
    text = text.split("#", 1)[0]
    text = text.strip()
    if text.casefold().endswith(".md"):
        text = text[:-3]
    return text.strip()


def values_of(value: Any) -> list[str]:
    """The names in a front-matter value: a string, a list, or YAML's reading of an
    unquoted ``[[Name]]`` (a list inside a list)."""
    out: list[str] = []
    if value is None:
        return out
    if isinstance(value, str):
        if value.strip():
            out.append(value.strip())
        return out
    if isinstance(value, list):
        for item in value:
            if isinstance(item, list):
                inner = values_of(item)
                out.extend(f"[[{v}]]" if not v.startswith("[[") else v for v in inner)
            elif (
                isinstance(item, str | int | float)
                and not isinstance(item, bool)
                and str(item).strip()
            ):
                out.append(str(item).strip())
        return out
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)]
    return out


@pickles_fast("target")  # a kept model loads fast (vaultkit.modelcache)
@dataclass(frozen=True, slots=True)
class Resolution:
    target: str | None
    candidates: tuple[str, ...] = ()


class Resolver:
    """Looks names up among the vault's notes, by file name, path and alias."""

    def __init__(self, paths: Iterable[str], aliases: Mapping[str, Iterable[str]]) -> None:
        self._by_stem: dict[str, list[str]] = defaultdict(list)
        self._by_alias: dict[str, list[str]] = defaultdict(list)
        self._memo: dict[tuple[str, Kind | None], Resolution] = {}
        self._memo_kinds: Mapping[str, Kind] | None = None
        for path in paths:
            self._by_stem[nfc_key(stem_of(path))].append(path)
        for path, names in aliases.items():
            for name in names:
                key = nfc_key(name)
                if path not in self._by_alias[key]:
                    self._by_alias[key].append(path)

    def resolve(self, raw: str, kinds: Mapping[str, Kind], want: Kind | None = None) -> Resolution:
        # The same names come back thousands of times in a large vault: answer them once
        # (for one ``kinds`` mapping at a time; another one starts afresh).
        if kinds is not self._memo_kinds:
            if kinds != self._memo_kinds:
                self._memo.clear()
            self._memo_kinds = kinds
        memo_key = (raw, want)
        found = self._memo.get(memo_key)
        if found is None:
            found = self._memo[memo_key] = self._resolve(raw, kinds, want)
        return found

    def _resolve(self, raw: str, kinds: Mapping[str, Kind], want: Kind | None) -> Resolution:
        name = link_target(raw)
        if not name:
            return Resolution(None)
        key = nfc_key(name.replace("\\", "/"))
        if "/" in key:
            folder, _, last = key.rstrip("/").rpartition("/")
            matches = [
                p
                for p in self._by_stem.get(last, [])
                if nfc_key(p[:-3]) == key or nfc_key(p[:-3]).endswith("/" + key)
            ]
            exact = [p for p in matches if nfc_key(p[:-3]) == key]
            if exact:  # the full path from the vault's root beats a trailing part of one
                matches = exact
            if not folder or ".." in key.split("/"):
                matches = []
        else:
            matches = list(self._by_stem.get(key, []))
            if not matches:
                matches = list(self._by_alias.get(key, []))
        if len(matches) > 1 and want is not None:
            typed = [p for p in matches if kinds.get(p) == want]
            if len(typed) == 1:
                matches = typed
        if len(matches) == 1:
            return Resolution(matches[0])
        return Resolution(None, tuple(sorted(matches)))


@pickles_fast("raw", "target")  # a kept model loads fast (vaultkit.modelcache)
@dataclass(frozen=True, slots=True)
class Ref:
    """A name written in a note, and what it resolved to (a path, or None)."""

    raw: str
    target: str | None
    line: int

    @property
    def label(self) -> str:
        return link_target(self.raw)


@pickles_fast("path", "name", "role")  # a kept model loads fast (vaultkit.modelcache)
@dataclass(frozen=True, slots=True)
class Person:
    path: str
    name: str
    company: Ref | None
    role: str | None
    email: str | None
    linkedin: str | None
    introduced_by: Ref | None
    previous_companies: tuple[Ref, ...]
    keep_in_touch: int | None
    aliases: tuple[str, ...]


@pickles_fast("path", "name", "industry")  # a kept model loads fast (vaultkit.modelcache)
@dataclass(frozen=True, slots=True)
class Company:
    path: str
    name: str
    industry: str | None
    website: str | None
    aliases: tuple[str, ...]


@pickles_fast("path", "name", "kind", "status")  # a kept model loads fast (vaultkit.modelcache)
@dataclass(frozen=True, slots=True)
class Meeting:
    path: str
    name: str
    kind: str | None
    date: dt.date | None
    time: str | None
    duration: int | None
    attendees: tuple[Ref, ...]
    company: Ref | None
    company_derived: bool
    where: str | None
    status: str
    role: str | None
    stage: str | None
    referrals: tuple[Ref, ...]

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(r.target for r in self.attendees if r.target)

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.date.isoformat() if self.date else "", self.time or "", self.path)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, list | dict):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    # One line: a line break in a value (role: "a\nb") would break the list it is
    # shown in, or forge a region marker.
    text = _LINE_BREAKS.sub(" ", str(value)).strip()
    return text or None


def parse_date(value: Any) -> tuple[dt.date | None, str | None]:
    """A meeting's date and time from ``2026-11-10``, ``2026-11-10T15:30`` or
    ``"2026-11-10 15:30"`` (a YAML date, datetime or text)."""
    if isinstance(value, dt.datetime):
        return value.date(), f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, str):
        m = _DATE_RE.match(value)
        if m:
            try:
                day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None, None
            clock = f"{int(m.group(4)):02d}:{m.group(5)}" if m.group(4) else None
            if m.group(4) and (int(m.group(4)) > 23 or int(m.group(5)) > 59):
                clock = None  # 25:99 is no time of day (reported by build_model)
            return day, clock
    return None, None


def parse_time(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"  # a YAML 1.1 reader's 10:00 -> 600
    m = _TIME_RE.match(str(value))
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    ampm = (m.group(3) or "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


MAX_DURATION = 24 * 60
"""The longest meeting, in minutes, that a ``duration:`` may give."""


def _clock_problems(
    path: str, lines: dict[str, int], meta: dict[str, Any], clock: str | None
) -> list[Problem]:
    """Warnings for a time of day that is no time (``date: 2026-11-30T25:99``, ``time: 9``)."""
    out = []
    raw = meta.get("date")
    m = _DATE_RE.match(raw) if isinstance(raw, str) else None
    if m and m.group(4) and clock is None:
        out.append(
            Problem(
                path,
                lines.get("date", 1),
                f"date: {m.group(4)}:{m.group(5)} is not a time of day (use 00:00 to 23:59); "
                "the time is left out",
                Severity.WARNING,
                "bad-time",
            )
        )
    if meta.get("time") is not None and parse_time(meta.get("time")) is None:
        out.append(
            Problem(
                path,
                lines.get("time", 1),
                f"time: {meta.get('time')!r} is not a time of day (use 15:30 or 3:30pm); "
                "it is left out",
                Severity.WARNING,
                "bad-time",
            )
        )
    return out


def _duration(path: str, lines: dict[str, int], value: Any, problems: list[Problem]) -> int | None:
    """A meeting's length in minutes: a whole number from 1 to a day; anything else is reported."""
    if value is None:
        return None
    minutes = _int(value)
    if minutes is not None and 0 < minutes <= MAX_DURATION:
        return minutes
    problems.append(
        Problem(
            path,
            lines.get("duration", 1),
            f"duration: {value!r} is not a number of minutes (1 to {MAX_DURATION}); it is left out",
            Severity.WARNING,
            "bad-duration",
        )
    )
    return None


def _person_file(config: Config, label: str) -> str:
    """Where a new person note for ``label`` would go: a safe name in the people folder."""
    folder = config.people_folders[0].strip("/") if config.people_folders else "People"
    return f"{folder}/{safe_filename(label)}.md"


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


@dataclass
class Vault:
    """The whole model. Built once per run by :func:`build_model`."""

    config: Config
    today: dt.date
    notes: dict[str, ParsedNote]
    kinds: dict[str, Kind]
    people: dict[str, Person] = field(default_factory=dict)
    companies: dict[str, Company] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    """Every problem the model found, sorted: those of each note and the shared ones."""
    note_problems: dict[str, list[Problem]] = field(default_factory=dict)
    """The problems each note's record has (only notes that have any)."""
    shared_problems: list[Problem] = field(default_factory=list)
    """Problems of the vault as a whole (likely duplicate people)."""
    resolver: Resolver | None = None
    # derived facts
    meetings_of_person: dict[str, list[str]] = field(default_factory=dict)
    meetings_of_company: dict[str, list[str]] = field(default_factory=dict)
    employees: dict[str, list[str]] = field(default_factory=dict)
    former_employees: dict[str, list[str]] = field(default_factory=dict)
    introduced: dict[str, list[str]] = field(default_factory=dict)
    referrals_made: dict[str, list[tuple[Ref, str]]] = field(default_factory=dict)
    referred_by: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    mentions: dict[str, list[str]] = field(default_factory=dict)
    # how links are written: Obsidian's settings, and the note being written into
    obsidian: ObsidianSettings = field(default_factory=ObsidianSettings)
    link_source: str | None = None
    _links: dict[tuple[str, str | None], str] = field(
        default_factory=dict, repr=False, compare=False
    )
    unique_names: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    """:meth:`unique_stem`'s answers, for one run's renders (dropped after: see
    :func:`vaultkit.build.regen`)."""
    id_keys: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """What each note contributes to a follow-up's id (``followups._key``), the same way."""

    def name(self, path: str) -> str:
        return stem_of(path)

    def unique_stem(self, path: str) -> bool:
        """Whether the note's name alone finds it. For a note not written yet (a prep
        sheet vaultkit is about to create): whether no note has that name, so a link
        to it reads the same before and after it is created."""
        known = self.unique_names.get(path)
        if known is None:
            known = self.unique_names[path] = self._unique_stem(path)
        return known

    def _unique_stem(self, path: str) -> bool:
        assert self.resolver is not None
        found = self.resolver.resolve(stem_of(path), self.kinds)
        if path in self.notes:
            return found.target == path
        stem = nfc_key(stem_of(path))
        return all(nfc_key(stem_of(p)) != stem for p in (found.target, *found.candidates) if p)

    def link(self, path: str, source: str | None = None) -> str:
        """A link to a note, written as Obsidian is set to write it.

        A wikilink (``[[Name]]``), or a Markdown link (``[Name](Name.md)``) when
        Obsidian's ``useMarkdownLinks`` is on; by name, or by a path from the root
        (``absolute``) or from ``source`` (``relative``, the note the link is written
        into: the argument, else :meth:`linking_from`'s), as ``newLinkFormat`` says.
        A name that is not unique is always path-qualified. Answers are remembered.
        """
        source = source if source is not None else self.link_source
        key = (path, source if self.obsidian.link_format == "relative" else None)
        found = self._links.get(key)
        if found is None:
            found = self._links[key] = self._make_link(path, source)
        return found

    def _make_link(self, path: str, source: str | None) -> str:
        name = stem_of(path)
        style = self.obsidian.link_format
        if style == "relative" and source is not None:
            target = posixpath.relpath(path, posixpath.dirname(source) or ".")
        elif style != "shortest" or not self.unique_stem(path):
            target = path
        else:
            target = name + ".md"
        if self.obsidian.markdown_links:
            text = re.sub(r"([\\\[\]])", r"\\\1", name)
            return f"[{text}]({quote(target, safe='/')})"
        target = target[:-3]
        return f"[[{name}]]" if target == name else f"[[{target}|{name}]]"

    @contextmanager
    def linking_from(self, path: str) -> Iterator[None]:
        """Within this block, :meth:`link` writes links as seen from the note ``path``."""
        saved, self.link_source = self.link_source, path
        try:
            yield
        finally:
            self.link_source = saved

    def held(self, meeting: Meeting) -> bool:
        """A meeting that took place: before today and not cancelled."""
        return (
            meeting.status != "cancelled"
            and meeting.date is not None
            and (meeting.date < self.today)
        )

    def last_contact(self, person: str) -> dt.date | None:
        dates = [
            m.date
            for p in self.meetings_of_person.get(person, [])
            if (m := self.meetings[p]).date is not None and self.held(m)
        ]
        return max(dates) if dates else None


def _kind_of(note: ParsedNote, config: Config) -> Kind:
    output = nfc_key(config.output_folder.strip("/")) + "/"
    if nfc_key(note.path).startswith(output):
        return Kind.GENERATED
    declared = note.meta.get("type")
    if isinstance(declared, str):
        key = declared.strip().casefold()
        for kind in (Kind.PERSON, Kind.COMPANY, Kind.MEETING):
            if key == kind.value:
                return kind
        return Kind.NOTE
    folders = [nfc_key(p) for p in note.path.split("/")[:-1]]
    mapping = (
        (Kind.PERSON, config.people_folders),
        (Kind.COMPANY, config.company_folders),
        (Kind.MEETING, config.meeting_folders),
    )
    best: tuple[int, Kind] | None = None
    for depth, folder in enumerate(folders):
        for kind, names in mapping:
            if folder in (nfc_key(n) for n in names):
                best = (depth, kind)
    return best[1] if best else Kind.NOTE


_last_resolver: list[tuple[list[str], dict[str, list[str]], Resolver]] = []


def _resolver(paths: list[str], aliases: dict[str, list[str]]) -> Resolver:
    """A resolver for these notes: the last one (and the answers it remembers) when the
    notes and their aliases are the same as last time (the watcher's every rebuild)."""
    if _last_resolver:
        last_paths, last_aliases, last = _last_resolver[0]
        if last_paths == paths and last_aliases == aliases:
            return last
    resolver = Resolver(paths, aliases)
    _last_resolver[:] = [(paths, aliases, resolver)]
    return resolver


def build_model(
    notes: Mapping[str, ParsedNote], config: Config, today: dt.date, opted_out: Iterable[str] = ()
) -> Vault:
    """Build the model from parsed notes (sorted by path for determinism)."""
    ordered = dict(sorted(notes.items()))
    kinds = {path: _kind_of(note, config) for path, note in ordered.items()}
    aliases = {path: values_of(note.meta.get("aliases")) for path, note in ordered.items()}
    vault = Vault(config=config, today=today, notes=ordered, kinds=kinds)
    vault.resolver = _resolver(list(ordered), aliases)
    records = _Records(vault)
    for path in ordered:
        if kinds[path] in (Kind.PERSON, Kind.COMPANY):
            records.build(path)
    for path in ordered:
        if kinds[path] == Kind.MEETING:
            records.build(path)
    _derive(vault)
    vault.shared_problems = _duplicates(vault)
    vault.problems = _all_problems(vault)
    return vault


def _all_problems(vault: Vault) -> list[Problem]:
    """Every note's problems and the vault-wide ones, sorted."""
    found = [p for problems in vault.note_problems.values() for p in problems]
    found.extend(vault.shared_problems)
    found.sort()
    return found


class _Records:
    """Builds the record (person, company or meeting) of one note and its problems.

    A record reads its own note, the resolver (every note's name and alias) and, for a
    meeting's company, its attendees' person records: so people come before meetings."""

    def __init__(self, vault: Vault) -> None:
        assert vault.resolver is not None
        self.vault = vault
        self.notes = vault.notes
        self.kinds = vault.kinds
        self.resolver = vault.resolver
        self.problems: list[Problem] = []

    def build(self, path: str) -> None:
        """(Re)build the record of ``path`` into the vault, with its problems."""
        self.problems = []
        kind = self.kinds[path]
        if kind == Kind.PERSON:
            self._person(path)
        elif kind == Kind.COMPANY:
            self._company(path)
        elif kind == Kind.MEETING:
            self._meeting(path)
        if self.problems:
            self.vault.note_problems[path] = self.problems
        else:
            self.vault.note_problems.pop(path, None)

    def ref(self, path: str, key: str, raw: str, want: Kind | None) -> Ref:
        note = self.notes[path]
        kinds = self.kinds
        problems = self.problems
        line = note.meta_lines.get(key, 1)
        res = self.resolver.resolve(raw, kinds, want)
        if res.target is None:
            if res.candidates:
                problems.append(
                    Problem(
                        path,
                        line,
                        f"{key}: {link_target(raw)!r} matches several notes: "
                        + ", ".join(res.candidates)
                        + "; use a path such as [["
                        + res.candidates[0][:-3]
                        + "]]",
                        Severity.ERROR,
                        "ambiguous-link",
                    )
                )
            else:
                problems.append(
                    Problem(
                        path,
                        line,
                        f"{key}: {link_target(raw)!r} matches no note",
                        Severity.WARNING,
                        "unresolved-link",
                    )
                )
        elif want is not None and kinds[res.target] != want:
            problems.append(
                Problem(
                    path,
                    line,
                    f"{key}: {link_target(raw)!r} is a {kinds[res.target]} note, not a {want}",
                    Severity.WARNING,
                    "wrong-kind",
                )
            )
            return Ref(raw, None, line)
        return Ref(raw, res.target, line)

    def refs(self, path: str, key: str, want: Kind | None) -> tuple[Ref, ...]:
        out: list[Ref] = []
        resolver = self.resolver
        for raw in values_of(self.notes[path].meta.get(key)):
            if "," in raw and "[[" not in raw and not resolver.resolve(raw, self.kinds).target:
                parts = [p.strip() for p in raw.split(",") if p.strip()]
            else:
                parts = [raw]
            out.extend(self.ref(path, key, part, want) for part in parts)
        return tuple(out)

    def one(self, path: str, key: str, want: Kind) -> Ref | None:
        found = self.refs(path, key, want)
        return found[0] if found else None

    def _person(self, path: str) -> None:
        note = self.notes[path]
        meta = note.meta
        problems = self.problems
        keep = _int(meta.get("keep_in_touch"))
        if keep is not None and keep > MAX_DAYS:
            problems.append(
                Problem(
                    path,
                    note.meta_lines.get("keep_in_touch", 1),
                    f"keep_in_touch: {keep} days is more than {MAX_DAYS} (100 years); "
                    "taken as never (write 0 for never)",
                    Severity.WARNING,
                    "bad-value",
                )
            )
            keep = 0
        if meta.get("keep_in_touch") is not None and keep is None:
            problems.append(
                Problem(
                    path,
                    note.meta_lines.get("keep_in_touch", 1),
                    "keep_in_touch: expected a number of days",
                    Severity.WARNING,
                    "bad-value",
                )
            )
        self.vault.people[path] = Person(
            path=path,
            name=stem_of(path),
            company=self.one(path, "company", Kind.COMPANY),
            role=_text(meta.get("role")),
            email=_text(meta.get("email")),
            linkedin=_text(meta.get("linkedin")),
            introduced_by=self.one(path, "introduced_by", Kind.PERSON),
            previous_companies=self.refs(path, "previous_companies", Kind.COMPANY),
            keep_in_touch=keep,
            aliases=tuple(values_of(meta.get("aliases"))),
        )

    def _company(self, path: str) -> None:
        meta = self.notes[path].meta
        self.vault.companies[path] = Company(
            path=path,
            name=stem_of(path),
            industry=_text(meta.get("industry")),
            website=_text(meta.get("website")),
            aliases=tuple(values_of(meta.get("aliases"))),
        )

    def _meeting(self, path: str) -> None:
        vault = self.vault
        config = vault.config
        today = vault.today
        note = self.notes[path]
        problems = self.problems
        meta = note.meta
        day, clock = parse_date(meta.get("date"))
        if day is None:
            if meta.get("date") is not None:
                problems.append(
                    Problem(
                        path,
                        note.meta_lines.get("date", 1),
                        f"date: {meta.get('date')!r} is not a date (use 2026-11-10 or "
                        "2026-11-10T15:30)",
                        Severity.ERROR,
                        "bad-date",
                    )
                )
            else:
                m = _NAME_DATE_RE.match(stem_of(path))
                if m:
                    day, _ = parse_date(m.group(0))
            if day is None and meta.get("date") is None:
                problems.append(
                    Problem(
                        path,
                        1,
                        "meeting has no date (add date: 2026-11-10 to its front-matter)",
                        Severity.ERROR,
                        "no-date",
                    )
                )
        problems.extend(_clock_problems(path, note.meta_lines, meta, clock))
        clock = parse_time(meta.get("time")) or clock
        raw_kind = _text(meta.get("kind"))
        kind_name: str | None = None
        if raw_kind is None:
            problems.append(
                Problem(
                    path,
                    1,
                    "meeting has no kind (informational, job, casual or networking)",
                    Severity.WARNING,
                    "no-kind",
                )
            )
        else:
            kind_name = _KIND_WORDS.get(raw_kind.casefold())
            if kind_name is None:
                problems.append(
                    Problem(
                        path,
                        note.meta_lines.get("kind", 1),
                        f"kind: {raw_kind!r} is not one of informational, job, casual, networking",
                        Severity.ERROR,
                        "bad-kind",
                    )
                )
        raw_status = _text(meta.get("status"))
        status = _STATUS_WORDS.get(raw_status.casefold()) if raw_status else None
        if raw_status and status is None:
            problems.append(
                Problem(
                    path,
                    note.meta_lines.get("status", 1),
                    f"status: {raw_status!r} is not one of planned, done, cancelled",
                    Severity.WARNING,
                    "bad-status",
                )
            )
        if status is None:
            status = "done" if day is not None and day < today else "planned"
        attendees = self.refs(path, "with", Kind.PERSON)
        for r in attendees:
            if r.target is None and not self.resolver.resolve(r.raw, self.kinds).candidates:
                # One problem, not two: this one says more than "matches no note".
                unresolved = Problem(
                    path,
                    r.line,
                    f"with: {r.label!r} matches no note",
                    Severity.WARNING,
                    "unresolved-link",
                )
                if unresolved in problems:
                    problems.remove(unresolved)
                problems.append(
                    Problem(
                        path,
                        r.line,
                        f"with: {r.label!r} has no person note "
                        f"(create {_person_file(config, r.label)}?)",
                        Severity.WARNING,
                        "no-person-note",
                    )
                )
        company = self.one(path, "company", Kind.COMPANY)
        derived = False
        if company is None or (company.target is None and meta.get("company") is None):
            for r in attendees:
                person = vault.people.get(r.target or "")
                if person and person.company and person.company.target:
                    company, derived = person.company, True
                    break
        vault.meetings[path] = Meeting(
            path=path,
            name=stem_of(path),
            kind=kind_name,
            date=day,
            time=clock,
            duration=_duration(path, note.meta_lines, meta.get("duration"), problems),
            attendees=attendees,
            company=company,
            company_derived=derived,
            where=_text(meta.get("where")),
            status=status,
            role=_text(meta.get("role")),
            stage=_text(meta.get("stage")),
            referrals=self.refs(path, "referrals", Kind.PERSON),
        )


# -- derived facts: what each record contributes, gathered over the vault ------------------
#
# Each fact maps a note to a list. Every entry comes from one record (its "owner"), and
# each list has one order that does not depend on how it was gathered, so a fact can be
# gathered for the whole vault (:func:`_derive`) or patched for a few changed records
# (:func:`update_model`) with the same result.


def meeting_companies(vault: Vault, meeting: Meeting) -> list[str]:
    """A company's meetings: those naming it, and those held with its people."""
    companies = [meeting.company.target if meeting.company else None]
    for attendee in meeting.people:
        current = vault.people[attendee].company if attendee in vault.people else None
        companies.append(current.target if current else None)
    return list(dict.fromkeys(c for c in companies if c))


_Facts = dict[str, dict[str, list[Any]]]


def _meeting_facts(vault: Vault, meeting: Meeting, into: _Facts) -> None:
    path = meeting.path
    for attendee in dict.fromkeys(meeting.people):
        into["meetings_of_person"].setdefault(attendee, []).append(path)
    for company in meeting_companies(vault, meeting):
        into["meetings_of_company"].setdefault(company, []).append(path)
    for r in meeting.referrals:
        for attendee in meeting.people:
            into["referrals_made"].setdefault(attendee, []).append((r, path))
            if r.target:
                into["referred_by"].setdefault(r.target, []).append((attendee, path))


def _person_facts(person: Person, into: _Facts) -> None:
    path = person.path
    if person.company and person.company.target:
        into["employees"].setdefault(person.company.target, []).append(path)
    for prev in person.previous_companies:
        if prev.target:
            into["former_employees"].setdefault(prev.target, []).append(path)
    if person.introduced_by and person.introduced_by.target:
        into["introduced"].setdefault(person.introduced_by.target, []).append(path)


def mentioned(vault: Vault, path: str) -> set[str]:
    """The notes the body of ``path`` links to (itself aside; none for vaultkit's own)."""
    if vault.kinds[path] == Kind.GENERATED:
        return set()
    assert vault.resolver is not None
    resolve, kinds = vault.resolver.resolve, vault.kinds
    targets = {resolve(link.target, kinds).target for link in vault.notes[path].links}
    return {t for t in targets if t and t != path}


def _mention_facts(vault: Vault, path: str, into: _Facts) -> None:
    mentions = into["mentions"]
    for target in mentioned(vault, path):
        mentions.setdefault(target, []).append(path)


_MEETING_FACTS = ("meetings_of_person", "meetings_of_company", "referrals_made", "referred_by")
_PERSON_FACTS = ("employees", "former_employees", "introduced")
_MENTION_FACTS = ("mentions",)


def _no_facts() -> _Facts:
    return {name: {} for name in (*_MEETING_FACTS, *_PERSON_FACTS, *_MENTION_FACTS)}


def _owner(name: str, entry: Any) -> str:
    """The note an entry of a fact comes from."""
    return str(entry[1]) if name in ("referrals_made", "referred_by") else str(entry)


def _sort_fact(vault: Vault, name: str, entries: list[Any]) -> None:
    """Put one list of a fact in its order: meetings newest first; anything else by the
    note it comes from (a stable sort keeps the entries of one note in their order)."""
    if name in ("meetings_of_person", "meetings_of_company"):
        entries.sort(key=lambda p: vault.meetings[p].sort_key, reverse=True)
    elif name in ("referrals_made", "referred_by"):
        entries.sort(key=lambda e: e[1])
    else:
        entries.sort()


def _derive(vault: Vault) -> None:
    facts = _no_facts()
    for meeting in vault.meetings.values():
        _meeting_facts(vault, meeting, facts)
    for person in vault.people.values():
        _person_facts(person, facts)
    for path in vault.notes:
        _mention_facts(vault, path, facts)
    for name, fact in facts.items():
        for entries in fact.values():
            _sort_fact(vault, name, entries)
        setattr(vault, name, fact)


def update_model(old: Vault, changed: Mapping[str, ParsedNote]) -> Vault | None:
    """The model after ``changed`` notes were edited, built from ``old`` by redoing only
    what those notes reach; equal to :func:`build_model` of all the notes.

    None when the edit changes how names resolve (a note's kind or aliases) or adds a
    note: then only a full build is right. Nothing of ``old`` is modified."""
    config = old.config
    for path, note in changed.items():
        if path not in old.notes or _kind_of(note, config) != old.kinds[path]:
            return None
        if values_of(note.meta.get("aliases")) != values_of(old.notes[path].meta.get("aliases")):
            return None
    notes = dict(old.notes)
    notes.update(changed)
    vault = Vault(
        config=config,
        today=old.today,
        notes=notes,
        kinds=old.kinds,
        people=dict(old.people),
        companies=dict(old.companies),
        meetings=dict(old.meetings),
        resolver=old.resolver,
        obsidian=old.obsidian,
        note_problems=dict(old.note_problems),
        shared_problems=old.shared_problems,
    )
    vault._links = dict(old._links)  # links depend on names only, which did not change
    kinds = old.kinds
    people = sorted(p for p in changed if kinds[p] == Kind.PERSON)
    meetings = {p for p in changed if kinds[p] == Kind.MEETING}
    for person in people:  # a meeting's company can come from its attendees' records
        meetings.update(old.meetings_of_person.get(person, ()))
    records = _Records(vault)
    for path in sorted(changed):
        if kinds[path] in (Kind.PERSON, Kind.COMPANY):
            records.build(path)
    for path in sorted(meetings):
        records.build(path)
    before, after = _no_facts(), _no_facts()
    for path in meetings:
        _meeting_facts(old, old.meetings[path], before)
        _meeting_facts(vault, vault.meetings[path], after)
    for path in people:
        _person_facts(old.people[path], before)
        _person_facts(vault.people[path], after)
    for path in changed:
        _mention_facts(old, path, before)
        _mention_facts(vault, path, after)
    redone_people, redone_notes = set(people), set(changed)
    owners: dict[str, set[str]] = {name: meetings for name in _MEETING_FACTS}
    owners.update({name: redone_people for name in _PERSON_FACTS})
    owners.update({name: redone_notes for name in _MENTION_FACTS})
    for name, redone in owners.items():
        fact: dict[str, list[Any]] = dict(getattr(old, name))
        for key in before[name].keys() | after[name].keys():
            entries = [e for e in fact.get(key, ()) if _owner(name, e) not in redone]
            entries.extend(after[name].get(key, ()))
            if entries:
                _sort_fact(vault, name, entries)
                fact[key] = entries
            else:
                fact.pop(key, None)
        setattr(vault, name, fact)
    vault.problems = _all_problems(vault)
    return vault


def _duplicates(vault: Vault) -> list[Problem]:
    """Likely duplicate people: same name after NFC and case folding, or name = alias."""
    found: list[Problem] = []
    by_key: dict[str, list[str]] = defaultdict(list)
    for path, person in vault.people.items():
        by_key[nfc_key(person.name)].append(path)
    for paths in by_key.values():
        if len(paths) > 1:
            for path in paths[1:]:
                found.append(
                    Problem(
                        path,
                        1,
                        f"likely the same person as {paths[0]} (same name)",
                        Severity.WARNING,
                        "duplicate-person",
                    )
                )
    for path, person in vault.people.items():
        for alias in person.aliases:
            for other in by_key.get(nfc_key(alias), []):
                if other != path:
                    found.append(
                        Problem(
                            other,
                            1,
                            f"likely the same person as {path} (its alias {alias!r})",
                            Severity.WARNING,
                            "duplicate-person",
                        )
                    )
    return found
