"""Prep sheets: golden sheets per kind, the rules that shape them, and the user's text.

The golden sheets in tests/golden/prep/ are what `vaultkit regen --today 2026-11-22`
writes for tests/fixtures/prep_vault. When a change of output is intended, rewrite
them with `pytest tests/test_prep.py --update-golden` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import build
from vaultkit.cli import cli
from vaultkit.config import Config
from vaultkit.errors import ConfigError
from vaultkit.parse import SECTION_TEXT_KEPT, parse_note
from vaultkit.prep import (
    after_meeting,
    excerpt,
    excerpt_of_flat,
    find_meeting,
    normalise_question,
    sheet_path,
)

from .conftest import FIXTURES, TODAY

PREP_VAULT = FIXTURES / "prep_vault"
GOLDEN = Path(__file__).resolve().parent / "golden" / "prep"
PREP = Path("vaultkit") / "Prep"

INFO = "Prep 2026-11-26 Ada Brook informational.md"
JOB = "Prep 2026-11-30 Acme Labs technical.md"
FINAL = "Prep 2026-12-03 Acme Labs final.md"
CASUAL = "Prep 2026-11-28 Dee Moss casual.md"
COFFEE = "Prep 2026-11-24 Cal Dunn coffee.md"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    dest = tmp_path / "vault"
    shutil.copytree(PREP_VAULT, dest)
    return dest


def regen(runner: CliRunner, root: Path, today: str = TODAY, code: int = 0) -> str:
    result = runner.invoke(cli, ["regen", str(root), "--today", today])
    assert result.exit_code == code, result.output
    return result.output


def sheet(root: Path, name: str) -> str:
    return (root / PREP / name).read_text(encoding="utf-8")


def region(text: str) -> str:
    start = text.index("<!-- vaultkit:begin prep")
    end = text.index("<!-- vaultkit:end prep -->")
    return text[start:end]


def section(text: str, title: str) -> str:
    """The text of one `## title` section of a sheet, up to the next `## `."""
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def load(root: Path, today: str = TODAY) -> build.Loaded:
    return build.load(root, dt.date.fromisoformat(today))


# -- golden sheets -------------------------------------------------------------------


def test_golden_sheets(runner: CliRunner, vault: Path, update_golden: bool) -> None:
    regen(runner, vault)
    made = {p.name: p.read_text(encoding="utf-8") for p in sorted((vault / PREP).iterdir())}
    if update_golden:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        GOLDEN.mkdir(parents=True)
        for name, text in made.items():
            (GOLDEN / name).write_text(text, encoding="utf-8", newline="")
    expected = {p.name: p.read_text(encoding="utf-8") for p in sorted(GOLDEN.iterdir())}
    assert sorted(made) == sorted(expected)
    for name, text in made.items():
        assert text == expected[name], f"{name} differs from tests/golden/prep (--update-golden)"


def test_golden_covers_every_kind() -> None:
    kinds = {
        "**Informational interview.**": INFO,
        "**Job interview, technical stage.**": JOB,
        "**Casual interview.**": CASUAL,
        "**Coffee chat.**": COFFEE,
    }
    for marker, name in kinds.items():
        assert marker in (GOLDEN / name).read_text(encoding="utf-8")


def test_second_run_writes_nothing(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    before = snapshot(vault)
    out = regen(runner, vault)
    assert "0 created, 0 updated" in out
    assert snapshot(vault) == before


# -- which meetings get a sheet ---------------------------------------------------------


def test_horizon_cancelled_and_past(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    names = sorted(p.name for p in (vault / PREP).iterdir())
    assert names == sorted([COFFEE, INFO, CASUAL, JOB, FINAL])
    # the cancelled lunch (in the horizon) and the chat on 2026-12-20 (beyond it) get none
    assert not any("Cal Dunn lunch" in n or "2026-12-20" in n for n in names)


def test_sheet_of_a_past_meeting_is_left_as_it_is(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    before = (vault / PREP / INFO).read_bytes()
    meeting = vault / "Meetings" / "2026-11-26 Ada Brook informational.md"
    meeting.write_text(
        meeting.read_text(encoding="utf-8").replace(
            "- What changed after the funding round?", "- A question added after the meeting"
        ),
        encoding="utf-8",
    )
    regen(runner, vault, today="2026-11-27")
    assert (vault / PREP / INFO).read_bytes() == before
    # still linked from the meeting's region, never deleted
    assert "**Prep sheet:** [[Prep 2026-11-26 Ada Brook informational]]" in meeting.read_text(
        encoding="utf-8"
    )


def test_sheet_of_a_cancelled_meeting_is_left_as_it_is(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    before = (vault / PREP / CASUAL).read_bytes()
    meeting = vault / "Meetings" / "2026-11-28 Dee Moss casual.md"
    meeting.write_text(
        meeting.read_text(encoding="utf-8").replace(
            "role: Service Researcher", "status: cancelled"
        ),
        encoding="utf-8",
    )
    regen(runner, vault)
    assert (vault / PREP / CASUAL).read_bytes() == before


def test_meeting_region_links_its_sheet(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    text = (vault / "Meetings" / "2026-11-30 Acme Labs technical.md").read_text(encoding="utf-8")
    assert "- **Prep sheet:** [[Prep 2026-11-30 Acme Labs technical]]" in text
    far = (vault / "Meetings" / "2026-12-20 Dee Moss networking.md").read_text(encoding="utf-8")
    assert "Prep sheet" not in far


# -- the kinds differ ------------------------------------------------------------------


def test_kinds_differ(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    info, job, casual = sheet(vault, INFO), sheet(vault, JOB), sheet(vault, CASUAL)
    coffee = sheet(vault, COFFEE)
    # who leads, and how long
    assert "you lead it" in info and "20 to 30 minutes" in info
    assert "They lead" in job and "assessed" in job
    assert "you both ask questions" in casual and "still an evaluation" in casual
    # role and stage for the job interview; role, not stage, for the casual one
    assert "- **Role:** UX Researcher" in job and "- **Stage:** technical" in job
    assert "- **Role:** Service Researcher" in casual and "**Stage:**" not in casual
    assert "**Role:**" not in info
    # kind-only sections
    assert "## Stories to have ready" in job and "## Stories to have ready" not in info
    assert "## Talking about yourself" in casual and "## Talking about yourself" not in job
    # question banks by theme
    suggested = section(info, "Suggested questions")
    for theme in ("Career path", "The day-to-day", "Skills", "Industry and trends", "Culture"):
        assert f"### {theme}" in suggested
    assert "### Advice" in suggested and "### Who else to talk to" in suggested
    assert suggested.count("\n- ") >= 8
    for theme in ("The role", "The team", "Success criteria", "Process and next steps"):
        assert f"### {theme}" in section(job, "Suggested questions")
    assert "### Fit" in section(casual, "Suggested questions")
    # checklists by kind, plus the common one
    assert "job description" in job and "copies of your resume" in job
    assert "behavioural questions" in section(job, "Checklist")
    assert "Do not offer your resume" in info and "who else you should talk to" in info
    assert "neat casual outfit" in casual and "background" in section(casual, "Checklist")
    for text in (info, job, casual, coffee):
        assert "so you are on time" in section(text, "Checklist")
    assert "job description" not in info and "Do not offer your resume" not in job


def test_sections_come_in_order(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    text = sheet(vault, INFO)
    titles = [
        "## Logistics",
        "## The people",
        "## The company",
        "## Your questions",
        "## Suggested questions",
        "## Checklist",
        "## After the meeting",
        "<!-- vaultkit:end prep -->",
        "## My notes",
    ]
    positions = [text.index(t) for t in titles]
    assert positions == sorted(positions)


def test_people_and_company(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    people = section(sheet(vault, INFO), "The people")
    assert "- **Now:** Research Lead at [[Acme Labs]]" in people
    assert "- **Introduced by:** [[Cal Dunn]]" in people
    assert "- **Known since:** 2026-09-10" in people
    assert "2026-09-10 · informational · [[2026-09-10 Ada Brook informational]]" in people
    assert "> [[Ada Brook]] spends most weeks in the field" in people
    # open promises: tasks naming or linking her, not done ones, not others
    assert "Send [[Ada Brook]] the courier survey 📅 2026-11-25 (in [[Todo]])" in people
    assert "Ask Ada about the spring funding (in [[Todo]])" in people
    assert "Call Ada Brook back" not in people and "Buy a notebook" not in people
    # referrals she gave that are not contacted yet (with or without a note)
    assert "[[Eve Lund]] (from [[2026-09-10 Ada Brook informational]])" in people
    assert "Finn Gray (from" in people
    company = section(sheet(vault, INFO), "The company")
    assert "- **Industry:** Logistics software" in company
    assert "- **Website:** https://acme.example" in company
    assert "[[Bea Park]] · Engineering Manager · last met 2026-10-01" in company
    assert "[[Eve Lund]] · Data Scientist · not met yet" in company
    assert "  - [[Ada Brook]] · Research Lead" not in company  # in the meeting, not "others"
    assert "2026-10-01 · job · [[Bea Park]] · [[2026-10-01 Acme Labs screen]]" in company
    assert "> Builds route-planning tools for small couriers." in company


def test_after_the_meeting_by_kind(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    info = section(sheet(vault, INFO), "After the meeting")
    here = "([[2026-11-26 Ada Brook informational]])"
    assert f"2026-11-27: Send a thank-you note to [[Ada Brook]] {here}" in info
    assert "2026-11-29: Get in touch with each person they suggest" in info
    assert f"2026-12-26: Tell [[Ada Brook]] how their advice has helped so far {here}" in info
    job = section(sheet(vault, JOB), "After the meeting")
    assert "2026-12-01: Send a thank-you note to [[Bea Park]]" in job
    assert "No status check: your next meeting with them is [[2026-12-03 Acme Labs final]]" in job
    final = section(sheet(vault, FINAL), "After the meeting")
    assert "No status check after this stage" in final and "2026-12-10" not in final
    casual = section(sheet(vault, CASUAL), "After the meeting")
    assert "2026-11-30: Write down what to prepare for a next step with [[Dee Moss]]" in casual
    coffee = section(sheet(vault, COFFEE), "After the meeting")
    nudge = "2027-01-08: If you have not met again by then, a nudge to reach out to [[Cal Dunn]]"
    assert nudge in coffee
    assert "(every 45 days)" in coffee


def test_job_status_check_after_a_week_when_nothing_follows(vault: Path) -> None:
    (vault / "Meetings" / "2026-12-03 Acme Labs final.md").unlink()
    loaded = load(vault)
    meeting = find_meeting(loaded.vault, "2026-11-30 Acme Labs technical")
    items = after_meeting(loaded.vault, meeting)
    checks = [i for i in items if i["rule"] == "status_check"]
    assert [i["due"] for i in checks] == ["2026-12-07"]
    assert checks[0]["text"].startswith("Check in with [[Bea Park]] on the status of the")


# -- the asked-question rule -----------------------------------------------------------


def test_normalise_question() -> None:
    assert normalise_question("What does a TYPICAL week look like for you??") == (
        normalise_question("what does a typical week look like, for you?")
    )
    assert normalise_question("Ｗｈａｔ’s new?") == normalise_question("whats new")
    assert normalise_question("What is new?") != normalise_question("What was new?")


def test_questions_asked_before_are_struck_through(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    text = sheet(vault, INFO)
    earlier = "[[2026-09-10 Ada Brook informational]]"
    # a bank question asked (in other case and punctuation) at the earlier meeting
    assert (
        f"- ~~What does a typical week look like for you?~~ (asked on 2026-09-10, {earlier})"
        in section(text, "Suggested questions")
    )
    # the user's own question, also asked last time
    assert (
        f"- ~~How did the research team end up reporting to product?~~ (asked on 2026-09-10, "
        f"{earlier})" in section(text, "Your questions")
    )
    assert "- What changed after the funding round?\n" in section(text, "Your questions")
    # not struck: a question never asked of this person
    assert "- What first drew you to this field?\n" in text
    # same person only: the job screen question is struck for Bea, not on Ada's sheet
    assert "~~What would success look like" in sheet(vault, JOB)


def test_questions_of_a_cancelled_or_later_meeting_do_not_count(vault: Path) -> None:
    lunch = vault / "Meetings" / "2026-11-25 Cal Dunn lunch.md"
    lunch.write_text(
        lunch.read_text(encoding="utf-8") + "## Questions\n- What could I help you with?\n",
        encoding="utf-8",
    )
    later = vault / "Meetings" / "2026-12-20 Dee Moss networking.md"
    later.write_text(
        later.read_text(encoding="utf-8").replace("[[Dee Moss]]", "[[Cal Dunn]]")
        + "## Questions\n- Who would be useful for you to meet right now?\n",
        encoding="utf-8",
    )
    build.regen(vault, dt.date.fromisoformat(TODAY))
    text = sheet(vault, COFFEE)
    assert "- What could I help you with at the moment?\n" in text
    assert "- Who would be useful for you to meet right now?\n" in text
    assert "~~" not in text


def test_planned_earlier_meeting_marks_on_your_list(vault: Path) -> None:
    final = vault / "Meetings" / "2026-12-03 Acme Labs final.md"
    tech = vault / "Meetings" / "2026-11-30 Acme Labs technical.md"
    tech.write_text(
        tech.read_text(encoding="utf-8").replace(
            "- How do you choose", "- When are you hoping to make a decision?\n- How do you choose"
        ),
        encoding="utf-8",
    )
    assert final.exists()
    build.regen(vault, dt.date.fromisoformat(TODAY))
    assert (
        "- ~~When are you hoping to make a decision?~~ (on your list for 2026-11-30, "
        "[[2026-11-30 Acme Labs technical]])" in sheet(vault, FINAL)
    )


def test_excerpt_cuts_at_a_word_and_never_inside_a_link() -> None:
    short = "A short note.\nOn two lines."
    assert excerpt(short) == "A short note. On two lines."
    long = "word " * 100
    cut = excerpt(long)
    assert cut.endswith("word…") and len(cut) <= 201
    linked = "x" * 180 + " see [[Some Long Person Name]] for more"
    cut = excerpt(linked)
    assert "[[" not in cut and cut.endswith("see…")


_ENDS_SECTION = re.compile(r" {0,3}#{1,2}(?:[ \t]|$)")  # a heading of level 1 or 2
_SECTION_LINES = st.lists(
    st.one_of(
        st.sampled_from(["", "   ", "### ", "### Heading", "#### # odd", "- item", "\t- sub"]),
        st.text(st.sampled_from("ab [|]#\t é"), max_size=40),
        st.text(st.sampled_from("word "), min_size=150, max_size=700),
    ).filter(lambda line: not _ENDS_SECTION.match(line)),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(_SECTION_LINES)
def test_the_kept_start_of_a_section_quotes_as_the_whole_text(lines: list[str]) -> None:
    """A parsed note keeps only the start of a ``## Notes`` section: the sheet's excerpt
    of it must be the one the whole text gives."""
    whole = "\n".join(lines)
    data = f"---\ntype: meeting\n---\n## Notes\n{whole}\n## Next\n".encode()
    section = parse_note("m.md", data).section("Notes")
    assert section is not None
    assert len(section.text) <= SECTION_TEXT_KEPT
    assert section.blank == (not whole.strip())
    assert excerpt_of_flat(section.text) == excerpt(whole.strip("\n"))


# -- templates and data files are the user's -----------------------------------------------


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_template_override(runner: CliRunner, vault: Path) -> None:
    write(
        vault,
        "vaultkit/templates/prep/informational.md.j2",
        "# My own sheet for {{ meeting.name }}\n"
        "{% for theme in suggested %}{{ theme.name }}: {{ theme.questions | length }}\n"
        "{% endfor %}",
    )
    regen(runner, vault)
    text = sheet(vault, INFO)
    assert "# My own sheet for 2026-11-26 Ada Brook informational\nCareer path: 5\n" in text
    assert "## Logistics" not in text
    assert "## Logistics" in sheet(vault, JOB)  # other kinds keep the default


def test_compiled_templates_are_kept_outside_the_vault_and_follow_an_edit(
    runner: CliRunner, vault: Path, cache_dir: Path
) -> None:
    """Templates compiled by one run are reused by the next (Jinja2's bytecode cache in
    the user's cache folder); a template edited since is compiled again, and an error
    in a template read from that cache still names its file and line."""
    part = "vaultkit/templates/prep/_after.md.j2"
    write(vault, part, "## Afterwards\n- Plan one.\n")
    regen(runner, vault)
    compiled = sorted((cache_dir / "templates").rglob("*.cache"))
    assert compiled and all(not p.resolve().is_relative_to(vault.resolve()) for p in compiled)
    write(vault, part, "## Afterwards\n- Plan two.\n")  # same length: only the text differs
    regen(runner, vault)
    assert "- Plan two.\n" in sheet(vault, INFO) and "Plan one" not in sheet(vault, INFO)
    write(vault, part, "fine\n{{ no_such_value }}\n")
    for _ in range(2):  # compiled, then read back compiled
        result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
        assert result.exit_code == 1
        assert f"{part}:2: error: 'no_such_value' is undefined" in result.output


def test_a_template_cache_that_fails_is_only_a_slower_run(
    runner: CliRunner, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jinja2

    def fails(self: object, bucket: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "dump_bytecode", fails)
    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "load_bytecode", fails)
    regen(runner, vault)
    assert "## Logistics" in sheet(vault, JOB)


def test_a_template_compiled_with_a_filter_is_not_reused_without_it(
    vault: Path, cache_dir: Path
) -> None:
    """`vaultkit new` adds filters; a template it compiled, used by a command without
    them, is compiled again there and fails with its file and line, not a crash."""
    from vaultkit.errors import TemplateProblem
    from vaultkit.render import Templates

    write(vault, "vaultkit/templates/shared.md.j2", "one\n{{ name | yaml }}\n")
    root = vault.resolve()
    with_filter = Templates(root, "vaultkit/templates", {"yaml": lambda v: f"'{v}'"})
    assert with_filter.render("shared.md.j2", {"name": "Ada"}) == "one\n'Ada'\n"
    plain = Templates(root, "vaultkit/templates")
    with pytest.raises(TemplateProblem) as caught:
        plain.render("shared.md.j2", {"name": "Ada"})
    assert caught.value.name == "vaultkit/templates/shared.md.j2"
    assert caught.value.line == 2 and "yaml" in caught.value.message
    folders = {Path(getattr(t.env.bytecode_cache, "directory", "")) for t in (with_filter, plain)}
    assert len(folders) == 2 and all(f.is_relative_to(cache_dir) for f in folders)


def test_included_part_override(runner: CliRunner, vault: Path) -> None:
    write(vault, "vaultkit/templates/prep/_after.md.j2", "## Afterwards\n- My own plan.\n")
    regen(runner, vault)
    for name in (INFO, JOB, CASUAL):
        text = sheet(vault, name)
        assert "## Afterwards\n- My own plan.\n" in text and "## After the meeting" not in text


def test_question_bank_and_checklist_override(runner: CliRunner, vault: Path) -> None:
    write(
        vault,
        "vaultkit/templates/questions/informational.yaml",
        "themes:\n  - name: Tea\n    questions:\n      - 'Which tea: green or black?'\n",
    )
    write(vault, "vaultkit/templates/checklists/all.yaml", "before:\n  - Bring my own tea.\n")
    regen(runner, vault)
    text = sheet(vault, INFO)
    assert "## Suggested questions\n### Tea\n- Which tea: green or black?\n" in text
    assert "### Career path" not in text  # the user's bank replaces the default
    checklist = section(text, "Checklist")
    assert "- Bring my own tea.\n" in checklist
    assert "so you are on time" not in checklist  # the user's all.yaml replaces the default
    assert "Do not offer your resume" in checklist  # the kind's default still applies


HOSTILE = [
    ("{{ ''.__class__.__mro__ }}", 2, "not allowed in a template"),
    ("{{ cycler.__init__.__globals__ }}", 2, "not allowed in a template"),
    ("{% if %}", 2, "Expected an expression"),
    ("{{ no_such_value }}", 2, "'no_such_value' is undefined"),
]


@pytest.mark.parametrize(("body", "line", "message"), HOSTILE)
def test_hostile_or_broken_template_is_refused(
    runner: CliRunner, vault: Path, body: str, line: int, message: str
) -> None:
    write(vault, "vaultkit/templates/prep/_after.md.j2", f"fine\n{body}\n")
    before = snapshot(vault)
    result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
    assert result.exit_code == 1
    assert f"vaultkit/templates/prep/_after.md.j2:{line}: error: " in result.output
    assert message in result.output
    assert snapshot(vault) == before  # nothing written from it, nor anything else
    assert not (vault / PREP).exists()


BROKEN_DATA = [
    (
        "questions/informational.yaml",
        "themes:\n  - name: Mine\n    questions:\n      - fine\n      - broken: colon\n",
        5,
        "each question must be one line of text",
    ),
    ("questions/informational.yaml", "themes:\n  - name: [unclosed\n", 2, "never closed"),
    ("questions/job.yaml", "themes: oops\n", 1, "expected 'themes:'"),
    ("questions/job.yaml", "themes: !!python/object:os.system x\n", 1, "not allowed in this file"),
    ("checklists/all.yaml", "before:\n  - ok\nwhen:\n  - no\n", 3, "unknown part 'when'"),
    (
        "checklists/casual.yaml",
        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(
            f"{k}: &{k} [{', '.join([f'*{p}'] * 9)}]\n" for p, k in zip("abcd", "bcde", strict=True)
        ),
        1,
        "expands to too many values",
    ),
]


@pytest.mark.parametrize(("rel", "text", "line", "message"), BROKEN_DATA)
def test_broken_data_file_is_refused_with_its_line(
    runner: CliRunner, vault: Path, rel: str, text: str, line: int, message: str
) -> None:
    write(vault, f"vaultkit/templates/{rel}", text)
    before = snapshot(vault)
    result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
    assert result.exit_code == 1
    assert f"vaultkit/templates/{rel}:{line}: error: " in result.output
    assert message in result.output
    assert snapshot(vault) == before


# -- the sheet is the user's too -------------------------------------------------------------


def test_user_text_survives_regen(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    path = vault / PREP / INFO
    text = path.read_text(encoding="utf-8")
    mine = "## My notes\n\nRemember to ask about [[Eve Lund]].\n- [ ] Print the map\n"
    text = text.replace("## My notes\n\n", mine)
    text = text.replace(
        "---\n<!-- vaultkit:begin", "---\nA line of my own above.\n<!-- vaultkit:begin"
    )
    path.write_text(text, encoding="utf-8")
    meeting = vault / "Meetings" / "2026-11-26 Ada Brook informational.md"
    meeting.write_text(
        meeting.read_text(encoding="utf-8").replace(
            "- What changed after the funding round?", "- What changed after the spring funding?"
        ),
        encoding="utf-8",
    )
    out = regen(runner, vault)
    assert "1 updated" in out or "updated" in out
    after = path.read_text(encoding="utf-8")
    assert "- What changed after the spring funding?" in after
    assert mine in after and "A line of my own above.\n" in after
    assert after.startswith("---\ntype: prep\n")


def test_hand_edit_inside_the_region_is_a_conflict(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    path = vault / PREP / INFO
    edited = path.read_text(encoding="utf-8").replace("## Logistics", "## Logistics (mine)")
    path.write_text(edited, encoding="utf-8")
    meeting = vault / "Meetings" / "2026-11-26 Ada Brook informational.md"
    meeting.write_text(meeting.read_text(encoding="utf-8") + "\nMore notes.\n", encoding="utf-8")
    meeting.write_text(
        meeting.read_text(encoding="utf-8").replace("duration: 25", "duration: 40"),
        encoding="utf-8",
    )
    out = regen(runner, vault, code=1)
    assert f"vaultkit/Prep/{INFO}:5: warning: region 'prep' was edited by hand" in out
    assert path.read_text(encoding="utf-8") == edited


def test_a_deleted_sheet_comes_back(runner: CliRunner, vault: Path) -> None:
    regen(runner, vault)
    before = (vault / PREP / JOB).read_bytes()
    (vault / PREP / JOB).unlink()
    regen(runner, vault)
    assert (vault / PREP / JOB).read_bytes() == before


# -- names and paths -------------------------------------------------------------------------


def test_sheet_names_are_safe_and_distinct(vault: Path) -> None:
    write(
        vault,
        "Meetings/2026-11-27 Q&A: what?.md",
        "---\nkind: networking\nwith: Cal Dunn\n---\n",
    )
    write(vault, "Meetings/Other/2026-11-24 Cal Dunn coffee.md", "---\nkind: networking\n---\n")
    loaded = load(vault)
    odd = loaded.vault.meetings["Meetings/2026-11-27 Q&A: what?.md"]
    path = sheet_path(loaded.vault, odd)
    assert path.startswith("vaultkit/Prep/Prep 2026-11-27 Q&A what ") and path.endswith(".md")
    assert ":" not in path and "?" not in path
    one = sheet_path(loaded.vault, loaded.vault.meetings["Meetings/2026-11-24 Cal Dunn coffee.md"])
    two = sheet_path(
        loaded.vault, loaded.vault.meetings["Meetings/Other/2026-11-24 Cal Dunn coffee.md"]
    )
    assert one != two
    result = build.regen(vault, dt.date.fromisoformat(TODAY))
    assert not result.errors
    assert (vault / path).is_file()


def test_output_folder_outside_the_vault_is_refused(vault: Path) -> None:
    config = Config(output_folder="../outside")
    with pytest.raises(ConfigError, match="output_folder"):
        build.regen(vault, dt.date.fromisoformat(TODAY), config=config)
    assert not (vault.parent / "outside").exists()


# -- vaultkit prep ---------------------------------------------------------------------------


def test_prep_command_beyond_the_horizon(runner: CliRunner, vault: Path) -> None:
    name = "2026-12-20 Dee Moss networking"
    result = runner.invoke(cli, ["prep", name, "--vault", str(vault), "--today", TODAY])
    assert result.exit_code == 0, result.output
    made = vault / PREP / f"Prep {name}.md"
    assert result.output.strip() == str(made.resolve())
    assert "**Coffee chat.**" in made.read_text(encoding="utf-8")
    assert not (vault / PREP / INFO).exists()  # only that one sheet
    # regen leaves it alone (beyond the horizon) but links it from the meeting
    regen(runner, vault)
    text = (vault / "Meetings" / f"{name}.md").read_text(encoding="utf-8")
    assert f"**Prep sheet:** [[Prep {name}]]" in text
    again = runner.invoke(cli, ["prep", name, "--vault", str(vault), "--today", TODAY])
    assert again.exit_code == 0


def test_prep_command_by_path_and_alias_forms(runner: CliRunner, vault: Path) -> None:
    for typed in (
        "Meetings/2026-11-28 Dee Moss casual.md",
        "Meetings/2026-11-28 Dee Moss casual",
        "[[2026-11-28 Dee Moss casual]]",
        "2026-11-28 dee moss casual",
    ):
        result = runner.invoke(cli, ["prep", typed, "--vault", str(vault), "--today", TODAY])
        assert result.exit_code == 0, (typed, result.output)
        assert result.output.strip().endswith(f"Prep{os_sep()}{CASUAL}")


def os_sep() -> str:
    import os

    return os.sep


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("Nobody at all", "no meeting note named 'Nobody at all'"),
        ("Ada Brook", "People/Ada Brook.md is a person note, not a meeting"),
        ("../../etc/passwd", "no meeting note named"),
    ],
)
def test_prep_command_unknown_meeting(
    runner: CliRunner, vault: Path, given: str, message: str
) -> None:
    before = snapshot(vault)
    result = runner.invoke(cli, ["prep", given, "--vault", str(vault), "--today", TODAY])
    assert result.exit_code != 0
    assert message in result.output
    assert snapshot(vault) == before


def test_prep_command_reports_a_conflict(runner: CliRunner, vault: Path) -> None:
    name = "2026-11-28 Dee Moss casual"
    runner.invoke(cli, ["prep", name, "--vault", str(vault), "--today", TODAY])
    path = vault / PREP / CASUAL
    edited = path.read_text(encoding="utf-8").replace("## Logistics", "## Logistics!")
    path.write_text(edited, encoding="utf-8")
    meeting = vault / "Meetings" / f"{name}.md"
    meeting.write_text(
        meeting.read_text(encoding="utf-8").replace("duration: 45", "duration: 50"),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["prep", name, "--vault", str(vault), "--today", TODAY])
    assert result.exit_code == 1
    assert "was edited by hand" in result.output
    assert path.read_text(encoding="utf-8") == edited


def test_prep_command_with_a_broken_template(runner: CliRunner, vault: Path) -> None:
    write(vault, "vaultkit/templates/prep/casual.md.j2", "{{ ''.__class__ }}\n")
    result = runner.invoke(
        cli, ["prep", "2026-11-28 Dee Moss casual", "--vault", str(vault), "--today", TODAY]
    )
    assert result.exit_code == 1
    assert "vaultkit/templates/prep/casual.md.j2:1: error: not allowed" in result.output
    assert not (vault / PREP).exists()


def test_prep_command_has_help(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["prep", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "--vault" in result.output


def test_sample_vault_gets_sheets(runner: CliRunner, sample_vault: Path) -> None:
    regen(runner, sample_vault)
    names = sorted(p.name for p in (sample_vault / PREP).iterdir())
    assert "Prep 2026-11-26 Elena Vasquez informational.md" in names
    assert not any("2026-12-09" in n for n in names)  # beyond the 14 days


def test_meeting_without_kind_gets_a_plain_sheet(runner: CliRunner, vault: Path) -> None:
    write(vault, "Meetings/2026-11-23 Eve Lund.md", "---\nwith: '[[Eve Lund]]'\n---\n")
    regen(runner, vault)
    text = sheet(vault, "Prep 2026-11-23 Eve Lund.md")
    assert "Its kind is not set" in text and "## Suggested questions" not in text
    assert "so you are on time" in section(text, "Checklist")  # all.yaml still applies


def test_multi_line_values_cannot_break_the_region(runner: CliRunner, vault: Path) -> None:
    write(
        vault,
        "Meetings/2026-11-23 Eve Lund.md",
        "---\nkind: casual\nwith: '[[Eve Lund]]'\nwhere: |\n  Room 1\n"
        "  <!-- vaultkit:end prep -->\n"
        'role: "a\\n<!-- vaultkit:begin x 0123456789abcdef -->"\n---\n',
    )
    regen(runner, vault)
    text = sheet(vault, "Prep 2026-11-23 Eve Lund.md")
    assert "- **Where:** Room 1 <!-- vaultkit:end prep -->\n" in text
    before = snapshot(vault)
    regen(runner, vault)
    assert snapshot(vault) == before


def test_excerpt_drops_heading_marks() -> None:
    assert excerpt("### Summary\nIt went well.") == "Summary It went well."


def test_a_sheet_written_by_the_prep_command_can_be_undone(runner: CliRunner, vault: Path) -> None:
    before = {p: p.read_bytes() for p in vault.rglob("*") if p.is_file()}
    done = runner.invoke(cli, ["prep", "2026-12-03 Acme Labs final", "--vault", str(vault)])
    assert done.exit_code == 0, done.output
    assert {p for p in vault.rglob("*") if p.is_file()} != set(before)
    undone = runner.invoke(cli, ["undo", str(vault)])
    assert undone.exit_code == 0, undone.output
    assert {p: p.read_bytes() for p in vault.rglob("*") if p.is_file()} == before
