"""The README's main command on the sample vault, through the CLI."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from vaultkit.cli import cli

from .conftest import TODAY


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_regen_writes_backlinks_then_nothing(runner: CliRunner, sample_vault: Path) -> None:
    first = runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY])
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    amara = (sample_vault / "People" / "Amara Osei.md").read_text(encoding="utf-8")
    assert "<!-- vaultkit:begin backlinks" in amara
    assert "[[2026-08-28 Amara Osei informational]]" in amara
    before = snapshot(sample_vault)
    second = runner.invoke(cli, ["regen", str(sample_vault), "--today", TODAY])
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated" in second.output
    assert snapshot(sample_vault) == before
