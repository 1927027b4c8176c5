"""The fast front-matter reader gives exactly what the strict loader gives, or steps aside."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate_vault import generate
from vaultkit.errors import NoteError
from vaultkit.fastyaml import read_simple
from vaultkit.parse import _HANDLER, decode
from vaultkit.yamlsafe import HAS_LIBYAML, load_yaml

SCALARS = [
    "Jane Doe",
    "Staff Product Designer",
    "https://www.linkedin.com/in/example",
    "jane@example.com",
    "2026-11-10",
    "2026-13-45",
    "2026-11-10 15:30",
    "2026-11-10T15:30",
    "2026-11-10 15:30:00",
    "10:00",
    "01234",
    "0",
    "42",
    "+7",
    "-3",
    "1.5",
    ".5",
    "1.",
    "1e5",
    "1_000",
    "0x1F",
    ".inf",
    "yes",
    "NO",
    "on",
    "true",
    "True",
    "tRue",
    "FALSE",
    "null",
    "Null",
    "~",
    "",
    "C#",
    "a #comment",
    "a: b",
    "ends:",
    "O'Connor",
    'say "hi"',
    "[[Jane Doe]]",
    "Zoë Müller",
    "Cafe\u0301",
    "a\u00a0b",
    "<<",
    "=",
    "&anchor x",
    "*alias",
    "!tag x",
    "|",
    ">",
    "%x",
    "@x",
    "`x`",
    "?x",
    "- x",
    "{a: b}",
    "x,y",
]
QUOTED = [
    '"[[Acme Corp]]"',
    '"[[Companies/Acme Corp|Acme]]"',
    "'[[Jane Doe]]'",
    '"2026-11-10 15:30"',
    '"yes"',
    '"a # b"',
    '"a: b"',
    '"esc\\"aped"',
    "'it''s'",
    '"unclosed',
    '"x" trailing',
    '""',
    "''",
]
KEYS = ["type", "company", "role", "with", "date", "aliases", "tags", "true", "null", "x-y", "_k"]


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


SAFE = [*SCALARS[:20], *QUOTED[:6]]
safe_values = st.one_of(
    st.sampled_from(SAFE), st.lists(st.sampled_from(SAFE), max_size=4).map(_flow)
)
risky_values = st.one_of(
    st.sampled_from(SCALARS + QUOTED),
    st.lists(st.sampled_from(SCALARS + QUOTED), max_size=4).map(_flow),
    st.sampled_from(["[a,, b]", "[a, b,]", "[ ]", "[]", '["x"]y', "[[Jane Doe]]", "[a] ]"]),
)


@st.composite
def value(draw: st.DrawFn) -> str:
    """Mostly values every reader agrees on, one time in five anything at all."""
    return draw(risky_values if draw(st.integers(0, 4)) == 0 else safe_values)


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    lines: list[str] = []
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True))
    if draw(st.integers(0, 20)) == 0:
        keys.append(keys[0])  # a duplicate key
    for key in keys:
        if draw(st.integers(0, 4)) == 0:
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", "  "]))
            for item in draw(st.lists(value().filter(lambda v: not v.startswith("[")))):
                lines.append(f"{indent}- {item}")
        else:
            lines.append(f"{key}: {draw(value())}".rstrip(" ") + draw(st.sampled_from(["", "  "])))
        if draw(st.integers(0, 12)) == 0:
            lines.append(draw(st.sampled_from(["  continued", "# comment", "", "\tx: 1", "-"])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline


def _full(text: str) -> tuple[Any, dict[str, int]] | str:
    try:
        return load_yaml(text, "n.md", 2, fast=False)
    except NoteError as exc:
        return f"error: {exc}"


def _same(fast: tuple[dict[str, Any], dict[str, int]], full: Any) -> None:
    assert not isinstance(full, str), full
    assert fast == full
    # Equal is not enough: 1 == 1.0 == True, and a date must stay a date.
    assert [type(v) for v in fast[0].values()] == [type(v) for v in full[0].values()]
    for a, b in zip(fast[0].values(), full[0].values(), strict=True):
        if isinstance(a, list):
            assert [type(x) for x in a] == [type(x) for x in b]


@settings(max_examples=500, deadline=None)
@given(front_matter())
def test_fast_reader_matches_strict_loader(text: str) -> None:
    fast = read_simple(text, 2)
    if fast is not None:
        _same(fast, _full(text))


def test_fast_reader_answers_for_generated_vault_and_agrees(tmp_path: Path) -> None:
    generate(tmp_path, 200, 5)
    answered = total = 0
    for path in sorted(tmp_path.rglob("*.md")):
        text, _ = decode(path.read_bytes(), str(path))
        split = _HANDLER.split_exact(text, str(path))
        if split is None:
            continue
        total += 1
        fast = read_simple(split[0], 2)
        if fast is not None:
            answered += 1
            _same(fast, _full(split[0]))
    assert answered >= 0.9 * total


def test_typical_values() -> None:
    text = 'type: meeting\ndate: 2026-11-10\nwith: ["[[Jane Doe]]", Sam]\nduration: 30\n'
    data, lines = read_simple(text, 2) or ({}, {})
    assert data == {
        "type": "meeting",
        "date": dt.date(2026, 11, 10),
        "with": ["[[Jane Doe]]", "Sam"],
        "duration": 30,
    }
    assert lines == {"type": 2, "date": 3, "with": 4, "duration": 5}
    assert read_simple("a: 1\na: 2\n", 2) is None  # duplicates: the strict loader reports them


def test_c_loader_is_used() -> None:
    """PyYAML's wheels carry libyaml; without it every note costs about 5x more."""
    assert HAS_LIBYAML


@pytest.mark.parametrize("raw", SCALARS + QUOTED)
@pytest.mark.parametrize(
    "shape", ["k: {}\n", "k: [{}]\n", "k: [a, {}, b]\n", "k:\n  - {}\n", "k:\n- {}\n", "{}: 1\n"]
)
def test_every_scalar_in_every_shape(raw: str, shape: str) -> None:
    text = shape.format(raw)
    fast = read_simple(text, 2)
    if fast is not None:
        _same(fast, _full(text))
