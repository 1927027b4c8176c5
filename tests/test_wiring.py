"""Where prep sheets and follow-ups meet, tested through the CLI on the prep fixture vault:

- a sheet's "After the meeting" is made by the follow-up rules configured in
  ``vaultkit.yaml`` (one source of truth), and says what the meeting note later gets;
- the dashboard links each upcoming meeting's prep sheet, and settles in one run;
- links in sheets, follow-up regions and the dashboard follow Obsidian's link settings.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from vaultkit.cli import cli

from .conftest import FIXTURES, TODAY, snapshot

INFO_MEETING = "Meetings/2026-11-26 Ada Brook informational.md"
INFO_SHEET = "vaultkit/Prep/Prep 2026-11-26 Ada Brook informational.md"
HELD_MEETING = "Meetings/2026-09-10 Ada Brook informational.md"
DASHBOARD = "vaultkit/Follow-ups.md"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    dest = tmp_path / "vault"
    shutil.copytree(FIXTURES / "prep_vault", dest)
    return dest


def regen(runner: CliRunner, root: Path, today: str = TODAY, *extra: str) -> str:
    result = runner.invoke(cli, ["regen", str(root), "--today", today, "--no-cache", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def read(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8")


def after_section(text: str) -> list[str]:
    """The bullet lines of a sheet's "After the meeting" section."""
    start = text.index("\n## After the meeting\n")
    end = text.index("<!-- vaultkit:end prep -->", start)
    return [line for line in text[start:end].splitlines() if line.startswith("- ")]


def followups_region(text: str) -> str:
    found = re.search(r"<!-- vaultkit:begin followups.*?vaultkit:end followups -->", text, re.S)
    return found.group(0) if found else ""


# -- 1. "After the meeting" comes from the configured rules ---------------------------


CHANGED_RULES = """\
followups:
  kinds:
    informational: {referrals: false, check_in: 45, next_step: 5}
  keep_in_touch: false
"""


