"""``vaultkit export ics``: upcoming meetings and follow-up due dates as iCalendar.

* A meeting dated today or later is a ``VEVENT``: at its time for its length
  (``duration:``, else :data:`DEFAULT_MINUTES` by kind), in floating local time
  since notes carry no time zone; without a time, an all-day event. Its place is
  ``where:``; its ``URL`` opens the note in Obsidian; its description names the
  people, company, role, stage, prep sheet and the note's path. A cancelled one is
  exported with ``STATUS:CANCELLED``, so a calendar that imported it learns it.
* An open follow-up with a due date (vaultkit's tasks, with the user's postponed
  dates, and the user's own dated tasks in meeting notes) is an all-day, free
  (``TRANSP:TRANSPARENT``) ``VEVENT`` on its due day. Events rather than ``VTODO``:
  most calendar apps (Google Calendar, Outlook) ignore to-dos in an imported file.

Every event's ``UID`` comes from the meeting's path or the task's id, so importing a
newer export updates the events instead of adding them again. ``DTSTAMP`` is the
start of "today" (``--today``) in UTC and events are sorted, so the same vault on the
same day gives the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import icalendar

from . import status
from .errors import UnsafeWrite, VaultkitError, WriteConflict
from .model import Meeting, Vault
from .parse import nfc_key
from .scan import TEMP_PREFIX, TEMP_SUFFIX
from .write import atomic_write, read_stamped

if TYPE_CHECKING:
    from .build import Loaded

PRODID = "-//vaultkit//vaultkit export ics//EN"
UID_DOMAIN = "vaultkit"
DEFAULT_MINUTES = {"informational": 30, "networking": 60, "casual": 45, "job": 60}
"""A meeting's length when its note gives none (by kind; 60 for no kind)."""
_KIND_TITLES = {
    "informational": "Informational interview",
    "job": "Job interview",
    "casual": "Casual interview",
    "networking": "Coffee chat",
}


class ExportRefused(VaultkitError):
    """The output file asked for is one vaultkit will not write."""


@dataclass(frozen=True)
class Export:
    data: bytes
    meetings: int
    followups: int


def obsidian_url(vault_name: str, path: str) -> str:
    """The ``obsidian://open`` link of a note (the vault is named after its folder)."""
    file = path[:-3] if path.endswith(".md") else path
    return f"obsidian://open?vault={quote(vault_name, safe='')}&file={quote(file, safe='')}"


def _uid(kind: str, key: str) -> str:
    digest = hashlib.sha256(nfc_key(key).encode("utf-8")).hexdigest()[:16]
    return f"{kind}-{digest}@{UID_DOMAIN}"


def _title(vault: Vault, meeting: Meeting, row: status.MeetingRow) -> str:
    title = _KIND_TITLES.get(meeting.kind or "", "Meeting")
    if meeting.kind == "job" and meeting.stage:
        title += f" ({meeting.stage})"
    people = ", ".join(row.people)
    if people:
        title += f": {people}"
    if row.company and row.company not in row.people:
        title += f" at {row.company}" if people else f": {row.company}"
    if meeting.status == "cancelled":
        title = f"Cancelled: {title}"
    return title


def meeting_event(
    vault: Vault, vault_name: str, meeting: Meeting, stamp: dt.datetime
) -> icalendar.Event:
    row = status.meeting_row(vault, meeting)
    assert meeting.date is not None
    event = icalendar.Event()
    event.add("uid", _uid("meeting", meeting.path))
    event.add("dtstamp", stamp)
    minutes = meeting.duration or DEFAULT_MINUTES.get(meeting.kind or "", 60)
    if meeting.time:
        hour, minute = (int(x) for x in meeting.time.split(":"))
        start = dt.datetime.combine(meeting.date, dt.time(hour, minute))
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=minutes))
    else:
        event.add("dtstart", meeting.date)
        event.add("dtend", meeting.date + dt.timedelta(days=1))
    event.add("summary", _title(vault, meeting, row))
    if meeting.where:
        event.add("location", meeting.where)
    url = obsidian_url(vault_name, meeting.path)
    event.add("url", url)
    lines = []
    if row.people:
        lines.append(f"With: {', '.join(row.people)}")
    if row.company:
        lines.append(f"Company: {row.company}")
    if meeting.role:
        lines.append(f"Role: {meeting.role}")
    if meeting.stage:
        lines.append(f"Stage: {meeting.stage}")
    if meeting.duration:
        lines.append(f"Length: {meeting.duration} minutes")
    elif meeting.time:
        lines.append(f"Length: not in the note ({minutes} minutes assumed)")
    if row.prep:
        lines.append(f"Prep sheet: {row.prep}")
        lines.append(f"Open the prep sheet: {obsidian_url(vault_name, row.prep)}")
    lines.append(f"Note: {meeting.path}")
    lines.append(f"Open the note: {url}")
    event.add("description", "\n".join(lines))
    if meeting.kind:
        event.add("categories", [meeting.kind])
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    return event


