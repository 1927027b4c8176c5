"""Obsidian's settings: link style in regions, template folders skipped, Tasks global filter."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultkit import build
from vaultkit.cli import cli
from vaultkit.obsidian import read_settings, tasks_global_filter

from .conftest import TODAY

AMARA = "People/Amara Osei.md"


def settings(vault: Path, name: str, data: object) -> None:
    path = vault / ".obsidian" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def regen(runner: CliRunner, vault: Path) -> str:
    result = runner.invoke(cli, ["regen", str(vault), "--today", TODAY])
    assert result.exit_code == 0, result.output
    return (vault / AMARA).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("app", "company", "meeting"),
    [
        ({}, "[[Fernhill Studio]]", "[[2026-08-28 Amara Osei informational]]"),
        (
            {"newLinkFormat": "absolute"},
            "[[Companies/Fernhill Studio|Fernhill Studio]]",
            "[[Meetings/2026-08-28 Amara Osei informational|2026-08-28 Amara Osei informational]]",
        ),
        (
            {"newLinkFormat": "relative"},
            "[[../Companies/Fernhill Studio|Fernhill Studio]]",
            "[[../Meetings/2026-08-28 Amara Osei informational|",
        ),
        (
            {"useMarkdownLinks": True},
            "[Fernhill Studio](Fernhill%20Studio.md)",
            "[2026-08-28 Amara Osei informational](2026-08-28%20Amara%20Osei%20informational.md)",
        ),
        (
            {"useMarkdownLinks": True, "newLinkFormat": "relative"},
            "[Fernhill Studio](../Companies/Fernhill%20Studio.md)",
            "(../Meetings/2026-08-28%20Amara%20Osei%20informational.md)",
        ),
        (
            {"useMarkdownLinks": True, "newLinkFormat": "absolute"},
            "[Fernhill Studio](Companies/Fernhill%20Studio.md)",
            "(Meetings/2026-08-28%20Amara%20Osei%20informational.md)",
        ),
    ],
)
def test_links_in_regions_follow_app_json(
    runner: CliRunner, sample_vault: Path, app: dict[str, object], company: str, meeting: str
) -> None:
    settings(sample_vault, "app.json", app)
    before = (sample_vault / ".obsidian/app.json").read_bytes()
    text = regen(runner, sample_vault)
    assert f"**Works at:** {company}" in text
    assert meeting in text
    assert (sample_vault / ".obsidian/app.json").read_bytes() == before  # never written


def test_a_name_that_is_not_unique_is_path_qualified(runner: CliRunner, sample_vault: Path) -> None:
    (sample_vault / "Notes/Fernhill Studio.md").write_text("An essay, not the company.\n")
    text = regen(runner, sample_vault)
    assert "[[Companies/Fernhill Studio|Fernhill Studio]]" in text
    settings(sample_vault, "app.json", {"useMarkdownLinks": True})
    (sample_vault / AMARA).write_text(text.split("<!-- vaultkit:begin")[0], encoding="utf-8")
    text = regen(runner, sample_vault)
    assert "[Fernhill Studio](Companies/Fernhill%20Studio.md)" in text


def test_template_folders_are_not_notes(sample_vault: Path) -> None:
    for folder in ("Templates", "Tpl/Templater"):
        (sample_vault / folder).mkdir(parents=True)
        (sample_vault / folder / "Person.md").write_text(
            '---\ntype: person\ncompany: "[[{{company}}]]"\n---\n', encoding="utf-8"
        )
    today = dt.date.fromisoformat(TODAY)
    loaded = build.load(sample_vault, today)
    assert "Templates/Person.md" in loaded.vault.people
    settings(sample_vault, "templates.json", {"folder": "Templates/"})
    settings(
        sample_vault, "plugins/templater-obsidian/data.json", {"templates_folder": "Tpl/Templater"}
    )
    loaded = build.load(sample_vault, today)
    assert not [p for p in loaded.vault.notes if p.endswith("Person.md")]
    assert read_settings(loaded.root).template_folders == ("Templates", "Tpl/Templater")


def test_tasks_global_filter(sample_vault: Path) -> None:
    assert tasks_global_filter(sample_vault) == ""
    settings(sample_vault, "plugins/obsidian-tasks-plugin/data.json", {"globalFilter": " #task "})
    assert tasks_global_filter(sample_vault) == "#task"
    loaded = build.load(sample_vault, dt.date.fromisoformat(TODAY))
    assert loaded.vault.obsidian.tasks_global_filter == "#task"


def test_broken_or_escaping_settings_mean_the_defaults(sample_vault: Path, tmp_path: Path) -> None:
    (sample_vault / ".obsidian").mkdir()
    (sample_vault / ".obsidian/app.json").write_text("{not json", encoding="utf-8")
    settings(sample_vault, "templates.json", {"folder": "../outside"})
    assert read_settings(sample_vault.resolve()) == read_settings(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "data.json").write_text(json.dumps({"globalFilter": "#leak"}))
    plugin = sample_vault / ".obsidian/plugins/obsidian-tasks-plugin"
    plugin.parent.mkdir(parents=True)
    plugin.symlink_to(outside)
    assert tasks_global_filter(sample_vault.resolve()) == ""
