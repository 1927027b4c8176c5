"""The network map note: a Mermaid graph, limited in size, deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultkit.cli import cli
from vaultkit.config import Config
from vaultkit.errors import ConfigError
from vaultkit.network import network_config

from .conftest import TODAY

MAP = "vaultkit/Network map.md"


def regen(runner: CliRunner, vault: Path) -> str:
    result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
    assert result.exit_code == 0, result.output
    return (vault / MAP).read_text(encoding="utf-8")


def test_map_of_the_sample_vault(runner: CliRunner, sample_vault: Path) -> None:
    text = regen(runner, sample_vault)
    assert text.startswith("# Network map\n\n<!-- vaultkit:begin network ")
    assert "```mermaid\ngraph LR\n" in text
    ids = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("p", "c")) and ('("' in line or '["' in line):
            node, label = line.split('"')[0][:-1], line.split('"')[1]
            ids[label] = node
    assert ids["Sam Okafor"].startswith("p") and ids["Fernhill Studio"].startswith("c")
    assert f"{ids['Amara Osei']} -->|works at| {ids['Fernhill Studio']}" in text
    assert f"{ids['Amara Osei']} -.->|worked at| {ids['Civic Loop']}" in text
    assert f"{ids['Sam Okafor']} ==>|introduced| {ids['Amara Osei']}" in text
    assert f"{ids['Zoë Martín']} -.->|suggested| {ids['Hannah Lindqvist']}" in text
    assert "internal-link" in text
    # Noor's company has no note and Noor has no other connection: not drawn.
    assert "Noor Haddad" not in text
    # Deterministic: a second run writes nothing, and a fresh copy gives the same bytes.
    mtime = (sample_vault / MAP).stat().st_mtime_ns
    assert regen(runner, sample_vault) == text
    assert (sample_vault / MAP).stat().st_mtime_ns == mtime


def test_the_most_connected_are_kept(runner: CliRunner, sample_vault: Path) -> None:
    (sample_vault / "vaultkit.yaml").write_text("network:\n  max_nodes: 3\n")
    text = regen(runner, sample_vault)
    labels = [line.split('"')[1] for line in text.splitlines() if '("' in line or '["' in line]
    # Amara has 8 connections, Sam 6, Zoë 5; Fernhill Studio and others fewer.
    assert labels == ["Amara Osei", "Sam Okafor", "Zoë Martín"]
    assert "The 3 most connected of 21 people and companies" in text
    body = text.split("```mermaid")[1].split("```")[0]
    assert body.count("-->") + body.count("-.->") + body.count("==>") == 4


def test_user_text_outside_the_region_survives(runner: CliRunner, sample_vault: Path) -> None:
    text = regen(runner, sample_vault)
    (sample_vault / MAP).write_text(text + "\nMy own note.\n", encoding="utf-8")
    (sample_vault / "People/Noor Haddad.md").write_text(
        '---\ntype: person\ncompany: "[[Civic Loop]]"\n---\n', encoding="utf-8"
    )
    after = regen(runner, sample_vault)
    assert after.endswith("\nMy own note.\n")
    assert '("Noor Haddad")' in after


def test_labels_are_escaped(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "People").mkdir()
    (tmp_path / "Companies").mkdir()
    (tmp_path / "Companies/AT&T <Labs>.md").write_text("---\ntype: company\n---\n")
    (tmp_path / "People/Ann.md").write_text('---\ncompany: "[[AT&T <Labs>]]"\n---\n')
    text = regen(runner, tmp_path)
    assert 'c1["AT#amp;T #lt;Labs#gt;"]' in text


def test_empty_vault_and_switching_off(runner: CliRunner, tmp_path: Path) -> None:
    text = regen(runner, tmp_path)
    assert "Nothing to draw yet" in text
    (tmp_path / MAP).unlink()
    (tmp_path / "vaultkit.yaml").write_text("network: false\n")
    regen_result = runner.invoke(cli, ["regen", str(tmp_path), "--today", TODAY])
    assert regen_result.exit_code == 0
    assert not (tmp_path / MAP).exists()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"max_nodes": 0}, "max_nodes must be"),
        ({"max_nodes": "ten"}, "max_nodes must be"),
        ({"colour": "red"}, "unknown option 'colour'"),
        ({"enabled": "yes"}, "enabled must be true or false"),
        ("big", "expected options"),
    ],
)
def test_bad_network_config(section: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        network_config(Config(extra={"network": section}))
