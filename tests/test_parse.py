"""Unit tests of parse.py and the wikilink plugin."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.errors import NoteError
from vaultkit.parse import (
    _ANY_MARKER,
    content_hash,
    find_regions,
    markdown,
    marker_lines,
    parse_body,
    parse_note,
)
from vaultkit.plan import block


def links(body: str, first_line: int = 1) -> list[tuple[str, str | None, int, bool]]:
    found, _, _ = parse_body(body, first_line)
    return [(link.target, link.alias, link.line, link.embed) for link in found]


def test_plain_alias_heading_block_and_embed() -> None:
    body = (
        "See [[Jane Doe]], [[Jane Doe|Jane]], [[Acme Corp#History|the history]],\n"
        "[[Sam Lee#^block-id]], [[#Local heading]] and ![[diagram.png]].\n"
    )
    assert links(body) == [
        ("Jane Doe", None, 1, False),
        ("Jane Doe", "Jane", 1, False),
        ("Acme Corp#History", "the history", 1, False),
        ("Sam Lee#^block-id", None, 2, False),
        ("#Local heading", None, 2, False),
        ("diagram.png", None, 2, True),
    ]


def test_path_qualified_and_spaces() -> None:
    assert links("[[Companies/Acme Corp|Acme]] [[ spaced | both ]]") == [
        ("Companies/Acme Corp", "Acme", 1, False),
        ("spaced", "both", 1, False),
    ]


def test_code_spans_fences_and_indented_code_are_not_links() -> None:
    body = (
        "`[[Code Span]]` and ``[[Double `tick` span]]``\n"
        "\n"
        "```python\n"
        "[[Fenced]]\n"
        "```\n"
        "~~~\n"
        "[[Tilde]]\n"
        "~~~\n"
        "\n"
        "    [[Indented]]\n"
        "\n"
        "[[Real]]\n"
    )
    assert links(body) == [("Real", None, 12, False)]


def test_unclosed_fence_hides_the_rest() -> None:
    assert links("[[Before]]\n\n```\n[[Inside]]\n") == [("Before", None, 1, False)]


def test_not_links() -> None:
    body = "\\[[Escaped]] [[]] [[  ]] [[a\nb]] [[no end\n[Markdown](https://x.example)\n"
    assert links(body) == []


def test_nested_brackets_take_the_inner_link() -> None:
    assert links("[[x[[y]]") == [("y", None, 1, False)]


def test_links_in_headings_lists_quotes_and_tables() -> None:
    body = (
        "# Heading [[H]]\n"  # 1
        "\n"
        "- item [[I]]\n"  # 3
        "  - nested [[N]]\n"  # 4
        "\n"
        "> quote [[Q]]\n"  # 6
        "\n"
        "| a | b |\n"
        "|---|---|\n"
        "| [[T]] | x |\n"  # 10
    )
    assert [(t, line) for t, _, line, _ in links(body)] == [
        ("H", 1),
        ("I", 3),
        ("N", 4),
        ("Q", 6),
        ("T", 10),
    ]


def test_line_numbers_count_from_the_file_start() -> None:
    data = b"---\ntype: person\nrole: x\n---\nfirst [[A]]\nsecond\nthird [[B]] [[C]]\n"
    note = parse_note("n.md", data)
    assert note.body_line == 5
    assert [(link.target, link.line) for link in note.links] == [("A", 5), ("B", 7), ("C", 7)]


def test_line_numbers_with_bom_and_crlf() -> None:
    data = "\ufeff---\r\ntype: person\r\n---\r\n\r\nx [[A]]\r\n`[[B]]`\r\n[[C]]".encode()
    note = parse_note("n.md", data)
    assert note.bom and note.newline == "\r\n"
    assert note.meta == {"type": "person"}
    assert [(link.target, link.line) for link in note.links] == [("A", 5), ("C", 7)]


def test_links_inside_vaultkit_regions_are_not_the_users() -> None:
    region = block("backlinks", "- [[Generated]]\n", "\n")
    data = f"---\ntype: person\n---\n[[Mine]]\n\n{region}\n[[After]]\n".encode()
    note = parse_note("n.md", data)
    assert [(link.target, link.line) for link in note.links] == [("Mine", 4), ("After", 9)]
    assert len(note.regions) == 1 and not note.regions[0].edited


def test_tasks_and_sections() -> None:
    data = (
        b"---\ntype: meeting\n---\n## Questions\n- What is a normal week?\n  - sub\n"
        b"- [ ] not a question but an item\n\n## Notes\n- [x] Sent it \xe2\x9c\x85 2026-11-11\n"
        b"- [ ] Follow up \xf0\x9f\x93\x85 2026-11-12\n"
    )
    note = parse_note("m.md", data)
    questions = note.section("questions")
    assert questions is not None and questions.line == 4
    assert questions.items == ("What is a normal week?", "not a question but an item")
    assert [(t.line, t.done, t.text) for t in note.tasks] == [
        (7, False, "not a question but an item"),
        (10, True, "Sent it ✅ 2026-11-11"),
        (11, False, "Follow up 📅 2026-11-12"),
    ]


def test_front_matter_boundaries() -> None:
    # "----" is not a boundary; a body "---" later is a thematic break, not front-matter.
    note = parse_note("n.md", b"---\na: 1\n---\nbody\n---\nmore\n")
    assert note.meta == {"a": 1} and note.body_line == 4
    assert parse_note("n.md", b"no front-matter\n---\na: 1\n---\n").meta == {}
    with pytest.raises(NoteError) as exc:
        parse_note("n.md", b"---\na: 1\n----\nbody\n")
    assert exc.value.line == 1 and "never closed" in exc.value.message


def test_front_matter_must_be_a_mapping() -> None:
    with pytest.raises(NoteError) as exc:
        parse_note("n.md", b"---\n- a\n- b\n---\n")
    assert exc.value.line == 2


def test_not_utf8_names_the_line() -> None:
    with pytest.raises(NoteError) as exc:
        parse_note("n.md", b"---\na: 1\n---\nline 4\ncaf\xe9 line 5\n")
    assert exc.value.line == 5 and "UTF-8" in exc.value.message


def test_nul_bytes_are_refused() -> None:
    with pytest.raises(NoteError):
        parse_note("n.md", b"text\x00more")


# -- regions -----------------------------------------------------------------------------


def test_region_hash_and_edits() -> None:
    text = "before\n" + block("backlinks", "- a\n", "\n") + "\nafter\n"
    regions, problem, _ = find_regions(text, "n.md")
    assert problem is None
    (region,) = regions
    assert region.line == 2 and text[region.content_start : region.content_end] == "- a\n"
    assert region.recorded_hash == content_hash("- a\n")
    # As vaultkit wrote it, a region nothing reads keeps only its hashes ...
    assert region.content is None and not region.edited
    # ... an edited one keeps its text (a conflict note shows it), and so do the
    # regions whose text is read (follow-ups: their tasks and ticks).
    edited, _, _ = find_regions(text.replace("- a", "- b"), "n.md")
    assert edited[0].edited and edited[0].text == "- b\n"
    tasks = "before\n" + block("followups", "- [ ] a\n", "\n") + "\n"
    (followups,) = find_regions(tasks, "n.md")[0]
    assert not followups.edited and followups.text == "- [ ] a\n"


def test_region_hash_ignores_crlf() -> None:
    text = "x\r\n" + block("backlinks", "- a\n- b\n", "\r\n") + "\r\n"
    (region,), problem, _ = find_regions(text, "n.md")
    assert problem is None and not region.edited


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("<!-- vaultkit:begin backlinks 0123456789abcdef -->\nx\n", 1, "no end marker"),
        ("x\n<!-- vaultkit:end backlinks -->\n", 2, "ends without a beginning"),
        ("<!-- vaultkit:begin backlinks zz -->\n", 1, "damaged"),
        (
            "<!-- vaultkit:begin a 0123456789abcdef -->\n<!-- vaultkit:end b -->\n",
            2,
            "ends with the marker",
        ),
    ],
)
def test_damaged_regions(text: str, line: int, what: str) -> None:
    regions, problem, at = find_regions(text, "n.md")
    assert regions == () and problem is not None and what in problem and at == line


def test_the_parser_has_the_wikilink_rule() -> None:
    assert "wikilink" in markdown().inline.ruler.get_active_rules()


def test_only_the_sections_vaultkit_reads_are_kept() -> None:
    data = b"## Questions\n- Why?\n\n## Agenda\n- One\n\n## NOTES\nText.\n### Deeper\nMore.\n"
    note = parse_note("m.md", data)
    assert [s.title for s in note.sections] == ["Questions", "NOTES"]
    notes = note.section("notes")
    assert notes is not None and notes.text == "Text. Deeper More." and not notes.blank
    assert note.section("agenda") is None


def test_the_regions_whose_text_is_read_are_the_ones_kept() -> None:
    from vaultkit import conflicts, followups
    from vaultkit.parse import CONTENT_READ

    assert {followups.REGION, conflicts.REGION} == CONTENT_READ


def test_whether_a_region_was_edited_is_decided_once_when_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A tick in a follow-up line is not an edit, a changed line is; the answer is part
    of the parse (kept in the cache with it), so reading it later normalises nothing."""
    import pickle

    from vaultkit import normalisers

    line = "- [ ] Send a thank-you note 🆔 fu-0123abcd 📅 2026-11-12\n"
    written = block("followups", line, "\n")
    ticked = parse_note("m.md", written.replace("[ ]", "[x]").encode())
    changed = parse_note("m.md", written.replace("thank-you", "long").encode())

    def boom(content: str) -> str:
        raise AssertionError("normalised again after the parse")

    monkeypatch.setitem(normalisers.NORMALISERS, "followups", boom)
    for note, edited in ((ticked, False), (changed, True)):
        region = note.region("followups")
        assert region is not None and region.edited is edited
        back = pickle.loads(pickle.dumps(note)).region("followups")
        assert back is not None and back.edited is edited


