"""Follow-up tasks, keep-in-touch nudges and the dashboard, through the CLI and the core."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from vaultkit import followups, parse, plan
from vaultkit.cli import cli
from vaultkit.config import Config
from vaultkit.parse import content_hash, find_regions

TODAY = "2026-11-22"
DASH = "vaultkit/Follow-ups.md"

PEOPLE = {
    "Jane Doe": 'company: "[[Acme]]"\nrole: Design Lead\n',
    "Sam Lee": "",
    "Ana Park": "keep_in_touch: 30\n",
    "Bo Chen": 'company: "[[Acme]]"\n',
    "Old Friend": "",
    "Quiet Quinn": "keep_in_touch: 0\n",
}
MEETINGS = {
    # informational, a referral already met (Sam Lee) and one without a note
    "2026-11-10 Jane informational": (
        'kind: informational\ndate: 2026-11-10\nwith: ["[[Jane Doe]]"]\n'
        'referrals: ["[[Sam Lee]]", "[[Ghost Person]]"]\n',
        "## Notes\nGreat chat.\n\n- [ ] Send Jane the article 📅 2026-11-24\n- [x] Done thing\n",
    ),
    # job screen with a later meeting at the same company: no status check
    "2026-11-01 Acme screen": (
        'kind: job\ndate: 2026-11-01\nstage: screen\nwith: ["[[Bo Chen]]"]\ncompany: "[[Acme]]"\n',
        "",
    ),
    # the final stage: nothing after the thank-you
    "2026-11-15 Acme final": (
        'kind: job\ndate: 2026-11-15T10:00\nstage: final\nwith: ["[[Bo Chen]]"]\n'
        'company: "[[Acme]]"\n',
        "",
    ),
    # job screen, nothing later at Globex: a status check after 7 days
    "2026-11-12 Globex screen": (
        'kind: job\ndate: 2026-11-12\nstage: screen\nwith: ["[[Ana Park]]"]\n'
        'company: "[[Globex]]"\n',
        "",
    ),
    "2026-11-18 Sam casual": ('kind: casual\ndate: 2026-11-18\nwith: ["[[Sam Lee]]"]\n', ""),
    "2026-11-05 Jane cancelled": (
        'kind: networking\ndate: 2026-11-05\nstatus: cancelled\nwith: ["[[Jane Doe]]"]\n',
        "",
    ),
    "2026-11-25 Jane coffee": ('kind: networking\ndate: 2026-11-25\nwith: ["[[Jane Doe]]"]\n', ""),
    "2026-06-01 Old Friend coffee": (
        'kind: networking\ndate: 2026-06-01\nwith: ["[[Old Friend]]"]\n',
        "",
    ),
    "2026-06-02 Quinn coffee": (
        'kind: networking\ndate: 2026-06-02\nwith: ["[[Quiet Quinn]]"]\n',
        "",
    ),
}


def make_vault(root: Path, config: str = "") -> Path:
    for name, extra in PEOPLE.items():
        write(root / "People" / f"{name}.md", f"---\ntype: person\n{extra}---\nAbout {name}.\n")
    for name in ("Acme", "Globex"):
        write(root / "Companies" / f"{name}.md", "---\ntype: company\n---\n")
    for name, (meta, body) in MEETINGS.items():
        write(root / "Meetings" / f"{name}.md", f"---\ntype: meeting\n{meta}---\n{body}")
    if config:
        write(root / "vaultkit.yaml", config)
    return root


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(tmp_path / "vault")


def regen(runner: CliRunner, root: Path, today: str = TODAY) -> Result:
    return runner.invoke(cli, ["regen", str(root), "--today", today])


def region(root: Path, rel: str, name: str = "followups") -> str | None:
    text = (root / rel).read_text(encoding="utf-8")
    for r in find_regions(text, rel)[0]:
        if r.name == name:
            return r.text if r.content is not None else None
    return None


def tasks(text: str | None) -> list[str]:
    return [line for line in (text or "").splitlines() if re.match(r"- \[.\] ", line)]


def meeting(name: str) -> str:
    return f"Meetings/{name}.md"


def ids(lines: list[str]) -> list[str]:
    return [m.group(1) for line in lines if (m := followups.ID_RE.search(line))]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the rules --------------------------------------------------------------------------


def test_informational_rules(runner: CliRunner, vault: Path) -> None:
    result = regen(runner, vault)
    assert result.exit_code == 0, result.output
    lines = tasks(region(vault, meeting("2026-11-10 Jane informational")))
    assert lines[0].startswith("- [ ] Send a thank-you note to [[Jane Doe]] (")
    assert "[[2026-11-10 Jane informational]]" in lines[0]
    assert lines[0].endswith("📅 2026-11-11")
    # Sam Lee was met since: no task to contact him; Ghost Person has no note yet.
    assert not any("[[Sam Lee]]" in line for line in lines)
    ghost = [line for line in lines if "[[Ghost Person]]" in line]
    assert len(ghost) == 1 and ghost[0].endswith("📅 2026-11-13")
    assert "suggested by [[Jane Doe]]" in ghost[0]
    check_in = [line for line in lines if line.startswith("- [ ] Tell [[Jane Doe]]")]
    assert len(check_in) == 1 and check_in[0].endswith("📅 2026-12-10")
    assert len(lines) == 3
    for line in lines:
        assert re.search(r" 🆔 fu-[0-9a-f]{8} 📅 \d{4}-\d{2}-\d{2}$", line)


def test_job_rules_status_check_final_and_later_meeting(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    globex = tasks(region(vault, meeting("2026-11-12 Globex screen")))
    assert len(globex) == 2
    assert "[[Ana Park]]" in globex[0] and globex[0].endswith("📅 2026-11-13")
    assert "status of the application at [[Globex]]" in globex[1]
    assert globex[1].endswith("📅 2026-11-19")
    # A later meeting with the same company: the thank-you only.
    screen = tasks(region(vault, meeting("2026-11-01 Acme screen")))
    assert len(screen) == 1 and "thank-you" in screen[0]
    # The final stage: nothing more than the thank-you.
    final = tasks(region(vault, meeting("2026-11-15 Acme final")))
    assert len(final) == 1 and "thank-you" in final[0] and final[0].endswith("📅 2026-11-16")


def test_casual_rules(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    lines = tasks(region(vault, meeting("2026-11-18 Sam casual")))
    assert len(lines) == 2
    assert "thank-you note to [[Sam Lee]]" in lines[0] and lines[0].endswith("📅 2026-11-19")
    assert "what to prepare for a next step with [[Sam Lee]]" in lines[1]
    assert lines[1].endswith("📅 2026-11-20")


def test_cancelled_and_upcoming_meetings_get_none(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    assert region(vault, meeting("2026-11-05 Jane cancelled")) is None
    assert region(vault, meeting("2026-11-25 Jane coffee")) is None
    # The upcoming meeting gets its tasks once it has happened.
    assert regen(runner, vault, "2026-11-26").exit_code == 0
    lines = tasks(region(vault, meeting("2026-11-25 Jane coffee")))
    assert len(lines) == 1 and lines[0].endswith("📅 2026-11-26")
    assert region(vault, meeting("2026-11-05 Jane cancelled")) is None


def test_a_meeting_cancelled_later_loses_its_untouched_tasks(
    runner: CliRunner, vault: Path
) -> None:
    assert regen(runner, vault).exit_code == 0
    path = vault / meeting("2026-11-18 Sam casual")
    replace_in(path, "kind: casual\n", "kind: casual\nstatus: cancelled\n")
    assert regen(runner, vault).exit_code == 0
    assert tasks(region(vault, meeting("2026-11-18 Sam casual"))) == []
    assert "Nothing to follow up." in (region(vault, meeting("2026-11-18 Sam casual")) or "")


def test_keep_in_touch_nudge(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    lines = tasks(region(vault, "People/Old Friend.md"))
    assert len(lines) == 1
    assert lines[0].startswith("- [ ] Reach out to [[Old Friend]] (last met 2026-06-01 in ")
    assert lines[0].endswith("📅 2026-08-30")
    # Recent contact, a scheduled meeting, or keep_in_touch: 0: no nudge.
    for person in ("Ana Park", "Jane Doe", "Quiet Quinn", "Sam Lee"):
        assert region(vault, f"People/{person}.md") is None, person
    # keep_in_touch: 30 for Ana (last met 2026-11-12): due 2026-12-12.
    assert regen(runner, vault, "2026-12-12").exit_code == 0
    ana = tasks(region(vault, "People/Ana Park.md"))
    assert len(ana) == 1 and ana[0].endswith("📅 2026-12-12")


def test_a_newer_meeting_resolves_the_nudge(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    assert len(tasks(region(vault, "People/Old Friend.md"))) == 1
    write(
        vault / "Meetings" / "2026-11-20 Old Friend lunch.md",
        '---\ntype: meeting\nkind: networking\ndate: 2026-11-20\nwith: ["[[Old Friend]]"]\n---\n',
    )
    assert regen(runner, vault).exit_code == 0
    assert tasks(region(vault, "People/Old Friend.md")) == []
    dashboard = (vault / DASH).read_text(encoding="utf-8")
    assert "Reach out to [[Old Friend]]" not in dashboard


def test_the_cadence_resets_after_a_ticked_nudge(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    person = vault / "People" / "Old Friend.md"
    (line,) = tasks(region(vault, "People/Old Friend.md"))
    replace_in(person, line, line.replace("- [ ]", "- [x]") + " ✅ 2026-11-22")
    for today in ("2026-11-22", "2026-12-15", "2027-02-19"):
        result = regen(runner, vault, today)
        assert result.exit_code == 0, result.output
        lines = tasks(region(vault, "People/Old Friend.md"))
        assert lines == [line.replace("- [ ]", "- [x]") + " ✅ 2026-11-22"], today
    # 90 days after the tick: one new nudge, the ticked one kept as a record.
    assert regen(runner, vault, "2027-02-20").exit_code == 0
    lines = tasks(region(vault, "People/Old Friend.md"))
    assert len(lines) == 2
    assert lines[0].startswith(
        "- [ ] Reach out to [[Old Friend]] (you last reached out on 2026-11-22)"
    )
    assert lines[0].endswith("📅 2027-02-20")
    assert lines[1].startswith("- [x]")
    assert len(set(ids(lines))) == 2


# -- ticks ------------------------------------------------------------------------------


def test_tick_at_home_reaches_the_dashboard(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    home = vault / meeting("2026-11-10 Jane informational")
    (thanks,) = [
        t for t in tasks(region(vault, meeting("2026-11-10 Jane informational"))) if "thank" in t
    ]
    assert thanks in (vault / DASH).read_text(encoding="utf-8")
    ticked = thanks.replace("- [ ]", "- [x]") + " ✅ 2026-11-21 #sent by email"
    replace_in(home, thanks, ticked)
    first = regen(runner, vault)
    assert first.exit_code == 0, first.output
    assert "0 conflicts" in first.output
    assert ticked in tasks(region(vault, meeting("2026-11-10 Jane informational")))
    dashboard = (vault / DASH).read_text(encoding="utf-8")
    assert ticked in dashboard and thanks not in dashboard
    assert dashboard.index("## Done lately") < dashboard.index(ticked)
    # Settled: the next run writes nothing.
    before = snapshot(vault)
    assert "0 created, 0 updated" in regen(runner, vault).output
    assert snapshot(vault) == before
    # Never reopened, whatever today is.
    for today in ("2026-12-01", "2027-03-01", "2026-11-12"):
        assert regen(runner, vault, today).exit_code == 0
        lines = tasks(region(vault, meeting("2026-11-10 Jane informational")))
        assert ticked in lines
        assert thanks not in lines


def test_tick_in_the_dashboard_reaches_home(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    dash = vault / DASH
    (check,) = [
        t for t in tasks(dash.read_text(encoding="utf-8")) if "status of the application" in t
    ]
    ticked = check.replace("- [ ]", "- [x]") + " ✅ 2026-11-22"
    replace_in(dash, check, ticked)
    result = regen(runner, vault)
    assert result.exit_code == 0, result.output
    assert "0 conflicts" in result.output
    home = tasks(region(vault, meeting("2026-11-12 Globex screen")))
    assert ticked in home and check not in home
    assert ticked in dash.read_text(encoding="utf-8")
    before = snapshot(vault)
    regen(runner, vault)
    assert snapshot(vault) == before
    for today in ("2026-12-20", "2027-01-15"):
        assert regen(runner, vault, today).exit_code == 0
        assert ticked in tasks(region(vault, meeting("2026-11-12 Globex screen")))
        assert check not in (vault / DASH).read_text(encoding="utf-8")


def test_the_tasks_plugin_rewrite_is_not_a_conflict(runner: CliRunner, vault: Path) -> None:
    """Tasks moves trailing tags before its fields, and Postpone changes the date."""
    assert regen(runner, vault).exit_code == 0
    home = vault / meeting("2026-11-18 Sam casual")
    lines = tasks(region(vault, meeting("2026-11-18 Sam casual")))
    text, _, fields = lines[1].partition(" 🆔 ")
    postponed = f"- [ ] {text[6:]} #later 🆔 {fields.replace('2026-11-20', '2026-11-30')}"
    replace_in(home, lines[1], postponed)
    result = regen(runner, vault)
    assert "0 conflicts" in result.output, result.output
    assert postponed in tasks(region(vault, meeting("2026-11-18 Sam casual")))
    assert postponed in (vault / DASH).read_text(encoding="utf-8")
    # The dashboard sorts it by its new date: in the later part of "this week".
    dashboard = (vault / DASH).read_text(encoding="utf-8")
    assert dashboard.index("## This week") < dashboard.index(postponed)


def test_rewording_a_task_keeps_the_users_words(runner: CliRunner, vault: Path) -> None:
    """A reworded task keeps its id, so vaultkit carries the user's line as it is: the
    region then reads exactly as vaultkit would write it, and only its hash is updated."""
    assert regen(runner, vault).exit_code == 0
    home = vault / meeting("2026-11-18 Sam casual")
    (first, _) = tasks(region(vault, meeting("2026-11-18 Sam casual")))
    replace_in(home, "Send a thank-you note", "Call")
    result = regen(runner, vault)
    assert result.exit_code == 0, result.output
    assert "0 conflicts" in result.output
    assert "Call to [[Sam Lee]]" in home.read_text(encoding="utf-8")
    assert first not in home.read_text(encoding="utf-8")
    before = home.read_bytes()
    assert regen(runner, vault).exit_code == 0
    assert home.read_bytes() == before


def test_a_hand_edit_vaultkit_would_not_write_is_a_conflict(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    home = vault / meeting("2026-11-18 Sam casual")
    replace_in(home, "## Follow-ups", "## My follow-ups")
    result = regen(runner, vault)
    assert result.exit_code == 1
    assert "1 conflict" in result.output
    assert "## My follow-ups" in home.read_text(encoding="utf-8")


def test_a_tick_waits_in_the_dashboard_while_its_home_is_in_conflict(
    runner: CliRunner, vault: Path
) -> None:
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-18 Sam casual")
    home = vault / name
    replace_in(home, "## Follow-ups", "## My follow-ups")  # a hand edit: a conflict
    dash = vault / DASH
    (thanks,) = [
        t for t in tasks(dash.read_text(encoding="utf-8")) if "thank-you note to [[Sam Lee]]" in t
    ]
    ticked = thanks.replace("- [ ]", "- [x]") + " ✅ 2026-11-22"
    replace_in(dash, thanks, ticked)
    for _ in range(2):
        result = regen(runner, vault)
        assert result.exit_code == 1 and "1 conflict" in result.output
        text = dash.read_text(encoding="utf-8")
        assert text.index("## Ticked here, waiting for their note") < text.index(ticked)
        assert thanks in home.read_text(encoding="utf-8")
    # Once the region is mended (the edit undone), the tick goes home.
    replace_in(home, "## My follow-ups", "## Follow-ups")
    result = regen(runner, vault)
    assert result.exit_code == 0, result.output
    assert ticked in tasks(region(vault, name))
    assert ticked in dash.read_text(encoding="utf-8")


def test_no_duplicates_across_many_runs_and_dates(runner: CliRunner, vault: Path) -> None:
    start = dt.date(2026, 11, 1)
    days = [start + dt.timedelta(days=n) for n in range(0, 200, 9)]
    days += [dt.date(2026, 11, 22), dt.date(2026, 11, 3), dt.date(2027, 6, 1)]
    dash = vault / DASH
    ticked_once = False
    for day in days:
        result = regen(runner, vault, day.isoformat())
        assert result.exit_code == 0, result.output
        for path in sorted(vault.rglob("*.md")):
            found = ids(tasks(region(vault, str(path.relative_to(vault)))))
            assert len(found) == len(set(found)), (day, path)
        if not ticked_once and dash.exists():
            open_lines = [t for t in tasks(dash.read_text(encoding="utf-8")) if "- [ ]" in t]
            if open_lines:
                replace_in(dash, open_lines[0], open_lines[0].replace("- [ ]", "- [x]"))
                ticked_once = True
    assert ticked_once
    # Every task ever ticked is still ticked, at home, once.
    homes = [
        line
        for path in sorted(vault.rglob("*.md"))
        if not str(path).endswith("Follow-ups.md")
        for line in tasks(region(vault, str(path.relative_to(vault))))
    ]
    assert len(ids(homes)) == len(set(ids(homes)))
    assert any(line.startswith("- [x]") for line in homes)
    # Nudges: never two open ones for one person.
    for person in PEOPLE:
        nudges = [t for t in tasks(region(vault, f"People/{person}.md")) if t.startswith("- [ ]")]
        assert len(nudges) <= 1, person


def test_obsolete_tasks_go_unless_the_user_added_to_them(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    home = vault / meeting("2026-11-12 Globex screen")
    (_, check) = tasks(region(vault, meeting("2026-11-12 Globex screen")))
    replace_in(home, check, check + " emailed the recruiter")
    write(
        vault / "Meetings" / "2026-11-20 Globex onsite.md",
        "---\ntype: meeting\nkind: job\ndate: 2026-11-20\nstage: onsite\n"
        'with: ["[[Ana Park]]"]\ncompany: "[[Globex]]"\n---\n',
    )
    assert regen(runner, vault).exit_code == 0
    lines = tasks(region(vault, meeting("2026-11-12 Globex screen")))
    assert lines[-1] == check.replace("- [ ]", "- [-]") + " emailed the recruiter"
    # The same without the user's words: the line goes.
    (_, onsite_check) = tasks(region(vault, meeting("2026-11-20 Globex onsite")))
    write(
        vault / "Meetings" / "2026-11-21 Globex final.md",
        "---\ntype: meeting\nkind: job\ndate: 2026-11-21\nstage: final\n"
        'with: ["[[Ana Park]]"]\ncompany: "[[Globex]]"\n---\n',
    )
    assert regen(runner, vault).exit_code == 0
    lines = tasks(region(vault, meeting("2026-11-20 Globex onsite")))
    assert onsite_check not in lines and len(lines) == 1


# -- the dashboard ----------------------------------------------------------------------


def test_dashboard_sections(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    text = (vault / DASH).read_text(encoding="utf-8")
    heads = [
        "## Overdue",
        "## Due today",
        "## This week",
        "## Later",
        "## Keep in touch",
        "## Upcoming meetings (next 14 days)",
        "## Referrals not yet contacted",
    ]
    positions = [text.index(h) for h in heads]
    assert positions == sorted(positions)

    def section(head: str) -> str:
        start = text.index(head)
        end = min((p for p in positions if p > start), default=len(text))
        return text[start:end]

    overdue = tasks(section("## Overdue"))
    dues = [line.rsplit("📅 ", 1)[1] for line in overdue]
    assert dues == sorted(dues) and all(d < TODAY for d in dues)
    assert "2026-12-10" in section("## Later")  # the informational check-in
    assert "Reach out to [[Old Friend]]" in section("## Keep in touch")
    assert "Reach out" not in section("## Overdue")
    # The user's own task: shown read-only (not a task line), linking its note.
    assert "- Send Jane the article (in [[2026-11-10 Jane informational]])" in section(
        "## This week"
    )
    assert "Done thing" not in text
    upcoming = section("## Upcoming meetings")
    assert "[[2026-11-25 Jane coffee]]" in upcoming and "cancelled" not in upcoming
    referrals = section("## Referrals not yet contacted")
    assert "[[Ghost Person]]" in referrals and "no note yet" in referrals
    assert "[[Sam Lee]]" not in referrals
    # Every dashboard task is a copy of a home line.
    homes = {
        line
        for path in vault.rglob("*.md")
        if "vaultkit" not in str(path.relative_to(vault))
        for line in tasks(region(vault, str(path.relative_to(vault))))
    }
    assert set(tasks(text)) <= homes


def test_ticking_a_referral_task_counts_as_contacted(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    home = vault / meeting("2026-11-10 Jane informational")
    (ghost,) = [
        t for t in tasks(region(vault, meeting("2026-11-10 Jane informational"))) if "Ghost" in t
    ]
    replace_in(home, ghost, ghost.replace("- [ ]", "- [x]"))
    assert regen(runner, vault).exit_code == 0
    text = (vault / DASH).read_text(encoding="utf-8")
    referrals = text[text.index("## Referrals not yet contacted") :]
    assert "[[Ghost Person]]" not in referrals.split("## Done lately")[0]


def test_user_text_outside_regions_is_untouched(runner: CliRunner, vault: Path) -> None:
    path = vault / meeting("2026-11-10 Jane informational")
    before = path.read_text(encoding="utf-8")
    assert regen(runner, vault).exit_code == 0
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after.count("- [ ] Send Jane the article 📅 2026-11-24") == 1


def test_queries_dashboard(runner: CliRunner, tmp_path: Path) -> None:
    root = make_vault(
        tmp_path / "v", "followups:\n  dashboard: Tasks board.md\n  dashboard_style: queries\n"
    )
    result = regen(runner, root)
    assert result.exit_code == 0, result.output
    text = (root / "vaultkit" / "Tasks board.md").read_text(encoding="utf-8")
    assert tasks(text) == []
    assert text.count("```tasks") == 4
    assert "due before today" in text and "(path includes Meetings/) OR (id includes fu-)" in text
    assert "- [[Old Friend]] · due 2026-08-30 (tick it in their note)" in text
    assert not (root / DASH).exists()


def test_rules_are_configurable(runner: CliRunner, tmp_path: Path) -> None:
    config = (
        "followups:\n  since: 2026-11-05\n  kinds:\n    job: {status_check: 10, thank_you: false}\n"
        "    informational: {check_in: off}\n  keep_in_touch: false\n  dashboard: false\n"
    )
    root = make_vault(tmp_path / "v", config)
    result = regen(runner, root)
    assert result.exit_code == 0, result.output
    globex = tasks(region(root, meeting("2026-11-12 Globex screen")))
    assert len(globex) == 1 and globex[0].endswith("📅 2026-11-22")
    jane = tasks(region(root, meeting("2026-11-10 Jane informational")))
    assert not any("Tell" in t for t in jane) and len(jane) == 2
    assert region(root, meeting("2026-11-01 Acme screen")) is None  # before `since`
    assert region(root, "People/Old Friend.md") is None
    assert not (root / DASH).exists()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("followups: 3\n", "followups: expected a mapping"),
        ("followups:\n  colour: red\n", "followups.colour: unknown option"),
        (
            "followups:\n  kinds:\n    job: {thanks: 1}\n",
            "followups.kinds.job.thanks: unknown rule",
        ),
        ("followups:\n  kinds:\n    party: {}\n", "followups.kinds.party: unknown meeting kind"),
        ("followups:\n  kinds:\n    job: {thank_you: -1}\n", "expected a number of days"),
        ("followups:\n  dashboard: ../x.md\n", "followups.dashboard: '../x.md' is not a plain"),
        ("followups:\n  dashboard_style: fancy\n", "expected one of copies, queries"),
        ("followups:\n  since: soon\n", "followups.since: 'soon' is not a date"),
    ],
)
def test_bad_config_is_reported(
    runner: CliRunner, tmp_path: Path, config: str, message: str
) -> None:
    root = make_vault(tmp_path / "v", config)
    before = snapshot(root)
    result = regen(runner, root)
    assert result.exit_code != 0
    assert message in str(result.exception) + result.output
    assert snapshot(root) == before


# -- the plan hook ----------------------------------------------------------------------


def test_normaliser_tolerates_ticks_and_additions_only() -> None:
    line = "- [ ] Send a note to [[A]] ([[M]]) 🆔 fu-0123abcd 📅 2026-11-11"
    written = f"## Follow-ups\n{line}\n"
    same = [
        line.replace("[ ]", "[x]") + " ✅ 2026-11-12",
        line.replace("[ ]", "[x]") + " ✅ 2026-11-12 and a note #tag",
        line.replace(
            "- [ ] Send a note to [[A]] ([[M]])", "- [/] Send a note to [[A]] ([[M]]) #a #b"
        ),
        line.replace("2026-11-11", "2026-11-20"),
    ]
    for changed in same:
        assert plan.region_hash("followups", f"## Follow-ups\n{changed}\n") == plan.region_hash(
            "followups", written
        ), changed
    different = [
        line.replace("Send a note", "Phone"),
        line + "\n- [ ] a new line",
        "## Follow-ups\n",
        written.replace("## Follow-ups", "## Mine"),
    ]
    for changed in different:
        assert plan.region_hash("followups", changed + "\n") != plan.region_hash(
            "followups", written
        ), changed
    # Other regions stay strict.
    assert plan.region_hash("backlinks", written) == content_hash(written)
    recorded = plan.region_hash("followups", written)
    assert not parse.region_edited("followups", recorded, f"## Follow-ups\n{same[0]}\n")
    assert parse.region_edited("backlinks", content_hash(written), written.replace("[ ]", "[x]"))


def test_a_tick_in_backlinks_is_still_a_conflict(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    path = vault / "People" / "Jane Doe.md"
    replace_in(path, "## Connections", "## Connections!")
    result = regen(runner, vault)
    assert result.exit_code == 1 and "'backlinks' was edited by hand" in result.output


def test_ids_are_stable_and_tasks_format() -> None:
    a = followups.task_id("thank_you", "2026-11-10 jane", "jane doe")
    assert a == followups.task_id("thank_you", "2026-11-10 jane", "jane doe")
    assert a != followups.task_id("thank_you", "2026-11-10 jane", "sam lee")
    assert re.fullmatch(r"fu-[0-9a-f]{8}", a)
    line = followups.task_line("Do it", a, dt.date(2026, 11, 11))
    assert line == f"- [ ] Do it 🆔 {a} 📅 2026-11-11"


@given(
    status=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
    suffix=st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        max_size=40,
    ),
)
def test_any_tick_and_any_addition_hash_the_same(status: str, suffix: str) -> None:
    line = "- [ ] Tell [[A]] how it went ([[M]]) 🆔 fu-0123abcd 📅 2026-11-11"
    written = f"## Follow-ups\n{line}\n- Nothing else.\n"
    changed = written.replace("[ ]", f"[{status}]").replace("2026-11-11", "2026-11-11 " + suffix)
    assert plan.region_hash("followups", changed) == plan.region_hash("followups", written)


def test_the_readme_config_example_is_valid() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\nfollowups:")
    block = readme[start + len("```yaml\n") : readme.index("```", start + 8)]
    data = yaml.safe_load(block)
    settings = followups.settings_of(Config.from_mapping(data))
    assert settings.rules == followups.DEFAULT_RULES
    assert settings.dashboard == "Follow-ups.md" and settings.style == "copies"
    assert settings.since == dt.date(2026, 11, 1)


def test_unticking_at_home_is_honoured(runner: CliRunner, vault: Path) -> None:
    """The ticked copy in "Done lately" is vaultkit's echo, not a second tick."""
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-18 Sam casual")
    home = vault / name
    (thanks, _) = tasks(region(vault, name))
    ticked = thanks.replace("- [ ]", "- [x]") + " ✅ 2026-11-22"
    replace_in(home, thanks, ticked)
    assert regen(runner, vault).exit_code == 0
    assert ticked in (vault / DASH).read_text(encoding="utf-8")
    replace_in(home, ticked, thanks)  # the Tasks plugin removes the ✅ date on untick
    result = regen(runner, vault)
    assert result.exit_code == 0, result.output
    assert thanks in tasks(region(vault, name))
    dashboard = (vault / DASH).read_text(encoding="utf-8")
    assert ticked not in dashboard and thanks in dashboard


