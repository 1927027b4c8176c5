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
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Locks (and any cache) go to a temporary folder, never the user's cache."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def sample_vault(tmp_path: Path) -> Path:
    """A fresh copy of the sample vault."""
    dest = tmp_path / "vault"
    shutil.copytree(SAMPLE, dest)
    return dest
