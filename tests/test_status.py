"""``vaultkit status``: through the CLI on temporary vaults, and the funnel's rules."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from vaultkit.cli import cli
from vaultkit.status import FUNNEL, outcome_of, plain, shown_width, table

from .conftest import TODAY, tree

THANKS_SAM = "Send a thank-you note to Sam Okafor"
SAM_MEETING = "Meetings/2026-08-14 Sam Okafor networking.md"


def status(runner: CliRunner, root: Path, *args: str, **env: str | None) -> Result:
    env.setdefault("COLUMNS", None)  # no width limit unless a test asks for one
    env.setdefault("NO_COLOR", None)
    return runner.invoke(cli, ["status", str(root), "--today", TODAY, *args], env=env)


def as_json(runner: CliRunner, root: Path, today: str = TODAY) -> dict[str, Any]:
    result = runner.invoke(cli, ["status", str(root), "--today", today, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def section(text: str, title: str) -> str:
    """The lines of one section of the text report, up to the next blank line."""
    start = text.index(title)
    end = text.find("\n\n", start)
    return text[start : end if end != -1 else None]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the text report ------------------------------------------------------------------


def test_the_day_on_the_sample_vault(runner: CliRunner, sample_vault: Path) -> None:
    result = status(runner, sample_vault)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("vaultkit status · vault · Sunday 2026-11-22\n")
    overdue = section(text, "Overdue (")
    assert re.search(rf"2026-08-15  99 days ago  {THANKS_SAM} +2026-08-14 Sam Okafor", overdue)
    # The user's own task in a meeting note, with its note.
    assert "Send Zoë the hybrid-care article from my reading list" in overdue
    soon = section(text, "Due in the next 7 days (")
    assert re.search(r"2026-11-22  today +Return Jonah's zine draft with comments", soon)
    assert "2026-11-23  tomorrow" in soon
    assert "2026-11-27  in 5 days" in soon
    assert "Overdue" not in soon and "99 days ago" not in soon
    meetings = section(text, "Meetings in the next 7 days (3)")
    assert re.search(r"2026-11-22  17:30  networking +Jonah Pierce \(Tidewater Bank\)", meetings)
    assert "job · technical  Hannah Lindqvist (Northwind Health)" in meetings
    assert "where: The Foundry Taproom, 15 Dock St" in meetings
    # regen has not run on this copy: the sheet's path, and when it comes.
    assert (
        "prep sheet (after regen): vaultkit/Prep/Prep 2026-11-26 Elena Vasquez informational.md"
        in meetings
    )
    assert "2026-12-01" not in meetings  # 9 days ahead
    keep = section(text, "Keep in touch (1)")
    assert re.search(r"Sam Okafor +2026-08-14 +45 days +2026-09-28 +55 days", keep)
    kinds = section(text, "Meetings by kind")
    assert re.search(r"\ninformational +2 +2 +1\n", kinds)
    assert re.search(r"\njob +4 +2 +0\n", kinds)
    assert re.search(r"\n  onsite +0 +1 +0", kinds)
    funnel = section(text, "Job-search funnel (6 companies)")
    assert re.search(r"\ninformational +6 +2\n", funnel)
    assert re.search(r"\njob: onsite +2 +1\n", funnel)
    assert "Outcomes: none yet 6." in funnel
    assert "46 notes: 16 people, 7 companies, 18 meetings." in text
    assert "0 errors and 2 warnings in the notes: run vaultkit check." in text


def test_after_regen_the_prep_sheets_are_there(runner: CliRunner, sample_vault: Path) -> None:
    assert runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY]).exit_code == 0
    meetings = section(status(runner, sample_vault).stdout, "Meetings in the next 7 days")
    sheet = "vaultkit/Prep/Prep 2026-11-26 Elena Vasquez informational.md"
    assert f"prep sheet: {sheet}" in meetings
    assert (sample_vault / sheet).is_file()


def test_status_writes_nothing(runner: CliRunner, sample_vault: Path, cache_dir: Path) -> None:
    assert runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY]).exit_code == 0
    stale = sample_vault / "Meetings" / ".vaultkit-crashed.tmp"
    stale.write_text("left by a crash", encoding="utf-8")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    before = tree(sample_vault)
    cache_before = tree(cache_dir)
    for args in ((), ("--json",)):
        assert status(runner, sample_vault, *args).exit_code == 0
    assert tree(sample_vault) == before
    assert tree(cache_dir) == cache_before  # not even a parse cache


def test_fits_the_width_it_is_given(runner: CliRunner, sample_vault: Path) -> None:
    narrow = status(runner, sample_vault, COLUMNS="60")
    assert narrow.exit_code == 0, narrow.output
    lines = narrow.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    assert any(line.endswith("…") for line in lines)
    # Not a terminal and no COLUMNS: nothing is cut.
    wide = status(runner, sample_vault)
    assert "…" not in wide.stdout
    assert max(len(line) for line in wide.stdout.splitlines()) > 60


def test_colour_only_on_a_terminal(runner: CliRunner, sample_vault: Path) -> None:
    assert "\x1b[" not in status(runner, sample_vault).stdout
    coloured = runner.invoke(
        cli, ["status", str(sample_vault), "--today", TODAY], color=True, env={"NO_COLOR": None}
    )
    assert "\x1b[1mOverdue" in coloured.stdout
    plain_again = runner.invoke(
        cli, ["status", str(sample_vault), "--today", TODAY], color=True, env={"NO_COLOR": "1"}
    )
    assert "\x1b[" not in plain_again.stdout


def test_ticks_and_postponed_dates_are_honoured(runner: CliRunner, sample_vault: Path) -> None:
    assert runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY]).exit_code == 0
    note = sample_vault / SAM_MEETING
    (line,) = [
        t
        for t in note.read_text(encoding="utf-8").splitlines()
        if "thank-you note to [[Sam Okafor]]" in t
    ]
    replace_in(note, line, line.replace("- [ ]", "- [x]") + " ✅ 2026-11-21")
    amara = sample_vault / "Meetings/2026-08-28 Amara Osei informational.md"
    (thanks,) = [
        t
        for t in amara.read_text(encoding="utf-8").splitlines()
        if "thank-you note to [[Amara Osei]]" in t
    ]
    replace_in(amara, thanks, thanks.replace("📅 2026-08-29", "📅 2026-11-24"))
    data = as_json(runner, sample_vault)
    overdue = [t["text"] for t in data["followups"]["overdue"]]
    soon = {t["text"]: t for t in data["followups"]["due_soon"]}
    assert THANKS_SAM not in overdue
    assert "Send a thank-you note to Amara Osei" not in overdue
    assert soon["Send a thank-you note to Amara Osei"]["due"] == "2026-11-24"
    assert soon["Send a thank-you note to Amara Osei"]["days"] == 2


def test_the_global_filter_is_not_shown(runner: CliRunner, sample_vault: Path) -> None:
    plugin = sample_vault / ".obsidian/plugins/obsidian-tasks-plugin/data.json"
    write(plugin, json.dumps({"globalFilter": "#task"}))
    assert runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY]).exit_code == 0
    assert "- [ ] #task Send a thank-you note to [[Sam Okafor]]" in (
        sample_vault / SAM_MEETING
    ).read_text(encoding="utf-8")
    texts = [t["text"] for t in as_json(runner, sample_vault)["followups"]["overdue"]]
    assert THANKS_SAM in texts
    assert not [t for t in texts if "#task" in t]


# -- JSON -------------------------------------------------------------------------------


def test_json_shape(runner: CliRunner, sample_vault: Path) -> None:
    data = as_json(runner, sample_vault)
    assert set(data) == {
        "version",
        "vault",
        "today",
        "due_soon_days",
        "meeting_days",
        "followups",
        "meetings",
        "keep_in_touch",
        "counts",
        "funnel",
        "problems",
    }
    assert data["version"] == 1
    assert data["today"] == TODAY
    assert data["vault"] == str(sample_vault.resolve())
    assert (data["due_soon_days"], data["meeting_days"]) == (7, 7)
    fu = data["followups"]
    assert set(fu) == {"overdue", "due_soon", "later"}
    task_keys = {"due", "days", "text", "note", "source", "id", "rule", "line", "person"}
    for task in fu["overdue"] + fu["due_soon"]:
        assert set(task) == task_keys
        assert task["source"] in ("vaultkit", "yours")
        assert (task["id"] is None) == (task["source"] == "yours") == (task["line"] is not None)
    assert all(t["days"] < 0 for t in fu["overdue"])
    assert all(0 <= t["days"] <= 7 for t in fu["due_soon"])
    (sam,) = [t for t in fu["overdue"] if t["text"] == THANKS_SAM]
    assert sam["note"] == SAM_MEETING
    assert sam["rule"] == "thank_you" and sam["person"] == "Sam Okafor"
    assert re.fullmatch(r"fu-[0-9a-f]{8}", sam["id"])
    (mine,) = [t for t in fu["overdue"] if t["text"].startswith("Send Zoë the hybrid-care")]
    assert mine["source"] == "yours" and isinstance(mine["line"], int)
    assert fu["later"] == 6
    meetings = data["meetings"]
    assert [m["date"] for m in meetings] == ["2026-11-22", "2026-11-25", "2026-11-26"]
    hannah = meetings[1]
    assert hannah == {
        "date": "2026-11-25",
        "time": "14:00",
        "days": 3,
        "duration": 60,
        "kind": "job",
        "stage": "technical",
        "role": "Service Designer",
        "status": "planned",
        "title": "2026-11-25 Hannah Lindqvist job technical",
        "path": "Meetings/2026-11-25 Hannah Lindqvist job technical.md",
        "with": ["Hannah Lindqvist"],
        "company": "Northwind Health",
        "where": "https://meet.example.com/nwh-portfolio-hannah",
        "prep": {
            "path": "vaultkit/Prep/Prep 2026-11-25 Hannah Lindqvist job technical.md",
            "written": False,
        },
    }
    assert data["keep_in_touch"] == [
        {
            "name": "Sam Okafor",
            "path": "People/Sam Okafor.md",
            "last_met": "2026-08-14",
            "cadence_days": 45,
            "due": "2026-09-28",
            "days_over": 55,
            "id": data["keep_in_touch"][0]["id"],
        }
    ]
    counts = data["counts"]
    assert (counts["notes"], counts["people"], counts["companies"], counts["meetings"]) == (
        46,
        16,
        7,
        18,
    )
    assert counts["meetings_by_kind"]["informational"] == {"held": 2, "upcoming": 2, "cancelled": 1}
    assert "none" not in counts["meetings_by_kind"]  # every meeting has a kind
    assert list(counts["job_stages"]) == ["screen", "technical", "onsite", "final"]
    steps = data["funnel"]["steps"]
    assert [s["step"] for s in steps] == list(FUNNEL)
    assert sum(s["furthest"] for s in steps) == len(data["funnel"]["companies"]) == 6
    assert data["problems"] == {"errors": 0, "warnings": 2}


def test_json_is_the_same_every_time(runner: CliRunner, sample_vault: Path) -> None:
    first = runner.invoke(cli, ["status", str(sample_vault), "--today", TODAY, "--json"])
    second = runner.invoke(cli, ["status", str(sample_vault), "--today", TODAY, "--json"])
    assert first.stdout == second.stdout


# -- the funnel -------------------------------------------------------------------------


def funnel_vault(root: Path) -> Path:
    def company(name: str, extra: str = "") -> None:
        write(root / "Companies" / f"{name}.md", f"---\ntype: company\n{extra}---\n")

    def person(name: str, at: str) -> None:
        write(root / "People" / f"{name}.md", f'---\ntype: person\ncompany: "[[{at}]]"\n---\n')

    def meeting(name: str, meta: str) -> None:
        write(root / "Meetings" / f"{name}.md", f"---\ntype: meeting\n{meta}---\n")

    company("Acme")
    company("Globex")
    company("Initech", "outcome: Offer\n")
    company("Umbrella", "status: turned down\n")
    company("Hooli", "status: target\n")  # not an outcome word: no outcome
    company("Wayne")
    person("Ann", "Acme")
    person("Gus", "Globex")
    person("Ian", "Initech")
    person("Hal", "Hooli")
    person("Wes", "Wayne")
    # Acme: informational, then a phone screen, an onsite booked: furthest onsite.
    meeting("2026-10-01 Ann info", "kind: informational\ndate: 2026-10-01\nwith: Ann\n")
    meeting(
        "2026-11-01 Ann screen", "kind: job\nstage: Phone Screen\ndate: 2026-11-01\nwith: Ann\n"
    )
    meeting("2026-11-28 Ann onsite", "kind: job\nstage: onsite\ndate: 2026-11-28\nwith: Ann\n")
    # Globex: casual, then rejected (the newest outcome wins).
    meeting(
        "2026-10-05 Gus casual", "kind: casual\ndate: 2026-10-05\nwith: Gus\noutcome: no reply\n"
    )
    meeting(
        "2026-10-20 Gus job",
        "kind: job\nstage: a stage nobody knows\ndate: 2026-10-20\nwith: Gus\noutcome: Rejected\n",
    )
    # Initech: the final round, and an offer in the company note.
    meeting("2026-11-10 Ian final", "kind: job\nstage: final\ndate: 2026-11-10\nwith: Ian\n")
    # Hooli: only a cancelled meeting: not in the funnel.
    meeting(
        "2026-11-12 Hal info",
        "kind: informational\ndate: 2026-11-12\nstatus: cancelled\nwith: Hal\n",
    )
    # Wayne: a networking chat counts as the first step; an odd outcome is kept as written.
    meeting(
        "2026-11-15 Wes coffee", "kind: coffee\ndate: 2026-11-15\nwith: Wes\noutcome: On hold\n"
    )
    return root


def test_funnel_steps_and_outcomes(runner: CliRunner, tmp_path: Path) -> None:
    root = funnel_vault(tmp_path / "vault")
    funnel = as_json(runner, root)["funnel"]
    companies = {c["name"]: (c["furthest"], c["outcome"]) for c in funnel["companies"]}
    assert companies == {
        "Acme": ("job: onsite", None),
        "Globex": ("job", "rejected"),
        "Initech": ("offer", "offer"),
        "Umbrella": ("offer", "declined"),
        "Wayne": ("informational", "on hold"),
    }
    steps = {s["step"]: (s["reached"], s["furthest"]) for s in funnel["steps"]}
    assert steps == {
        "informational": (5, 1),
        "casual": (4, 0),
        "job": (4, 1),
        "job: screen": (3, 0),
        "job: technical": (3, 0),
        "job: onsite": (3, 1),
        "job: final": (2, 0),
        "offer": (2, 2),
    }
    assert funnel["outcomes"] == {
        "offer": 1,
        "declined": 1,
        "rejected": 1,
        "on hold": 1,
        "none yet": 1,
    }
    result = status(runner, root)
    assert "Outcomes: offer 1, declined 1, rejected 1, on hold 1, none yet 1." in result.stdout
    kinds = section(result.stdout, "Meetings by kind")
    # Job stages as written, the known ones first and in order.
    assert kinds.index("  phone screen") < kinds.index("  onsite") < kinds.index("  final")
    assert kinds.index("  final") < kinds.index("  a stage nobody knows")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Offer", "offer"),
        ("  hired ", "accepted"),
        ("Turned  down", "declined"),
        ("ghosted", "no answer"),
        ("On hold", "on hold"),
        ("", None),
        (3, None),
    ],
)
def test_outcome_words(value: object, expected: str | None) -> None:
    assert outcome_of(value) == expected


def test_plain_task_text() -> None:
    line = (
        "- [ ] #task Send a thank-you note to [[People/Jane Doe|Jane]] ([[2026-11-10 Jane]]) "
        "🆔 fu-1a2b3c4d 📅 2026-11-11 ✅ 2026-11-12"
    )
    assert plain(line, "#task") == "Send a thank-you note to Jane (2026-11-10 Jane)"
    assert plain("- [ ] TODO plan multiTODO", "TODO") == "plan multiTODO"
    assert plain("Read [the \\[draft\\]](Notes/Draft.md) and [[Notes/Plan]]") == (
        "Read the [draft] and Plan"
    )


# -- small and broken vaults ------------------------------------------------------------


def test_an_empty_vault(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = status(runner, tmp_path / "empty")
    assert result.exit_code == 0, result.output
    for words in (
        "Nothing overdue.",
        "Nothing due.",
        "No meetings.",
        "Nobody past their cadence.",
        "No meetings with a company yet.",
        "0 notes: 0 people, 0 companies, 0 meetings.",
    ):
        assert words in result.stdout
    assert "run vaultkit check" not in result.stdout


def test_the_basic_fixture_vault(runner: CliRunner, basic_vault: Path) -> None:
    result = status(runner, basic_vault)
    assert result.exit_code == 0, result.output
    data = as_json(runner, basic_vault)
    assert data["counts"]["meetings"] > 0


def test_bad_date_and_missing_folder(runner: CliRunner, tmp_path: Path) -> None:
    bad = runner.invoke(cli, ["status", str(tmp_path), "--today", "22/11/2026"])
    assert bad.exit_code == 2
    assert "is not a date like 2026-11-22" in bad.output
    missing = runner.invoke(cli, ["status", str(tmp_path / "nope"), "--today", TODAY])
    assert missing.exit_code != 0


def test_a_broken_followups_config_is_reported(runner: CliRunner, sample_vault: Path) -> None:
    write(sample_vault / "vaultkit.yaml", "followups:\n  week_days: soon\n")
    result = runner.invoke(cli, ["status", str(sample_vault), "--today", TODAY])
    assert result.exit_code != 0
    assert "followups.week_days" in str(result.exception) + result.output


def test_tables_align_by_what_the_terminal_shows() -> None:
    nfd = unicodedata.normalize("NFD", "Zoë Martín")
    rows = [["2026-11-22", nfd, "x"], ["2026-11-23", "山田太郎", "y"], ["2026-11-24", "Sam", "z"]]
    lines = table(("DATE", "WHO", "NOTE"), rows, None)
    # The last column starts at the same terminal column on every line.
    starts = {shown_width(line[: line.rindex(" ") + 1]) for line in lines}
    assert len(starts) == 1
    narrow = table(("DATE", "WHO", "NOTE"), [["2026-11-22", "山田太郎" * 5, "x"]], 30, (1,))
    assert all(shown_width(line) <= 30 for line in narrow)
    assert "…" in narrow[1]


def test_problems_are_counted_as_check_counts_them(runner: CliRunner, sample_vault: Path) -> None:
    note = sample_vault / "People/Sam Okafor.md"
    note.write_text(
        note.read_text(encoding="utf-8") + "\n<!-- vaultkit:begin backlinks 0123456789abcdef -->\n",
        encoding="utf-8",
    )  # a region that never ends
    check = runner.invoke(cli, ["check", str(sample_vault), "--today", TODAY, "--json"])
    counted = json.loads(check.stdout)
    assert counted["errors"] >= 1
    problems = as_json(runner, sample_vault)["problems"]
    assert problems == {"errors": counted["errors"], "warnings": counted["warnings"]}
