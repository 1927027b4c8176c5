"""Follow-ups: dated tasks after meetings, keep-in-touch nudges, and the dashboard.

Three steps, all from the model (no file access):

1. **rules** turn each held meeting into tasks (a thank-you note to each attendee,
   contacting referrals, a check-in, a status check, the next step) and each person
   met at least once into at most one keep-in-touch nudge;
2. **harvest** reads every ``followups`` region already in the vault (meeting notes,
   person notes, the dashboard) and finds each task vaultkit wrote by its id
   (``🆔 fu-1a2b3c4d``, the Obsidian Tasks id field), with whatever the user did to it;
3. **merge**: a task that already exists anywhere keeps everything the user did to
   it, merged by parts from all its copies (ticks, ``✅`` dates, tags, notes, a
   postponed date); an open one takes vaultkit's fresh links and a later fresh due
   date (see :func:`merge`); a task seen nowhere gets a fresh line, unless it is an
   old line under a person's former name (see :func:`_adopt`). So regenerating never
   duplicates or reopens a task, nor loses what the user wrote on it.

A task has one home line: the meeting's ``followups`` region, or the person's for a
nudge. The dashboard shows copies. The ``followups`` regions are tick-tolerant: the
normaliser registered with :mod:`vaultkit.plan` makes a changed status character and
text the user added to a task line not count as a hand edit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection, Container, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from . import plan
from .config import CONFIG_NAME, MAX_DAYS, Config
from .errors import ConfigError
from .model import Kind, Meeting, Ref, Vault
from .names import safe_filename
from .normalisers import ID_PREFIX, ID_RE, TASK_RE
from .normalisers import TRAILING_TAGS as _TRAILING_TAGS
from .normalisers import WIKILINK as _LINK
from .parse import ParsedNote, nfc_key
from .relink import rebase
from .render import Templates

REGION = "followups"
DUE_RE = re.compile(r"[📅📆🗓]\ufe0f?\s*(\d{4}-\d{2}-\d{2})")
DONE_RE = re.compile(r"✅\ufe0f?\s*(\d{4}-\d{2}-\d{2})")
OPEN_STATUSES = (" ", "/")

RULES = ("thank_you", "referrals", "check_in", "status_check", "next_step")
"""Meeting rules, in the order their tasks are listed."""
DEFAULT_RULES: dict[str, dict[str, int]] = {
    "informational": {"thank_you": 1, "referrals": 3, "check_in": 30},
    "job": {"thank_you": 1, "status_check": 7},
    "casual": {"thank_you": 1, "next_step": 2},
    "networking": {"thank_you": 1},
}
NO_KIND_RULES = {"thank_you": 1}
"""A meeting without a (known) kind still gets its thank-you notes."""
KEEP_IN_TOUCH = "keep_in_touch"
STYLES = ("copies", "queries")


# -- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The ``followups:`` section of ``vaultkit.yaml``, checked."""

    rules: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: DEFAULT_RULES)
    """Meeting kind -> rule -> days after the meeting the task is due."""
    final_stages: tuple[str, ...] = ("final",)
    """Job stages after which no status check is made."""
    keep_in_touch: bool = True
    """Whether to nudge about people not met for longer than their cadence."""
    dashboard: str | None = "Follow-ups.md"
    """File name of the dashboard in the output folder; None: no dashboard."""
    style: str = "copies"
    """``copies`` (tickable task lines) or ``queries`` (Obsidian Tasks query blocks)."""
    upcoming_days: int = 14
    """How far ahead the dashboard lists upcoming meetings (default: prep_horizon_days)."""
    week_days: int = 7
    """Tasks due within this many days after today are "this week"."""
    done_days: int = 14
    """How long a ticked task stays in the dashboard's "Done lately" section."""
    since: dt.date | None = None
    """Meetings before this date get no tasks (for a vault that predates vaultkit)."""

    def rules_for(self, kind: str | None) -> Mapping[str, int]:
        if kind is None:
            return NO_KIND_RULES
        return self.rules.get(kind, NO_KIND_RULES)


def _fail(key: str, message: str) -> ConfigError:
    return ConfigError(f"{CONFIG_NAME}: followups.{key}: {message}")


def _days(key: str, value: Any) -> int | None:
    """A rule's days: a whole number of 0 or more, or false/off to turn it off."""
    if value is False or (isinstance(value, str) and value.strip().casefold() in ("off", "no")):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(key, f"expected a number of days (0 or more) or false, not {value!r}")
    if value > MAX_DAYS:
        raise _fail(key, f"at most {MAX_DAYS} days (100 years), not {value}")
    return value


