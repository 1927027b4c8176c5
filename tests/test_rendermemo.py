"""Rendered text reused across runs: exactly the text a render would give, never stale."""

from __future__ import annotations

import dataclasses
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate_vault import generate
from vaultkit import build, followups, rendermemo
from vaultkit.cache import FileCache, vault_cache_dir
from vaultkit.cli import cli
from vaultkit.render import Templates

from .conftest import TODAY, tree
from .test_incremental import edits

DAY = build.dt.date.fromisoformat(TODAY)
PERSON = "People/Amara Osei.md"


def _memo_file(vault: Path) -> Path:
    return vault_cache_dir(vault.resolve()) / rendermemo.MEMO_FILE


def _stored(vault: Path) -> dict[bytes, str]:
    with open(_memo_file(vault), "rb") as fh:
        pickle.load(fh)
        found: dict[bytes, str] = pickle.load(fh)
    return found


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates really rendered (not taken from the memo) in this process."""
    done: list[str] = []
    real = Templates._render

    def counting(self: Templates, name: str, context: dict[str, Any]) -> str:
        done.append(name)
        return real(self, name, context)

    monkeypatch.setattr(Templates, "_render", counting)
    return done


def _run(vault: Path) -> build.RunResult:
    cache = FileCache.open(vault.resolve())
    result = build.regen(vault, DAY, cache=cache)
    cache.save()
    return result


def _run_and_copy(vault: Path, tmp_path: Path) -> Path:
    """Run once (the memo is written), and a copy of the vault as it is then."""
    _run(vault)
    plain = tmp_path / "plain"
    shutil.copytree(vault, plain)
    return plain


def _edit_person(vaults: list[Path], edit: Callable[[str], str]) -> None:
    for vault in vaults:
        note = vault / PERSON
        note.write_text(edit(note.read_text("utf-8")), "utf-8")


def test_a_second_run_renders_nothing_and_writes_the_same(
    sample_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(sample_vault)
    assert _memo_file(sample_vault).is_file()
    assert not any(p.name == rendermemo.MEMO_FILE for p in sample_vault.rglob("*"))
    rendered = _count_renders(monkeypatch)
    second = _run(sample_vault)
    assert rendered == []  # every output came from the memo
    assert second.written == []
    assert len(second.outputs) > 20


def test_a_changed_note_is_rendered_again_and_only_what_it_changes(
    sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _run_and_copy(sample_vault, tmp_path)
    _edit_person([sample_vault, plain], lambda text: text.replace("role:", "role: Chief"))
    rendered = _count_renders(monkeypatch)
    _run(sample_vault)
    assert rendered, "the changed person's outputs must be rendered again"
    assert len(rendered) < 10
    monkeypatch.undo()
    build.regen(plain, DAY)  # no cache: no memo, everything rendered
    assert tree(sample_vault) == tree(plain)


def test_a_template_edit_starts_the_memo_afresh(
    sample_vault: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(sample_vault)
    shipped = Templates(sample_vault.resolve(), "vaultkit/templates")
    loader = shipped.env.loader
    assert loader is not None
    source, _, _ = loader.get_source(shipped.env, "regions/person.md.j2")
    folder = sample_vault / "vaultkit" / "templates" / "regions"
    folder.mkdir(parents=True)
    (folder / "person.md.j2").write_text("Edited template for {{ name }}\n" + source, "utf-8")
    rendered = _count_renders(monkeypatch)
    result = runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert "regions/person.md.j2" in rendered
    assert "regions/company.md.j2" in rendered  # another environment: nothing is reused
    assert "Edited template for Amara Osei" in (sample_vault / PERSON).read_text("utf-8")


def test_a_damaged_memo_only_means_rendering(
    sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _run_and_copy(sample_vault, tmp_path)
    _memo_file(sample_vault).write_bytes(b"\x80\x05not a pickle at all")
    _edit_person([sample_vault, plain], lambda text: text + "\nMet [[Daniel Reyes]] too.\n")
    rendered = _count_renders(monkeypatch)
    result = _run(sample_vault)
    assert result.errors == []
    assert "regions/company.md.j2" in rendered  # nothing was taken from the damaged file
    assert _stored(sample_vault)  # and it is whole again
    monkeypatch.undo()
    build.regen(plain, DAY)
    assert tree(sample_vault) == tree(plain)


def test_the_key_depends_on_values_not_on_sharing() -> None:
    row = {"name": "Amara", "link": "[[Amara]]"}
    shared = {"people": [row, row]}
    apart = {"people": [dict(row), {"name": "Amara", "link": "[[Amara]]"}]}
    assert rendermemo.render_key("t", shared) == rendermemo.render_key("t", apart)
    assert rendermemo.render_key("t", shared) != rendermemo.render_key("u", shared)
    other = {"people": [row, {"name": "Amara", "link": "[[Amara O]]"}]}
    assert rendermemo.render_key("t", other) != rendermemo.render_key("t", shared)
    assert rendermemo.render_key("t", {"f": lambda: 1}) is None


def test_an_unpicklable_context_is_rendered_every_time(tmp_path: Path) -> None:
    memo = rendermemo.RenderMemo(tmp_path, "k", {})
    made: list[int] = []

    def make() -> str:
        made.append(1)
        return "text"

    context = {"f": lambda: 1}
    assert memo.render("t", context, make) == "text"
    assert memo.render("t", context, make) == "text"
    assert made == [1, 1]
    assert memo.used == {}


def test_renders_of_the_second_core_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    generate(one, 300, 4)  # large enough for the backlinks to go to a child process
    generate(two, 300, 4)
    _run(one)
    monkeypatch.setenv("VAULTKIT_JOBS", "1")
    _run(two)
    assert _stored(one) == _stored(two)
    assert len(_stored(one)) > 250


def test_templates_behind_a_link_to_a_folder_are_part_of_the_key(tmp_path: Path) -> None:
    shared = tmp_path / "Shared" / "regions"
    shared.mkdir(parents=True)
    (shared / "person.md.j2").write_text("one {{ name }}\n", "utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "regions").symlink_to(shared, target_is_directory=True)
    (folder / "loop").symlink_to(folder, target_is_directory=True)  # walked once, no loop
    before = rendermemo.environment_key([folder], [], [])
    (shared / "person.md.j2").write_text("two {{ name }}\n", "utf-8")
    assert rendermemo.environment_key([folder], [], []) != before


def test_a_template_saved_during_the_run_keeps_nothing(tmp_path: Path) -> None:
    keys = iter(["k", "k-after-an-edit"])
    memo = rendermemo.RenderMemo.open(tmp_path, next(keys), lambda: next(keys))
    memo.render("t", {"a": 1}, lambda: "text")
    memo.save()
    assert not (vault_cache_dir(tmp_path) / rendermemo.MEMO_FILE).exists()
    again = rendermemo.RenderMemo.open(tmp_path, "k", lambda: "k")
    again.render("t", {"a": 1}, lambda: "text")
    again.save()
    assert rendermemo.RenderMemo.open(tmp_path, "k").old == again.used


# -- a whole stage remembered: the follow-ups -------------------------------------------

MEETING = "Meetings/2026-08-28 Amara Osei informational.md"


def _count_followups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per time the follow-ups are really worked out in this process."""
    done: list[int] = []
    real = followups._outputs

    def counting(*args: Any) -> Any:
        done.append(1)
        return real(*args)

    monkeypatch.setattr(followups, "_outputs", counting)
    return done


