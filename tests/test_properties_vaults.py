"""Property tests of the promises: generated vaults, and the parser fed arbitrary bytes."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit import build
from vaultkit.errors import NoteError
from vaultkit.parse import decode, find_regions, parse_note
from vaultkit.plan import block

pytestmark = pytest.mark.faults

TODAY = dt.date(2026, 11, 22)
PEOPLE = ["Jane Doe", "Sam Lee", "Zoë Martín", "Ana"]
COMPANIES = ["Acme", "Globex"]

# Text a user might type: any characters but the ones that end a line.
words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
    max_size=40,
)
link = st.sampled_from(PEOPLE + COMPANIES + ["Nobody", "../../x"]).map(lambda n: f"[[{n}]]")
line = st.one_of(
    words,
    link,
    st.builds(lambda w, target: f"{w} {target}", words, link),
    st.builds(lambda w: f"- [ ] {w}", words),
    st.builds(lambda w: f"- [x] {w} 📅 2026-11-30", words),
    st.sampled_from(["```", "`[[Jane Doe]]`", "## Notes", "## Questions", "---", "", "  "]),
    st.sampled_from(["<!-- vaultkit:", "<!-- vaultkit:off backlinks -->", "<<<<<<<"]),
)


@st.composite
def region_lines(draw: st.DrawFn, newline: str) -> str:
    """An existing backlinks region: as vaultkit wrote it, or edited by hand since."""
    content = "\n".join(draw(st.lists(words, max_size=3)))
    text = block("backlinks", content, newline)
    if draw(st.booleans()):  # edited by hand
        text = text.replace(
            newline + "<!-- vaultkit:end", newline + "mine" + newline + "<!-- vaultkit:end"
        )
    return text


@st.composite
def note(draw: st.DrawFn, kind: str) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = []
    if draw(st.booleans()):
        meta: dict[str, object] = {"type": kind}
        if kind == "person" and draw(st.booleans()):
            meta["company"] = f"[[{draw(st.sampled_from(COMPANIES))}]]"
        if kind == "meeting":
            meta["date"] = draw(st.sampled_from(["2026-11-10", "2026-12-01", "soon"]))
            meta["with"] = [f"[[{p}]]" for p in draw(st.lists(st.sampled_from(PEOPLE), max_size=3))]
        if draw(st.booleans()):
            meta["extra"] = draw(words)
        lines += ["---", *(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items())]
        if draw(st.booleans()):
            lines.append(draw(words))  # maybe broken YAML
        lines.append("---")
    lines += draw(st.lists(line, max_size=8))
    if draw(st.booleans()):
        lines.append(draw(region_lines(newline)))
        lines += draw(st.lists(line, max_size=3))
    text = newline.join(lines)
    if draw(st.booleans()):
        text += newline
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode("utf-8")


vault_strategy = st.fixed_dictionaries(
    {
        **{f"People/{p}.md": note("person") for p in PEOPLE},
        **{f"Companies/{c}.md": note("company") for c in COMPANIES},
        "Meetings/2026-11-10 Coffee.md": note("meeting"),
        "Meetings/2026-12-01 Call.md": note("meeting"),
        "Notes/Journal.md": note("note"),
    }
)


def without_regions(data: bytes, path: str) -> tuple[str, list[str]]:
    """The user's text with vaultkit's regions cut out, and the edited regions' text."""
    text, bom = decode(data, path)
    regions, problem, _ = find_regions(text, path)
    if problem:
        return ("\ufeff" if bom else "") + text, []
    out, pos, edited = [], 0, []
    for region in regions:
        out.append(text[pos : region.start])
        if region.edited:
            edited.append(text[region.start : region.end])
        pos = region.end
    out.append(text[pos:])
    return ("\ufeff" if bom else "") + "".join(out), edited


def files_of(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*.md"))
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(vault_strategy)
def test_regen_keeps_user_bytes_and_settles(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        build.regen(root, TODAY)
        first = files_of(root)
        for rel, data in files.items():
            new = first[rel][0]
            if new == data:
                continue
            try:
                mine, edited = without_regions(data, rel)
            except NoteError:
                pytest.fail(f"{rel}: an unreadable note was written")
            after, edited_after = without_regions(new, rel)
            assert after.startswith(mine), rel
            assert set(after[len(mine) :]) <= {"\r", "\n"}, rel  # only line breaks added
            assert edited == edited_after, rel  # hand-edited regions untouched
        second = build.regen(root, TODAY)
        assert second.written == []
        assert files_of(root) == first


# --- the parser on arbitrary input -------------------------------------------------------

fragments = st.sampled_from(
    [
        b"---\n",
        b"---\r\n",
        b"\xef\xbb\xbf",
        b"key: value\n",
        b"a: &x [1, 2]\nb: *x\n",
        b"!!python/object:os.system\n",
        b"[[Jane Doe]]",
        b"`code`",
        b"```\n",
        b"- [ ] task\n",
        b"## Notes\n",
        b"<!-- vaultkit:begin backlinks 0123456789abcdef -->\n",
        b"<!-- vaultkit:end backlinks -->\n",
        b"<!-- vaultkit:off backlinks -->\n",
        b"\r\n",
        b"\n",
        b"\x00",
        b"\xff\xfe",
        b"{{",
        b"  - ",
    ]
)
arbitrary = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.one_of(fragments, st.binary(max_size=20)), max_size=60).map(b"".join),
)


@settings(max_examples=400, deadline=None)
@given(arbitrary)
def test_parse_note_never_crashes(data: bytes) -> None:
    try:
        note = parse_note("fuzz.md", data)
    except NoteError as exc:
        assert exc.path == "fuzz.md" and exc.message
        return
    assert note.size == len(data)
    for region in note.regions:
        assert 0 <= region.start < region.content_start <= region.content_end < region.end
