"""Unit tests of the strict, read-only front-matter loader."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from typing import Any

import pytest

from vaultkit.errors import NoteError
from vaultkit.parse import parse_note
from vaultkit.yamlsafe import MAX_FRONTMATTER_CHARS, load_yaml


def load(text: str) -> Any:
    data, _ = load_yaml(text, "n.md", first_line=2)
    return data


def error(text: str) -> NoteError:
    with pytest.raises(NoteError) as exc:
        load_yaml(text, "n.md", first_line=2)
    return exc.value


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("country: NO", "NO"),
        ("answer: yes", "yes"),
        ("light: on", "on"),
        ("flag: Off", "Off"),
        ("time: 10:00", "10:00"),
        ("long: 1:30:00", "1:30:00"),
        ("zip: 01234", "01234"),
        ("octal: 0o17", "0o17"),
        ("hex: 0x1F", "0x1F"),
        ("big: 1_000", "1_000"),
        ("inf: .inf", ".inf"),
        ("version: 1.10", 1.1),
        ("days: 60", 60),
        ("minus: -3", -3),
        ("done: true", True),
        ("done: False", False),
        ("empty:", None),
        ("date: 2026-11-10", dt.date(2026, 11, 10)),
        ("date: 2026-11-10 15:30:00", dt.datetime(2026, 11, 10, 15, 30)),
        ("date: 2026-11-10T15:30", "2026-11-10T15:30"),
        ("date: 2026-02-30", "2026-02-30"),  # crashed the run (ValueError)
        ("date: 2026-13-01", "2026-13-01"),
        ("date: 2026-11-10 25:00:00", "2026-11-10 25:00:00"),
        ("date: !!timestamp soon", "soon"),  # crashed the run (AttributeError)
        ('company: "[[Acme Corp]]"', "[[Acme Corp]]"),
        ("company: [[Acme Corp]]", [["Acme Corp"]]),
    ],
)
def test_scalars_stay_what_obsidian_shows(source: str, value: Any) -> None:
    key = source.split(":", 1)[0]
    got = load(source + "\n")[key]
    assert got == value and type(got) is type(value)


def test_key_lines() -> None:
    _, lines = load_yaml("a: 1\n\nb:\n  - x\nc: 3\n", "n.md", first_line=2)
    assert lines == {"a": 2, "b": 4, "c": 6}


def test_duplicate_key_is_an_error_with_its_line() -> None:
    exc = error("type: person\nrole: x\ncompany: A\nrole: y\n")
    assert exc.line == 5
    assert "duplicate key 'role'" in exc.message
    assert str(exc).startswith("n.md:5: ")


def test_duplicate_key_in_a_nested_mapping() -> None:
    exc = error("a:\n  x: 1\n  x: 2\n")
    assert exc.line == 4 and "duplicate key 'x'" in exc.message


@pytest.mark.parametrize(
    "source",
    [
        "x: !!python/object/apply:os.system ['echo pwned']\n",
        "!!python/object/apply:os.system ['echo pwned']\n",
        "x: !!python/name:os.system\n",
        "x: !!python/object:collections.OrderedDict {}\n",
        "x: !custom thing\n",
    ],
)
def test_python_and_unknown_tags_are_refused(source: str) -> None:
    exc = error(source)
    assert "not allowed" in exc.message
    assert exc.line == 2


def test_alias_bomb_is_refused() -> None:
    # Nine levels of nine aliases: 9**9 values if expanded. Refused before expansion;
    # the thread only guards the suite against hanging if that ever regresses.
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    names = "abcdefghi"
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            load(text)
            outcome.append(None)
        except BaseException as exc:  # reported below
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert outcome, "the alias bomb was not refused"
    exc = outcome[0]
    assert isinstance(exc, NoteError), exc
    assert "too many values" in exc.message


def test_small_aliases_are_fine() -> None:
    assert load("base: &b [x, y]\ncopy: *b\n") == {"base": ["x", "y"], "copy": ["x", "y"]}


@pytest.mark.parametrize(
    "source",
    [
        "x: " + "[" * 100_000 + "]" * 100_000 + "\n",  # crashed the process (libyaml)
        "x: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n",
        "- " * 100_000 + "y\n",
        "x: " + "[" * 100_000 + "\n",
    ],
)
def test_deep_nesting_is_an_error_not_a_crash(source: str) -> None:
    exc = error("a: 1\n" + source)
    assert exc.line == 3 and "nested too deeply" in exc.message


def test_ordinary_nesting_is_fine() -> None:
    source = "a: [1, {b: [2, [3, [4]]]}]\nc:\n  - - x\n    - y\nd: |\n        indented code\n"
    assert load(source)["a"] == [1, {"b": [2, [3, [4]]]}]
    rule = "-" * 300
    assert load(f"notes: |\n  {rule}\n  text\n")["notes"] == f"{rule}\ntext\n"


def test_too_large_front_matter() -> None:
    exc = error("x: '" + "a" * MAX_FRONTMATTER_CHARS + "'\n")
    assert "too large" in exc.message


@pytest.mark.parametrize(
    ("data", "line"),
    [
        # mapping values where none are allowed: the line itself
        (b"---\ntype: person\nrole: a: b\nemail: x\n---\n", 3),
        # an unclosed [ list, { mapping or quote: the line where it opens
        (b"---\ntype: person\ncompany: [Acme\nemail: x\n---\n", 3),
        (b"---\ntype: person\ncompany: {a: 1\nemail: x\n---\n", 3),
        (b'---\ntype: person\nrole: "Designer\nemail: x\n---\n', 3),
        # stopped at the end of the front-matter: its last line, not the closing ---
        (b"---\ntype: person\nrole: [\n---\n", 3),
        # bad indentation
        (b"---\ntype: person\n  role: x\n---\n", 3),
        # a tab where YAML wants spaces
        (b"---\ntype: person\nwith:\n\t- x\n---\n", 4),
    ],
)
def test_yaml_errors_name_the_file_line(data: bytes, line: int) -> None:
    with pytest.raises(NoteError) as exc:
        parse_note("n.md", data)
    assert exc.value.line == line, exc.value
    assert exc.value.code == "yaml"


@pytest.mark.parametrize("source", ["x: !!int abc\n", "x: !!float abc\n"])
def test_values_yaml_cannot_build_are_errors_not_crashes(source: str) -> None:
    exc = error(source)
    assert exc.code == "yaml" and exc.line == 2
