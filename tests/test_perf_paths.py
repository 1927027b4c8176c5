"""The fast paths give the same results as the plain ones: pickled notes, parallel
writes, and the cache entries of the notes a run just wrote."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import pytest

from benchmarks.generate_vault import generate
from vaultkit import build
from vaultkit.cache import MemoryCache
from vaultkit.parse import parse_note

from .conftest import tree

DAY = dt.date(2026, 11, 22)


def test_a_parsed_note_pickles_to_an_equal_note(sample_vault: Path) -> None:
    build.regen(sample_vault, DAY)  # so that notes have regions too
    for path in sorted(sample_vault.rglob("*.md")):
        rel = path.relative_to(sample_vault).as_posix()
        note = parse_note(rel, path.read_bytes(), 7)
        back = pickle.loads(pickle.dumps(note, pickle.HIGHEST_PROTOCOL))
        assert back == note
        assert [type(r) for r in back.regions] == [type(r) for r in note.regions]


def test_batched_writes_match_writes_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, many = tmp_path / "one", tmp_path / "many"
    generate(one, 80, 3)
    generate(many, 80, 3)
    monkeypatch.setattr(build, "BATCH_WRITES", 10**9)
    first = build.regen(one, DAY)
    monkeypatch.undo()
    second = build.regen(many, DAY)
    assert len(second.written) >= build.BATCH_WRITES  # the batch really ran
    assert second.written == first.written
    assert second.problems == first.problems
    assert tree(many) == tree(one)
    assert build.regen(many, DAY).written == []


def test_written_notes_are_cached_as_a_full_parse_reads_them(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    generate(vault, 60, 5)
    cache = MemoryCache()
    result = build.regen(vault, DAY, cache=cache)
    assert result.written
    for rel in result.written:
        data = (vault / rel).read_bytes()
        st = (vault / rel).stat()
        cached = cache.get(rel, st.st_size, st.st_mtime_ns)
        assert cached == parse_note(rel, data, st.st_mtime_ns), rel
    # A second run from that cache has nothing to write.
    assert build.regen(vault, DAY, cache=cache).written == []


HEAVY = (
    "jinja2",
    "markdown_it",
    "icalendar",
    "watchdog",
    "vaultkit.build",
    "vaultkit.render",
    "vaultkit.parse",
)


def test_a_remembered_run_imports_none_of_the_heavy_modules(sample_vault: Path) -> None:
    """Start-up: a run that only says again what the last one said (and --help) needs
    neither the rendering pipeline nor its libraries; they are imported by the commands
    that use them."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo)}
    regen = [str(sample_vault), "--today", "2026-11-22", "--quiet"]
    for _ in range(2):  # the second run writes nothing and is remembered
        subprocess.run([sys.executable, "-m", "vaultkit", "regen", *regen], env=env, check=False)
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['vaultkit', 'regen', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('vaultkit', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *regen], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
