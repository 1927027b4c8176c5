"""vaultkit rename: every link form, only the link text, dry run, and undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultkit.cli import cli
from vaultkit.plan import block

REGION = block("backlinks", "- [[Jane Doe]] and [[Acme Corp]]\n", "\n")

MEETING = f"""\
---
type: meeting
kind: informational
date: 2026-11-10
with: ["[[Jane Doe]]", "[[Sam Lee|Sam]]"]
company: Acme Corp
referrals:
  - "[[People/Jane Doe|JD]]"
  - 'Jane Doe'
related: "[[Jane Doe#Career]]"
title: Jane Doe
---
## Notes
Met [[Jane Doe#Career|her path]] and ![[Jane Doe]] and [[People/Jane Doe]] and [[jane doe.md]].
Through her alias: [[Jane]]. In code: `[[Jane Doe]]`. A web link: [x](https://e.x/Jane%20Doe.md).
Markdown: [Jane](People/Jane%20Doe.md), [up](../People/Jane%20Doe.md#Career), [n](Jane%20Doe.md).
> - quoted in a list: [[Jane Doe|JD]]

| who | note |
|---|---|
| her | [[Jane Doe\\|JD]] |

```
[[Jane Doe]]
```

    [[Jane Doe]] indented code

{REGION}
"""

PERSON = """\
---
type: person
company: "[[Acme Corp]]"
introduced_by: Jane
previous_companies: [[Jane Doe]]
---
Knows [[Jane Doe]].
"""

OTHER = """\
---
type: person
introduced_by: Jane Doe, Sam Lee
with: [Jane Doe]
---
[[Jane Doe]]
"""


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "v"
    (root / "People").mkdir(parents=True)
    (root / "Companies").mkdir()
    (root / "Meetings").mkdir()
    (root / "People/Jane Doe.md").write_text(
        "---\ntype: person\naliases: [Jane]\n---\nMe: [[Jane Doe]].\n", encoding="utf-8"
    )
    (root / "People/Sam Lee.md").write_text(PERSON, encoding="utf-8")
    (root / "People/Other.md").write_bytes(("\ufeff" + OTHER).replace("\n", "\r\n").encode())
    (root / "Companies/Acme Corp.md").write_text("---\ntype: company\n---\n", encoding="utf-8")
    (root / "Meetings/2026-11-10 Jane.md").write_text(MEETING, encoding="utf-8")
    return root


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def rename(runner: CliRunner, root: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["rename", *args, "--vault", str(root)])
    return result.exit_code, result.stdout, result.stderr


def test_rename_rewrites_every_link_form_and_nothing_else(runner: CliRunner, vault: Path) -> None:
    code, out, err = rename(runner, vault, "Jane Doe", "Jane Smith")
    assert code == 0, err
    assert not (vault / "People/Jane Doe.md").exists()
    assert (vault / "People/Jane Smith.md").read_text() == (
        "---\ntype: person\naliases: [Jane]\n---\nMe: [[Jane Smith]].\n"
    )
    expected = (
        MEETING.replace('["[[Jane Doe]]"', '["[[Jane Smith]]"')
        .replace('"[[People/Jane Doe|JD]]"', '"[[People/Jane Smith|JD]]"')
        .replace("'Jane Doe'", "'Jane Smith'")
        .replace('"[[Jane Doe#Career]]"', '"[[Jane Smith#Career]]"')
        .replace("Met [[Jane Doe#Career|", "Met [[Jane Smith#Career|")
        .replace("![[Jane Doe]] and [[People/Jane Doe]] and [[jane doe.md]]",
                 "![[Jane Smith]] and [[People/Jane Smith]] and [[Jane Smith.md]]")
        .replace("[Jane](People/Jane%20Doe.md), [up](../People/Jane%20Doe.md#Career), "
                 "[n](Jane%20Doe.md)",
                 "[Jane](People/Jane%20Smith.md), [up](../People/Jane%20Smith.md#Career), "
                 "[n](Jane%20Smith.md)")
        .replace("list: [[Jane Doe|JD]]", "list: [[Jane Smith|JD]]")
        .replace("| [[Jane Doe\\|JD]] |", "| [[Jane Smith\\|JD]] |")
    )  # fmt: skip
    got = (vault / "Meetings/2026-11-10 Jane.md").read_text(encoding="utf-8")
    assert got == expected
    # Untouched: the alias link, code, the web link, a non-link key, vaultkit's region.
    assert "title: Jane Doe\n" in got and "[[Jane]]" in got and "`[[Jane Doe]]`" in got
    assert "```\n[[Jane Doe]]\n```" in got and "    [[Jane Doe]] indented" in got
    assert REGION in got and "https://e.x/Jane%20Doe.md" in got
    assert (vault / "People/Sam Lee.md").read_text() == PERSON.replace(
        "[[Jane Doe]]", "[[Jane Smith]]"
    )
    other = (vault / "People/Other.md").read_bytes()
    assert (
        other == ("\ufeff" + OTHER.replace("Jane Doe", "Jane Smith")).replace("\n", "\r\n").encode()
    )
    assert f'To undo: vaultkit rename "Jane Smith" "Jane Doe" -C {vault}\n' in out


def test_undo_restores_every_byte(runner: CliRunner, vault: Path) -> None:
    before = files(vault)
    assert rename(runner, vault, "Jane Doe", "Jane Smith")[0] == 0
    assert files(vault) != before
    code, _, err = rename(runner, vault, "Jane Smith", "Jane Doe")
    assert code == 0, err
    after = files(vault)
    # The one link written in another case comes back in the file's own case.
    changed = before["Meetings/2026-11-10 Jane.md"].replace(b"[[jane doe.md]]", b"[[Jane Doe.md]]")
    before["Meetings/2026-11-10 Jane.md"] = changed
    assert after == before


def test_dry_run_prints_a_diff_and_writes_nothing(runner: CliRunner, vault: Path) -> None:
    before = files(vault)
    code, out, _ = rename(runner, vault, "jane", "Jane Smith", "--dry-run")
    assert code == 0
    assert files(vault) == before
    assert "rename People/Jane Doe.md -> People/Jane Smith.md" in out
    assert "--- a/People/Jane Doe.md\n+++ b/People/Jane Smith.md\n" in out
    assert "-Knows [[Jane Doe]].\n+Knows [[Jane Smith]].\n" in out


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Nobody", "X", "matches no note"),
        ("Jane Doe", "Sam Lee", "already a note"),
        ("Jane Doe", "sam lee", "already a note"),
        ("Jane Doe", "People/Jane Smith", "not a path"),
        ("Jane Doe", "Jane: Smith", "cannot be a file name"),
        ("Jane Doe", "Jane Doe", "already called"),
    ],
)
def test_refused_renames_change_nothing(
    runner: CliRunner, vault: Path, old: str, new: str, message: str
) -> None:
    before = files(vault)
    code, _, err = rename(runner, vault, old, new)
    assert code == 1
    assert message in err
    assert files(vault) == before


def test_a_name_that_is_another_notes_alias_is_refused(runner: CliRunner, vault: Path) -> None:
    (vault / "People/Sam Lee.md").write_text(
        PERSON.replace("---\nKnows", "aliases: [Sammy]\n---\nKnows")
    )
    code, _, err = rename(runner, vault, "Jane Doe", "Sammy")
    assert code == 1 and "an alias of People/Sam Lee.md" in err


def test_links_already_naming_new_are_reported(runner: CliRunner, vault: Path) -> None:
    (vault / "People/Sam Lee.md").write_text(PERSON + "Later: [[Jane Smith]].\n")
    code, _, err = rename(runner, vault, "Jane Doe", "Jane Smith")
    assert code == 0
    assert "People/Sam Lee.md: note: it already links to 'Jane Smith'" in err


def test_opted_out_notes_are_not_written(runner: CliRunner, vault: Path) -> None:
    text = "---\nvaultkit: false\n---\n[[Jane Doe]]\n"
    (vault / "Notes").mkdir()
    (vault / "Notes/mine.md").write_text(text)
    code, _, err = rename(runner, vault, "Jane Doe", "Jane Smith")
    assert code == 1
    assert "Notes/mine.md: warning: links to 'Jane Doe' not updated" in err
    assert (vault / "Notes/mine.md").read_text() == text
    assert (vault / "People/Jane Smith.md").exists()


def test_a_note_with_only_a_markdown_link_is_updated(runner: CliRunner, vault: Path) -> None:
    (vault / "Notes").mkdir()
    (vault / "Notes/md.md").write_text("See [her](../People/Jane%20Doe.md).\n")
    assert rename(runner, vault, "Jane Doe", "Jane Smith")[0] == 0
    assert (vault / "Notes/md.md").read_text() == "See [her](../People/Jane%20Smith.md).\n"


def test_rename_keeps_mode(runner: CliRunner, vault: Path) -> None:
    note = vault / "People/Sam Lee.md"
    note.chmod(0o600)
    assert rename(runner, vault, "Jane Doe", "Jane Smith")[0] == 0
    assert note.stat().st_mode & 0o777 == 0o600


def test_a_note_changed_during_the_rename_is_redone_from_its_new_text(
    runner: CliRunner, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vaultkit.rename as rename_module

    real = rename_module.atomic_write
    typed = {"done": False}

    def user_types_first(root: Path, rel: str, data: bytes, expect: object) -> None:
        if rel == "People/Sam Lee.md" and not typed["done"]:
            typed["done"] = True
            with (root / rel).open("a", encoding="utf-8") as fh:
                fh.write("Typed meanwhile, about [[Jane Doe]].\n")
        real(root, rel, data, expect)  # type: ignore[arg-type]

    monkeypatch.setattr(rename_module, "atomic_write", user_types_first)
    code, _, err = rename(runner, vault, "Jane Doe", "Jane Smith")
    assert code == 0, err
    assert (vault / "People/Sam Lee.md").read_text() == (
        PERSON + "Typed meanwhile, about [[Jane Doe]].\n"
    ).replace("[[Jane Doe]]", "[[Jane Smith]]")


def test_a_front_matter_link_it_cannot_edit_safely_is_reported(
    runner: CliRunner, vault: Path
) -> None:
    text = '---\ntype: person\nintroduced_by: "[[Jane\\u0020Doe]]"\n---\n[[Jane Doe]]\n'
    (vault / "People/Escaped.md").write_text(text)
    code, _, err = rename(runner, vault, "Jane Doe", "Jane Smith")
    assert code == 1
    assert "People/Escaped.md:3: warning: introduced_by: a link to 'Jane Doe'" in err
    assert (vault / "People/Escaped.md").read_text() == text.replace(
        "\n[[Jane Doe]]", "\n[[Jane Smith]]"
    )


def test_a_change_of_case_only(runner: CliRunner, vault: Path) -> None:
    code, _, err = rename(runner, vault, "Jane Doe", "jane doe")
    assert code == 0, err
    assert sorted(p.name for p in (vault / "People").iterdir()) == [
        "Other.md",
        "Sam Lee.md",
        "jane doe.md",
    ]
    assert "Knows [[jane doe]]." in (vault / "People/Sam Lee.md").read_text()
