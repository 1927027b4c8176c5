"""``vaultkit status``: the day at a glance, read from the model (no file access).

What it gathers, all from what the rest of vaultkit already knows:

* follow-ups due (overdue, and due within ``followups.week_days``): vaultkit's own
  tasks as :func:`vaultkit.followups.compute` has them this run (with the user's
  ticks and postponed dates), and the open tasks the user wrote in meeting notes;
* meetings in the next :data:`MEETING_DAYS` days, with their prep sheets
  (:func:`vaultkit.prep.sheet_link`);
* contacts past their keep-in-touch cadence: the open keep-in-touch nudges;
* counts of meetings by kind, status and job stage, and the job-search funnel: each
  company at the furthest step it reached (informational -> casual -> job stages ->
  offer), and its outcome.

Nothing here writes; :func:`render_text` and :meth:`Status.to_json` turn the result
into what the command prints.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import followups, prep
from .errors import Severity
from .model import MEETING_KINDS, Meeting, Vault, link_target
from .normalisers import ID_RE, TASK_RE
from .parse import nfc_key

if TYPE_CHECKING:
    from .build import Loaded

JSON_VERSION = 1
"""Bumped only when a key of ``status --json`` is removed or changes meaning."""
MEETING_DAYS = 7
"""How many days ahead ``status`` lists meetings (today included)."""

STAGES = ("screen", "technical", "onsite", "final")
"""The job stages of the funnel, in order."""
_STAGE_WORDS = {
    "screen": "screen",
    "screening": "screen",
    "phone screen": "screen",
    "recruiter screen": "screen",
    "recruiter": "screen",
    "intro": "screen",
    "technical": "technical",
    "tech": "technical",
    "take-home": "technical",
    "take home": "technical",
    "case": "technical",
    "case study": "technical",
    "portfolio": "technical",
    "portfolio review": "technical",
    "onsite": "onsite",
    "on-site": "onsite",
    "on site": "onsite",
    "virtual onsite": "onsite",
    "panel": "onsite",
    "loop": "onsite",
    "final": "final",
    "final round": "final",
}
FUNNEL = ("informational", "casual", "job", *(f"job: {s}" for s in STAGES), "offer")
"""The funnel's steps, in order. ``informational`` counts networking meetings too."""
OUTCOMES = ("offer", "accepted", "declined", "rejected", "withdrew", "no answer")
"""The outcomes vaultkit knows; any other value is counted as written."""
_OUTCOME_WORDS = {
    "offer": "offer",
    "offered": "offer",
    "got an offer": "offer",
    "accepted": "accepted",
    "hired": "accepted",
    "signed": "accepted",
    "declined": "declined",
    "turned down": "declined",
    "rejected": "rejected",
    "rejection": "rejected",
    "not selected": "rejected",
    "withdrew": "withdrew",
    "withdrawn": "withdrew",
    "no answer": "no answer",
    "no reply": "no answer",
    "no response": "no answer",
    "ghosted": "no answer",
}
_WITH_OFFER = ("offer", "accepted", "declined")
"""Outcomes that mean an offer was made."""

_WIKILINK = re.compile(r"!?\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
_MDLINK = re.compile(r"\[((?:\\.|[^\[\]\\])*)\]\([^()\s]*\)")
_SPACES = re.compile(r"\s{2,}")


# -- what it reports -------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    """A follow-up: one of vaultkit's tasks, or one the user wrote in a meeting note."""

    due: dt.date | None
    text: str
    """The description as plain text: links shown by name, fields left out."""
    note: str
    """The note the task lives in (its home)."""
    source: str
    """``vaultkit`` (a generated task) or ``yours`` (a task you wrote)."""
    id: str | None = None
    rule: str | None = None
    line: int | None = None
    """The line of a task you wrote, in its note."""
    person: str | None = None
    """The person it is about, by name (vaultkit's tasks)."""

    @property
    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.due.isoformat() if self.due else "9999", self.note, self.line or 0, self.text)

    def to_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "due": self.due.isoformat() if self.due else None,
            "days": (self.due - today).days if self.due else None,
            "text": self.text,
            "note": self.note,
            "source": self.source,
            "id": self.id,
            "rule": self.rule,
            "line": self.line,
            "person": self.person,
        }


