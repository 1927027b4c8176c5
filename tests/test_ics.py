"""``vaultkit export ics``: the calendar, read back with icalendar."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner, Result

from vaultkit.cli import cli
from vaultkit.ics import obsidian_url

from .conftest import TODAY, tree

HANNAH = "Meetings/2026-11-25 Hannah Lindqvist job technical.md"
SAM_MEETING = "Meetings/2026-08-14 Sam Okafor networking.md"


def export(runner: CliRunner, root: Path, *args: str, today: str = TODAY) -> Result:
    return runner.invoke(cli, ["export", "ics", str(root), "--today", today, *args])


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    out = {}
    for event in cal.walk("VEVENT"):
        uid = str(event["uid"])
        assert uid not in out, f"two events share {uid}"
        out[uid] = event
    return out


def by_summary(cal: icalendar.Calendar, start: str) -> icalendar.Event:
    (found,) = [e for e in cal.walk("VEVENT") if str(e["summary"]).startswith(start)]
    return found


def status_json(runner: CliRunner, root: Path) -> dict[str, Any]:
    result = runner.invoke(cli, ["status", str(root), "--today", TODAY, "--json"])
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_meetings_and_followups_on_the_sample_vault(runner: CliRunner, sample_vault: Path) -> None:
    result = export(runner, sample_vault)
    assert result.exit_code == 0, result.output
    cal = parse(result.stdout_bytes)
    assert str(cal["version"]) == "2.0"
    assert str(cal["x-wr-calname"]) == "vaultkit: vault"
    found = events(cal)
    meetings = [e for uid, e in found.items() if uid.startswith("meeting-")]
    tasks = [e for uid, e in found.items() if not uid.startswith("meeting-")]
    # Every meeting from today on (8 in the sample), none before.
    assert len(meetings) == 8
    timed = [e.decoded("dtstart") for e in meetings]
    assert min(t for t in timed if isinstance(t, dt.datetime)) == dt.datetime(2026, 11, 22, 17, 30)
    # Every open, dated follow-up that status knows about, once.
    data = status_json(runner, sample_vault)
    fu = data["followups"]
    dated = [t for t in fu["overdue"] + fu["due_soon"] if t["due"]]
    assert len(tasks) >= len(dated)
    for task in dated:
        if task["id"]:
            event = found[f"{task['id']}@vaultkit"]
            assert event.decoded("dtstart") == dt.date.fromisoformat(task["due"])
            assert str(event["summary"]) == f"Follow up: {task['text']}"
    keep = data["keep_in_touch"][0]
    assert found[f"{keep['id']}@vaultkit"].decoded("dtstart") == dt.date(2026, 9, 28)


def test_a_meeting_event(runner: CliRunner, sample_vault: Path) -> None:
    cal = parse(export(runner, sample_vault).stdout_bytes)
    event = by_summary(cal, "Job interview (technical): Hannah Lindqvist at Northwind Health")
    start = event.decoded("dtstart")
    assert start == dt.datetime(2026, 11, 25, 14, 0)
    assert start.tzinfo is None  # floating: the note's local time
    assert event.decoded("dtend") == dt.datetime(2026, 11, 25, 15, 0)  # duration: 60
    assert str(event["location"]) == "https://meet.example.com/nwh-portfolio-hannah"
    url = obsidian_url("vault", HANNAH)
    assert url == (
        "obsidian://open?vault=vault&file=Meetings%2F2026-11-25%20Hannah%20Lindqvist%20job%20technical"
    )
    assert str(event["url"]) == url
    description = str(event["description"])
    assert f"Note: {HANNAH}" in description
    assert f"Open the note: {url}" in description
    assert "Prep sheet: vaultkit/Prep/Prep 2026-11-25 Hannah Lindqvist job technical.md" in (
        description
    )
    assert "Role: Service Designer" in description and "Stage: technical" in description
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("dtstamp") == dt.datetime(2026, 11, 22, tzinfo=dt.UTC)


def test_a_meeting_without_a_time_or_length(runner: CliRunner, sample_vault: Path) -> None:
    note = sample_vault / "Meetings/2026-12-09 Felix Grant informational.md"
    note.write_text(
        note.read_text(encoding="utf-8").replace("duration: 30\n", ""), encoding="utf-8"
    )
    cal = parse(export(runner, sample_vault).stdout_bytes)
    event = by_summary(cal, "Informational interview: Felix Grant")
    assert event.decoded("dtstart") == dt.date(2026, 12, 9)  # all day
    assert event.decoded("dtend") == dt.date(2026, 12, 10)
    # A timed meeting without a length gets its kind's usual length.
    olivia = sample_vault / "Meetings/2026-12-01 Olivia Chen casual.md"
    olivia.write_text(
        olivia.read_text(encoding="utf-8").replace("duration: 45\n", ""), encoding="utf-8"
    )
    event = by_summary(parse(export(runner, sample_vault).stdout_bytes), "Casual interview")
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=45)
    assert "45 minutes assumed" in str(event["description"])


def test_a_cancelled_meeting_is_exported_as_cancelled(
    runner: CliRunner, sample_vault: Path
) -> None:
    before = events(parse(export(runner, sample_vault).stdout_bytes))
    note = sample_vault / HANNAH
    note.write_text(
        note.read_text(encoding="utf-8").replace("status: planned", "status: cancelled"),
        encoding="utf-8",
    )
    after = events(parse(export(runner, sample_vault).stdout_bytes))
    assert set(after) == set(before)  # same ids: a re-import updates the event
    (uid,) = [u for u, e in after.items() if str(e.get("status")) == "CANCELLED"]
    assert str(before[uid]["status"]) == "CONFIRMED"
    assert str(after[uid]["summary"]).startswith("Cancelled: Job interview")


def test_ids_stay_from_one_export_to_the_next(runner: CliRunner, sample_vault: Path) -> None:
    first = export(runner, sample_vault).stdout_bytes
    assert export(runner, sample_vault).stdout_bytes == first  # same vault, same day
    later = events(parse(export(runner, sample_vault, today="2026-11-26").stdout_bytes))
    now = events(parse(first))
    # Meetings still ahead keep their ids; those now past are left out.
    kept = {u for u in now if u.startswith("meeting-")} & set(later)
    assert len(kept) == 6
    for uid in kept:
        assert now[uid].decoded("dtstart") == later[uid].decoded("dtstart")
        assert later[uid].decoded("dtstamp") == dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def test_ticked_and_postponed_followups(runner: CliRunner, sample_vault: Path) -> None:
    assert runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY]).exit_code == 0
    before = events(parse(export(runner, sample_vault).stdout_bytes))
    note = sample_vault / SAM_MEETING
    text = note.read_text(encoding="utf-8")
    (line,) = [t for t in text.splitlines() if "thank-you note to [[Sam Okafor]]" in t]
    note.write_text(text.replace(line, line.replace("- [ ]", "- [x]")), encoding="utf-8")
    amara = sample_vault / "Meetings/2026-08-28 Amara Osei informational.md"
    text = amara.read_text(encoding="utf-8")
    (thanks,) = [t for t in text.splitlines() if "thank-you note to [[Amara Osei]]" in t]
    amara.write_text(
        text.replace(thanks, thanks.replace("📅 2026-08-29", "📅 2026-12-02")), encoding="utf-8"
    )
    after = events(parse(export(runner, sample_vault).stdout_bytes))
    (gone,) = set(before) - set(after)
    assert str(before[gone]["summary"]) == "Follow up: Send a thank-you note to Sam Okafor"
    (moved,) = [
        u for u in after if str(after[u]["summary"]).endswith("thank-you note to Amara Osei")
    ]
    assert before[moved].decoded("dtstart") == dt.date(2026, 8, 29)
    assert after[moved].decoded("dtstart") == dt.date(2026, 12, 2)
    assert str(after[moved]["transp"]) == "TRANSPARENT"


def test_the_users_own_tasks_are_exported(runner: CliRunner, sample_vault: Path) -> None:
    cal = parse(export(runner, sample_vault).stdout_bytes)
    event = by_summary(cal, "Follow up: Return Jonah's zine draft with comments")
    assert event.decoded("dtstart") == dt.date(2026, 11, 22)
    assert str(event["uid"]).startswith("task-")
    assert "Your task" in str(event["description"])


def test_the_file_is_well_formed(runner: CliRunner, sample_vault: Path) -> None:
    data = export(runner, sample_vault).stdout_bytes
    lines = data.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2] == b"END:VCALENDAR"
    assert lines[-1] == b""
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75  # folded, as RFC 5545 asks
    starts = []
    for event in parse(data).walk("VEVENT"):
        value = event.decoded("dtstart")
        starts.append(value.isoformat() if isinstance(value, dt.datetime) else str(value))
    assert starts == sorted(starts)
    assert "Zoë".encode() in data


def test_writing_a_file(runner: CliRunner, sample_vault: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "career.ics"
    target.parent.mkdir()
    before = tree(sample_vault)
    result = export(runner, sample_vault, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "vaultkit: wrote 8 meetings and" in result.stderr
    data = target.read_bytes()
    assert data == export(runner, sample_vault).stdout_bytes
    assert len(events(parse(data))) > 8
    assert tree(sample_vault) == before
    assert [p.name for p in target.parent.iterdir()] == ["career.ics"]  # no temp file left
    # Unchanged: not written again.
    os.utime(target, (1_000_000_000, 1_000_000_000))
    again = export(runner, sample_vault, "-o", str(target))
    assert again.exit_code == 0
    assert "not written" in again.stderr
    assert target.stat().st_mtime == 1_000_000_000
    # Changed: replaced, keeping the file's mode.
    target.chmod(0o600)
    assert export(runner, sample_vault, "-o", str(target), today="2026-11-23").exit_code == 0
    assert target.read_bytes() != data
    assert target.stat().st_mode & 0o777 == 0o600
    # '-' prints it.
    assert export(runner, sample_vault, "-o", "-").stdout_bytes == data


def test_a_file_inside_the_vault(runner: CliRunner, sample_vault: Path) -> None:
    result = export(runner, sample_vault, "-o", str(sample_vault / "calendar.ics"))
    assert result.exit_code == 0, result.output
    assert parse((sample_vault / "calendar.ics").read_bytes())
    # Not a note: regen and check do not read it.
    check = runner.invoke(cli, ["check", str(sample_vault), "--today", TODAY])
    assert "calendar.ics" not in check.output


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (".obsidian/calendar.ics", "hidden folder"),
        ("People/.hidden/calendar.ics", "hidden folder"),
        ("People/Sam Okafor.md", "must end in .ics"),
        ("Notes/calendar.txt", "must end in .ics"),
        ("no such folder/calendar.ics", "its folder does not exist"),
        ("People", "is a folder"),
    ],
)
def test_refused_places(runner: CliRunner, sample_vault: Path, where: str, message: str) -> None:
    (sample_vault / ".obsidian").mkdir()
    (sample_vault / "People/.hidden").mkdir()
    before = tree(sample_vault)
    result = export(runner, sample_vault, "-o", str(sample_vault / where))
    assert result.exit_code == 1
    assert message in result.output
    assert tree(sample_vault) == before


def test_a_link_into_a_hidden_folder_is_refused(runner: CliRunner, sample_vault: Path) -> None:
    (sample_vault / ".obsidian").mkdir()
    (sample_vault / "Calendars").symlink_to(sample_vault / ".obsidian")
    result = export(runner, sample_vault, "-o", str(sample_vault / "Calendars/cal.ics"))
    assert result.exit_code == 1
    assert "hidden folder" in result.output
    assert not (sample_vault / ".obsidian/cal.ics").exists()


def test_a_relative_path_is_from_the_current_folder(
    runner: CliRunner, sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert export(runner, sample_vault, "-o", "rel.ics").exit_code == 0
    assert (tmp_path / "rel.ics").is_file()


def test_the_basic_fixture_and_an_empty_vault(
    runner: CliRunner, basic_vault: Path, tmp_path: Path
) -> None:
    result = export(runner, basic_vault, today="2020-01-01")
    assert result.exit_code == 0, result.output
    assert events(parse(result.stdout_bytes))
    (tmp_path / "empty").mkdir()
    empty = export(runner, tmp_path / "empty")
    assert empty.exit_code == 0
    assert events(parse(empty.stdout_bytes)) == {}