def test_a_changed_rule_changes_the_sheet(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    default = after_section(read(vault, INFO_SHEET))
    assert any(line.startswith("- 2026-11-29: Get in touch with each person") for line in default)
    assert any(line.startswith("- 2026-12-26: Tell [[Ada Brook]]") for line in default)
    assert any("a nudge to reach out to [[Ada Brook]] (every 90 days)" in x for x in default)

    (vault / "vaultkit.yaml").write_text(CHANGED_RULES, encoding="utf-8")
    regen(runner, vault)
    changed = after_section(read(vault, INFO_SHEET))
    here = "([[2026-11-26 Ada Brook informational]])"
    assert changed == [
        f"- 2026-11-27: Send a thank-you note to [[Ada Brook]] {here}",
        f"- 2027-01-10: Tell [[Ada Brook]] how their advice has helped so far {here}",
        f"- 2026-12-01: Write down what to prepare for a next step with [[Ada Brook]] {here}",
    ]


def test_the_sheet_says_what_the_meeting_note_gets_afterwards(
    runner: CliRunner, vault: Path
) -> None:
    """The sheet's promises are the tasks written once the meeting is over, same text
    and same dates, because both come from the same rules."""
    (vault / "vaultkit.yaml").write_text(CHANGED_RULES, encoding="utf-8")
    regen(runner, vault)
    promised = after_section(read(vault, INFO_SHEET))
    assert promised
    regen(runner, vault, "2026-11-27")  # the day after the meeting
    tasks = followups_region(read(vault, INFO_MEETING))
    for line in promised:
        due, text = line[2:].split(": ", 1)
        assert re.search(rf"- \[ \] {re.escape(text)} 🆔 fu-[0-9a-f]{{8}} 📅 {due}", tasks), (
            line,
            tasks,
        )
    assert tasks.count("- [ ] ") == len(promised)


def test_no_follow_ups_configured_says_so(runner: CliRunner, vault: Path) -> None:
    (vault / "vaultkit.yaml").write_text(
        "followups:\n  kinds:\n    informational: false\n  keep_in_touch: false\n", "utf-8"
    )
    regen(runner, vault)
    text = read(vault, INFO_SHEET)
    assert after_section(text) == []
    assert "vaultkit schedules no follow-ups for this meeting" in text


# -- 2. the dashboard links the prep sheets ---------------------------------------------


def upcoming(text: str) -> list[str]:
    start = text.index("## Upcoming meetings")
    end = text.index("\n## ", start + 1)
    return [line for line in text[start:end].splitlines() if line.startswith("- ")]


def test_dashboard_links_each_prep_sheet_and_settles_in_one_run(
    runner: CliRunner, vault: Path
) -> None:
    (vault / "vaultkit.yaml").write_text("followups:\n  upcoming_days: 30\n", "utf-8")
    regen(runner, vault)
    lines = upcoming(read(vault, DASHBOARD))
    sheets = sorted(p.name for p in (vault / "vaultkit" / "Prep").iterdir())
    assert sheets  # the horizon (14 days) has meetings
    for name in sheets:
        line = next(x for x in lines if f"[[{name[len('Prep ') : -3]}]]" in x)
        assert line.endswith(f" · prep sheet: [[{name[:-3]}]]"), line
    # 2026-12-20 is within the dashboard's 30 days but beyond the prep horizon: no
    # sheet, so no link (a link to a note that never comes would create an empty one).
    (beyond,) = [x for x in lines if "2026-12-20" in x]
    assert "prep sheet" not in beyond
    # One run settles: the second writes nothing.
    before = snapshot(vault)
    out = regen(runner, vault)
    assert "0 created, 0 updated" in out
    assert snapshot(vault) == before
    # A sheet written by hand with `vaultkit prep` is linked from the next regen on.
    made = runner.invoke(
        cli, ["prep", "2026-12-20 Dee Moss networking", "--vault", str(vault), "--today", TODAY]
    )
    assert made.exit_code == 0, made.output
    regen(runner, vault)
    (beyond,) = [x for x in upcoming(read(vault, DASHBOARD)) if "2026-12-20" in x]
    assert beyond.endswith("prep sheet: [[Prep 2026-12-20 Dee Moss networking]]")
    before = snapshot(vault)
    assert "0 created, 0 updated" in regen(runner, vault)
    assert snapshot(vault) == before


def test_a_sheet_name_another_note_has_is_linked_by_path_from_the_first_run(
    runner: CliRunner, vault: Path
) -> None:
    """The link is decided before the sheet exists, the same way as after."""
    (vault / "Notes" / "Prep 2026-11-28 Dee Moss casual.md").write_text("Mine.\n", "utf-8")
    regen(runner, vault)
    name = "Prep 2026-11-28 Dee Moss casual"
    assert (vault / "vaultkit" / "Prep" / f"{name}.md").is_file()
    line = next(x for x in upcoming(read(vault, DASHBOARD)) if "2026-11-28" in x)
    assert line.endswith(f"prep sheet: [[vaultkit/Prep/{name}|{name}]]"), line
    before = snapshot(vault)
    assert "0 created, 0 updated" in regen(runner, vault)
    assert snapshot(vault) == before


# -- 3. Obsidian's link settings ---------------------------------------------------------

MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+\.md)\)")


def generated_links(root: Path, rel: str) -> list[tuple[str, str]]:
    """(text, target) of every Markdown link inside vaultkit's regions of a note."""
    text = read(root, rel)
    links: list[tuple[str, str]] = []
    for block in re.findall(r"<!-- vaultkit:begin .*?<!-- vaultkit:end \w+ -->", text, re.S):
        links.extend(MD_LINK.findall(block))
    return links