@dataclass(frozen=True)
class MeetingRow:
    path: str
    name: str
    date: dt.date
    time: str | None
    duration: int | None
    kind: str | None
    stage: str | None
    role: str | None
    status: str
    people: tuple[str, ...]
    company: str | None
    where: str | None
    prep: str | None
    """The prep sheet's path, when the meeting has one (written or due)."""
    prep_written: bool

    def to_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "time": self.time,
            "days": (self.date - today).days,
            "duration": self.duration,
            "kind": self.kind,
            "stage": self.stage,
            "role": self.role,
            "status": self.status,
            "title": self.name,
            "path": self.path,
            "with": list(self.people),
            "company": self.company,
            "where": self.where,
            "prep": (
                {"path": self.prep, "written": self.prep_written} if self.prep is not None else None
            ),
        }


@dataclass(frozen=True)
class ContactRow:
    """Someone past their keep-in-touch cadence (an open nudge)."""

    path: str
    name: str
    last_met: dt.date | None
    cadence: int | None
    due: dt.date | None
    id: str

    def to_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "last_met": self.last_met.isoformat() if self.last_met else None,
            "cadence_days": self.cadence,
            "due": self.due.isoformat() if self.due else None,
            "days_over": (today - self.due).days if self.due else None,
            "id": self.id,
        }


@dataclass(frozen=True)
class CompanyStep:
    """A company in the funnel: the furthest step reached, and its outcome."""

    name: str
    path: str | None
    furthest: str
    outcome: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "furthest": self.furthest,
            "outcome": self.outcome,
        }


@dataclass
class Status:
    vault: Path
    today: dt.date
    due_soon_days: int
    overdue: list[TaskRow]
    due_soon: list[TaskRow]
    later: int
    """Open follow-ups due after the due-soon window, or with no date."""
    meetings: list[MeetingRow]
    keep_in_touch: list[ContactRow]
    notes: dict[str, int]
    """Notes by kind: notes (all), people, companies, meetings."""
    by_kind: dict[str, dict[str, int]]
    """Meeting kind (``none`` for no kind) -> {held, upcoming, cancelled}."""
    job_stages: dict[str, dict[str, int]]
    """Job stage as written (casefolded; ``none`` for no stage) -> {held, upcoming, cancelled}."""
    companies: list[CompanyStep]
    errors: int = 0
    warnings: int = 0
    funnel: dict[str, dict[str, int]] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    """How the text report names the notes of the follow-ups: by name, or by path
    (without ``.md``) when two notes share the name."""

    def to_json(self) -> dict[str, Any]:
        today = self.today
        return {
            "version": JSON_VERSION,
            "vault": str(self.vault),
            "today": today.isoformat(),
            "due_soon_days": self.due_soon_days,
            "meeting_days": MEETING_DAYS,
            "followups": {
                "overdue": [t.to_json(today) for t in self.overdue],
                "due_soon": [t.to_json(today) for t in self.due_soon],
                "later": self.later,
            },
            "meetings": [m.to_json(today) for m in self.meetings],
            "keep_in_touch": [c.to_json(today) for c in self.keep_in_touch],
            "counts": {
                **self.notes,
                "meetings_by_kind": self.by_kind,
                "job_stages": self.job_stages,
            },
            "funnel": {
                "steps": [{"step": s, **self.funnel[s]} for s in FUNNEL],
                "outcomes": self.outcomes,
                "companies": [c.to_json() for c in self.companies],
            },
            "problems": {"errors": self.errors, "warnings": self.warnings},
        }


# -- gathering -------------------------------------------------------------------------


def plain(text: str, global_filter: str = "") -> str:
    """A task's description for a terminal or a calendar: links shown by their names,
    the Tasks plugin's global filter and vaultkit's id and dates left out."""
    m = TASK_RE.match(text)
    if m:
        text = m.group("text")
    text = ID_RE.sub("", text)
    text = followups.DUE_RE.sub("", text)
    text = followups.DONE_RE.sub("", text)
    if global_filter:  # as a word of its own only: "#task" goes, "#tasks" stays
        text = re.sub(rf"(?<!\S){re.escape(global_filter)}(?!\S)", "", text)

    def wikilink(found: re.Match[str]) -> str:
        shown = found.group(2)
        return shown if shown else link_target(found.group(1)).rsplit("/", 1)[-1]

    text = _WIKILINK.sub(wikilink, text)
    text = _MDLINK.sub(lambda f: re.sub(r"\\(.)", r"\1", f.group(1)), text)
    return _SPACES.sub(" ", text).strip()