def test_crlf_notes_keep_their_line_endings_and_ticks(runner: CliRunner, vault: Path) -> None:
    path = vault / meeting("2026-11-18 Sam casual")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert regen(runner, vault).exit_code == 0
    data = path.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    (thanks, _) = tasks(region(vault, meeting("2026-11-18 Sam casual")))
    thanks = thanks.rstrip("\r")
    ticked = thanks.replace("- [ ]", "- [x]") + " ✅ 2026-11-19"
    path.write_bytes(data.replace(thanks.encode(), ticked.encode()))
    result = regen(runner, vault)
    assert result.exit_code == 0 and "0 conflicts" in result.output, result.output
    assert ticked.encode() + b"\r\n" in path.read_bytes()
    assert ticked in (vault / DASH).read_text(encoding="utf-8")


def test_a_nudge_ticked_in_the_dashboard(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    dash = vault / DASH
    (line,) = [t for t in tasks(dash.read_text(encoding="utf-8")) if "Reach out" in t]
    ticked = line.replace("- [ ]", "- [x]") + " ✅ 2026-11-21"
    replace_in(dash, line, ticked)
    for today in ("2026-11-22", "2027-01-10", "2027-02-18"):
        result = regen(runner, vault, today)
        assert result.exit_code == 0, result.output
        assert tasks(region(vault, "People/Old Friend.md")) == [ticked], today
    assert regen(runner, vault, "2027-02-19").exit_code == 0
    lines = tasks(region(vault, "People/Old Friend.md"))
    assert len(lines) == 2 and lines[0].endswith("📅 2027-02-19") and lines[1] == ticked


def test_upcoming_meetings_follow_the_prep_horizon(runner: CliRunner, tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", "prep_horizon_days: 2\n")
    assert regen(runner, root).exit_code == 0
    text = (root / DASH).read_text(encoding="utf-8")
    assert "## Upcoming meetings (next 2 days)" in text
    assert "[[2026-11-25 Jane coffee]]" not in text.split("## Upcoming meetings")[1].split("##")[0]
    assert regen(runner, root, "2026-11-23").exit_code == 0
    text = (root / DASH).read_text(encoding="utf-8")
    assert "[[2026-11-25 Jane coffee]]" in text.split("## Upcoming meetings")[1].split("##")[0]


def test_plan_uses_a_registered_normaliser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook is general: any region name may register how it is hashed."""
    from vaultkit.parse import parse_note

    monkeypatch.setitem(parse.NORMALISERS, "loose", str.lower)
    out = [plan.Output("n.md", "loose", "Hello\n"), plan.Output("n.md", "strict", "Hello\n")]
    (tmp_path / "n.md").write_bytes(b"Mine.\n")
    created = plan.plan_file(tmp_path, "n.md", out, parse_note("n.md", b"Mine.\n"))
    assert created.new is not None and created.new.count(b"Hello") == 2
    edited = created.new.replace(b"Hello", b"HELLO")
    (tmp_path / "n.md").write_bytes(edited)
    fp = plan.plan_file(tmp_path, "n.md", out, parse_note("n.md", edited))
    assert fp.conflicts == ["strict"]
    assert fp.changes == {"loose": "Hello\n"}


def test_check_reports_a_bad_followups_section(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", "followups:\n  kinds:\n    job: {thanks: 1}\n")
    result = CliRunner().invoke(cli, ["check", str(root), "--today", TODAY])
    assert result.exit_code != 0
    assert "followups.kinds.job.thanks: unknown rule" in str(result.exception)


# -- the reviewer's follow-up fixes -----------------------------------------------------


def _line_with(root: Path, rel: str, needle: str) -> str:
    (line,) = [t for t in tasks(region(root, rel)) if needle in t]
    return line


def _dash_line_with(root: Path, needle: str) -> str:
    (line,) = [t for t in tasks((root / DASH).read_text(encoding="utf-8")) if needle in t]
    return line


def test_words_at_home_and_a_tick_in_the_dashboard_are_both_kept(
    runner: CliRunner, vault: Path
) -> None:
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-10 Jane informational")
    thanks = _line_with(vault, name, "thank-you note to [[Jane Doe]]")
    replace_in(vault / name, thanks, thanks + " sent via LinkedIn, she replied!")
    replace_in(vault / DASH, thanks, thanks.replace("- [ ]", "- [x]") + " ✅ 2026-11-22")
    result = regen(runner, vault)
    assert result.exit_code == 0 and "0 conflicts" in result.output, result.output
    want = thanks.replace("- [ ]", "- [x]") + " ✅ 2026-11-22 sent via LinkedIn, she replied!"
    assert _line_with(vault, name, "thank-you note to [[Jane Doe]]") == want
    assert _dash_line_with(vault, "thank-you note to [[Jane Doe]]") == want
    before = snapshot(vault)
    assert "0 created, 0 updated" in regen(runner, vault).output
    assert snapshot(vault) == before


def test_different_words_added_to_two_open_copies_are_both_kept(
    runner: CliRunner, vault: Path
) -> None:
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-10 Jane informational")
    thanks = _line_with(vault, name, "thank-you note to [[Jane Doe]]")
    replace_in(vault / name, thanks, thanks + " (asked for her slides)")
    replace_in(vault / DASH, thanks, thanks + " #waiting sent on LinkedIn")
    result = regen(runner, vault)
    assert result.exit_code == 0 and "0 conflicts" in result.output, result.output
    for line in (
        _line_with(vault, name, "thank-you note to [[Jane Doe]]"),
        _dash_line_with(vault, "thank-you note to [[Jane Doe]]"),
    ):
        assert line.startswith(thanks + " ")
        assert "(asked for her slides)" in line and "#waiting sent on LinkedIn" in line
    before = snapshot(vault)
    regen(runner, vault)
    assert snapshot(vault) == before


def test_an_untouched_open_task_follows_a_fixed_meeting_date(
    runner: CliRunner, vault: Path
) -> None:
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-10 Jane informational")
    thanks = _line_with(vault, name, "thank-you note to [[Jane Doe]]")
    check_in = _line_with(vault, name, "how their advice has helped")
    assert thanks.endswith("📅 2026-11-11")
    # The check-in was postponed by the user (a later date): that is kept.
    postponed = check_in.replace("📅 2026-12-10", "📅 2027-01-20")
    replace_in(vault / name, check_in, postponed)
    replace_in(vault / name, "date: 2026-11-10", "date: 2026-11-17")  # a typo fixed
    assert regen(runner, vault).exit_code == 0
    assert _line_with(vault, name, "thank-you note").endswith("📅 2026-11-18")
    assert _dash_line_with(vault, "thank-you note to [[Jane Doe]]").endswith("📅 2026-11-18")
    assert _line_with(vault, name, "how their advice").endswith("📅 2027-01-20")


def test_an_untouched_open_task_follows_the_link_style(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-10 Jane informational")
    thanks = _line_with(vault, name, "thank-you note to [[Jane Doe]]")
    ticked = thanks.replace("- [ ]", "- [x]") + " done, by post"
    replace_in(vault / name, thanks, ticked)
    write(vault / ".obsidian" / "app.json", '{"useMarkdownLinks": true}')
    assert regen(runner, vault).exit_code == 0
    lines = tasks(region(vault, name))
    assert not any("[[Jane Doe]]" in line or "informational]]" in line for line in lines), lines
    (done,) = [t for t in lines if t.startswith("- [x]")]
    assert "[Jane Doe](" in done and done.endswith("📅 2026-11-11 done, by post")


def test_a_ticked_task_survives_renaming_its_person(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-10 Jane informational")
    thanks = _line_with(vault, name, "thank-you note to [[Jane Doe]]")
    ticked = thanks.replace("- [ ]", "- [x]") + " ✅ 2026-11-12"
    replace_in(vault / name, thanks, ticked)
    assert regen(runner, vault).exit_code == 0
    result = runner.invoke(cli, ["rename", "Jane Doe", "Jane Roe", "-C", str(vault)])
    assert result.exit_code == 0, result.output
    for _ in range(2):
        result = regen(runner, vault)
        assert result.exit_code == 0 and "0 conflicts" in result.output, result.output
        lines = tasks(region(vault, name))
        thank_yous = [t for t in lines if "thank-you note" in t]
        assert len(thank_yous) == 1, lines
        assert thank_yous[0].startswith("- [x] Send a thank-you note to [[Jane Roe]]")
        assert thank_yous[0].endswith("📅 2026-11-11 ✅ 2026-11-12")
        assert len([t for t in lines if "how their advice" in t]) == 1
        dash = (vault / DASH).read_text(encoding="utf-8")
        assert "- [ ] Send a thank-you note to [[Jane Roe]]" not in dash
        assert "[[Jane Doe]]" not in dash


def test_a_rename_made_in_obsidian_keeps_ticks_too(runner: CliRunner, vault: Path) -> None:
    """Obsidian renames the file and rewrites every link, inside regions too."""
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-18 Sam casual")
    thanks = _line_with(vault, name, "thank-you note to [[Sam Lee]]")
    replace_in(vault / DASH, thanks, thanks.replace("- [ ]", "- [x]"))
    assert regen(runner, vault).exit_code == 0
    (vault / "People" / "Sam Lee.md").rename(vault / "People" / "Sam Li.md")
    for path in vault.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        if "[[Sam Lee]]" in text:
            path.write_text(text.replace("[[Sam Lee]]", "[[Sam Li]]"), encoding="utf-8")
    result = regen(runner, vault)
    assert result.exit_code == 0 and "0 conflicts" in result.output, result.output
    lines = [t for t in tasks(region(vault, name)) if "thank-you" in t]
    assert len(lines) == 1 and lines[0].startswith("- [x] Send a thank-you note to [[Sam Li]]")


def test_kept_lines_after_keep_mine_are_listed_once(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-18 Sam casual")
    replace_in(vault / name, "## Follow-ups", "## My follow-ups")
    assert regen(runner, vault).exit_code == 1
    result = runner.invoke(cli, ["resolve", name, "--keep-mine", "--vault", str(vault)])
    assert result.exit_code == 0, result.output
    assert regen(runner, vault).exit_code == 0
    dash = (vault / DASH).read_text(encoding="utf-8")
    assert dash.count("thank-you note to [[Sam Lee]]") == 1, dash
    # A tick on the kept line (the user's own text now) still counts.
    thanks = next(
        line
        for line in (vault / name).read_text(encoding="utf-8").splitlines()
        if "thank-you note to [[Sam Lee]]" in line
    )
    replace_in(vault / name, thanks, thanks.replace("- [ ]", "- [x]"))
    assert regen(runner, vault).exit_code == 0
    dash = (vault / DASH).read_text(encoding="utf-8")
    assert dash.count("thank-you note to [[Sam Lee]]") == 1
    assert "- [ ] Send a thank-you note to [[Sam Lee]]" not in dash


def test_a_huge_keep_in_touch_is_reported_not_a_crash(runner: CliRunner, vault: Path) -> None:
    replace_in(
        vault / "People" / "Old Friend.md",
        "type: person\n",
        "type: person\nkeep_in_touch: 9999999\n",
    )
    result = regen(runner, vault)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "People/Old Friend.md:3: warning: keep_in_touch: 9999999 days" in result.output
    assert "Reach out to [[Old Friend]]" not in (vault / DASH).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("config", "key"),
    [
        (
            "followups:\n  kinds:\n    job: {status_check: 9999999}\n",
            "followups.kinds.job.status_check",
        ),
        ("followups:\n  upcoming_days: 99999999\n", "followups.upcoming_days"),
        ("keep_in_touch_days: 99999999\n", "keep_in_touch_days"),
        ("prep_horizon_days: 99999999\n", "prep_horizon_days"),
    ],
)
def test_huge_day_counts_in_config_are_named(
    runner: CliRunner, tmp_path: Path, config: str, key: str
) -> None:
    root = make_vault(tmp_path / "vault", config)
    result = regen(runner, root)
    assert result.exit_code != 0
    assert not isinstance(result.exception, OverflowError)
    message = str(result.exception) + result.output
    assert key in message and "36500" in message, message


def test_a_referral_with_a_planned_meeting_is_under_way(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-10 Jane informational")
    assert _line_with(vault, name, "[[Ghost Person]]")
    write(vault / "People" / "Ghost Person.md", "---\ntype: person\n---\n")
    write(
        vault / "Meetings" / "2026-11-30 Ghost coffee.md",
        '---\ntype: meeting\nkind: networking\ndate: 2026-11-30\nwith: ["[[Ghost Person]]"]\n---\n',
    )
    assert regen(runner, vault).exit_code == 0
    assert not [t for t in tasks(region(vault, name)) if "Ghost" in t]
    text = (vault / DASH).read_text(encoding="utf-8")
    assert "Get in touch with [[Ghost Person]]" not in text
    referrals = text[text.index("## Referrals not yet contacted") :]
    assert "[[Ghost Person]]" in referrals and "meeting planned on 2026-11-30" in referrals


def test_a_person_replaced_in_with_does_not_inherit_a_tick(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-10 Jane informational")
    thanks = _line_with(vault, name, "thank-you note to [[Jane Doe]]")
    ticked = thanks.replace("- [ ]", "- [x]")
    replace_in(vault / name, thanks, ticked)
    replace_in(vault / name, 'with: ["[[Jane Doe]]"]', 'with: ["[[Bo Chen]]"]')
    assert regen(runner, vault).exit_code == 0
    lines = tasks(region(vault, name))
    assert ticked in lines
    assert any(t.startswith("- [ ] Send a thank-you note to [[Bo Chen]]") for t in lines)
