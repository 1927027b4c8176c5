"""The Tasks plugin's global filter in the task lines vaultkit writes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultkit import followups
from vaultkit.obsidian import tasks_global_filter

from .test_followups import (
    DASH,
    make_vault,
    meeting,
    regen,
    region,
    replace_in,
    snapshot,
    tasks,
)

FILTER_FILE = ".obsidian/plugins/obsidian-tasks-plugin/data.json"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(tmp_path / "vault")


def set_filter(root: Path, value: object) -> None:
    path = root / FILTER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"globalFilter": value}), encoding="utf-8")


def all_generated(root: Path) -> list[str]:
    """Every task line with a vaultkit id, in every note."""
    out = []
    for path in sorted(root.rglob("*.md")):
        out.extend(
            line for line in tasks(path.read_text(encoding="utf-8")) if followups.ID_RE.search(line)
        )
    return out


def test_generated_tasks_carry_the_global_filter(runner: CliRunner, vault: Path) -> None:
    set_filter(vault, "#task")
    result = regen(runner, vault)
    assert result.exit_code == 0, result.output
    lines = all_generated(vault)
    assert len(lines) > 5
    assert all(line.startswith("- [ ] #task ") for line in lines), lines
    home = tasks(region(vault, meeting("2026-11-10 Jane informational")))
    assert home[0].startswith("- [ ] #task Send a thank-you note to [[Jane Doe]] (")
    # The nudges in person notes and the dashboard's copies carry it too.
    assert any(line.startswith("- [ ] #task Reach out to") for line in lines)
    assert home[0] in (vault / DASH).read_text(encoding="utf-8")


def test_ticks_and_additions_are_still_honoured_with_a_filter(
    runner: CliRunner, vault: Path
) -> None:
    set_filter(vault, "#task")
    assert regen(runner, vault).exit_code == 0
    name = meeting("2026-11-10 Jane informational")
    (thanks,) = [t for t in tasks(region(vault, name)) if "thank-you" in t]
    ticked = thanks.replace("- [ ]", "- [x]") + " ✅ 2026-11-21 #sent"
    replace_in(vault / name, thanks, ticked)
    result = regen(runner, vault)
    assert result.exit_code == 0, result.output
    assert "0 conflicts" in result.output
    assert ticked in tasks(region(vault, name))
    assert ticked in (vault / DASH).read_text(encoding="utf-8")
    before = snapshot(vault)
    assert "0 created, 0 updated" in regen(runner, vault).output
    assert snapshot(vault) == before


def test_no_filter_no_tag(runner: CliRunner, vault: Path) -> None:
    assert regen(runner, vault).exit_code == 0
    lines = all_generated(vault)
    assert lines and not any("#task" in line for line in lines)


def test_existing_tasks_are_not_rewritten_when_a_filter_is_set_later(
    runner: CliRunner, vault: Path
) -> None:
    assert regen(runner, vault).exit_code == 0
    before = all_generated(vault)
    set_filter(vault, "#task")
    result = regen(runner, vault)
    assert result.exit_code == 0, result.output
    assert "0 conflicts" in result.output
    assert all_generated(vault) == before


def test_the_filter_is_not_added_twice() -> None:
    due = dt.date(2026, 11, 11)
    assert followups.task_line("Do it", "fu-00000000", due, "#task") == (
        "- [ ] #task Do it 🆔 fu-00000000 📅 2026-11-11"
    )
    assert followups.task_line("Do #task now", "fu-00000000", due, "#task") == (
        "- [ ] Do #task now 🆔 fu-00000000 📅 2026-11-11"
    )
    assert followups.task_line("Do it", "fu-00000000", due) == (
        "- [ ] Do it 🆔 fu-00000000 📅 2026-11-11"
    )


def test_a_filter_that_cannot_sit_on_a_task_line_is_ignored(tmp_path: Path) -> None:
    for bad in ("#a\n#b", "<!-- vaultkit:end followups -->", "x 📅 2026-01-01", "[[x]]", 7):
        set_filter(tmp_path, bad)
        assert tasks_global_filter(tmp_path) == "", bad
    set_filter(tmp_path, "TODO")
    assert tasks_global_filter(tmp_path) == "TODO"
