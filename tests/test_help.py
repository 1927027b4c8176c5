"""Every command has --help with an example, and a place in the README."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from vaultkit.cli import cli

from .conftest import REPO


def walk(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from walk(command, path)


COMMANDS = list(walk(cli))


def test_there_are_commands() -> None:
    assert ("regen",) in COMMANDS and ("new", "meeting") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_has_an_example(runner: CliRunner, path: tuple[str, ...]) -> None:
    result = runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"vaultkit {' '.join(path)} --help shows no example"
    assert f"vaultkit {' '.join(path)}" in result.output.split("Example", 1)[1]


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = f"vaultkit {' '.join(path)}"
    assert command in readme, f"README.md never shows {command}"