def followup_rows(loaded: Loaded) -> list[TaskRow]:
    """Every open follow-up with what the user did to it: vaultkit's tasks (as the next
    ``regen`` would write them) and the user's own open tasks in meeting notes."""
    vault = loaded.vault
    settings = followups.settings_of(loaded.config)
    fu = followups.compute(vault, settings, loaded.unwritable)
    gfilter = vault.obsidian.tasks_global_filter
    rows: list[TaskRow] = []
    for item in fu.items:
        if item.closed:
            continue
        text = plain(item.line, gfilter)
        suffix = f"({vault.name(item.home)})"
        if text.endswith(suffix) and text != suffix:  # the note column says it already
            text = text[: -len(suffix)].rstrip()
        rows.append(
            TaskRow(
                item.due, text, item.home, "vaultkit", item.id, item.rule, None, item.label or None
            )
        )
    for task in followups._user_tasks(vault):
        rows.append(
            TaskRow(task["due"], plain(task["text"]), task["path"], "yours", line=task["line"])
        )
    return sorted(rows, key=lambda r: r.sort_key)


def _names(vault: Vault, meeting: Meeting) -> tuple[str, ...]:
    return tuple(vault.name(r.target) if r.target else r.label for r in meeting.attendees)


def _company(vault: Vault, meeting: Meeting) -> tuple[str | None, str | None]:
    """(name, path) of a meeting's company; the path is None without a note."""
    ref = meeting.company
    if ref is None:
        return None, None
    if ref.target:
        return vault.name(ref.target), ref.target
    return (ref.label or None), None


def meeting_row(vault: Vault, meeting: Meeting) -> MeetingRow:
    assert meeting.date is not None
    sheet = prep.sheet_link(vault, meeting.path)
    path = sheet["path"] if sheet else None
    return MeetingRow(
        path=meeting.path,
        name=meeting.name,
        date=meeting.date,
        time=meeting.time,
        duration=meeting.duration,
        kind=meeting.kind,
        stage=meeting.stage,
        role=meeting.role,
        status=meeting.status,
        people=_names(vault, meeting),
        company=_company(vault, meeting)[0],
        where=meeting.where,
        prep=path,
        prep_written=path is not None and path in vault.notes,
    )


def upcoming(vault: Vault, days: int | None) -> list[Meeting]:
    """Meetings from today on (up to ``days`` ahead; None: all), cancelled ones too."""
    last = vault.today + dt.timedelta(days=days) if days is not None else None
    return [
        m
        for m in sorted(vault.meetings.values(), key=lambda m: m.sort_key)
        if m.date is not None and m.date >= vault.today and (last is None or m.date <= last)
    ]


def _stage_step(stage: str | None, final_stages: Sequence[str]) -> str | None:
    key = (stage or "").strip().casefold()
    if key in final_stages:
        return "final"
    return _STAGE_WORDS.get(key)


def _step_of(meeting: Meeting, final_stages: Sequence[str]) -> int:
    """The funnel step a meeting shows a company reached (an index into FUNNEL)."""
    if meeting.kind == "job":
        stage = _stage_step(meeting.stage, final_stages)
        return FUNNEL.index(f"job: {stage}") if stage else FUNNEL.index("job")
    if meeting.kind == "casual":
        return FUNNEL.index("casual")
    return FUNNEL.index("informational")


def outcome_of(value: Any) -> str | None:
    """An ``outcome:`` value in vaultkit's words (unknown words kept, casefolded)."""
    if not isinstance(value, str) or not value.strip():
        return None
    key = " ".join(value.split()).casefold()
    return _OUTCOME_WORDS.get(key, key)


