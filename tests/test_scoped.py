"""Backlinks regions taken back by a one-shot run: only those a change can reach are
rendered again, and the vault ends exactly as a run without any cache leaves it."""

from __future__ import annotations

import os
import pickle
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate_vault import generate
from vaultkit import build, modelcache, parallel, rendermemo
from vaultkit.cache import vault_cache_dir
from vaultkit.cli import cli

from .conftest import TODAY, tree

MEETING = "Meetings/2026-08-28 Amara Osei informational.md"
PERSON = "People/Daniel Reyes.md"
AMARA = "People/Amara Osei.md"


def _parts_file(vault: Path) -> Path:
    return vault_cache_dir(vault.resolve()) / rendermemo.PARTS_FILE.format(name="backlinks")


def _cli(vault: Path, *extra: str) -> str:
    result = CliRunner().invoke(cli, ["regen", str(vault), "--today", TODAY, *extra])
    assert result.exit_code in (0, 1), result.output
    return result.output


def _count_contexts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notes whose backlinks context is built (the work a region taken back spares)."""
    built: list[str] = []
    for name in ("person_context", "company_context", "meeting_context"):
        real = getattr(build, name)

        def counting(vault: Any, path: str, real: Callable[..., Any] = real) -> Any:
            built.append(path)
            return real(vault, path)

        monkeypatch.setattr(build, name, counting)
    return built


def _edit(vault: Path, rel: str, edit: Callable[[str], str]) -> None:
    """Edit a note, its modification time a second later (a stat cache's view of a save)."""
    note = vault / rel
    before = note.stat().st_mtime_ns
    note.write_text(edit(note.read_text("utf-8")), "utf-8")
    later = max(before, note.stat().st_mtime_ns) + 1_000_000_007
    os.utime(note, ns=(later, later))


def _same_as_without_cache(
    vault: Path, tmp_path: Path, name: str, built: list[str] | None = None
) -> list[str]:
    """Run on ``vault`` with the cache, and on a copy of it without: the same files. The
    notes whose backlinks context the run with the cache built (with ``built``)."""
    plain = tmp_path / name
    shutil.copytree(vault, plain)
    start = len(built) if built is not None else 0
    _cli(vault)
    mine = built[start:] if built is not None else []
    _cli(plain, "--no-cache")
    assert tree(vault) == tree(plain)
    return mine


def test_a_run_takes_back_every_region_no_change_reaches(
    sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli(sample_vault)  # creates prep sheets: the model kept is not the one rendered from
    _cli(sample_vault)
    assert _parts_file(sample_vault).is_file()
    assert not any(p.name.startswith("parts-") for p in sample_vault.rglob("*"))
    regions = len(build.backlink_jobs(build.load(sample_vault, build.dt.date(2026, 11, 22))))
    built = _count_contexts(monkeypatch)

    # A link to Daniel added in a meeting: his note and the meeting's neighbours only.
    _edit(sample_vault, MEETING, lambda t: t + "\nWe also spoke of [[Daniel Reyes]].\n")
    mine = _same_as_without_cache(sample_vault, tmp_path, "one", built)
    assert PERSON in mine and MEETING in mine
    assert 0 < len(mine) < regions / 2
    assert "[[2026-08-28 Amara Osei informational" in (sample_vault / PERSON).read_text("utf-8")

    # The link taken out again: the meeting says what the kept model says, and Daniel's
    # region (reached by the change the last run kept) loses the mention.
    _edit(sample_vault, MEETING, lambda t: t.replace("\nWe also spoke of [[Daniel Reyes]].\n", ""))
    mine = _same_as_without_cache(sample_vault, tmp_path, "two", built)
    assert PERSON in mine and len(mine) < regions / 2
    assert "Amara Osei informational" not in (sample_vault / PERSON).read_text("utf-8")


def test_a_change_two_runs_back_is_still_within_reach(
    sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each run compares with the kept model, not with the last run: a region changed two
    runs ago stays rendered until the model is kept afresh."""
    _cli(sample_vault)
    _cli(sample_vault)
    _edit(sample_vault, AMARA, lambda t: re.sub(r"(?m)^role:.*$", "role: Head of Research", t))
    _same_as_without_cache(sample_vault, tmp_path, "one")
    _edit(sample_vault, MEETING, lambda t: t + "\nAnd of [[Daniel Reyes]].\n")
    _same_as_without_cache(sample_vault, tmp_path, "two")
    _edit(sample_vault, AMARA, lambda t: t.replace("role: Head of Research", "role: Analyst"))
    _same_as_without_cache(sample_vault, tmp_path, "three")
    assert "Analyst" in (sample_vault / MEETING).read_text("utf-8")


@pytest.mark.parametrize("damage", ["garbage", "other shape", "other model"])
def test_kept_regions_of_no_use_are_passed_by(
    sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    _cli(sample_vault)
    _cli(sample_vault)
    parts = _parts_file(sample_vault)
    with open(parts, "rb") as fh:
        header = pickle.load(fh)
        tag, reach, texts = pickle.load(fh)
    if damage == "garbage":
        parts.write_bytes(b"\x80\x05not a pickle")
    elif damage == "other shape":
        with open(parts, "wb") as fh:
            pickle.dump(header, fh)
            pickle.dump((tag, sorted(reach), texts), fh)
    else:  # another run kept its own model meanwhile: its id is another
        modelcache.keep(
            sample_vault.resolve(), build.load(sample_vault, build.dt.date(2026, 11, 22)).vault
        )
    _edit(sample_vault, MEETING, lambda t: t + "\nWe also spoke of [[Daniel Reyes]].\n")
    built = _count_contexts(monkeypatch)
    mine = _same_as_without_cache(sample_vault, tmp_path, "plain", built)
    regions = len(build.backlink_jobs(build.load(sample_vault, build.dt.date(2026, 11, 22))))
    assert len(mine) == regions  # every region rendered


def test_a_text_no_longer_remembered_is_rendered(
    sample_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli(sample_vault)
    _cli(sample_vault)
    memo = vault_cache_dir(sample_vault.resolve()) / rendermemo.MEMO_FILE
    with open(memo, "rb") as fh:
        header = pickle.load(fh)
        texts = pickle.load(fh)
    with open(memo, "wb") as fh:  # the renders forgotten, the regions kept by their keys
        pickle.dump(header, fh)
        pickle.dump({}, fh)
    _edit(sample_vault, MEETING, lambda t: t + "\nWe also spoke of [[Daniel Reyes]].\n")
    built = _count_contexts(monkeypatch)
    mine = _same_as_without_cache(sample_vault, tmp_path, "plain", built)
    regions = len(build.backlink_jobs(build.load(sample_vault, build.dt.date(2026, 11, 22))))
    assert texts and len(mine) == regions


# -- random edits, run after run ------------------------------------------------------


@st.composite
def text_edits(draw: st.DrawFn, vault: Path) -> list[tuple[str, str, str]]:
    """One to three edits of notes' text: (note, what, name)."""
    notes = sorted(p.relative_to(vault).as_posix() for p in vault.rglob("*.md"))
    names = [Path(p).stem for p in notes if p.startswith(("People/", "Companies/"))]
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from([p for p in notes if p.startswith(("People/", "Meetings/"))]),
                st.sampled_from(["link", "unlink", "company", "role", "with"]),
                st.sampled_from([*names[:40], "Nobody Known"]),
            ),
            min_size=1,
            max_size=3,
        )
    )