def _cli(vault: Path, *extra: str) -> None:
    result = CliRunner().invoke(cli, ["regen", str(vault), "--today", TODAY, *extra])
    assert result.exit_code in (0, 1), result.output


def _edit(vaults: list[Path], rel: str, edit: Callable[[str], str]) -> None:
    for vault in vaults:
        note = vault / rel
        note.write_text(edit(note.read_text("utf-8")), "utf-8")


def test_followups_of_the_same_inputs_are_taken_back(
    sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prose and links added to a meeting's body (below its tasks: the dashboard shows
    their lines) are no input of the follow-ups: the next run takes them back without
    working them out (it still writes backlinks), and writes what a run without any
    cache writes."""
    _cli(sample_vault)
    _cli(sample_vault)  # the first wrote the follow-ups regions: their inputs now
    plain = tmp_path / "plain"
    shutil.copytree(sample_vault, plain)
    assert (vault_cache_dir(sample_vault.resolve()) / "stage-followups.pickle").is_file()
    _edit(
        [sample_vault, plain],
        MEETING,
        lambda text: text + "\nWe also spoke of [[Daniel Reyes]].\n",
    )
    worked = _count_followups(monkeypatch)
    _cli(sample_vault)
    assert worked == []
    _cli(plain, "--no-cache")
    assert worked == [1]
    assert tree(sample_vault) == tree(plain)


@pytest.mark.parametrize("change", ["tick", "status", "task"])
def test_followups_are_worked_out_again_when_an_input_changes(
    sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    _cli(sample_vault)
    _cli(sample_vault)  # remembered now, for the vault as it is
    plain = tmp_path / "plain"
    shutil.copytree(sample_vault, plain)
    if change == "tick":  # in the meeting's follow-ups region
        text = (sample_vault / MEETING).read_text("utf-8")
        assert "- [ ] " in text.split("vaultkit:begin followups", 1)[1]
        edit: Callable[[str], str] = lambda t: (  # noqa: E731
            t.split("vaultkit:begin followups", 1)[0]
            + "vaultkit:begin followups"
            + t.split("vaultkit:begin followups", 1)[1].replace("- [ ] ", "- [x] ", 1)
        )
    elif change == "status":  # the front-matter: the model's record of the meeting
        edit = lambda t: t.replace("status: done", "status: cancelled", 1)  # noqa: E731
    else:  # a task of the user's own, which the dashboard lists
        edit = lambda t: t.replace("\n## ", "\n- [ ] Send the deck\n\n## ", 1)  # noqa: E731
    _edit([sample_vault, plain], MEETING, edit)
    worked = _count_followups(monkeypatch)
    _cli(sample_vault)
    assert worked == [1]
    _cli(plain, "--no-cache")
    assert tree(sample_vault) == tree(plain)


def test_the_followups_key_reads_what_they_read() -> None:
    from vaultkit.parse import Task, parse_note

    note = parse_note(
        "Meetings/m.md", b"---\ntype: meeting\ndate: 2026-11-02\n---\nHi [[Ann]]\n- [ ] x\n"
    )
    vault = build.build_model({note.path: note}, build.Config(), DAY)
    key = followups.inputs_key(vault, set())

    def with_note(**changes: Any) -> bytes:
        changed = dataclasses.replace(note, **changes)
        other = dataclasses.replace(vault, notes={note.path: changed})
        return followups.inputs_key(other, set())

    assert with_note(link_data=()) == key  # links: only the model's mentions
    assert with_note(section_data=()) == key
    assert with_note(said="else") == key
    assert with_note(front="else") != key
    assert with_note(tasks=(Task(6, "x", "x"),)) != key
    assert with_note(off=("followups",)) != key
    assert followups.inputs_key(vault, {note.path}) != key
    later = dataclasses.replace(vault, today=DAY + build.dt.timedelta(days=1))
    assert followups.inputs_key(later, set()) != key


def test_an_unread_note_and_sync_debris_are_other_inputs(tmp_path: Path) -> None:
    """Neither has front-matter that was read, but the one is a person by its folder and
    the other is never one: the follow-ups they give differ, and so do their keys."""
    from vaultkit.scan import Entry

    entry = Entry("People/Jane.md", 10, 1, 0o100644, 1)
    keys = []
    for note in (build._placeholder(entry.rel, entry), build._debris_placeholder(entry.rel, entry)):
        vault = build.build_model({note.path: note}, build.Config(), DAY)
        keys.append(followups.inputs_key(vault, {note.path}))
    assert keys[0] != keys[1]


def test_a_stage_file_of_another_shape_is_passed_by(
    sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli(sample_vault)
    _cli(sample_vault)
    plain = tmp_path / "plain"
    shutil.copytree(sample_vault, plain)
    stage = vault_cache_dir(sample_vault.resolve()) / "stage-followups.pickle"
    with open(stage, "rb") as fh:
        header = pickle.load(fh)
        key, _outputs = pickle.load(fh)
    with open(stage, "wb") as fh:  # the right header, then entries of another shape
        pickle.dump(header, fh)
        pickle.dump((key, [("a.md", "followups", b"not a key", None)]), fh)
    _edit([sample_vault, plain], MEETING, lambda text: text + "\nAlso [[Daniel Reyes]].\n")
    worked = _count_followups(monkeypatch)
    _cli(sample_vault)
    assert worked == [1]
    _cli(plain, "--no-cache")
    assert tree(sample_vault) == tree(plain)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, build.Loaded]:
    root = tmp_path_factory.mktemp("gen") / "v"
    generate(root, 160, seed=5)
    return root, build.load(root, DAY)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_followups_taken_back_are_those_worked_out_afresh(
    generated: tuple[Path, build.Loaded], data: st.DataObject
) -> None:
    """After random edits of front-matter and links, follow-ups remembered for the same
    inputs are the follow-ups worked out from scratch (an edit of the front-matter is
    a new :attr:`~vaultkit.parse.ParsedNote.front`, as a parse would find)."""
    root, loaded = generated
    vault = loaded.vault
    folder = loaded.config.templates_folder
    before = followups.inputs_key(vault, loaded.unwritable)
    if not (vault_cache_dir(root) / "stage-followups.pickle").exists():  # this test's cache
        templates = Templates(root, folder)
        memo = templates.remember()
        followups.outputs(vault, loaded.unwritable, templates)
        memo.save()
        vault.unique_names.clear()
        vault.id_keys.clear()
    changed = data.draw(edits(vault.notes))
    for path, note in changed.items():
        if note.meta != vault.notes[path].meta:
            changed[path] = dataclasses.replace(note, front=note.front + "-edited")
    notes = {**vault.notes, **changed}
    edited = build.build_model(notes, loaded.config, DAY)
    edited.obsidian = vault.obsidian
    templates = Templates(root, folder)
    memo = templates.remember()
    key = followups.inputs_key(edited, loaded.unwritable)
    assert memo.has_stage("followups", key) == (key == before)
    got = followups.outputs(edited, loaded.unwritable, templates, key)
    edited.unique_names.clear()
    edited.id_keys.clear()
    assert got == list(followups._outputs(edited, loaded.unwritable, Templates(root, folder)))