def _funnel(vault: Vault, final_stages: Sequence[str]) -> list[CompanyStep]:
    """Each company with a meeting (not cancelled) or an outcome, at its furthest step.

    A company's outcome is its note's ``outcome:`` (or a ``status:`` that is one of
    the outcome words), else the ``outcome:`` of its newest meeting that has one.
    """
    furthest: dict[str, int] = {}
    names: dict[str, tuple[str, str | None]] = {}
    outcome: dict[str, str] = {}
    for meeting in sorted(vault.meetings.values(), key=lambda m: m.sort_key):
        name, path = _company(vault, meeting)
        if name is None:
            continue
        key = path or nfc_key(name)
        names.setdefault(key, (name, path))
        if meeting.status != "cancelled":
            furthest[key] = max(furthest.get(key, 0), _step_of(meeting, final_stages))
        said = outcome_of(vault.notes[meeting.path].meta.get("outcome"))
        if said is not None:
            outcome[key] = said  # meetings go oldest first: the newest wins
    for path in vault.companies:
        meta = vault.notes[path].meta
        said = outcome_of(meta.get("outcome"))
        status = outcome_of(meta.get("status"))
        if said is None and status in _OUTCOME_WORDS.values():
            said = status
        if said is not None:
            outcome[path] = said
            names.setdefault(path, (vault.name(path), path))
    out = []
    for key, (name, path) in names.items():
        said = outcome.get(key)
        if key not in furthest and said is None:
            continue  # only cancelled meetings
        step = furthest.get(key, 0)
        if said in _WITH_OFFER:
            step = FUNNEL.index("offer")
        out.append(CompanyStep(name, path, FUNNEL[step], said))
    return sorted(out, key=lambda c: (-FUNNEL.index(c.furthest), nfc_key(c.name)))


def _when(vault: Vault, meeting: Meeting) -> str:
    if meeting.status == "cancelled":
        return "cancelled"
    return "held" if vault.held(meeting) or meeting.status == "done" else "upcoming"


def gather(loaded: Loaded, due_soon_days: int | None = None) -> Status:
    """Everything ``vaultkit status`` shows, from a loaded vault."""
    vault = loaded.vault
    today = vault.today
    settings = followups.settings_of(loaded.config)
    soon = settings.week_days if due_soon_days is None else due_soon_days
    last = today + dt.timedelta(days=soon)
    rows = followup_rows(loaded)
    overdue = [r for r in rows if r.rule != followups.KEEP_IN_TOUCH and r.due and r.due < today]
    due_soon = [
        r for r in rows if r.rule != followups.KEEP_IN_TOUCH and r.due and today <= r.due <= last
    ]
    later = [
        r for r in rows if r.rule != followups.KEEP_IN_TOUCH and (r.due is None or r.due > last)
    ]
    contacts = []
    for r in rows:
        if r.rule != followups.KEEP_IN_TOUCH:
            continue
        person = vault.people.get(r.note)
        cadence = person.keep_in_touch if person else None
        if cadence is None:
            cadence = vault.config.keep_in_touch_days
        contacts.append(
            ContactRow(
                r.note, vault.name(r.note), vault.last_contact(r.note), cadence, r.due, r.id or ""
            )
        )
    contacts.sort(key=lambda c: (c.due or today, nfc_key(c.name)))

    by_kind: dict[str, Counter[str]] = {k: Counter() for k in (*MEETING_KINDS, "none")}
    stages: dict[str, Counter[str]] = {}
    for meeting in vault.meetings.values():
        when = _when(vault, meeting)
        by_kind[meeting.kind or "none"][when] += 1
        if meeting.kind == "job":
            stage = " ".join((meeting.stage or "none").split()).casefold()
            stages.setdefault(stage, Counter())[when] += 1

    def counts(c: Counter[str]) -> dict[str, int]:
        return {w: c[w] for w in ("held", "upcoming", "cancelled")}

    final_stages = settings.final_stages
    companies = _funnel(vault, final_stages)
    funnel = {}
    for index, step in enumerate(FUNNEL):
        at = [c for c in companies if c.furthest == step]
        reached = [c for c in companies if FUNNEL.index(c.furthest) >= index]
        funnel[step] = {"reached": len(reached), "furthest": len(at)}
    outcomes = Counter(c.outcome or "none yet" for c in companies)
    known = [*OUTCOMES, *sorted(k for k in outcomes if k not in OUTCOMES and k != "none yet")]
    # Counted as ``vaultkit check`` counts them: each problem once, damaged regions too.
    problems = set(loaded.problems)
    errors = sum(1 for p in problems if p.severity == Severity.ERROR)
    errors += sum(1 for note in vault.notes.values() if note.region_problem)
    return Status(
        vault=loaded.root,
        today=today,
        due_soon_days=soon,
        overdue=overdue,
        due_soon=due_soon,
        later=len(later),
        meetings=[meeting_row(vault, m) for m in upcoming(vault, MEETING_DAYS)],
        keep_in_touch=contacts,
        notes={
            "notes": len(vault.notes),
            "people": len(vault.people),
            "companies": len(vault.companies),
            "meetings": len(vault.meetings),
        },
        by_kind={k: counts(c) for k, c in by_kind.items() if k != "none" or c.total()},
        job_stages={
            s: counts(stages[s])
            for s in sorted(stages, key=lambda s: (_stage_rank(s, final_stages), s))
        },
        companies=companies,
        errors=errors,
        warnings=sum(1 for p in problems if p.severity == Severity.WARNING),
        funnel=funnel,
        outcomes={k: outcomes[k] for k in [*known, "none yet"] if outcomes[k]},
        names={
            r.note: vault.name(r.note) if vault.unique_stem(r.note) else r.note[:-3]
            for r in (*overdue, *due_soon)
        },
    )


