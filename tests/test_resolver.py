"""Unit tests of name resolution (model.Resolver) and of reading names from front-matter."""

from __future__ import annotations

import unicodedata

import pytest

from vaultkit.model import Kind, Resolver, link_target, values_of

NFD = unicodedata.normalize("NFD", "People/Zoë Müller.md")
PATHS = [
    "People/Jane Doe.md",
    "People/Sam Lee.md",
    NFD,
    "Companies/Acme Corp.md",
    "Companies/Globex.md",
    "Archive/People/Jane Doe.md",
    "Notes/Sam.md",
    "Notes/Sub/Deep Note.md",
]
KINDS = {
    "People/Jane Doe.md": Kind.PERSON,
    "People/Sam Lee.md": Kind.PERSON,
    NFD: Kind.PERSON,
    "Companies/Acme Corp.md": Kind.COMPANY,
    "Companies/Globex.md": Kind.COMPANY,
    "Archive/People/Jane Doe.md": Kind.NOTE,
    "Notes/Sam.md": Kind.NOTE,
    "Notes/Sub/Deep Note.md": Kind.NOTE,
}
ALIASES = {
    "People/Sam Lee.md": ["Sammy", "Sam"],
    NFD: ["Zoe"],
    "Companies/Acme Corp.md": ["Acme", "ACME Inc."],
    "Companies/Globex.md": ["Initech"],
    "People/Jane Doe.md": ["Initech"],  # shares an alias with a company
}


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(PATHS, ALIASES)


@pytest.mark.parametrize(
    ("raw", "target"),
    [
        ("Sam Lee", "People/Sam Lee.md"),
        ("[[Sam Lee]]", "People/Sam Lee.md"),
        ("sam LEE", "People/Sam Lee.md"),
        ("[[Sam Lee|Sammy boy]]", "People/Sam Lee.md"),
        ("[[Sam Lee#Work]]", "People/Sam Lee.md"),
        ("![[Sam Lee]]", "People/Sam Lee.md"),
        ("Sam Lee.md", "People/Sam Lee.md"),
        ("  [[ Sam Lee ]]  ", "People/Sam Lee.md"),
        ("Sammy", "People/Sam Lee.md"),  # alias
        ("sammy", "People/Sam Lee.md"),  # alias, other case
        ("Sam", "Notes/Sam.md"),  # a file name wins over an alias
        ("Zoë Müller", NFD),  # NFC name, NFD file
        (unicodedata.normalize("NFD", "zoë müller"), NFD),
        ("ZOË MÜLLER", NFD),
        ("zoe", NFD),
        ("acme inc.", "Companies/Acme Corp.md"),
        ("[[Companies/Acme Corp|Acme]]", "Companies/Acme Corp.md"),
        ("companies/acme corp", "Companies/Acme Corp.md"),
        ("Companies\\Acme Corp", "Companies/Acme Corp.md"),
        ("Archive/People/Jane Doe", "Archive/People/Jane Doe.md"),
        ("People/Jane Doe", "People/Jane Doe.md"),  # the shortest path that matches
        ("Sub/Deep Note", "Notes/Sub/Deep Note.md"),  # a trailing part of the path
    ],
)
def test_resolves(resolver: Resolver, raw: str, target: str) -> None:
    assert resolver.resolve(raw, KINDS).target == target


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "[[]]",
        "Nobody",
        "[[#Heading only]]",
        "../../x",
        "[[../../x]]",
        "../People/Jane Doe",
        "People/../People/Sam Lee",
        "/People/Sam Lee",
        "/etc/passwd",
        "../../etc/passwd",
        "a/b",
        "Other/Sam Lee",  # a folder that does not hold it
        "Lee",  # part of a name
    ],
)
def test_resolves_to_nothing(resolver: Resolver, raw: str) -> None:
    res = resolver.resolve(raw, KINDS)
    assert res.target is None and res.candidates == ()


def test_ambiguous_name_lists_candidates(resolver: Resolver) -> None:
    res = resolver.resolve("[[Jane Doe]]", KINDS)
    assert res.target is None
    assert res.candidates == ("Archive/People/Jane Doe.md", "People/Jane Doe.md")


def test_wanted_kind_breaks_a_tie(resolver: Resolver) -> None:
    assert resolver.resolve("Jane Doe", KINDS, Kind.PERSON).target == "People/Jane Doe.md"
    assert resolver.resolve("Initech", KINDS).candidates == (
        "Companies/Globex.md",
        "People/Jane Doe.md",
    )
    assert resolver.resolve("Initech", KINDS, Kind.COMPANY).target == "Companies/Globex.md"
    # No note of the wanted kind: still ambiguous.
    assert resolver.resolve("Jane Doe", KINDS, Kind.MEETING).target is None


def test_link_target() -> None:
    assert link_target("![[Companies/Acme Corp#History|Acme]]") == "Companies/Acme Corp"
    assert link_target("Jane Doe.MD") == "Jane Doe"
    assert link_target("  plain  ") == "plain"


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (None, []),
        ("", []),
        ("Acme Corp", ["Acme Corp"]),
        ("[[Acme Corp]]", ["[[Acme Corp]]"]),
        (["[[A]]", "B", "", None, True], ["[[A]]", "B"]),
        ([["Acme Corp"]], ["[[Acme Corp]]"]),  # unquoted [[Acme Corp]]
        ([["A"], ["B"]], ["[[A]]", "[[B]]"]),  # unquoted [[A]], [[B]]
        ([[["A"]]], ["[[A]]"]),
        (2024, ["2024"]),
        (True, []),
        ({"a": 1}, []),
    ],
)
def test_values_of(value: object, names: list[str]) -> None:
    assert values_of(value) == names
