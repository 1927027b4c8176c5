"""Adversarial sequences of user actions for the backlinks taken back (see
tests/test_scoped.py): after each step a run with the cache leaves the vault exactly as a
run without cache leaves a copy of it."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from click.testing import CliRunner

from vaultkit.cli import cli

from .conftest import REPO
from .test_scoped import _cli, _edit, _same_as_without_cache

MEETING = "Meetings/2026-11-25 Hannah Lindqvist job technical.md"
DANIEL = "People/Daniel Reyes.md"
AMARA = "People/Amara Osei.md"
LATER = "Meetings/2026-12-10 Amara Osei networking.md"


def _write(vault: Path, rel: str, text: str) -> None:
    """Write a file, its modification time a second later than before."""
    path = vault / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, "utf-8")
    later = max(before, path.stat().st_mtime_ns) + 1_000_000_007
    os.utime(path, ns=(later, later))


def _hand_edit_region(text: str) -> str:
    start = text.index("<!-- vaultkit:begin backlinks")
    line_end = text.index("\n", start)
    return text[: line_end + 1] + "my own words\n" + text[line_end + 1 :]


def _mention(name: str) -> str:
    return f"\nWe also spoke of [[{name}]].\n"


def test_a_conflict_then_undone_and_opt_out_and_off(sample_vault: Path, tmp_path: Path) -> None:
    _cli(sample_vault)
    _cli(sample_vault)
    _edit(sample_vault, DANIEL, _hand_edit_region)
    _same_as_without_cache(sample_vault, tmp_path, "conflict")
    _edit(sample_vault, DANIEL, lambda t: t.replace("my own words\n", ""))
    _same_as_without_cache(sample_vault, tmp_path, "undone")
    opt_out = "type: person\nvaultkit: false\n"
    _edit(sample_vault, DANIEL, lambda t: t.replace("type: person\n", opt_out))
    _same_as_without_cache(sample_vault, tmp_path, "opted-out")
    _edit(sample_vault, DANIEL, lambda t: t.replace("vaultkit: false\n", ""))
    _same_as_without_cache(sample_vault, tmp_path, "opted-in")
    off = "<!-- vaultkit:off backlinks -->\n"
    _edit(sample_vault, DANIEL, lambda t: t.replace("Recruiter for", off + "Recruiter for"))
    _same_as_without_cache(sample_vault, tmp_path, "off")
    _edit(sample_vault, MEETING, lambda t: t + _mention("Daniel Reyes"))  # while off
    _same_as_without_cache(sample_vault, tmp_path, "linked-while-off")
    _edit(sample_vault, DANIEL, lambda t: t.replace(off, ""))
    _same_as_without_cache(sample_vault, tmp_path, "on-again")
    assert "Hannah Lindqvist job technical" in (sample_vault / DANIEL).read_text("utf-8")


def test_a_template_override_and_link_settings_between_edits(
    sample_vault: Path, tmp_path: Path
) -> None:
    _cli(sample_vault)
    _cli(sample_vault)
    override = "vaultkit/templates/regions/person.md.j2"
    source = (REPO / "templates/regions/person.md.j2").read_text("utf-8")
    _write(sample_vault, override, source.replace("Meetings", "Meetings (mine)"))
    _same_as_without_cache(sample_vault, tmp_path, "override")
    _edit(sample_vault, MEETING, lambda t: t + _mention("Daniel Reyes"))
    _same_as_without_cache(sample_vault, tmp_path, "edit-with-override")
    (sample_vault / override).unlink()
    _same_as_without_cache(sample_vault, tmp_path, "override-gone")
    for n, settings in enumerate(
        [{"useMarkdownLinks": True}, {"newLinkFormat": "relative"}, {"newLinkFormat": "absolute"}]
    ):
        _write(sample_vault, ".obsidian/app.json", json.dumps(settings))
        _same_as_without_cache(sample_vault, tmp_path, f"settings-{n}")
        role = f"role: Partner {n}"
        _edit(sample_vault, DANIEL, lambda t, role=role: re.sub(r"(?m)^role:.*$", role, t))
        _same_as_without_cache(sample_vault, tmp_path, f"edit-{n}")
    (sample_vault / ".obsidian/app.json").unlink()
    _same_as_without_cache(sample_vault, tmp_path, "settings-gone")


def test_check_dry_run_and_another_day_between_runs(sample_vault: Path, tmp_path: Path) -> None:
    _cli(sample_vault)
    _cli(sample_vault)
    runner = CliRunner()
    _edit(sample_vault, MEETING, lambda t: t + _mention("Daniel Reyes"))
    runner.invoke(cli, ["check", str(sample_vault), "--today", "2026-11-22"])
    _same_as_without_cache(sample_vault, tmp_path, "after-check")
    _edit(sample_vault, AMARA, lambda t: re.sub(r"(?m)^role:.*$", "role: Analyst", t))
    _cli(sample_vault, "--dry-run")
    _same_as_without_cache(sample_vault, tmp_path, "after-dry-run")
    _edit(sample_vault, MEETING, lambda t: t.replace(_mention("Daniel Reyes"), ""))
    runner.invoke(cli, ["check", str(sample_vault), "--today", "2026-12-01"])
    _same_as_without_cache(sample_vault, tmp_path, "after-another-day")


def test_broken_yaml_an_emptied_note_and_the_prep_horizon(
    sample_vault: Path, tmp_path: Path
) -> None:
    _cli(sample_vault)
    _cli(sample_vault)
    _edit(sample_vault, DANIEL, lambda t: t.replace("tags: [recruiter]", "tags: [recruiter"))
    _same_as_without_cache(sample_vault, tmp_path, "broken")
    _edit(sample_vault, MEETING, lambda t: t + _mention("Daniel Reyes"))  # while broken
    _same_as_without_cache(sample_vault, tmp_path, "linked-while-broken")
    _edit(sample_vault, DANIEL, lambda t: t.replace("tags: [recruiter", "tags: [recruiter]"))
    _same_as_without_cache(sample_vault, tmp_path, "fixed")
    kept = (sample_vault / AMARA).read_text("utf-8")
    _write(sample_vault, AMARA, "")
    _same_as_without_cache(sample_vault, tmp_path, "emptied")
    _write(sample_vault, AMARA, kept)
    _same_as_without_cache(sample_vault, tmp_path, "restored")
    for n, day in enumerate(["2026-11-24", "2027-01-20", "2026-12-10"]):
        _edit(sample_vault, LATER, lambda t, day=day: re.sub(r"\d{4}-\d{2}-\d{2}", day, t, count=1))
        _same_as_without_cache(sample_vault, tmp_path, f"horizon-{n}")


def test_the_network_map_text_and_a_person_added_and_deleted(
    sample_vault: Path, tmp_path: Path
) -> None:
    _cli(sample_vault)
    _cli(sample_vault)
    network = "vaultkit/Network map.md"
    words = "# Network map\n\nSee [[Sam Okafor]].\n"
    _edit(sample_vault, network, lambda t: t.replace("# Network map\n", words))
    _same_as_without_cache(sample_vault, tmp_path, "map-text")
    ines = '---\ntype: person\ncompany: "[[Corvid Labs]]"\n---\nMet once.\n'
    _write(sample_vault, "People/Ines Duarte.md", ines)
    _same_as_without_cache(sample_vault, tmp_path, "added")
    hannah = '  - "[[Hannah Lindqvist]]"\n'
    _edit(sample_vault, MEETING, lambda t: t.replace(hannah, hannah + '  - "[[Ines Duarte]]"\n'))
    _same_as_without_cache(sample_vault, tmp_path, "attendee")
    (sample_vault / "People/Ines Duarte.md").unlink()
    _same_as_without_cache(sample_vault, tmp_path, "deleted")