# -- what a note says: the same whatever the length of a region in it ---------------------

_LINES = [
    "Plain words and [[Ann]].",
    "- a list item with [[Acme|the firm]]",
    "  - a nested one [[Bo]]",
    "    indented four: [[Code Or Not]]",
    "        indented eight [[Deep]]",
    "> a quote with ![[pic.png]]",
    "```",
    "## A heading [[Cy]]",
    "1. numbered [[Di]]",
    "-",
    "<div>",
    "html [[Ed]]",
    "</div>",
    "Text right under",
    "===",
    "",
]


def _region(lines: int, name: str = "backlinks") -> str:
    body = "".join(f"- [[Region Link {n}]]\n" for n in range(lines))
    return block(name, body, "\n") + "\n"


@given(
    before=st.lists(st.sampled_from(_LINES), max_size=8),
    after=st.lists(st.sampled_from(_LINES), max_size=8),
    lengths=st.tuples(st.integers(0, 6), st.integers(0, 6)),
)
def test_a_region_of_another_length_says_the_same(
    before: list[str], after: list[str], lengths: tuple[int, int]
) -> None:
    """The model reads a note's front-matter and its links' targets, aliases and embeds
    (never their lines): a region in the middle of a note that grew or shrank (the
    network map's, a prep sheet's) changes none of these, so ``said`` stays too."""
    front = "---\ntype: person\n---\n"
    parses = []
    for length in lengths:
        text = front + "".join(f"{line}\n" for line in before) + _region(length)
        text += "".join(f"{line}\n" for line in after)
        parses.append(parse_note("p.md", text.encode()))
    one, two = parses
    assert one.said == two.said
    assert [(k.target, k.alias, k.embed) for k in one.links] == [
        (k.target, k.alias, k.embed) for k in two.links
    ]
    assert one.meta == two.meta


