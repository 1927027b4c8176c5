"""The fast body scanner gives exactly what markdown-it gives, or steps aside."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate_vault import generate
from vaultkit.fastbody import scan_body
from vaultkit.parse import _HANDLER, decode, parse_body

# Lines chosen to exercise every construct the scanner knows, and many it must refuse.
LINES = [
    "",
    "   ",
    "Plain text with [[Jane Doe]] and [[Acme Corp|Acme]].",
    "Embed ![[Diagram.png]] and escaped \\[[Not A Link]] and \\![[Half]].",
    "Code `[[Not Link]]` then [[Link]] and `` a ` [[b]] `` and ``` [[x]]",
    "An unclosed ` backtick [[After Tick]]",
    "closing ` here [[X]]",
    "[[Nested [[Inner]] ]] and [[ ]] and [[a\\|b]] [[#Heading]]",
    "[[Target#Section|Alias]] text [[Sam Lee]]",
    "## Questions",
    "## Notes ##",
    "### Deep [[Heading Link]] ###",
    "# Title #tag",
    "#tag not a heading [[T]]",
    "####### seven",
    "#",
    "- [ ] Send [[Jane Doe]] the article 📅 2026-11-12",
    "- [x] Done task ✅ 2026-11-11",
    "- plain item [[Item Link]]",
    "* star item",
    "+ plus item",
    "-not an item",
    "-- dashes text",
    "- ",
    "-",
    "---",
    "***",
    "* * *",
    "___",
    "===",
    "- - -",
    "- # heading in item",
    "- > quote in item",
    "- - nested",
    "  - indented item",
    "    indented code [[Code Link]]",
    "\tTabbed",
    "> quote [[Quoted]]",
    "<div>html [[Html]]</div>",
    "1. ordered [[One]]",
    "2) ordered",
    "2024 was a year [[Year]]",
    "[ref]: https://example.com",
    "[not a ref] text [[R]]",
    "[[Starts With Link]] text",
    "```",
    "```python",
    "``` info with ` tick",
    "~~~",
    "~~~~",
    "   ```",
    "    ```",
    "\t```",
    "**bold** [[Bold Link]]",
    "_under_ [[U]]",
    "\u00a0",
    "\u00a0text [[Nbsp]]",
    "text with trailing \\",
    "a line \\",
    "| table | [[Cell]] |",
    "=not setext",
    "+++",
]


def _compare(body: str) -> None:
    fast = parse_body(body, 5, fast=True)
    slow = parse_body(body, 5, fast=False)
    assert fast == slow, body


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=25), st.sampled_from(["\n", "\r\n"]))
def test_scanner_matches_markdown_it(lines: list[str], newline: str) -> None:
    _compare(newline.join(lines))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="[]!`\\#-* \n|aB~>1.:_", max_size=80))
def test_scanner_matches_markdown_it_on_noise(body: str) -> None:
    _compare(body)


def test_scanner_answers_for_generated_vault_and_agrees(tmp_path: Path) -> None:
    generate(tmp_path, 200, 3)
    answered = 0
    for path in sorted(tmp_path.rglob("*.md")):
        text, _ = decode(path.read_bytes(), str(path))
        split = _HANDLER.split_exact(text, str(path))
        body = text[split[1] :] if split else text
        if scan_body(body) is not None:
            answered += 1
        _compare(body)
    assert answered == len(list(tmp_path.rglob("*.md")))


def test_refuses_what_it_does_not_know() -> None:
    assert scan_body("> quote") is None
    assert scan_body("  - nested") is None
    assert scan_body("Title\n===") is None
    assert scan_body("a\rb") is None
    assert scan_body("- [ ] task [[A]]") == ([("A", None, 0, False)], [0], [])
