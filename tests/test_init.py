"""vaultkit init: a config file with every option, that loads back to the defaults."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from click.testing import CliRunner

from vaultkit.cli import cli
from vaultkit.config import Config
from vaultkit.initvault import config_text, field_docs
from vaultkit.yamlsafe import load_yaml


def test_every_option_is_in_the_file_with_its_docstring() -> None:
    text = config_text()
    data, _ = load_yaml(text, "vaultkit.yaml", 1)
    names = [f.name for f in fields(Config) if f.name != "extra"]
    assert sorted(data) == sorted(names)
    docs = field_docs()
    for name in names:
        assert docs[name], f"{name} has no docstring"
        assert f"# {docs[name]}\n{name}: " in text


def test_init_writes_a_config_that_loads_back_to_the_defaults(
    runner: CliRunner, tmp_path: Path
) -> None:
    vault = tmp_path / "new vault"
    result = runner.invoke(cli, ["init", str(vault)])
    assert result.exit_code == 0, result.output
    assert "created vaultkit.yaml" in result.output
    loaded = Config.load(vault)
    assert loaded == Config()
    for name in (f.name for f in fields(Config) if f.name != "extra"):
        assert getattr(loaded, name) == getattr(Config(), name)
    for folder in ("People", "Companies", "Meetings", "vaultkit", "vaultkit/templates"):
        assert (vault / folder).is_dir()


def test_init_is_idempotent_and_never_replaces_a_config(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "contacts").mkdir()
    own = "people_folders: [Contacts]\noutput_folder: Generated\n"
    (tmp_path / "vaultkit.yaml").write_text(own)
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 0
    assert "kept the existing vaultkit.yaml" in result.output
    assert (tmp_path / "vaultkit.yaml").read_text() == own
    assert "created Generated/" in result.output
    assert "Contacts" not in result.output  # contacts/ exists, in another case
    assert not (tmp_path / "People").exists()
    stat_before = sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir())
    again = runner.invoke(cli, ["init", str(tmp_path)])
    assert again.exit_code == 0
    assert "nothing to do" in again.output
    assert sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.iterdir()) == stat_before


def test_the_commented_network_example_is_valid(tmp_path: Path) -> None:
    from vaultkit.network import NetworkConfig, network_config

    text = config_text()
    example = "\n".join(
        line[2:] for line in text.splitlines() if line.startswith(("# network:", "#   "))
    )
    (tmp_path / "vaultkit.yaml").write_text(example + "\n")
    loaded = Config.load(tmp_path)
    assert loaded.extra["network"]["max_nodes"] == 60
    assert network_config(loaded) == NetworkConfig()