def test_what_a_note_says_still_changes_with_its_words() -> None:
    text = "Before [[Ann]]\n" + _region(2) + "After [[Bo]]\n"
    said = parse_note("p.md", text.encode()).said
    for other in (
        text.replace("After", "Later"),
        "Before [[Ann]]\nAfter [[Bo]]\n" + _region(2),  # the words on the other side
        "Before [[Ann]]\n" + _region(2) + _region(1, "followups") + "After [[Bo]]\n",
    ):
        assert parse_note("p.md", other.encode()).said != said
    # A region added after the last words, or trailing line breaks: the same.
    assert parse_note("p.md", (text + "\n" + _region(3, "followups")).encode()).said == said
    assert parse_note("p.md", (text + "\n\n").encode()).said == said


def test_a_heading_inside_a_list_item_does_not_end_the_section() -> None:
    """``\\t# x`` under a list item is a heading of that item (as Obsidian shows it), so
    the ``## Notes`` section goes on past it (found by the prep sheets' property test)."""
    data = b"---\ntype: meeting\n---\n## Notes\n- item\n\t# inner\nmore\n## Next\n"
    section = parse_note("m.md", data).section("Notes")
    assert section is not None and "inner" in section.text and "more" in section.text


_MARKER_BITS = (
    "<!-- vaultkit:begin",
    "<!-- vaultkit:end",
    "<!-- vaultkit:off",
    "<!-- vaultkit:",
    " backlinks 0123456789abcdef -->",
    " x -->",
    "_",
    "s",
    "é",
    "1",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "-->",
    "text",
)


@given(st.lists(st.sampled_from(_MARKER_BITS), max_size=30))
def test_marker_lines_are_the_lines_the_marker_pattern_finds(bits: list[str]) -> None:
    """The literal search finds exactly the lines the anchored pattern did: at a line
    start only, ``begin`` or ``end`` as a whole word, up to the line break."""
    text = "".join(bits)
    assert list(marker_lines(text)) == [(m.start(), m.group(0)) for m in _ANY_MARKER.finditer(text)]


def test_a_marker_word_must_end_where_the_pattern_says() -> None:
    found = [
        line
        for _, line in marker_lines(
            "<!-- vaultkit:beginning\n<!-- vaultkit:end_\n<!-- vaultkit:endé\n"
            " <!-- vaultkit:end x -->\n<!-- vaultkit:end x -->\r\n<!-- vaultkit:begin"
        )
    ]
    assert found == ["<!-- vaultkit:end x -->\r", "<!-- vaultkit:begin"]
