"""The watcher's quick rebuild: a model brought up to date equals one built afresh, and
the one-link scope holds every backlinks region a change can alter.

Edits are drawn by hypothesis over two vaults (the sample vault and a generated one):
front-matter values that name people and companies, plain fields (role, date, status,
kind) and body links, one to three notes at a time and several rounds in a row.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate_vault import generate
from vaultkit import build
from vaultkit.model import Kind, Vault, build_model, stem_of, update_model
from vaultkit.parse import Link, ParsedNote
from vaultkit.reach import adjacent, affected
from vaultkit.render import Templates

DAY = dt.date(2026, 11, 22)
SAMPLE = Path(__file__).resolve().parent.parent / "sample_vault"

FACTS = (
    "people",
    "companies",
    "meetings",
    "problems",
    "note_problems",
    "meetings_of_person",
    "meetings_of_company",
    "employees",
    "former_employees",
    "introduced",
    "referrals_made",
    "referred_by",
    "mentions",
)


@pytest.fixture(scope="module", params=["sample", "generated"])
def vault_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "sample":
        shutil.copytree(SAMPLE, root / "v")
    else:
        generate(root / "v", 160, seed=7)
    return root / "v"


@pytest.fixture(scope="module")
def loaded(vault_dir: Path) -> build.Loaded:
    return build.load(vault_dir, DAY)


def assert_same_model(got: Vault, want: Vault) -> None:
    for name in FACTS:
        assert getattr(got, name) == getattr(want, name), name
    assert list(got.notes) == list(want.notes)
    assert got.kinds == want.kinds


# -- edits ------------------------------------------------------------------------------

KEYS = (
    "company",
    "with",
    "referrals",
    "introduced_by",
    "previous_companies",
    "role",
    "date",
    "status",
    "kind",
    "keep_in_touch",
)


@st.composite
def edits(draw: st.DrawFn, notes: Mapping[str, ParsedNote]) -> dict[str, ParsedNote]:
    """One to three notes, each with a few front-matter values and body links changed."""
    paths = sorted(notes)
    names = [stem_of(p) for p in paths] + ["Nobody Known", "Acme, Globex"]
    name = st.sampled_from(names)
    values: dict[str, st.SearchStrategy[Any]] = {
        "company": name.map(lambda n: f"[[{n}]]"),
        "with": st.lists(name.map(lambda n: f"[[{n}]]"), max_size=3),
        "referrals": st.lists(name.map(lambda n: f"[[{n}]]"), max_size=3),
        "introduced_by": name,
        "previous_companies": st.lists(name, max_size=2),
        "role": st.sampled_from(["Designer", "Engineering Manager", None]),
        "date": st.sampled_from(["2026-10-01", "2026-12-24", "2027-01-05T10:30", "soon", None]),
        "status": st.sampled_from(["done", "planned", "cancelled", "maybe", None]),
        "kind": st.sampled_from(["job", "coffee chat", "informational", "party", None]),
        "keep_in_touch": st.sampled_from([30, 90, "often", None]),
    }
    changed: dict[str, ParsedNote] = {}
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True)):
        note = notes[path]
        meta = dict(note.meta)
        for key in draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True)):
            value = draw(values[key])
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
        links = list(note.links)
        if links and draw(st.booleans()):
            del links[draw(st.integers(0, len(links) - 1))]
        for target in draw(st.lists(name, max_size=3)):
            links.append(Link(target, None, 99))
        changed[path] = replace(note, meta=meta, link_data=tuple(links))
    return changed


def neighbours(vault: Vault) -> dict[str, set[str]]:
    """Which notes show something of which: every link of the model, both ways (the
    whole adjacency, which :func:`adjacent` must give note by note)."""
    adj: dict[str, set[str]] = defaultdict(set)

    def tie(a: str, b: str) -> None:
        adj[a].add(b)
        adj[b].add(a)

    for facts in (
        vault.mentions,
        vault.meetings_of_person,
        vault.meetings_of_company,
        vault.employees,
        vault.former_employees,
        vault.introduced,
    ):
        for a, bs in facts.items():
            for b in bs:
                tie(a, b)
    for target, pairs in vault.referred_by.items():
        for attendee, meeting in pairs:
            tie(target, attendee)
            tie(target, meeting)
    return dict(adj)


def full(vault: Vault, changed: Mapping[str, ParsedNote]) -> Vault:
    notes = {**vault.notes, **changed}
    return build_model(notes, vault.config, vault.today)


def backlinks(root: Path, vault: Vault) -> dict[str, str]:
    """Every backlinks region the vault would get, by note."""
    loaded = build.Loaded(root, vault.config, vault, {}, set(), [])
    templates = Templates(root, vault.config.templates_folder)
    return {o.path: o.content for o in build.backlink_outputs(loaded, templates)}


PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(data=st.data())
def test_update_model_equals_a_full_build_round_after_round(
    loaded: build.Loaded, data: st.DataObject
) -> None:
    vault = loaded.vault
    for _ in range(3):
        changed = data.draw(edits(vault.notes))
        got = update_model(vault, changed)
        want = full(vault, changed)
        if got is None:
            # Only a change of how names resolve refuses: a kind or the aliases.
            assert any(want.kinds[p] != vault.kinds[p] for p in changed) or any(
                changed[p].meta.get("aliases") != vault.notes[p].meta.get("aliases")
                for p in changed
            )
            return
        assert_same_model(got, want)
        vault = got


def test_update_model_refuses_a_new_kind_an_alias_or_an_unknown_note(
    loaded: build.Loaded,
) -> None:
    vault = loaded.vault
    person = next(p for p, k in vault.kinds.items() if k == Kind.PERSON)
    note = vault.notes[person]
    retyped = replace(note, meta={**note.meta, "type": "company"})
    assert update_model(vault, {person: retyped}) is None
    aliased = replace(note, meta={**note.meta, "aliases": ["Someone Else"]})
    assert update_model(vault, {person: aliased}) is None
    assert update_model(vault, {"People/New Person.md": replace(note, path="x")}) is None
    same = update_model(vault, {person: note})
    assert same is not None
    assert_same_model(same, vault)
    assert same.notes is not vault.notes  # the old model is left as it was


@PROPERTY
@given(data=st.data())
def test_adjacent_is_the_row_of_neighbours(loaded: build.Loaded, data: st.DataObject) -> None:
    vault = loaded.vault
    changed = data.draw(edits(vault.notes))
    edited = update_model(vault, changed) or full(vault, changed)
    for model in (vault, edited):
        rows = neighbours(model)
        for path in model.notes:
            assert adjacent(model, path) - {path} == rows.get(path, set()) - {path}, path


@PROPERTY
@given(data=st.data())
def test_the_scope_holds_every_region_a_change_alters(
    vault_dir: Path, loaded: build.Loaded, data: st.DataObject
) -> None:
    vault = loaded.vault
    before = backlinks(vault_dir, vault)
    changed = data.draw(edits(vault.notes))
    edited = update_model(vault, changed)
    if edited is None:
        return
    after = backlinks(vault_dir, edited)
    scope = affected(vault, edited, list(changed))
    assert scope is not None
    altered = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert altered <= scope, altered - scope
    # And no wider than the model's links: not the whole vault.
    assert len(scope) < len(vault.notes)
