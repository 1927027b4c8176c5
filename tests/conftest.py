"""Shared fixtures: temporary copies of vaults, and the CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_vault"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = "2026-11-22"


@pytest.fixture(autouse=True)
def _local_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Backups and caches go to a temporary folder, never the real user cache."""
    base = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(base))
    return base


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def sample_vault(tmp_path: Path) -> Path:
    """A fresh copy of the sample vault."""
    dest = tmp_path / "vault"
    shutil.copytree(SAMPLE, dest)
    return dest
