"""What vaultkit caches for a note it just wrote is what a full parse of the file gives."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from benchmarks.generate_vault import generate
from vaultkit.cache import FileCache
from vaultkit.cli import cli
from vaultkit.parse import parse_note
from vaultkit.plan import splice
from vaultkit.reparse import _derive, after_write


def _assert_cache_matches_files(vault: Path) -> int:
    cache = FileCache.open(vault.resolve())
    checked = 0
    for path in sorted(vault.rglob("*.md")):
        rel = path.relative_to(vault).as_posix()
        st = path.stat()
        cached = cache.get(rel, st.st_size, st.st_mtime_ns)
        assert cached is not None, rel
        assert cached == parse_note(rel, path.read_bytes(), st.st_mtime_ns), rel
        checked += 1
    return checked


def test_cached_state_after_writes_is_a_full_parse(tmp_path: Path) -> None:
    runner = CliRunner()
    vault = tmp_path / "vault"
    generate(vault, 120, 2)
    for today in ("2026-11-22", "2024-03-01"):  # creates regions, then updates them
        result = runner.invoke(cli, ["regen", str(vault), "--today", today])
        assert result.exit_code in (0, 1), result.output
        checked = _assert_cache_matches_files(vault)  # the 120 notes and vaultkit's own
        assert checked == len(list(vault.rglob("*.md"))) > 120


def test_region_in_the_middle_is_parsed_again() -> None:
    old_text = (
        "---\ntype: person\n---\nIntro [[A]]\n\n"
        "<!-- vaultkit:begin backlinks 0000000000000000 (generated: edit outside this block) -->\n"
        "old\n<!-- vaultkit:end backlinks -->\n\nAfter [[B]]\n- [ ] task\n"
    )
    old = parse_note("p.md", old_text.encode(), 1)
    new_text = splice(old_text, "p.md", {"backlinks": "one\ntwo\nthree\n"}, "\n")
    assert _derive("p.md", old, old_text.encode(), new_text.encode(), 2) is None
    full = parse_note("p.md", new_text.encode(), 2)
    assert after_write("p.md", old, old_text.encode(), new_text.encode(), 2) == full


def test_region_at_the_end_is_derived() -> None:
    old_text = "---\ntype: person\n---\n## Notes\nIntro [[A]]\n- [ ] task"
    old = parse_note("p.md", old_text.encode(), 1)
    new_text = splice(old_text, "p.md", {"backlinks": "- [[X]]\n"}, "\n")
    derived = _derive("p.md", old, old_text.encode(), new_text.encode(), 2)
    assert derived is not None
    assert derived == parse_note("p.md", new_text.encode(), 2)
