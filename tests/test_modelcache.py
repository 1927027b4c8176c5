"""The model kept between runs: taken back only when it is the model a fresh build
would give, whatever was edited since."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate_vault import generate
from vaultkit import build, modelcache
from vaultkit.cache import FileCache, vault_cache_dir
from vaultkit.cli import cli
from vaultkit.model import Vault, build_model
from vaultkit.parse import ParsedNote, parse_note

from .conftest import TODAY, tree
from .test_incremental import assert_same_model, edits

DAY = build.dt.date.fromisoformat(TODAY)
PERSON = "People/Amara Osei.md"


def _load(vault: Path) -> build.Loaded:
    cache = FileCache.open(vault.resolve())
    loaded = build.load(vault, DAY, cache=cache)
    cache.save()
    return loaded


def _regen(runner: CliRunner, vault: Path, *extra: str) -> None:
    result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY, *extra])
    assert result.exit_code in (0, 1), result.output


def test_a_run_keeps_its_model_outside_the_vault_and_the_next_takes_it(
    sample_vault: Path, runner: CliRunner
) -> None:
    _regen(runner, sample_vault)
    assert (vault_cache_dir(sample_vault.resolve()) / modelcache.MODEL_FILE).is_file()
    assert not any(p.name == modelcache.MODEL_FILE for p in sample_vault.rglob("*"))
    loaded = _load(sample_vault)
    assert loaded.model == "kept"  # the regions vaultkit wrote do not count
    fresh = build_model(loaded.vault.notes, loaded.config, DAY)
    assert_same_model(loaded.vault, fresh)
    assert loaded.problems == build.load(sample_vault, DAY).problems


def test_an_edit_brings_the_kept_model_up_to_date(
    sample_vault: Path, tmp_path: Path, runner: CliRunner
) -> None:
    _regen(runner, sample_vault)
    plain = tmp_path / "plain"
    shutil.copytree(sample_vault, plain)
    for vault in (sample_vault, plain):
        note = vault / PERSON
        note.write_text(
            note.read_text("utf-8").replace("role:", "role: Chief") + "\nSee [[Daniel Reyes]].\n",
            "utf-8",
        )
    loaded = _load(sample_vault)
    assert loaded.model == "updated"
    assert_same_model(loaded.vault, build.load(plain, DAY).vault)
    _regen(runner, sample_vault)
    _regen(runner, plain, "--no-cache")
    assert tree(sample_vault) == tree(plain)


@pytest.mark.parametrize("change", ["new note", "removed note", "new day", "config", "damaged"])
def test_the_model_is_built_afresh_when_it_cannot_be_taken(
    sample_vault: Path, runner: CliRunner, change: str
) -> None:
    _regen(runner, sample_vault)
    day = DAY
    if change == "new note":
        (sample_vault / "People" / "Zed New.md").write_text("---\ntype: person\n---\n", "utf-8")
    elif change == "removed note":
        (sample_vault / PERSON).unlink()
    elif change == "new day":
        day = DAY + build.dt.timedelta(days=1)
    elif change == "config":
        (sample_vault / "vaultkit.yaml").write_text("keep_in_touch_days: 30\n", "utf-8")
    else:
        (vault_cache_dir(sample_vault.resolve()) / modelcache.MODEL_FILE).write_bytes(b"junk")
    cache = FileCache.open(sample_vault.resolve())
    loaded = build.load(sample_vault, day, cache=cache)
    assert loaded.model == "built"
    assert_same_model(loaded.vault, build.load(sample_vault, day).vault)


def test_a_note_that_says_the_same_has_the_same_said_hash() -> None:
    text = "---\ntype: person\n---\nHello [[Ann]]\n- [ ] call\n"
    region = (
        "\n<!-- vaultkit:begin backlinks 0000000000000000 (generated: edit outside this "
        "block) -->\n- [[Somebody]]\n<!-- vaultkit:end backlinks -->\n"
    )
    said = parse_note("p.md", text.encode()).said
    assert said
    assert parse_note("p.md", (text + region).encode()).said == said  # vaultkit's region
    assert parse_note("p.md", (text + "\n\n").encode()).said == said  # trailing line breaks
    crlf = text.replace("\n", "\r\n")
    with_region = crlf + "\r\n" + region.lstrip("\n").replace("\n", "\r\n")
    assert parse_note("p.md", with_region.encode()).said == parse_note("p.md", crlf.encode()).said
    for other in (text.replace("Ann", "Anne"), text.replace("person", "company"), text + "x"):
        assert parse_note("p.md", other.encode()).said != said


# -- the property: a kept model taken back is a fresh build -------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, build.Loaded]:
    root = tmp_path_factory.mktemp("gen") / "v"
    generate(root, 160, seed=11)
    return root, build.load(root, DAY)


def _said_anew(changed: Mapping[str, ParsedNote]) -> dict[str, ParsedNote]:
    """The edited notes, as a parse of their new text would give them (a new ``said``)."""
    return {p: dataclasses.replace(n, said=n.said + "-edited") for p, n in changed.items()}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_kept_model_taken_back_equals_a_fresh_build(
    generated: tuple[Path, build.Loaded], data: st.DataObject
) -> None:
    root, loaded = generated
    vault: Vault = loaded.vault
    modelcache.keep(root.resolve(), vault)
    kept = modelcache.read(root.resolve(), vault.config, DAY)
    assert kept is not None
    changed = _said_anew(data.draw(edits(vault.notes)))
    notes = {**vault.notes, **changed}
    got = modelcache.reuse(kept, notes, vault.config, vault.notes.get)
    want = build_model(notes, vault.config, DAY)
    if got is None:  # only when names may resolve otherwise: a kind or the aliases
        assert any(want.kinds[p] != vault.kinds[p] for p in changed) or any(
            changed[p].meta.get("aliases") != vault.notes[p].meta.get("aliases") for p in changed
        )
        return
    model, before, since = got
    assert before and before.keys() <= changed.keys()
    assert since is not None and before.keys() <= since
    assert_same_model(model, want)
    assert model.problems == want.problems
    # Without the earlier parse of an edited note, nothing is taken.
    assert modelcache.reuse(kept, notes, vault.config, lambda p: None) is None


# -- a model brought up to date is kept as a delta beside it ----------------------------

COMPANY = "Companies/Northwind Health.md"


def _edit(vault: Path, rel: str, words: str) -> None:
    """Words at the top of the body (above vaultkit's regions, which stay at the end)."""
    note = vault / rel
    text = note.read_text("utf-8")
    end = text.index("\n---\n", 4) + len("\n---\n")
    note.write_text(f"{text[:end]}{words}\n{text[end:]}", "utf-8")


def _files(vault: Path) -> tuple[Path, Path]:
    folder = vault_cache_dir(vault.resolve())
    return folder / modelcache.MODEL_FILE, folder / modelcache.DELTA_FILE


def test_an_updated_model_is_kept_as_a_delta_and_taken_back_again(
    sample_vault: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """After an edit, the run keeps the earlier parses of what changed beside the model it
    read (not the whole model again); the runs after take that model up to date from
    them, equal to a fresh build, and write what a run without any cache writes."""
    _regen(runner, sample_vault)
    model_file, delta_file = _files(sample_vault)
    whole = model_file.read_bytes()
    plain = tmp_path / "plain"
    shutil.copytree(sample_vault, plain)
    for step, (rel, words) in enumerate(
        [
            (PERSON, "Met [[Daniel Reyes]] too."),
            (PERSON, "And [[Northwind Health]]."),  # the same note again
            (COMPANY, "See [[Amara Osei]]."),  # and another
        ]
    ):
        for vault in (sample_vault, plain):
            _edit(vault, rel, words)
        _regen(runner, sample_vault)
        _regen(runner, plain, "--no-cache")
        assert tree(sample_vault) == tree(plain), step
        assert model_file.read_bytes() == whole, step  # the model is not written again
        assert delta_file.is_file()
        loaded = _load(sample_vault)
        assert loaded.model == "updated", step
        assert_same_model(loaded.vault, build.load(plain, DAY).vault)
        assert loaded.problems == build.load(plain, DAY).problems
    kept = modelcache.read(sample_vault.resolve(), loaded.config, DAY)
    assert kept is not None and set(kept.before) == {PERSON, COMPANY}


def test_past_max_delta_the_whole_model_is_written_again(
    sample_vault: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(modelcache, "MAX_DELTA", 1)
    _regen(runner, sample_vault)
    model_file, delta_file = _files(sample_vault)
    whole = model_file.read_bytes()
    _edit(sample_vault, PERSON, "Met [[Daniel Reyes]] too.")
    _regen(runner, sample_vault)
    assert model_file.read_bytes() == whole and delta_file.is_file()
    _edit(sample_vault, COMPANY, "See [[Amara Osei]].")
    _regen(runner, sample_vault)  # two notes changed since: over the limit
    assert model_file.read_bytes() != whole and not delta_file.exists()
    loaded = _load(sample_vault)
    assert loaded.model == "kept"
    assert_same_model(loaded.vault, build.load(sample_vault, DAY).vault)


@pytest.mark.parametrize("damage", ["junk", "other model"])
def test_a_delta_of_no_use_is_passed_by(sample_vault: Path, runner: CliRunner, damage: str) -> None:
    """A damaged delta, or one kept beside another model, is not read: the model is
    brought up to date from the parse cache's earlier parses, or built afresh."""
    _regen(runner, sample_vault)
    _edit(sample_vault, PERSON, "Met [[Daniel Reyes]] too.")
    _regen(runner, sample_vault)
    delta_file = _files(sample_vault)[1]
    if damage == "junk":
        delta_file.write_bytes(b"junk")
    else:  # a model written since by another run, as a check beside this one would
        saved = delta_file.read_bytes()
        modelcache.keep(sample_vault.resolve(), _load(sample_vault).vault)
        delta_file.write_bytes(saved)
    config = build.Config.load(sample_vault.resolve())
    kept = modelcache.read(sample_vault.resolve(), config, DAY)
    assert kept is not None and kept.before == {}
    _edit(sample_vault, PERSON, "And [[Northwind Health]].")
    loaded = _load(sample_vault)
    assert_same_model(loaded.vault, build.load(sample_vault, DAY).vault)
