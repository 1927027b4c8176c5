"""The command line, through CliRunner, on temporary copies of vaults."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from vaultkit.cli import cli, main

from .conftest import FIXTURES, TODAY, snapshot, tree

SUMMARY_RE = re.compile(
    r"^vaultkit: (\d+) (?:would be )?created, (\d+) (?:would be )?updated, (\d+) unchanged, "
    r"(\d+) conflicts?, (\d+) problems?$",
    re.MULTILINE,
)


def regen(runner: CliRunner, vault: Path, *args: str) -> Result:
    return runner.invoke(cli, ["regen", str(vault), "--today", TODAY, *args])


def check(runner: CliRunner, vault: Path, *args: str) -> Result:
    return runner.invoke(cli, ["check", str(vault), "--today", TODAY, *args])


def counts(result: Result) -> tuple[int, ...]:
    found = SUMMARY_RE.findall(result.stdout)
    assert len(found) == 1, result.output
    return tuple(int(n) for n in found[0])


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


# -- regen ------------------------------------------------------------------------------


def test_regen_summary_and_exit_code(runner: CliRunner, basic_vault: Path) -> None:
    first = regen(runner, basic_vault)
    assert first.exit_code == 0, first.output
    assert first.stdout.count("\n") == 1  # one summary line, nothing else
    # 7 notes, the prep sheet, the dashboard and the network map; never the ordinary note
    assert counts(first) == (10, 0, 0, 0, 0)
    second = regen(runner, basic_vault)
    assert second.exit_code == 0, second.output
    created, updated, unchanged, conflicts, problems = counts(second)
    assert (created, updated, conflicts, problems) == (0, 0, 0, 0)
    assert unchanged == 10


def test_regen_quiet_prints_no_summary(runner: CliRunner, basic_vault: Path) -> None:
    result = regen(runner, basic_vault, "--quiet")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_regen_updates_a_stale_region(runner: CliRunner, basic_vault: Path) -> None:
    assert regen(runner, basic_vault).exit_code == 0
    sam = basic_vault / "People" / "Sam Lee.md"
    text = sam.read_text(encoding="utf-8")
    sam.write_text(text.replace("role: Recruiter", "role: Talent Partner"), encoding="utf-8")
    result = regen(runner, basic_vault)
    assert result.exit_code == 0, result.output
    created, updated, _, conflicts, problems = counts(result)
    # Sam's own region, and the regions that show Sam's role (Globex, the meeting)
    assert (created, conflicts, problems) == (0, 0, 0)
    assert updated == 3
    assert "[[Globex]] · Talent Partner" in sam.read_text(encoding="utf-8")
    globex = (basic_vault / "Companies" / "Globex.md").read_text(encoding="utf-8")
    assert "[[Sam Lee]] · Talent Partner" in globex


def test_second_regen_writes_nothing(runner: CliRunner, basic_vault: Path) -> None:
    assert regen(runner, basic_vault).exit_code == 0
    before = snapshot(basic_vault)
    result = regen(runner, basic_vault)
    assert result.exit_code == 0
    assert snapshot(basic_vault) == before  # bytes, mtime_ns and mode of every file


def test_second_regen_writes_nothing_on_the_sample_vault(
    runner: CliRunner, sample_vault: Path
) -> None:
    assert regen(runner, sample_vault).exit_code in (0, 1)
    before = snapshot(sample_vault)
    regen(runner, sample_vault)
    assert snapshot(sample_vault) == before


def test_dry_run_prints_a_diff_and_writes_nothing(runner: CliRunner, basic_vault: Path) -> None:
    before = snapshot(basic_vault)
    result = regen(runner, basic_vault, "--dry-run")
    assert result.exit_code == 0, result.output
    assert snapshot(basic_vault) == before
    out = result.stdout
    assert "--- a/People/Jane Doe.md\n+++ b/People/Jane Doe.md\n@@ " in out
    assert "+<!-- vaultkit:begin backlinks " in out
    assert "+- **Works at:** [[Acme Corp]] · Staff Product Designer\n" in out
    assert "Notes/Ideas.md" not in out  # ordinary notes are never written
    assert "10 would be created, 0 would be updated" in out
    # The diff is what a real run writes.
    regen(runner, basic_vault)
    again = regen(runner, basic_vault, "--dry-run")
    assert "--- a/" not in again.stdout
    assert counts(again)[:2] == (0, 0)


def test_dry_run_diff_of_an_update(runner: CliRunner, basic_vault: Path) -> None:
    regen(runner, basic_vault)
    jane = basic_vault / "People" / "Jane Doe.md"
    jane.write_text(
        jane.read_text(encoding="utf-8").replace("role: Staff Product", "role: Principal"),
        encoding="utf-8",
    )
    before = snapshot(basic_vault)
    result = regen(runner, basic_vault, "-n")
    assert snapshot(basic_vault) == before
    assert "-- **Works at:** [[Acme Corp]] · Staff Product Designer\n" in result.stdout
    assert "+- **Works at:** [[Acme Corp]] · Principal Designer\n" in result.stdout


def test_regen_exit_1_on_a_broken_note_and_the_rest_is_written(
    runner: CliRunner, basic_vault: Path
) -> None:
    write(basic_vault, "People/Broken.md", "---\ntype: person\nrole: a: b\n---\n")
    result = regen(runner, basic_vault)
    assert result.exit_code == 1
    assert "People/Broken.md:3: error: front-matter:" in result.stderr
    assert counts(result)[0] == 10
    assert counts(result)[4] == 1


def test_regen_on_a_missing_folder_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["vaultkit", "regen", str(tmp_path / "nope")])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    assert "no such folder" in capsys.readouterr().err


def test_bad_today_is_a_usage_error(runner: CliRunner, basic_vault: Path) -> None:
    result = runner.invoke(cli, ["regen", str(basic_vault), "--today", "22/11/2026"])
    assert result.exit_code == 2
    assert "2026-11-22" in result.output


# -- check ------------------------------------------------------------------------------

NFD_JOSE = unicodedata.normalize("NFD", "People/José Ruiz.md")


@pytest.fixture
def problem_vault(tmp_path: Path) -> Path:
    """One note per problem class ``vaultkit check`` reports."""
    root = tmp_path / "problems"
    root.mkdir()
    write(
        root,
        "People/Bad Yaml.md",
        "---\ntype: person\nrole: Designer\ncompany: Acme: Corp\nemail: a@example.com\n---\n",
    )
    write(root, "People/Unclosed.md", "---\ntype: person\nrole: Designer\n\nNo closing line.\n")
    write(root, "People/Ann Lee.md", "---\ntype: person\nrole: x\ncompany: Nowhere Inc\n---\n")
    write(root, "People/ann lee.md", "---\ntype: person\n---\n")  # same name, other case
    write(root, NFD_JOSE, "---\ntype: person\n---\n")  # same name, other Unicode form
    write(root, "People/JOSÉ RUIZ.md", "---\ntype: person\n---\n")
    write(root, "People/Robert Ray.md", "---\ntype: person\naliases: [Bobby]\n---\n")
    write(root, "People/Bobby.md", "---\ntype: person\n---\n")  # another's alias
    write(root, "Work/Pat Kim.md", "---\ntype: person\n---\n")
    write(root, "Archive/Pat Kim.md", "---\ntype: person\n---\n")
    write(
        root,
        "Meetings/Chat.md",
        '---\ntype: meeting\nkind: informational\nwith: ["[[Pat Kim]]", "[[Carl Nobody]]"]\n---\n',
    )
    write(
        root,
        "Meetings/Brunch.md",
        '---\ntype: meeting\ndate: 2026-11-01\nkind: brunch\nwith: ["[[Bobby]]"]\n---\n',
    )
    return root


EXPECTED_LINES = [
    # (path:line: severity, fragment of the message)
    ("People/Bad Yaml.md:4: error", "front-matter"),
    ("People/Unclosed.md:1: error", "never closed"),
    ("People/Ann Lee.md:4: warning", "'Nowhere Inc' matches no note"),
    ("Meetings/Chat.md:4: error", "'Pat Kim' matches several notes"),
    ("People/ann lee.md:1: warning", "likely the same person as People/Ann Lee.md"),
    (NFD_JOSE + ":1: warning", "likely the same person as People/JOSÉ RUIZ.md (same name)"),
    ("People/Bobby.md:1: warning", "People/Robert Ray.md (its alias 'Bobby')"),
    ("Meetings/Chat.md:1: error", "no date"),
    ("Meetings/Brunch.md:4: error", "'brunch' is not one of"),
    ("Meetings/Chat.md:4: warning", "'Carl Nobody' has no person note"),
]


def test_check_reports_every_problem_class(runner: CliRunner, problem_vault: Path) -> None:
    before = snapshot(problem_vault)
    result = check(runner, problem_vault)
    assert result.exit_code == 1, result.output
    assert snapshot(problem_vault) == before
    lines = result.stdout.splitlines()
    for where, what in EXPECTED_LINES:
        assert any(line.startswith(where + ": ") and what in line for line in lines), (
            where,
            what,
            result.stdout,
        )
    # Every problem line is path:line: severity: message.
    for line in lines[:-1]:
        assert re.match(r"^[^:]+\.md:\d+: (error|warning): \S", line), line
    assert lines[-1].startswith("vaultkit: 12 notes (10 people, 0 companies, 2 meetings): ")


def test_check_reports_a_person_without_note_once(runner: CliRunner, problem_vault: Path) -> None:
    result = check(runner, problem_vault)
    carl = [line for line in result.stdout.splitlines() if "Carl Nobody" in line]
    assert len(carl) == 1, carl


def test_check_json_shape(runner: CliRunner, problem_vault: Path) -> None:
    result = check(runner, problem_vault, "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {
        "vault",
        "notes",
        "people",
        "companies",
        "meetings",
        "errors",
        "warnings",
        "problems",
    }
    assert payload["notes"] == 12
    assert payload["meetings"] == 2
    problems = payload["problems"]
    assert payload["errors"] == sum(p["severity"] == "error" for p in problems)
    assert payload["warnings"] == sum(p["severity"] == "warning" for p in problems)
    assert payload["errors"] >= 5
    for p in problems:
        assert set(p) == {"path", "line", "severity", "code", "message"}
        assert isinstance(p["line"], int) and p["line"] >= 1
    codes = {p["code"] for p in problems}
    assert {
        "yaml",
        "frontmatter",
        "unresolved-link",
        "ambiguous-link",
        "duplicate-person",
        "no-date",
        "bad-kind",
        "no-person-note",
    } <= codes
    yaml_problem = next(p for p in problems if p["code"] == "yaml")
    assert (yaml_problem["path"], yaml_problem["line"]) == ("People/Bad Yaml.md", 4)


def test_check_clean_vault_exits_0(runner: CliRunner, basic_vault: Path) -> None:
    result = check(runner, basic_vault)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "vaultkit: 8 notes (3 people, 2 companies, 2 meetings): 0 errors, 0 warnings\n"
    )
    as_json = json.loads(check(runner, basic_vault, "--json").stdout)
    assert as_json["problems"] == [] and as_json["errors"] == 0


def test_check_warnings_only_exit_0_unless_strict(runner: CliRunner, basic_vault: Path) -> None:
    write(basic_vault, "People/Kim Ode.md", "---\ntype: person\ncompany: Initech\n---\n")
    result = check(runner, basic_vault)
    assert result.exit_code == 0, result.output
    assert "People/Kim Ode.md:3: warning: company: 'Initech' matches no note" in result.stdout
    assert check(runner, basic_vault, "--strict").exit_code == 1


def test_check_writes_nothing(runner: CliRunner, basic_vault: Path) -> None:
    before = snapshot(basic_vault)
    check(runner, basic_vault)
    assert snapshot(basic_vault) == before
    assert tree(basic_vault) == tree(FIXTURES / "basic_vault")


# -- help -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(cli.commands))])  # type: ignore[attr-defined]
def test_help_has_an_example(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "vaultkit " in result.output.split("Example", 1)[1]


def test_check_reports_damaged_regions_sync_copies_and_encoding(
    runner: CliRunner, basic_vault: Path
) -> None:
    write(
        basic_vault,
        "People/Half Region.md",
        "---\ntype: person\n---\nx\n<!-- vaultkit:begin backlinks 0123456789abcdef -->\n",
    )
    write(
        basic_vault, "People/Jane Doe (conflicted copy 2026-11-20).md", "---\ntype: person\n---\n"
    )
    (basic_vault / "People" / "Latin.md").write_bytes(b"---\ntype: person\n---\nJos\xe9\n")
    result = check(runner, basic_vault)
    assert result.exit_code == 1
    out = result.stdout
    assert "People/Half Region.md:5: error: region 'backlinks' has no end marker" in out
    assert "People/Jane Doe (conflicted copy 2026-11-20).md: warning: looks like a sync" in out
    assert "People/Latin.md:4: error: not valid UTF-8 (byte 0xe9)" in out


def test_vault_defaults_to_the_current_folder(
    runner: CliRunner, basic_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(basic_vault)
    assert runner.invoke(cli, ["check", "--today", TODAY]).exit_code == 0
    result = runner.invoke(cli, ["regen", "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert counts(result) == (10, 0, 0, 0, 0)


def test_impossible_date_is_reported_not_a_crash(runner: CliRunner, basic_vault: Path) -> None:
    write(
        basic_vault,
        "Meetings/Leap.md",
        "---\ntype: meeting\nkind: casual\ndate: 2026-02-30\nwith: Jane\n---\n",
    )
    result = check(runner, basic_vault)
    assert result.exit_code == 1, result.output
    assert "Meetings/Leap.md:4: error: date: '2026-02-30' is not a date" in result.stdout
    regen_result = regen(runner, basic_vault)
    assert regen_result.exit_code == 1
    assert counts(regen_result)[0] == 11  # the meeting still gets its region


def test_broken_config_exits_2_with_its_line(
    basic_vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(basic_vault, "vaultkit.yaml", "keep_in_touch_days: 30\npeople_folder: [People]\n")
    for command in ("regen", "check"):
        monkeypatch.setattr("sys.argv", ["vaultkit", command, str(basic_vault)])
        with pytest.raises(SystemExit) as exc:
            main()
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "vaultkit.yaml:2: unknown option 'people_folder'" in err


def test_a_note_over_the_size_limit_is_reported_not_read(
    runner: CliRunner, basic_vault: Path
) -> None:
    write(basic_vault, "vaultkit.yaml", "max_note_bytes: 400\n")
    big = write(basic_vault, "People/Big.md", "---\ntype: person\n---\n" + "x" * 500 + "\n")
    data = big.read_bytes()
    result = regen(runner, basic_vault)
    assert result.exit_code == 0, result.output
    assert "People/Big.md: warning: is 522 bytes, over the 400 bytes limit" in result.stderr
    assert big.read_bytes() == data