def _apply(vault: Path, rel: str, what: str, name: str) -> None:
    def edit(text: str) -> str:
        if what == "link":
            return text + f"\nSpoke of [[{name}]].\n"
        if what == "unlink":
            return re.sub(r"\nSpoke of \[\[[^\]]*\]\]\.\n", "", text, count=1)
        if what == "company":
            return re.sub(r"(?m)^company:.*$", f'company: "[[{name}]]"', text, count=1)
        if what == "role":
            return re.sub(r"(?m)^role:.*$", f"role: {name} Liaison", text, count=1)
        return re.sub(r"(?m)^with:\n  - .*$", f"with:\n  - {name}", text, count=1)

    _edit(vault, rel, edit)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated vault run twice (its regions kept), and a copy of it and its cache."""
    folder = tmp_path_factory.mktemp("prepared")
    vault, cache = folder / "vault", folder / "cache"
    generate(vault, 160, seed=11)
    old = os.environ.get("VAULTKIT_CACHE_DIR")
    os.environ["VAULTKIT_CACHE_DIR"] = str(cache)
    try:
        _cli(vault)
        _cli(vault)
    finally:
        if old is None:
            del os.environ["VAULTKIT_CACHE_DIR"]
        else:
            os.environ["VAULTKIT_CACHE_DIR"] = old
    for name in ("vault", "cache"):
        shutil.copytree(folder / name, folder / f"kept-{name}")
    return folder


def _restore(prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The prepared vault and cache as they were, at the same place (the cache is keyed
    by the vault's path; modification times are copied too)."""
    for name in ("vault", "cache"):
        shutil.rmtree(prepared / name)
        shutil.copytree(prepared / f"kept-{name}", prepared / name)
    for old in tmp_path.iterdir():  # an earlier example's copies
        shutil.rmtree(old)
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(prepared / "cache"))
    return prepared / "vault"


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_regions_taken_back_run_after_run_are_those_of_a_run_without_cache(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    """A vault edited at random, three runs in a row: each leaves the files a run
    without cache leaves, and the regions a change cannot reach are taken back."""
    vault = _restore(prepared, tmp_path, monkeypatch)
    regions = len(build.backlink_jobs(build.load(vault, build.dt.date(2026, 11, 22))))
    built = _count_contexts(monkeypatch)
    for n in range(3):
        for rel, what, name in data.draw(text_edits(vault)):
            _apply(vault, rel, what, name)
        mine = _same_as_without_cache(vault, tmp_path, f"plain{n}", built)
        assert len(mine) < regions


def test_two_processes_share_what_is_left_to_render(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With regions taken back, what is left is split between two processes (a small
    vault made to count as large) and gathered in order."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    vault = _restore(prepared, tmp_path, monkeypatch)
    meetings = sorted((vault / "Meetings").rglob("*.md"))[:6]
    people = sorted((vault / "People").rglob("*.md"))
    for meeting, person in zip(meetings, people[::7], strict=False):
        rel = meeting.relative_to(vault).as_posix()
        _edit(vault, rel, lambda t, p=person: t + f"\nSpoke of [[{p.stem}]].\n")
    forked: list[int] = []
    real = parallel._in_child

    def counting(job: Callable[[], Any]) -> Any:
        forked.append(1)
        return real(job)

    monkeypatch.setattr(parallel, "_in_child", counting)
    _same_as_without_cache(vault, tmp_path, "plain")
    assert forked  # the run with the cache forked (the one without: maybe too)


def test_new_link_settings_render_every_region(sample_vault: Path, tmp_path: Path) -> None:
    """Obsidian's link settings are no input of the model, but every region shows links."""
    _cli(sample_vault)
    _cli(sample_vault)
    settings_file = sample_vault / ".obsidian" / "app.json"
    settings_file.parent.mkdir(exist_ok=True)
    settings_file.write_text('{"useMarkdownLinks": true}', "utf-8")
    _same_as_without_cache(sample_vault, tmp_path, "plain")
    region = (sample_vault / AMARA).read_text("utf-8").split("vaultkit:begin backlinks")[1]
    region = region.split("vaultkit:end backlinks")[0]
    assert "](" in region and "[[" not in region


def test_a_region_that_grew_mid_note_keeps_the_model(
    prepared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The network map's region sits above the user's own words in its note: a run that
    made it longer leaves what the note says the same, and the next run still takes the
    kept model and the regions no change reaches back."""
    vault = _restore(prepared, tmp_path, monkeypatch)
    network = vault / "vaultkit" / "Network map.md"
    lines = len(network.read_text("utf-8").splitlines())
    _apply(vault, "People/H/Arjun Harris.md", "company", "Ben Allen")
    _same_as_without_cache(vault, tmp_path, "one")
    assert len(network.read_text("utf-8").splitlines()) != lines
    regions = len(build.backlink_jobs(build.load(vault, build.dt.date(2026, 11, 22))))
    built = _count_contexts(monkeypatch)
    _apply(vault, "Meetings/2023/01/2023-01-17 Siân Fisher job.md", "link", "Aurora Bright Media")
    mine = _same_as_without_cache(vault, tmp_path, "two", built)
    assert 0 < len(mine) < regions / 2