def _stage_rank(stage: str, final_stages: Sequence[str]) -> int:
    step = _stage_step(stage, final_stages)
    return STAGES.index(step) if step else len(STAGES)


# -- the text ----------------------------------------------------------------------------


Styler = Callable[[str, str], str]
"""(text, role) -> text: how a heading or a cell is highlighted (or not)."""


def no_style(text: str, role: str) -> str:
    return text


def _fit(rows: list[list[str]], width: int | None, flexible: Sequence[int]) -> list[int]:
    """Column widths: each column's widest cell, the ``flexible`` ones shrunk (widest
    first) until a row fits in ``width``."""
    widths = [max(shown_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    if width is None:
        return widths
    total = sum(widths) + 2 * (len(widths) - 1)
    while total > width:
        candidates = [i for i in flexible if widths[i] > 8]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
        total -= 1
    return widths


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def shown_width(text: str) -> int:
    """How many terminal columns ``text`` takes: combining marks none, wide characters
    (CJK, most emoji) two."""
    return sum(_char_width(ch) for ch in text)


def _cell(text: str, width: int, right: bool = False) -> str:
    """``text`` cut (ending in ``…``) or padded to ``width`` terminal columns."""
    if shown_width(text) > width:
        kept, used = [], 0
        for ch in text:
            if used + _char_width(ch) > width - 1:
                break
            kept.append(ch)
            used += _char_width(ch)
        text = "".join(kept) + "…"
    pad = " " * max(width - shown_width(text), 0)
    return pad + text if right else text + pad


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int | None,
    flexible: Sequence[int] = (),
    right: Sequence[int] = (),
    style: Styler = no_style,
    row_roles: Sequence[str] | None = None,
    details: Sequence[Sequence[str]] | None = None,
) -> list[str]:
    """An aligned plain-text table: a header line, then one line per row, each row
    followed by its ``details`` lines (indented under the second column)."""
    cells = [list(header), *[list(r) for r in rows]]
    widths = _fit(cells, width, flexible)
    indent = widths[0] + 2
    out = []
    for n, row in enumerate(cells):
        parts = []
        for i, text in enumerate(row):
            parts.append(_cell(text, widths[i], i in right))
        line = "  ".join(parts).rstrip()
        role = "header" if n == 0 else row_roles[n - 1] if row_roles is not None else "row"
        out.append(style(line, role))
        if n and details is not None:
            room = None if width is None else max(width - indent, 8)
            for detail in details[n - 1]:
                out.append(" " * indent + (_cell(detail, room).rstrip() if room else detail))
    return out


def _days(n: int) -> str:
    if n == 0:
        return "today"
    if n == 1:
        return "tomorrow"
    if n == -1:
        return "yesterday"
    return f"in {n} days" if n > 0 else f"{-n} days ago"


def _note_name(names: dict[str, str], path: str) -> str:
    return names.get(path) or (path[:-3] if path.endswith(".md") else path)


def _task_table(
    rows: list[TaskRow], today: dt.date, width: int | None, style: Styler, names: dict[str, str]
) -> list[str]:
    body = [
        [
            r.due.isoformat() if r.due else "",
            _days((r.due - today).days) if r.due else "",
            r.text,
            _note_name(names, r.note),
        ]
        for r in rows
    ]
    roles = ["overdue" if r.due and r.due < today else "row" for r in rows]
    return table(("DUE", "WHEN", "TASK", "NOTE"), body, width, (2, 3), (), style, roles)


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def render_text(status: Status, width: int | None = None, style: Styler = no_style) -> str:
    """The terminal report. ``width``: the terminal's columns (None: no limit)."""
    today = status.today
    lines: list[str] = []

    def section(title: str) -> None:
        if lines:
            lines.append("")
        lines.append(style(title, "title"))

    lines.append(
        style(
            f"vaultkit status · {status.vault.name} · {today.strftime('%A')} {today.isoformat()}",
            "title",
        )
    )
    section(f"Overdue ({len(status.overdue)})")
    if status.overdue:
        lines.extend(_task_table(status.overdue, today, width, style, status.names))
    else:
        lines.append("Nothing overdue.")
    section(f"Due in the next {_plural(status.due_soon_days, 'day')} ({len(status.due_soon)})")
    if status.due_soon:
        lines.extend(_task_table(status.due_soon, today, width, style, status.names))
    else:
        lines.append("Nothing due.")
    if status.later:
        lines.append(f"And {_plural(status.later, 'more follow-up')} due later or without a date.")

    section(f"Meetings in the next {MEETING_DAYS} days ({len(status.meetings)})")
    if status.meetings:
        body = []
        roles = []
        details = []
        for m in status.meetings:
            kind = m.kind or "meeting"
            if m.kind == "job" and m.stage:
                kind = f"job · {m.stage}"
            if m.status == "cancelled":
                kind += " (cancelled)"
            who = ", ".join(m.people) or "nobody named"
            if m.company:
                who += f" ({m.company})"
            body.append([m.date.isoformat(), m.time or "", kind, who])
            roles.append("cancelled" if m.status == "cancelled" else "row")
            more = []
            if m.where:
                more.append(f"where: {m.where}")
            if m.prep is not None:
                label = "prep sheet" if m.prep_written else "prep sheet (after regen)"
                more.append(f"{label}: {m.prep}")
            details.append(more)
        lines.extend(
            table(("DATE", "TIME", "KIND", "WITH"), body, width, (3,), (), style, roles, details)
        )
    else:
        lines.append("No meetings.")

    section(f"Keep in touch ({len(status.keep_in_touch)})")
    if status.keep_in_touch:
        body = [
            [
                c.name,
                c.last_met.isoformat() if c.last_met else "",
                f"{c.cadence} days" if c.cadence is not None else "",
                c.due.isoformat() if c.due else "",
                _plural((today - c.due).days, "day") if c.due else "",
            ]
            for c in status.keep_in_touch
        ]
        lines.extend(
            table(
                ("PERSON", "LAST MET", "EVERY", "DUE", "OVERDUE BY"),
                body,
                width,
                (0,),
                (2, 4),
                style,
            )
        )
    else:
        lines.append("Nobody past their cadence.")

    section("Meetings by kind")
    body = []
    for kind, c in status.by_kind.items():
        body.append([kind, str(c["held"]), str(c["upcoming"]), str(c["cancelled"])])
        if kind == "job":
            for stage, s in status.job_stages.items():
                body.append([f"  {stage}", str(s["held"]), str(s["upcoming"]), str(s["cancelled"])])
    lines.extend(
        table(("KIND", "HELD", "UPCOMING", "CANCELLED"), body, width, (0,), (1, 2, 3), style)
    )

    section(f"Job-search funnel ({_plural(len(status.companies), 'company', 'companies')})")
    if status.companies:
        body = [
            [step, str(status.funnel[step]["reached"]), str(status.funnel[step]["furthest"])]
            for step in FUNNEL
        ]
        lines.extend(table(("STEP", "REACHED", "FURTHEST"), body, width, (0,), (1, 2), style))
        outcomes = ", ".join(f"{k} {v}" for k, v in status.outcomes.items())
        lines.append(f"Outcomes: {outcomes}.")
    else:
        lines.append("No meetings with a company yet.")

    n = status.notes
    lines.append("")
    lines.append(
        f"{_plural(n['notes'], 'note')}: {_plural(n['people'], 'person', 'people')}, "
        f"{_plural(n['companies'], 'company', 'companies')}, {_plural(n['meetings'], 'meeting')}."
    )
    if status.errors or status.warnings:
        lines.append(
            style(
                f"{_plural(status.errors, 'error')} and {_plural(status.warnings, 'warning')} "
                "in the notes: run vaultkit check.",
                "problem",
            )
        )
    return "\n".join(lines) + "\n"