def task_event(vault_name: str, task: status.TaskRow, stamp: dt.datetime) -> icalendar.Event | None:
    if task.due is None:
        return None
    event = icalendar.Event()
    # The user's own task has no id: its note and words make one (not its date or line).
    own = _uid("task", f"{task.note}\x00{task.text}")
    event.add("uid", f"{task.id}@{UID_DOMAIN}" if task.id else own)
    event.add("dtstamp", stamp)
    event.add("dtstart", task.due)
    event.add("dtend", task.due + dt.timedelta(days=1))
    event.add("summary", f"Follow up: {task.text}")
    url = obsidian_url(vault_name, task.note)
    event.add("url", url)
    where = "vaultkit's follow-up" if task.source == "vaultkit" else "Your task"
    lines = [
        f"{where}, due {task.due.isoformat()}. Tick it in its note.",
        f"Note: {task.note}",
        f"Open the note: {url}",
    ]
    if task.id:
        lines.append(f"Task id: {task.id}")
    event.add("description", "\n".join(lines))
    event.add("categories", ["follow-up"])
    event.add("transp", "TRANSPARENT")
    return event


def _start(event: icalendar.Event) -> str:
    value = event.decoded("dtstart")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return f"{value.isoformat()}T00:00:00-"  # an all-day event before the day's meetings


def export(loaded: Loaded) -> Export:
    """The calendar of a loaded vault, as bytes (CRLF lines, as iCalendar wants)."""
    vault = loaded.vault
    vault_name = loaded.root.name
    stamp = dt.datetime.combine(vault.today, dt.time(0, 0), dt.UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"vaultkit: {vault_name}")
    events = [meeting_event(vault, vault_name, m, stamp) for m in status.upcoming(vault, None)]
    meetings = len(events)
    for task in status.followup_rows(loaded):
        event = task_event(vault_name, task, stamp)
        if event is not None:
            events.append(event)
    for event in sorted(events, key=lambda e: (_start(e), str(e["uid"]))):
        cal.add_component(event)
    return Export(cal.to_ical(), meetings, len(events) - meetings)


# -- writing the file ---------------------------------------------------------------------


def write_file(root: Path, output: Path, data: bytes) -> bool:
    """Write ``data`` to ``output`` atomically; False when it already holds exactly that.

    Inside the vault the file must end in ``.ics`` (so it never replaces a note) and
    stay out of hidden folders; outside the vault it may be any file.
    """
    absolute = output if output.is_absolute() else Path.cwd() / output
    if not absolute.name or absolute.name in (".", ".."):
        raise ExportRefused(f"{output}: not a file name")
    try:
        parent = absolute.parent.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise ExportRefused(f"{output}: its folder does not exist") from None
    target = parent / absolute.name
    if target.is_dir():
        raise ExportRefused(f"{output}: is a folder")
    if target.is_relative_to(root):
        rel = target.relative_to(root).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            raise ExportRefused(f"{output}: refusing to write into a hidden folder of the vault")
        if not rel.casefold().endswith(".ics"):
            raise ExportRefused(
                f"{output}: inside the vault the file's name must end in .ics "
                "(so it can never replace a note)"
            )
        return _write_in_vault(root, rel, data)
    return _write_outside(target, data)


def _write_in_vault(root: Path, rel: str, data: bytes) -> bool:
    target = root / rel
    try:
        old, stamp = read_stamped(target)
    except FileNotFoundError:
        old, stamp = None, None
    except OSError as exc:
        raise ExportRefused(f"{rel}: cannot be read ({exc.strerror}); not written") from None
    if old == data:
        return False
    try:
        atomic_write(root, rel, data, stamp)
    except (UnsafeWrite, WriteConflict) as exc:
        raise ExportRefused(str(exc)) from None
    return True


def _write_outside(target: Path, data: bytes) -> bool:
    mode = None
    with contextlib.suppress(FileNotFoundError):
        st = target.stat()
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISREG(st.st_mode) and target.read_bytes() == data:
            return False
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(fh.fileno(), 0o666 & ~umask)
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise ExportRefused(f"{target}: not written ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    with contextlib.suppress(OSError):
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return True
