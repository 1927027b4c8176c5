"""Every link form of the note format resolves, in the basic fixture vault (through the core)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

from vaultkit import build

from .conftest import TODAY

ZOE = unicodedata.normalize("NFD", "People/Zoë Müller.md")


def test_fixture_file_name_is_nfd(basic_vault: Path) -> None:
    names = {p.name for p in (basic_vault / "People").iterdir()}
    assert unicodedata.normalize("NFD", "Zoë Müller.md") in names
    assert unicodedata.normalize("NFC", "Zoë Müller.md") not in names


def test_every_link_form_resolves(basic_vault: Path) -> None:
    loaded = build.load(basic_vault, dt.date.fromisoformat(TODAY))
    vault = loaded.vault
    assert loaded.problems == []
    jane = vault.people["People/Jane Doe.md"]
    zoe = vault.people[ZOE]
    sam = vault.people["People/Sam Lee.md"]
    # "[[Acme Corp]]"
    assert jane.company is not None and jane.company.target == "Companies/Acme Corp.md"
    # unquoted [[Zoë Müller]] (YAML: a list in a list), NFC link to an NFD file name
    assert jane.introduced_by is not None and jane.introduced_by.target == ZOE
    # flow list with a path-qualified, aliased link
    assert [r.target for r in jane.previous_companies] == ["Companies/Globex.md"]
    # plain text, other case
    assert zoe.company is not None and zoe.company.target == "Companies/Acme Corp.md"
    # block list of a plain alias of a company
    assert [r.target for r in zoe.previous_companies] == ["Companies/Globex.md"]
    # plain alias of a company; plain alias of a person in lower case
    assert sam.company is not None and sam.company.target == "Companies/Globex.md"
    assert sam.introduced_by is not None and sam.introduced_by.target == "People/Jane Doe.md"
    info = vault.meetings["Meetings/2026-11-10 Jane Doe informational.md"]
    # block list mixing a wikilink and a plain alias
    assert info.people == ("People/Jane Doe.md", "People/Sam Lee.md")
    assert info.company is not None and info.company.target == "Companies/Acme Corp.md"
    # a lower-case link in a flow list
    assert [r.target for r in info.referrals] == [ZOE]
    onsite = vault.meetings["Meetings/2026-12-01 Acme onsite.md"]
    assert onsite.people == (ZOE,)
    assert onsite.date == dt.date(2026, 12, 1) and onsite.time == "15:30"
    # no company in the front-matter: the person's current company
    assert onsite.company is not None and onsite.company.target == "Companies/Acme Corp.md"
    assert onsite.company_derived


def test_body_links_outside_code_count_as_mentions(basic_vault: Path) -> None:
    vault = build.load(basic_vault, dt.date.fromisoformat(TODAY)).vault
    ideas = "Notes/Ideas.md"
    # [[jane doe]] (case) and the embed ![[ACME CORP]]
    assert ideas in vault.mentions["People/Jane Doe.md"]
    assert ideas in vault.mentions["Companies/Acme Corp.md"]
    # [[ACME]] is an alias
    assert ZOE in vault.mentions["Companies/Acme Corp.md"]
    # a code span, a fenced block and an indented block are not links
    assert ideas not in vault.mentions.get("People/Sam Lee.md", [])
    assert "Companies/Globex.md" not in vault.mentions
    targets = [link.target for link in vault.notes[ideas].links]
    assert targets == ["jane doe", "ACME CORP"]


def test_company_meetings_name_it_or_are_held_with_its_people(basic_vault: Path) -> None:
    vault = build.load(basic_vault, dt.date.fromisoformat(TODAY)).vault
    info = "Meetings/2026-11-10 Jane Doe informational.md"
    onsite = "Meetings/2026-12-01 Acme onsite.md"
    # Named in the meeting (info), or the company of its people (onsite, via Zoë).
    assert vault.meetings_of_company["Companies/Acme Corp.md"] == [onsite, info]
    # Held with Sam, who works at Globex, though the meeting names Acme.
    assert vault.meetings_of_company["Companies/Globex.md"] == [info]
    # Newest first on the people's side too.
    assert vault.meetings_of_person[ZOE] == [onsite]
    assert vault.meetings_of_person["People/Jane Doe.md"] == [info]
