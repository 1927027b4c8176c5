"""Golden output: the whole basic fixture vault after one ``regen``, byte for byte.

When an output change is intended, run ``pytest --update-golden`` and review the
diff of ``tests/golden/`` before committing it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from vaultkit.cli import cli

from .conftest import FIXTURES, GOLDEN, TODAY, tree


def test_basic_vault_matches_golden(
    runner: CliRunner, basic_vault: Path, update_golden: bool
) -> None:
    result = runner.invoke(cli, ["regen", str(basic_vault), "--today", TODAY])
    assert result.exit_code == 0, result.output
    golden = GOLDEN / "basic_vault"
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(basic_vault, golden)
    got = tree(basic_vault)
    want = tree(golden)
    assert sorted(got) == sorted(want), "the set of files differs from the golden tree"
    for rel, data in want.items():
        assert got[rel] == data, f"{rel} differs from tests/golden/basic_vault/{rel}"


def test_golden_tree_is_not_the_fixture() -> None:
    """The golden tree really holds regions: the test above would catch a no-op regen."""
    fixture = tree(FIXTURES / "basic_vault")
    golden = tree(GOLDEN / "basic_vault")
    generated = sorted(set(golden) - set(fixture))
    assert generated == [
        "vaultkit/Follow-ups.md",  # the dashboard
        "vaultkit/Network map.md",
        "vaultkit/Prep/Prep 2026-12-01 Acme onsite.md",  # the one upcoming meeting
    ]
    changed = [rel for rel in fixture if fixture[rel] != golden[rel]]
    assert len(changed) == 7  # every person, company and meeting; not the ordinary note
    for rel in changed:
        assert golden[rel].startswith(fixture[rel])
        assert b"<!-- vaultkit:begin backlinks " in golden[rel]
