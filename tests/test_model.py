"""Unit tests of the model built from parsed notes (no files)."""

from __future__ import annotations

import datetime as dt
import unicodedata

from vaultkit.config import Config
from vaultkit.model import Kind, Vault, build_model
from vaultkit.parse import parse_note

TODAY = dt.date(2026, 11, 22)


def model(notes: dict[str, str], config: Config | None = None) -> Vault:
    parsed = {path: parse_note(path, text.encode()) for path, text in notes.items()}
    return build_model(parsed, config or Config(), TODAY)


def test_kind_from_type_or_folder_at_any_depth_in_any_case() -> None:
    vault = model(
        {
            "Work/people/Ann.md": "x\n",
            "Work/PEOPLE/Meetings/M.md": "x\n",  # the deepest mapped folder wins
            "Companies/Co.md": "---\ntype: person\n---\n",  # type beats the folder
            "People/Memo.md": "---\ntype: memo\n---\n",  # any other type: ordinary
            "Notes/N.md": "x\n",
            "vaultkit/Prep.md": "---\ntype: person\n---\n",  # the output folder
        }
    )
    assert vault.kinds == {
        "Companies/Co.md": Kind.PERSON,
        "Notes/N.md": Kind.NOTE,
        "People/Memo.md": Kind.NOTE,
        "Work/PEOPLE/Meetings/M.md": Kind.MEETING,
        "Work/people/Ann.md": Kind.PERSON,
        "vaultkit/Prep.md": Kind.GENERATED,
    }


def test_configured_folders() -> None:
    config = Config(people_folders=("Contacts",), company_folders=("Orgs",))
    vault = model({"Contacts/A.md": "", "Orgs/B.md": "", "People/C.md": ""}, config)
    assert vault.kinds["Contacts/A.md"] == Kind.PERSON
    assert vault.kinds["Orgs/B.md"] == Kind.COMPANY
    assert vault.kinds["People/C.md"] == Kind.NOTE


def test_meeting_fields() -> None:
    vault = model(
        {
            "People/Jane Doe.md": "",
            "People/Sam Lee.md": "",
            "Companies/Acme, Inc.md": "",
            "Meetings/a.md": "---\nkind: Coffee chat\ndate: 2026-11-10\ntime: 3:30 pm\n"
            "with: Jane Doe, Sam Lee\ncompany: Acme, Inc\n---\n",
            "Meetings/2026-12-01 b.md": "---\nkind: job interview\nstatus: Canceled\n---\n",
            "Meetings/c.md": "---\nkind: informational\ndate: 2026-11-22 09:05\n---\n",
        }
    )
    a = vault.meetings["Meetings/a.md"]
    assert a.kind == "networking" and a.date == dt.date(2026, 11, 10) and a.time == "15:30"
    assert a.people == ("People/Jane Doe.md", "People/Sam Lee.md")  # split at commas
    assert a.company is not None and a.company.target == "Companies/Acme, Inc.md"  # not split
    assert a.status == "done"  # before today, no status
    b = vault.meetings["Meetings/2026-12-01 b.md"]
    assert b.kind == "job" and b.status == "cancelled"
    assert b.date == dt.date(2026, 12, 1)  # from the file name
    c = vault.meetings["Meetings/c.md"]
    assert (c.date, c.time, c.status) == (TODAY, "09:05", "planned")  # today: not yet held
    assert vault.problems == []


def test_meeting_problems_have_lines() -> None:
    vault = model(
        {
            "Meetings/x.md": "---\ntype: meeting\nkind: brunch\ndate: 2026-02-30\n"
            "status: maybe\n---\n",
            "Meetings/y.md": "---\ntype: meeting\n---\n",
        }
    )
    found = {(p.path, p.line, p.code) for p in vault.problems}
    assert found == {
        ("Meetings/x.md", 3, "bad-kind"),
        ("Meetings/x.md", 4, "bad-date"),
        ("Meetings/x.md", 5, "bad-status"),
        ("Meetings/y.md", 1, "no-date"),
        ("Meetings/y.md", 1, "no-kind"),
    }


def test_derived_facts() -> None:
    vault = model(
        {
            "People/Ann.md": "---\ncompany: Acme\nprevious_companies: [Globex]\n---\n",
            "People/Bob.md": "---\nintroduced_by: '[[Ann]]'\n---\n",
            "Companies/Acme.md": "",
            "Companies/Globex.md": "",
            "Meetings/2026-11-01 m.md": "---\nkind: casual\nwith: [[Ann]]\n"
            "referrals: ['[[Bob]]', Carol]\n---\n",
            "Notes/n.md": "[[Bob]] and `[[Ann]]`\n",
        }
    )
    assert vault.employees == {"Companies/Acme.md": ["People/Ann.md"]}
    assert vault.former_employees == {"Companies/Globex.md": ["People/Ann.md"]}
    assert vault.introduced == {"People/Ann.md": ["People/Bob.md"]}
    assert vault.referred_by == {"People/Bob.md": [("People/Ann.md", "Meetings/2026-11-01 m.md")]}
    made = vault.referrals_made["People/Ann.md"]
    assert [(r.label, r.target, m) for r, m in made] == [
        ("Bob", "People/Bob.md", "Meetings/2026-11-01 m.md"),
        ("Carol", None, "Meetings/2026-11-01 m.md"),
    ]
    assert vault.mentions == {"People/Bob.md": ["Notes/n.md"]}
    assert vault.last_contact("People/Ann.md") == dt.date(2026, 11, 1)
    assert vault.last_contact("People/Bob.md") is None


def test_folders_compare_in_nfc() -> None:
    config = Config(meeting_folders=("Réunions",), output_folder="Généré")
    nfd = unicodedata.normalize("NFD", "Réunions/x.md")
    generated = unicodedata.normalize("NFD", "Généré/y.md")
    vault = model({nfd: "", generated: "---\ntype: person\n---\n"}, config)
    assert vault.kinds == {nfd: Kind.MEETING, generated: Kind.GENERATED}
