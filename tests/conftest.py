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


GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/ from the current output (when an output change is intended).",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def basic_vault(tmp_path: Path) -> Path:
    """A fresh copy of the basic fixture vault (every link form of the note format)."""
    dest = tmp_path / "vault"
    shutil.copytree(FIXTURES / "basic_vault", dest)
    return dest


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too), by ``/``-separated relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Bytes, mtime_ns and mode of every file under ``root``."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            out[p.relative_to(root).as_posix()] = (p.read_bytes(), st.st_mtime_ns, st.st_mode)
    return out


@pytest.fixture
def isolated_cache(_local_cache: Path) -> Path:
    """The temporary cache folder of this test (locks, backups, caches)."""
    return _local_cache


@pytest.fixture
def cache_dir(_local_cache: Path) -> Path:
    """The temporary cache folder of this test (another name for ``_local_cache``)."""
    return _local_cache