def _whole(key: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(key, f"expected a whole number of {minimum} or more, not {value!r}")
    if value > MAX_DAYS:
        raise _fail(key, f"at most {MAX_DAYS} days (100 years), not {value}")
    return value


def settings_of(config: Config) -> Settings:
    """Read and check ``followups:`` from the config; raise ConfigError naming the key."""
    raw = config.extra.get("followups")
    if raw is None:
        return Settings(upcoming_days=config.prep_horizon_days)
    if not isinstance(raw, dict):
        raise ConfigError(f"{CONFIG_NAME}: followups: expected a mapping of option: value")
    known = (
        "kinds",
        "final_stages",
        "keep_in_touch",
        "dashboard",
        "dashboard_style",
        "upcoming_days",
        "week_days",
        "done_days",
        "since",
    )
    for key in raw:
        if key not in known:
            raise _fail(str(key), f"unknown option (known: {', '.join(sorted(known))})")
    rules = {kind: dict(r) for kind, r in DEFAULT_RULES.items()}
    kinds = raw.get("kinds", {})
    if not isinstance(kinds, dict):
        raise _fail("kinds", "expected a mapping of meeting kind: rules")
    for kind, given in kinds.items():
        if kind not in DEFAULT_RULES:
            raise _fail(
                f"kinds.{kind}", f"unknown meeting kind (known: {', '.join(DEFAULT_RULES)})"
            )
        if given is False or given is None:
            rules[kind] = {}
            continue
        if not isinstance(given, dict):
            raise _fail(f"kinds.{kind}", "expected a mapping of rule: days")
        for rule, value in given.items():
            if rule not in RULES:
                raise _fail(f"kinds.{kind}.{rule}", f"unknown rule (known: {', '.join(RULES)})")
            days = _days(f"kinds.{kind}.{rule}", value)
            if days is None:
                rules[kind].pop(str(rule), None)
            else:
                rules[kind][str(rule)] = days
    stages = raw.get("final_stages", ["final"])
    if isinstance(stages, str):
        stages = [stages]
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        raise _fail("final_stages", "expected a list of stage names")
    keep = raw.get("keep_in_touch", True)
    if not isinstance(keep, bool):
        raise _fail("keep_in_touch", "expected true or false")
    dashboard = raw.get("dashboard", "Follow-ups.md")
    name: str | None
    if dashboard is False or dashboard is None:
        name = None
    elif isinstance(dashboard, str) and dashboard.strip():
        name = dashboard.strip()
        if not name.casefold().endswith(".md"):
            name += ".md"
        if safe_filename(name[:-3]) != name[:-3]:
            raise _fail(
                "dashboard",
                f"{dashboard!r} is not a plain file name (no folders or special characters; "
                f"try {safe_filename(name[:-3]) + '.md'!r})",
            )
    else:
        raise _fail("dashboard", "expected a file name such as Follow-ups.md, or false")
    style = raw.get("dashboard_style", "copies")
    if style not in STYLES:
        raise _fail("dashboard_style", f"expected one of {', '.join(STYLES)}, not {style!r}")
    since = raw.get("since")
    if isinstance(since, str):
        try:
            since = dt.date.fromisoformat(since.strip())
        except ValueError:
            raise _fail("since", f"{since!r} is not a date like 2026-11-01") from None
    if since is not None and (isinstance(since, dt.datetime) or not isinstance(since, dt.date)):
        raise _fail("since", f"expected a date like 2026-11-01, not {since!r}")
    return Settings(
        since=since,
        rules=rules,
        final_stages=tuple(s.strip().casefold() for s in stages),
        keep_in_touch=keep,
        dashboard=name,
        style=style,
        upcoming_days=_whole("upcoming_days", raw.get("upcoming_days", config.prep_horizon_days)),
        week_days=_whole("week_days", raw.get("week_days", 7), 1),
        done_days=_whole("done_days", raw.get("done_days", 14)),
    )


def dashboard_path(config: Config, settings: Settings) -> str | None:
    if settings.dashboard is None:
        return None
    return f"{config.output_folder.strip('/')}/{settings.dashboard}"


# -- task lines -------------------------------------------------------------------------


def task_id(rule: str, subject: str, target: str = "") -> str:
    """A task's stable id, from its rule, its meeting (or person) and its target person."""
    digest = hashlib.sha256(f"{rule}\x00{subject}\x00{target}".encode()).hexdigest()
    return ID_PREFIX + digest[:8]


def task_line(text: str, ident: str, due: dt.date, global_filter: str = "") -> str:
    """A fresh task line, in the order the Tasks plugin itself writes fields (id, then due).

    With the Tasks plugin's global filter set (e.g. ``#task``), the line starts with it
    unless the text already holds it, as the plugin only takes lines holding it as tasks.
    """
    if global_filter and global_filter not in text:
        text = f"{global_filter} {text}"
    return f"- [ ] {text} 🆔 {ident} 📅 {due.isoformat()}"


def _date(pattern: re.Pattern[str], line: str) -> dt.date | None:
    found = pattern.findall(line)
    if not found:
        return None
    try:
        return dt.date.fromisoformat(found[-1])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Seen:
    """A task line of vaultkit's found in a ``followups`` region."""

    id: str
    line: str
    status: str
    path: str
    index: int
    echo: bool = False
    """A ticked copy under the dashboard's "Done" heading: vaultkit wrote it ticked."""

    @property
    def closed(self) -> bool:
        return self.status not in OPEN_STATUSES

    @property
    def due(self) -> dt.date | None:
        return _date(DUE_RE, self.line)

    @property
    def done_on(self) -> dt.date | None:
        return _date(DONE_RE, self.line)

    def pristine(self) -> bool:
        """Open and nothing added after vaultkit's fields: safe to drop when obsolete."""
        return self.status == " " and bool(
            re.search(rf"🆔 {re.escape(self.id)} 📅 \d{{4}}-\d{{2}}-\d{{2}}$", self.line)
        )


_TASK_HEAD = re.compile(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[(?P<status>.)\][ \t]?")


def _task_head(line: str) -> tuple[str, int] | None:
    """A task line's status and where its text starts, as ``TASK_RE`` reads them, or None.

    On a single line ``TASK_RE`` matches whenever its start does (its text part takes
    anything up to the end); matching only the start spares its slow lazy tail."""
    if "\n" in line:
        m = TASK_RE.match(line)
        return (m.group("status"), m.start("text")) if m else None
    h = _TASK_HEAD.match(line)
    return (h.group("status"), h.end()) if h else None


def harvest(notes: Mapping[str, ParsedNote]) -> dict[str, list[Seen]]:
    """Every task line with a vaultkit id in every ``followups`` region, by id."""
    seen: dict[str, list[Seen]] = {}
    for path, note in notes.items():
        region = note.region(REGION)
        if region is None:
            if REGION in note.off:
                _harvest_kept(path, note, seen)
            continue
        heading = ""
        for index, raw in enumerate(region.text.replace("\r\n", "\n").split("\n")):
            if raw.startswith("## "):
                heading = raw[3:].strip().casefold()
            if "🆔" not in raw:  # no id (ID_RE needs it): not a line of vaultkit's
                continue
            head = _task_head(raw)
            found = ID_RE.search(raw) if head else None
            if not head or not found:
                continue
            line = raw.strip()
            status = head[0]
            seen.setdefault(found.group(1), []).append(
                Seen(
                    found.group(1),
                    line,
                    status,
                    path,
                    index,
                    echo=heading.startswith("done") and status not in OPEN_STATUSES,
                )
            )
    return seen


def _harvest_kept(path: str, note: ParsedNote, seen: dict[str, list[Seen]]) -> None:
    """Task lines with a vaultkit id that the user kept as their own text (``vaultkit
    resolve --keep-mine``): still the same tasks, so a tick there counts everywhere."""
    for task in note.tasks:
        found = ID_RE.search(task.text)
        if found is None:
            continue
        line = f"- [{task.status}] {task.text}"
        seen.setdefault(found.group(1), []).append(
            Seen(found.group(1), line, task.status, path, task.line)
        )


def pick(candidates: list[Seen], home: str, fresh: str | None) -> Seen:
    """The line that stands for a task when only its state matters (is it ticked?): a
    ticked one over an open one, the home line over a copy. A ticked copy in the
    dashboard's "Done" list is vaultkit's own echo of a ticked home line: if the home
    line is open now, the user reopened it, and that wins. To build the line itself,
    :func:`merge` combines every copy by parts."""
    candidates = _live(candidates, home)
    return max(
        candidates,
        key=lambda s: (s.closed, s.line != fresh, len(s.line), s.path == home, -s.index),
    )


def _live(candidates: list[Seen], home: str) -> list[Seen]:
    """The copies that count: without the dashboard's echoes when the home line is open."""
    if any(s.path == home and not s.closed for s in candidates):
        return [s for s in candidates if not s.echo] or candidates
    return candidates


_MDLINK = re.compile(r"\[[^\[\]\n]*\]\([^()\n]*\)")


def _blank(text: str) -> str:
    """Text with every link reduced to ``[[]]`` and spaces collapsed: what is left is the
    wording, whatever the links' targets or style."""
    return re.sub(r"\s+", " ", _MDLINK.sub("[[]]", _LINK.sub("[[]]", text))).strip()


@dataclass(frozen=True, slots=True)
class Parts:
    """A task line of vaultkit's taken apart: what vaultkit wrote and what was added."""

    status: str
    desc: str
    """The description, without trailing tags."""
    tags: tuple[str, ...]
    """Tags right before the id (where the Tasks plugin moves trailing tags)."""
    mid: str
    """Anything between the id and the due date (other Tasks fields)."""
    due: str | None
    done: str | None
    """The ``✅`` date."""
    tail: str
    """What follows the due date, without the ``✅`` date: the user's words."""

    def line(self, ident: str) -> str:
        out = f"- [{self.status}] {self.desc}"
        if self.tags:
            out += " " + " ".join(self.tags)
        out += f" 🆔 {ident}"
        for part in (self.mid, f"📅 {self.due}" if self.due else ""):
            if part:
                out += " " + part
        if self.done:
            out += f" ✅ {self.done}"
        if self.tail:
            out += " " + self.tail
        return out


_DUE_FIELD = re.compile(r"[📅📆🗓]\ufe0f?\s*(\d{4}-\d{2}-\d{2})")
_DONE_FIELD = re.compile(r"\s*✅\ufe0f?\s*(\d{4}-\d{2}-\d{2})")


def _squash(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()


def parts(line: str) -> Parts | None:
    """Take a task line with a vaultkit id apart (None: not such a line)."""
    head = _task_head(line)
    found = ID_RE.search(line) if head else None
    if head is None or found is None or found.start() < head[1]:
        return None
    status, text_at = head
    before = line[text_at : found.start()].rstrip()
    tags_m = _TRAILING_TAGS.search(before)
    desc = before
    tags: tuple[str, ...] = ()
    if tags_m:
        desc, tags = before[: tags_m.start()], tuple(tags_m.group().split())
    after = line[found.end() :]
    due_m = _DUE_FIELD.search(after)
    mid, rest, due = "", after, None
    if due_m:
        mid, rest, due = after[: due_m.start()], after[due_m.end() :], due_m.group(1)
    done = None
    for piece in (mid, rest):
        if (d := _DONE_FIELD.search(piece)) and done is None:
            done = d.group(1)
    mid = _squash(_DONE_FIELD.sub("", mid))
    rest = _squash(_DONE_FIELD.sub("", rest))
    return Parts(status, desc.strip(), tags, mid, due, done, rest)


def _texts(values: Iterable[str]) -> str:
    """Every distinct piece of the user's text, none lost: one that another contains
    goes (the user extended it in one copy); the others are kept, joined by `` · ``."""
    found: list[str] = []
    for value in values:
        if value and value not in found:
            found.append(value)
    kept = [v for v in found if not any(v != o and v in o for o in found)]
    return " · ".join(kept)


def _as_written(line: str, ident: str) -> bool:
    """Whether :func:`merge` of copies that all read exactly as this fresh line gives the
    line back byte for byte: a line of vaultkit's with id ``ident``, open, without a
    ``✅`` date or a repeated tag (the full merge would drop the repeat)."""
    head = _task_head(line)
    if head is None or head[0] not in OPEN_STATUSES:
        return False
    found = ID_RE.search(line)
    if found is None or found.group(1) != ident or found.start() < head[1]:
        return False
    if "✅" not in line and "#" not in line:  # no done date, no tags: nothing to merge
        return True
    p = parts(line)
    return p is not None and p.done is None and len(set(p.tags)) == len(p.tags)


def merge(candidates: list[Seen], home: str, ident: str, fresh: str | None) -> tuple[str, bool]:
    """The one line a task gets, from every copy of it and vaultkit's fresh line.

    Merged by parts, so nothing the user wrote in any copy is lost: the tick (and its
    ``✅`` date) from a ticked copy; the user's wording of the description if a copy has
    one, else vaultkit's fresh one (which differs from the old only in its links: a
    renamed person, another link style); every tag and every text added after the
    fields, from each copy; the due date the user set (a later one), or vaultkit's
    fresh one when that is later (the meeting moved) while the task is open. A line
    whose parts come out the same is kept byte for byte.
    """
    if (
        fresh is not None
        and candidates
        and all(s.line == fresh for s in candidates)
        and _as_written(fresh, ident)
    ):
        # The usual case: every copy (at home, in the dashboard) reads as vaultkit wrote
        # it; the full merge would give that line back, open (most of a run's work).
        return fresh, False
    return _merge_all(candidates, home, ident, fresh)


def _merge_all(
    candidates: list[Seen], home: str, ident: str, fresh: str | None
) -> tuple[str, bool]:
    """:func:`merge` without its shortcut: every copy taken apart and combined."""
    live = sorted(_live(candidates, home), key=lambda s: (s.path != home, s.path, s.index))
    taken = [(s, p) for s in live if (p := parts(s.line)) is not None]
    if not taken:
        best = pick(candidates, home, fresh)
        return best.line, best.closed
    new = parts(fresh) if fresh is not None else None
    closed = [p for _, p in taken if p.status not in OPEN_STATUSES]
    status = closed[0].status if closed else taken[0][1].status
    done = next((p.done for p in closed if p.done), None)
    if done is None and closed:
        done = next((p.done for _, p in taken if p.done), None)
    if new is not None:
        users = [p.desc for _, p in taken if _blank(p.desc) != _blank(new.desc)]
        descs = list(dict.fromkeys(users)) or [new.desc]
    else:
        descs = list(dict.fromkeys(p.desc for _, p in taken))
    tags = tuple(dict.fromkeys(t for _, p in taken for t in p.tags))
    dues = [p.due for p in closed if p.due] or [p.due for _, p in taken if p.due]
    if closed:
        due = dues[0] if dues else None  # a ticked task is a record: never re-dated
    else:
        if new is not None and new.due:
            dues.append(new.due)
        due = max(dues) if dues else None
    result = Parts(
        status,
        descs[0],
        tags,
        _texts(p.mid for _, p in taken),
        due,
        done,
        _texts([*(p.tail for _, p in taken), *descs[1:]]),
    )
    for s, p in taken:
        if p == result:
            line = s.line
            found = ID_RE.search(line)
            if found and found.group(1) != ident:
                line = line[: found.start(1)] + ident + line[found.end(1) :]
            return line, status not in OPEN_STATUSES
    return result.line(ident), status not in OPEN_STATUSES


# -- the rules --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Wanted:
    """A task a rule wants, before its state is looked up."""

    id: str
    rule: str
    home: str
    due: dt.date
    text: str
    meeting: str | None
    person: str | None
    """The person it is about (a path), when they have a note."""
    label: str
    """The person's name, also when they have no note."""


@dataclass(frozen=True, slots=True)
class Item:
    """A task as it ends up: its home, its line, and its state."""

    id: str
    rule: str
    home: str
    line: str
    closed: bool
    due: dt.date | None
    done_on: dt.date | None
    meeting: str | None
    label: str
    from_copy_only: bool = False
    """Ticked in the dashboard while its home could not take the tick."""

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.due.isoformat() if self.due else "9999", self.home, self.id)


def _key(vault: Vault, path: str) -> str:
    """What a note contributes to an id: its name (survives moving folders), or its
    path when the name is not unique."""
    found = vault.id_keys.get(path)
    if found is None:
        found = vault.id_keys[path] = (
            nfc_key(vault.name(path)) if vault.unique_stem(path) else nfc_key(path)
        )
    return found


def _person_link(vault: Vault, ref: Ref) -> tuple[str, str, str | None]:
    """(link, id key, path) of a person named in a meeting, with or without a note."""
    if ref.target:
        return vault.link(ref.target), _key(vault, ref.target), ref.target
    return f"[[{ref.label}]]", nfc_key(ref.label), None


def _later_meeting_with_company(vault: Vault, meeting: Meeting) -> bool:
    if meeting.company is None or meeting.company.target is None:
        return False
    for other in vault.meetings_of_company.get(meeting.company.target, []):
        m = vault.meetings[other]
        if other != meeting.path and m.status != "cancelled" and m.sort_key > meeting.sort_key:
            return True
    return False


def contacted(vault: Vault, person: str) -> bool:
    """A referral counts as contacted once a held meeting with them exists."""
    return any(vault.held(vault.meetings[m]) for m in vault.meetings_of_person.get(person, []))


def planned_with(vault: Vault, person: str) -> dt.date | None:
    """The date of the first planned (not cancelled, not yet held) meeting with someone:
    for a referral, contact is under way."""
    dates = [
        m.date
        for p in vault.meetings_of_person.get(person, [])
        if (m := vault.meetings[p]).status != "cancelled" and m.date and not vault.held(m)
    ]
    return min(dates) if dates else None


def meeting_tasks(
    vault: Vault, settings: Settings, meeting: Meeting, ahead: bool = False
) -> list[Wanted]:
    """What a held meeting asks of the user, by its kind's rules; ``ahead``: what it
    will ask once held (a prep sheet's "After the meeting")."""
    day = meeting.date
    if not (ahead or vault.held(meeting)) or day is None:
        return []
    if settings.since is not None and day < settings.since:
        return []
    rules = settings.rules_for(meeting.kind)
    here = vault.link(meeting.path)
    subject = _key(vault, meeting.path)
    out: list[Wanted] = []
    attendees = list({(r.target or nfc_key(r.label)): r for r in meeting.attendees}.values())

    def add(rule: str, ref: Ref | None, text: str) -> None:
        days = rules[rule]
        target = _person_link(vault, ref)[1] if ref else ""
        out.append(
            Wanted(
                task_id(rule, subject, target),
                rule,
                meeting.path,
                day + dt.timedelta(days=days),
                text,
                meeting.path,
                ref.target if ref else None,
                ref.label if ref else "",
            )
        )

    first = attendees[0] if attendees else None
    first_link = _person_link(vault, first)[0] if first else None
    for rule in RULES:
        if rule not in rules:
            continue
        if rule == "thank_you":
            for ref in attendees:
                add(rule, ref, f"Send a thank-you note to {_person_link(vault, ref)[0]} ({here})")
        elif rule == "referrals":
            suggested = ", ".join(_person_link(vault, r)[0] for r in attendees) or "the contact"
            for ref in meeting.referrals:
                if ref.target and (contacted(vault, ref.target) or planned_with(vault, ref.target)):
                    continue
                link = _person_link(vault, ref)[0]
                add(rule, ref, f"Get in touch with {link}, suggested by {suggested} ({here})")
        elif rule == "check_in" and first is not None:
            add(rule, first, f"Tell {first_link} how their advice has helped so far ({here})")
        elif rule == "status_check":
            stage = (meeting.stage or "").strip().casefold()
            if stage in settings.final_stages or _later_meeting_with_company(vault, meeting):
                continue
            where = ""
            if meeting.company and meeting.company.target:
                where = f" at {vault.link(meeting.company.target)}"
            who = f" with {first_link}" if first_link else ""
            add(rule, first, f"Check in{who} on the status of the application{where} ({here})")
        elif rule == "next_step":
            who = f" with {first_link}" if first_link else ""
            add(rule, first, f"Write down what to prepare for a next step{who} ({here})")
    return out


def _planned_meeting(vault: Vault, person: str) -> bool:
    return any(
        (m := vault.meetings[p]).status != "cancelled" and m.date is not None and not vault.held(m)
        for p in vault.meetings_of_person.get(person, [])
    )


def cadence_of(vault: Vault, person: str) -> int:
    """Days between keep-in-touch nudges for a person (0: never)."""
    cadence = vault.people[person].keep_in_touch
    return vault.config.keep_in_touch_days if cadence is None else cadence


def nudge(
    vault: Vault,
    settings: Settings,
    person: str,
    seen: Mapping[str, list[Seen]],
    at_home: Iterable[Seen] = (),
) -> Wanted | None:
    """The one keep-in-touch nudge a person may have, or None.

    Its period starts at the newest of the last held meeting and the last ticked nudge
    (its ``✅`` date, else its due date); it is due ``cadence`` days later. A scheduled
    meeting with them means the user already reached out: no nudge meanwhile.
    """
    if not settings.keep_in_touch:
        return None
    cadence = cadence_of(vault, person)
    last = vault.last_contact(person)
    if last is None or cadence <= 0:
        return None
    base, via = last, None
    for s in at_home:
        if not s.closed:
            continue
        reached = s.done_on or s.due
        if reached is not None and reached > base:
            base, via = reached, s
    for _ in range(8):  # a nudge ticked only in the dashboard moves the period on
        ident = task_id(KEEP_IN_TOUCH, _key(vault, person), base.isoformat())
        lines = seen.get(ident, [])
        best = pick(lines, person, None) if lines else None
        if best is None or not best.closed:
            break
        reached = best.done_on or best.due
        if reached is None or reached <= base:
            return None
        base, via = reached, best
    else:
        return None
    if _planned_meeting(vault, person):
        return None
    try:
        due = base + dt.timedelta(days=cadence)
    except OverflowError:  # beyond the year 9999: never (the model caps it, see MAX_DAYS)
        return None
    if due > vault.today:
        return None
    mine = vault.meetings_of_person.get(person, [])
    meetings = [m for m in mine if vault.held(vault.meetings[m])]
    if via is None and meetings:
        since = f"last met {last.isoformat()} in {vault.link(meetings[0])}"
    else:
        since = f"you last reached out on {base.isoformat()}"
    return Wanted(
        ident,
        KEEP_IN_TOUCH,
        person,
        due,
        f"Reach out to {vault.link(person)} ({since})",
        meetings[0] if meetings else None,
        person,
        vault.name(person),
    )


# -- merging ----------------------------------------------------------------------------


@dataclass
class Followups:
    """Everything follow-ups want this run."""

    homes: dict[str, list[str]]
    """Home note -> its region's task lines, in order."""
    items: list[Item]
    """Every generated task, for the dashboard."""


def home_accepts(vault: Vault, path: str, unwritable: Container[str]) -> bool:
    """Whether a home note will take what vaultkit writes to it this run."""
    if path in unwritable:
        return False
    note = vault.notes.get(path)
    if note is None or note.region_problem or REGION in note.off:
        return False
    region = note.region(REGION)
    return region is None or not region.edited


def compute(vault: Vault, settings: Settings, unwritable: set[str]) -> Followups:
    seen = harvest(vault.notes)
    wanted: list[Wanted] = []
    for path in sorted(vault.meetings, key=lambda p: vault.meetings[p].sort_key):
        if path not in unwritable:
            with vault.linking_from(path):  # a task's links, as seen from its home
                wanted.extend(meeting_tasks(vault, settings, vault.meetings[path]))
    by_path: dict[str, list[Seen]] = {}
    for lines in seen.values():
        for s in lines:
            by_path.setdefault(s.path, []).append(s)
    for path in sorted(vault.people):
        if path in unwritable:
            continue
        with vault.linking_from(path):
            if (w := nudge(vault, settings, path, seen, by_path.get(path, []))) is not None:
                wanted.append(w)
    homes: dict[str, list[str]] = {}
    items: list[Item] = []
    ids = set()
    accepts: dict[str, bool] = {}
    adopted = _adopt(vault, wanted, seen)
    for w in wanted:
        if w.id in ids:
            continue
        ids.add(w.id)
        fresh = task_line(w.text, w.id, w.due, vault.obsidian.tasks_global_filter)
        # each line as it would read at home (a dashboard copy's links start elsewhere)
        candidates = [_at(vault, s, w.home) for s in seen.get(w.id, [])]
        if not candidates and w.id in adopted:
            ids.add(adopted[w.id])
            candidates = [_at(vault, s, w.home) for s in seen[adopted[w.id]]]
        if candidates:
            line, closed = merge(candidates, w.home, w.id, fresh)
        else:
            line, closed = fresh, False
        ok = accepts.get(w.home)
        if ok is None:  # once per home: it hashes the home's region
            ok = accepts[w.home] = home_accepts(vault, w.home, unwritable)
        home_closed = any(s.closed for s in candidates if s.path == w.home)
        homes.setdefault(w.home, []).append(line)
        items.append(
            Item(
                w.id,
                w.rule,
                w.home,
                line,
                closed,
                _date(DUE_RE, line) or w.due,
                _date(DONE_RE, line),
                w.meeting,
                w.label,
                from_copy_only=closed and not home_closed and not ok,
            )
        )
    # Lines in a home region that no rule wants any more: a ticked one (here or in the
    # dashboard) is kept as a record, with the user's words; an open one the user added
    # to is kept and marked cancelled; an untouched open one goes.
    for ident, lines in sorted(seen.items()):
        if ident in ids:
            continue
        at_home = sorted(
            (s for s in lines if vault.kinds.get(s.path) in (Kind.MEETING, Kind.PERSON)),
            key=lambda s: (s.path, s.index),
        )
        for s in at_home:
            if s.path in unwritable:
                continue
            line, closed = merge([_at(vault, x, s.path) for x in lines], s.path, ident, None)
            if closed:
                homes.setdefault(s.path, []).append(line)
            elif not s.pristine():
                homes.setdefault(s.path, []).append(_cancel(line))
    return Followups(homes, items)


def _at(vault: Vault, seen: Seen, home: str) -> Seen:
    """A task line seen in one note, its relative links rewritten for ``home``."""
    line = rebase(vault, seen.line, seen.path, home)
    return seen if line == seen.line else replace(seen, line=line)


def _first_link(text: str) -> str | None:
    """The target of the first link in a task's text (the person it is about)."""
    wiki = _LINK.search(text)
    md = _MDLINK.search(text)
    if md is not None and (wiki is None or md.start() < wiki.start()):
        dest = md.group(0).rsplit("](", 1)[1][:-1].strip("<> ")
        dest = unquote(dest)
        return dest[:-3] if dest.casefold().endswith(".md") else dest
    if wiki is not None:
        return wiki.group(0)[2:-2].split("|", 1)[0].split("#", 1)[0]
    return None


def _adopt(vault: Vault, wanted: list[Wanted], seen: Mapping[str, list[Seen]]) -> dict[str, str]:
    """Wanted id -> the id of an existing line that is the same task under its old id.

    A task's id is made from the names of its meeting and person, so renaming the
    person (with ``vaultkit rename`` or in Obsidian) gives it a new id. A line in the
    task's home that no rule wants any more, worded the same as the task (links left
    out), is that task when its person link now leads to the task's person (Obsidian
    rewrote it), or leads nowhere and it is the only such pair in the note (vaultkit
    rename: the region still names the old file). The line is then carried over, tick
    and words included, under the new id. A person replaced by another in ``with:``
    keeps their own lines (their link still leads to them); only when the one replaced
    has no note, and so a dead link, can the newcomer's task take over their line.
    """
    assert vault.resolver is not None
    wanted_ids = {w.id for w in wanted}
    orphans: dict[str, list[tuple[str, str]]] = {}
    for ident, lines in sorted(seen.items()):
        if ident in wanted_ids:
            continue
        for s in lines:
            p = parts(s.line)
            if p is not None and vault.kinds.get(s.path) in (Kind.MEETING, Kind.PERSON):
                orphans.setdefault(s.path, []).append((ident, p.desc))
    if not orphans:
        return {}
    lonely = [w for w in wanted if w.id not in seen and w.home in orphans and w.label]
    out: dict[str, str] = {}
    used: set[str] = set()

    def points_to(desc: str) -> str | None:
        """'dead', or the person (path or name key) the first link leads to."""
        target = _first_link(desc)
        if target is None:
            return None
        found = vault.resolver.resolve(target, vault.kinds) if vault.resolver else None
        if found is None or (found.target is None and not found.candidates):
            return "\x00dead"
        return found.target or nfc_key(target)

    def who(w: Wanted) -> str:
        return w.person or nfc_key(w.label)

    for w in lonely:  # the link now leads to the task's person
        shape = _blank(w.text)
        for ident, desc in orphans[w.home]:
            if ident not in used and _blank(desc) == shape and points_to(desc) == who(w):
                out[w.id] = ident
                used.add(ident)
                break
    for w in lonely:  # the link leads nowhere: only when the pair is the only one
        if w.id in out or w.person is None:  # only a note can be renamed
            continue
        shape = _blank(w.text)
        rivals = [v for v in lonely if v.home == w.home and v.id not in out]
        rivals = [v for v in rivals if _blank(v.text) == shape]
        dead = [
            ident
            for ident, desc in orphans[w.home]
            if ident not in used and _blank(desc) == shape and points_to(desc) == "\x00dead"
        ]
        if len(rivals) == 1 and len(set(dead)) == 1:
            out[w.id] = dead[0]
            used.add(dead[0])
    return out


def _status(line: str, status: str) -> str:
    """The line with its status character replaced."""
    if not TASK_RE.match(line):
        return line
    start = line.index("[") + 1
    return line[:start] + status + line[start + 1 :]


def _cancel(line: str) -> str:
    return _status(line, "-")


# -- the dashboard ----------------------------------------------------------------------


def prep_link(vault: Vault, meeting: Meeting) -> str | None:
    """A link to the meeting's prep sheet (``<output_folder>/Prep/...``), the same one the
    meeting's own region shows: from the meeting alone (its name and whether it is in
    the prep horizon), not from whether the sheet is on disk yet, so the run that
    writes a sheet already links it and the next run has nothing to change."""
    from .prep import sheet_link  # prep imports this module's settings

    found = sheet_link(vault, meeting.path)
    return found["link"] if found else None


def _user_tasks(vault: Vault) -> list[dict[str, Any]]:
    """Open tasks the user wrote in meeting notes: shown, never written to."""
    out = []
    for path in vault.meetings:
        note = vault.notes[path]
        for task in note.tasks:
            if task.done or ID_RE.search(task.text):
                # A line with a vaultkit id outside a region (kept with `resolve
                # --keep-mine`) is that generated task, listed once already.
                continue
            due = _date(DUE_RE, task.text)
            text = DUE_RE.sub("", task.text)
            text = re.sub(r"\s{2,}", " ", text).strip()
            out.append(
                {
                    "text": text,
                    "due": due,
                    "meeting": vault.link(path),
                    "path": path,
                    "line": task.line,
                    "sort": (due.isoformat() if due else "9999", path, f"{task.line:08d}"),
                }
            )
    return out


def dashboard_context(vault: Vault, settings: Settings, fu: Followups, path: str) -> dict[str, Any]:
    today = vault.today
    week_end = today + dt.timedelta(days=settings.week_days)
    buckets: dict[str, list[dict[str, Any]]] = {
        "overdue": [],
        "today": [],
        "week": [],
        "later": [],
    }

    def bucket(due: dt.date | None) -> str:
        if due is None:
            return "later"
        if due < today:
            return "overdue"
        if due == today:
            return "today"
        return "week" if due <= week_end else "later"

    rows: list[tuple[tuple[str, ...], str, dict[str, Any]]] = []
    nudges: list[dict[str, Any]] = []
    done: list[tuple[str, str, dict[str, Any]]] = []
    waiting: list[dict[str, Any]] = []
    for item in fu.items:
        row = {
            "line": rebase(vault, item.line, item.home, path),  # links from here
            "due": item.due.isoformat() if item.due else None,
            "home": vault.link(item.home),
            "label": item.label,
            "copy": True,
        }
        if item.closed:
            when = item.done_on or item.due
            recent = when is not None and (today - when).days <= settings.done_days
            if item.from_copy_only:
                waiting.append(row)
            elif recent:
                done.append(((when or today).isoformat(), item.id, row))
            continue
        if item.rule == KEEP_IN_TOUCH:
            nudges.append(row | {"sort": item.sort_key})
            continue
        rows.append((item.sort_key, bucket(item.due), row))
    for task in _user_tasks(vault):
        due = f" · due {task['due'].isoformat()}" if task["due"] else ""
        row = {
            "line": f"- {task['text']} (in {task['meeting']}){due}",
            "due": task["due"].isoformat() if task["due"] else None,
            "home": task["meeting"],
            "copy": False,
        }
        rows.append((task["sort"], bucket(task["due"]), row))
    for _, name, row in sorted(rows, key=lambda r: r[0]):
        buckets[name].append(row)
    upcoming = []
    horizon = today + dt.timedelta(days=settings.upcoming_days)
    for meeting in sorted(vault.meetings.values(), key=lambda m: m.sort_key):
        if meeting.status == "cancelled" or meeting.date is None:
            continue
        if not today <= meeting.date <= horizon or vault.held(meeting):
            continue
        upcoming.append(
            {
                "date": meeting.date.isoformat(),
                "time": meeting.time,
                "kind": meeting.kind,
                "link": vault.link(meeting.path),
                "people": [vault.link(p) for p in meeting.people],
                "prep": prep_link(vault, meeting),
            }
        )
    closed_ids = {i.id for i in fu.items if i.closed}
    referrals: dict[str, dict[str, Any]] = {}
    for meeting in sorted(vault.meetings.values(), key=lambda m: m.sort_key):
        if not vault.held(meeting):
            continue
        for ref in meeting.referrals:
            key = ref.target or nfc_key(ref.label)
            if key in referrals or (ref.target and contacted(vault, ref.target)):
                continue
            ident = task_id("referrals", _key(vault, meeting.path), _person_link(vault, ref)[1])
            if ident in closed_ids:
                continue
            planned = planned_with(vault, ref.target) if ref.target else None
            referrals[key] = {
                "link": _person_link(vault, ref)[0],
                "by": [vault.link(p) for p in meeting.people],
                "meeting": vault.link(meeting.path),
                "date": meeting.date.isoformat() if meeting.date else None,
                "has_note": ref.target is not None,
                "planned": planned.isoformat() if planned else None,
            }
    query_path = path[:-3] if path.endswith(".md") else path
    return {
        "today": today.isoformat(),
        "style": settings.style,
        "week_days": settings.week_days,
        "upcoming_days": settings.upcoming_days,
        "done_days": settings.done_days,
        "path": query_path,
        "meeting_folders": list(vault.config.meeting_folders),
        "overdue": buckets["overdue"],
        "due_today": buckets["today"],
        "this_week": buckets["week"],
        "later": buckets["later"],
        "nudges": sorted(nudges, key=lambda r: r["sort"]),
        "done": [row for _, _, row in sorted(done, key=lambda d: (d[0], d[1]), reverse=True)],
        "waiting": waiting,
        "upcoming": upcoming,
        "referrals": list(referrals.values()),
    }


DASHBOARD_SKELETON = """# Follow-ups

vaultkit writes this note on every `regen`. Tick a task here or in its own note: the
tick reaches the other on the next run.

{region}
"""


# -- outputs ----------------------------------------------------------------------------


def inputs_key(vault: Vault, unwritable: Collection[str]) -> bytes:
    """A hash of all that the follow-ups of ``vault`` are made from.

    They read the model's records and facts (people, companies, meetings, and who met
    whom when), names and aliases; of the notes themselves, only their tasks (with
    their lines: the dashboard shows them), their ``followups`` region, whether their
    regions are damaged and which regions they turned off. Never their links, the rest
    of their body or their other regions. The records come from each note's path and
    front-matter alone (the model's ``mentions``, from links, are not read here). So a
    hash of each note's path, front-matter (:attr:`~vaultkit.parse.ParsedNote.front`),
    tasks and follow-ups region, with the config, the day, Obsidian's settings and the
    notes vaultkit does not write, covers it all. Prose or links added below a note's
    tasks leave it as it was, and so does a run that wrote only other regions.
    ``tests/test_rendermemo.py`` holds it to a fresh computation after random edits."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(
        repr((repr(vault.config), vault.today, vault.obsidian, sorted(unwritable))).encode()
    )
    for path, note in vault.notes.items():
        region = note.region(REGION)  # other regions (backlinks...) are not read
        own = None if region is None else (region.current_hash, region.edited)
        kind = vault.kinds.get(path)
        facts = (path, kind, note.front, note.tasks, note.region_problem, note.off, own)
        digest.update(repr(facts).encode("utf-8", "surrogatepass"))
    return digest.digest()


def outputs(
    vault: Vault, unwritable: set[str], templates: Templates, key: bytes | None = None
) -> list[plan.Output]:
    """The ``followups`` region of each meeting and person note that has (or had) tasks,
    and the dashboard: those an earlier run made from the same inputs (``key``, see
    :func:`inputs_key`) when the templates remember them (:mod:`vaultkit.rendermemo`)."""
    memo = templates.memo
    if memo is None:
        return list(_outputs(vault, unwritable, templates))
    return memo.stage(
        "followups",
        key if key is not None else inputs_key(vault, unwritable),
        lambda: list(_outputs(vault, unwritable, templates)),
    )


def _outputs(vault: Vault, unwritable: set[str], templates: Templates) -> Iterable[plan.Output]:
    settings = settings_of(vault.config)
    dashboard = dashboard_path(vault.config, settings)
    fu = compute(vault, settings, unwritable)
    homes = set(fu.homes)
    for path, note in vault.notes.items():
        if vault.kinds[path] in (Kind.MEETING, Kind.PERSON) and note.region(REGION) is not None:
            homes.add(path)
    for path in sorted(homes):
        if path in unwritable:
            continue
        kind = vault.kinds[path]
        template = "followups/meeting.md.j2" if kind == Kind.MEETING else "followups/person.md.j2"
        context = {"name": vault.name(path), "tasks": fu.homes.get(path, [])}
        with vault.linking_from(path):
            yield plan.Output(path, REGION, templates.render(template, context))
    if dashboard is not None and dashboard not in unwritable:
        with vault.linking_from(dashboard):
            context = dashboard_context(vault, settings, fu, dashboard)
            content = templates.render("followups/dashboard.md.j2", context)
        yield plan.Output(dashboard, REGION, content, DASHBOARD_SKELETON)
