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


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def sample_vault(tmp_path: Path) -> Path:
    """A fresh copy of the sample vault."""
    dest = tmp_path / "vault"
    shutil.copytree(SAMPLE, dest)
    return dest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files under tests/golden/ from the current output.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files (pytest --update-golden)."""
    return bool(request.config.getoption("--update-golden"))
