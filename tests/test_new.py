"""vaultkit new person | company | meeting, through the CLI on a copy of the sample vault."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from vaultkit import build
from vaultkit.cli import cli
from vaultkit.newnote import yaml_scalar
from vaultkit.parse import parse_note

from .conftest import TODAY


def run(runner: CliRunner, vault: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, [*args, "--vault", str(vault)])
    return result.exit_code, result.stdout, result.stderr


def test_new_person_links_existing_notes(runner: CliRunner, sample_vault: Path) -> None:
    code, out, err = run(
        runner,
        sample_vault,
        "new",
        "person",
        "Jane Doe",
        "--company",
        "fernhill studio",
        "--role",
        "Lead: Research",
        "--introduced-by",
        "Sam",
    )
    assert code == 0, err
    assert out == "People/Jane Doe.md\n"
    note = parse_note("People/Jane Doe.md", (sample_vault / "People/Jane Doe.md").read_bytes())
    assert note.meta["type"] == "person"
    assert note.meta["company"] == "[[Fernhill Studio]]"
    assert note.meta["introduced_by"] == "[[Sam Okafor]]"  # the alias resolved to the file
    assert note.meta["role"] == "Lead: Research"
    assert note.meta["aliases"] == [] and note.meta["tags"] == []
    text = (sample_vault / "People/Jane Doe.md").read_text(encoding="utf-8")
    assert 'company: "[[Fernhill Studio]]"' in text
    loaded = build.load(sample_vault, dt.date(2026, 11, 22))
    person = loaded.vault.people["People/Jane Doe.md"]
    assert person.company is not None and person.company.target == "Companies/Fernhill Studio.md"
    assert "People/Jane Doe.md" in loaded.vault.introduced["People/Sam Okafor.md"]


def test_new_person_reuses_a_name_by_case_or_alias(runner: CliRunner, sample_vault: Path) -> None:
    before = sorted(p.name for p in (sample_vault / "People").iterdir())
    code, out, err = run(runner, sample_vault, "new", "person", "amara osei")
    assert code == 0
    assert out == "People/Amara Osei.md\n"
    assert "already has a note" in err
    code, out, _ = run(runner, sample_vault, "new", "person", "SAM")
    assert out == "People/Sam Okafor.md\n"
    assert sorted(p.name for p in (sample_vault / "People").iterdir()) == before


def test_new_person_unknown_company_is_linked_as_typed_with_a_hint(
    runner: CliRunner, sample_vault: Path
) -> None:
    code, _, err = run(runner, sample_vault, "new", "person", "Ann Lee", "--company", "Initech")
    assert code == 0
    assert 'vaultkit new company "Initech"' in err
    assert 'company: "[[Initech]]"' in (sample_vault / "People/Ann Lee.md").read_text()


def test_new_refuses_to_overwrite_a_file(runner: CliRunner, sample_vault: Path) -> None:
    # An ordinary note (not a company) already has the file name, in another case.
    mine = sample_vault / "Companies/initech.md"
    mine.write_text("---\ntype: note\n---\nmine\n")
    code, _, err = run(runner, sample_vault, "new", "company", "Initech")
    assert code == 1
    assert "already exists" in err
    assert mine.read_text() == "---\ntype: note\n---\nmine\n"
    assert sorted(p.name for p in mine.parent.glob("*nitech*")) == ["initech.md"]


def test_new_company_and_safe_file_name(runner: CliRunner, sample_vault: Path) -> None:
    code, out, _ = run(runner, sample_vault, "new", "company", "AT&T: Labs/West")
    assert code == 0
    assert out == "Companies/AT&T Labs West.md\n"
    note = parse_note("x.md", (sample_vault / out.strip()).read_bytes())
    assert note.meta["type"] == "company"
    assert note.meta["aliases"] == []


def test_new_meeting(runner: CliRunner, sample_vault: Path) -> None:
    code, out, err = run(
        runner,
        sample_vault,
        "new",
        "meeting",
        "--with",
        "Sam, amara osei",
        "--kind",
        "coffee chat",
        "--date",
        "2026-12-01",
        "--time",
        "4:30pm",
        "--duration",
        "30",
        "--where",
        "Blue Bottle: Market St",
    )
    assert code == 0, err
    rel = "Meetings/2026-12-01 Sam Okafor and Amara Osei networking.md"
    assert out == rel + "\n"
    text = (sample_vault / rel).read_text(encoding="utf-8")
    assert 'with:\n  - "[[Sam Okafor]]"\n  - "[[Amara Osei]]"\n' in text
    assert "date: 2026-12-01T16:30\n" in text
    loaded = build.load(sample_vault, dt.date.fromisoformat(TODAY))
    meeting = loaded.vault.meetings[rel]
    assert meeting.kind == "networking"
    assert meeting.date == dt.date(2026, 12, 1) and meeting.time == "16:30"
    assert meeting.duration == 30
    assert meeting.where == "Blue Bottle: Market St"
    assert meeting.people == ("People/Sam Okafor.md", "People/Amara Osei.md")
    assert meeting.status == "planned"
    # The same meeting again: refused, the first note kept.
    again = runner.invoke(
        cli,
        ["new", "meeting", "--with", "Sam,Amara Osei", "--kind", "networking", "--date",
         "2026-12-01", "--vault", str(sample_vault)],
    )  # fmt: skip
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    assert (sample_vault / rel).read_text(encoding="utf-8") == text


def test_new_meeting_rejects_bad_options(runner: CliRunner, sample_vault: Path) -> None:
    code, _, err = run(
        runner, sample_vault, "new", "meeting", "--with", "Sam", "--kind", "lunch", "--date",
        "2026-12-01",
    )  # fmt: skip
    assert code == 1 and "--kind 'lunch'" in err
    code, _, err = run(
        runner, sample_vault, "new", "meeting", "--with", "Sam", "--kind", "job", "--date",
        "2026-13-01",
    )  # fmt: skip
    assert code == 2 and "not a date" in err


def test_user_template_overrides_the_default(runner: CliRunner, sample_vault: Path) -> None:
    folder = sample_vault / "vaultkit/templates/new"
    folder.mkdir(parents=True)
    (folder / "company.md.j2").write_text(
        "---\ntype: company\naliases: []\nsource: mine\n---\n# {{ name }}\n", encoding="utf-8"
    )
    code, out, _ = run(runner, sample_vault, "new", "company", "Initech")
    assert code == 0
    assert (sample_vault / out.strip()).read_text() == (
        "---\ntype: company\naliases: []\nsource: mine\n---\n# Initech\n"
    )


def test_a_template_that_breaks_the_front_matter_writes_nothing(
    runner: CliRunner, sample_vault: Path
) -> None:
    folder = sample_vault / "vaultkit/templates/new"
    folder.mkdir(parents=True)
    (folder / "company.md.j2").write_text("---\ntype: [company\n---\n", encoding="utf-8")
    code, _, err = run(runner, sample_vault, "new", "company", "Initech")
    assert code == 1
    assert "cannot read" in err
    assert not (sample_vault / "Companies/Initech.md").exists()


def test_yaml_scalar_round_trips() -> None:
    for text in ["plain", "a: b", "- x", "yes", "10:00", "#tag", "'q'", "x #y", " pad", "[[A]]"]:
        data = parse_note("x.md", f"---\nk: {yaml_scalar(text)}\n---\n".encode()).meta
        assert data["k"] == text, text
    assert yaml_scalar("plain") == "plain"


def test_a_name_another_note_has_gets_a_hint(runner: CliRunner, sample_vault: Path) -> None:
    code, out, err = run(runner, sample_vault, "new", "person", "Reading list")
    assert code == 0
    assert out == "People/Reading list.md\n"
    assert "Notes/Reading list.md has the same name" in err


def test_bracketed_names_are_accepted(runner: CliRunner, sample_vault: Path) -> None:
    code, out, _ = run(runner, sample_vault, "new", "person", "Ann", "--company", "[[Civic Loop]]")
    assert code == 0
    assert 'company: "[[Civic Loop]]"' in (sample_vault / out.strip()).read_text()


def test_an_existing_folder_in_another_case_is_used(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "people").mkdir()
    code, out, _ = run(runner, tmp_path, "new", "person", "Ann Lee")
    assert code == 0
    assert out == "people/Ann Lee.md\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people"]