def test_relative_markdown_links_in_sheets_follow_ups_and_dashboard(
    runner: CliRunner, vault: Path
) -> None:
    (vault / ".obsidian").mkdir()
    app = {"newLinkFormat": "relative", "useMarkdownLinks": True}
    (vault / ".obsidian" / "app.json").write_text(json.dumps(app), "utf-8")
    regen(runner, vault)

    sheet = read(vault, INFO_SHEET)
    assert "(in [Todo](../../Notes/Todo.md))" in sheet  # where an open promise lives
    assert "[Ada Brook](../../People/Ada%20Brook.md)" in sheet
    assert 'meeting: "[[2026-11-26 Ada Brook informational]]"' in sheet  # a property
    assert "Send a thank-you note to [Ada Brook](../../People/Ada%20Brook.md) (" in sheet

    tasks = followups_region(read(vault, HELD_MEETING))
    assert "Send a thank-you note to [Ada Brook](../People/Ada%20Brook.md) (" in tasks
    assert "Get in touch with [Eve Lund](../People/Eve%20Lund.md)" in tasks

    meeting_region = read(vault, INFO_MEETING)
    prep_link = "[Prep 2026-11-26 Ada Brook informational]"
    assert f"{prep_link}(../vaultkit/Prep/Prep%202026-11-26%20Ada%20Brook%20informational.md)" in (
        meeting_region
    )
    dashboard = read(vault, DASHBOARD)
    assert f"prep sheet: {prep_link}(Prep/Prep%202026-11-26%20Ada%20Brook%20informational.md)" in (
        dashboard
    )

    # Every Markdown link vaultkit wrote leads to a note, from the note it is in.
    checked = 0
    for path in sorted(vault.rglob("*.md")):
        rel = path.relative_to(vault).as_posix()
        for text, target in generated_links(vault, rel):
            assert (path.parent / unquote(target)).resolve().is_file(), (rel, text, target)
            checked += 1
    assert checked > 50
    before = snapshot(vault)
    assert "0 created, 0 updated" in regen(runner, vault)
    assert snapshot(vault) == before


def test_a_tick_in_the_dashboard_reaches_home_with_home_relative_links(
    runner: CliRunner, vault: Path
) -> None:
    """The dashboard's copy of a task links from the dashboard's folder, its home line
    from the meeting's; a tick made in the copy lands on the home line, whose links
    stay right for the meeting note."""
    (vault / ".obsidian").mkdir()
    app = {"newLinkFormat": "relative", "useMarkdownLinks": True}
    (vault / ".obsidian" / "app.json").write_text(json.dumps(app), "utf-8")
    (vault / "vaultkit.yaml").write_text("output_folder: Generated/vaultkit\n", "utf-8")
    dashboard = "Generated/vaultkit/Follow-ups.md"
    regen(runner, vault)
    meeting_link = "[2026-09-10 Ada Brook informational]"
    home = followups_region(read(vault, HELD_MEETING))
    thanks = next(x for x in home.splitlines() if "thank-you" in x)
    assert f"{meeting_link}(2026-09-10%20Ada%20Brook%20informational.md)" in thanks
    copy_text = read(vault, dashboard)
    copy = next(x for x in copy_text.splitlines() if "thank-you" in x)
    assert f"{meeting_link}(../../Meetings/2026-09-10%20Ada%20Brook%20informational.md)" in copy
    assert "[Ada Brook](../../People/Ada%20Brook.md)" in copy
    before = snapshot(vault)
    assert "0 created, 0 updated" in regen(runner, vault)
    assert snapshot(vault) == before

    ticked = copy.replace("- [ ] ", "- [x] ", 1) + " ✅ 2026-11-22"
    (vault / dashboard).write_text(copy_text.replace(copy, ticked), encoding="utf-8")
    regen(runner, vault)
    home = followups_region(read(vault, HELD_MEETING))
    assert thanks.replace("- [ ] ", "- [x] ", 1) + " ✅ 2026-11-22" in home.splitlines()
    assert "../../" not in home
    before = snapshot(vault)
    assert "0 created, 0 updated" in regen(runner, vault)
    assert snapshot(vault) == before
