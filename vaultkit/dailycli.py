"""The daily commands: ``new``, ``init``, ``rename``. Thin, like ``cli.py``: parse, call, report.

They live in their own module so that ``cli.py`` only has to register them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import onewriter
from .cliopts import parse_today as _today
from .cliopts import today_option
from .config import CONFIG_NAME

if TYPE_CHECKING:
    from . import newnote
    from . import status as day_status

# Each command imports what it needs when it runs (see cli.py).

vault_option = click.option(
    "--vault",
    "-C",
    "vault",
    default=".",
    show_default="this folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="The vault's folder.",
)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _report_created(result: newnote.Created, what: str) -> None:
    for hint in result.hints:
        click.echo(f"vaultkit: {hint}", err=True)
    if not result.created:
        click.echo(f"vaultkit: {what} already has a note; nothing created", err=True)
    click.echo(result.path)


@click.group()
def new() -> None:
    """Create a person, company or meeting note from a template.

    The note goes in the first folder the config names for its kind, with a safe
    file name; an existing note is never replaced. Prints the note's path.

    \b
    Example:
        vaultkit new person "Jane Doe" --company "Acme Corp" --role "Staff Designer"
        vaultkit new company "Acme Corp"
        vaultkit new meeting --with "Jane Doe" --kind informational --date 2026-12-01
    """


def _fail(exc: newnote.NewNoteError) -> None:
    raise click.ClickException(str(exc)) from None


@new.command("person")
@click.argument("name")
@click.option("--company", metavar="NAME", help="Where they work now (a company's name).")
@click.option("--role", metavar="TEXT", help="Their role or title.")
@click.option("--introduced-by", metavar="NAME", help="Who introduced you (a person's name).")
@vault_option
def new_person(
    name: str, company: str | None, role: str | None, introduced_by: str | None, vault: Path
) -> None:
    """Create a person note for NAME (People/NAME.md by default).

    If a person already has this name (in any case) or this alias, nothing is
    created and that note's path is printed. Company and introducer links point to
    existing notes when their names match.

    \b
    Example:
        vaultkit new person "Jane Doe" --company "Acme Corp" --role "Staff Designer" \\
            --introduced-by "Sam Lee" -C ~/Notes/Career
    """
    from . import build, newnote

    # No lock: creating a note never clobbers one (atomic create), and a
    # running watcher simply picks the new note up.
    loaded = build.load(vault, dt.date.today())
    try:
        result = newnote.new_person(loaded, name, company, role, introduced_by)
    except newnote.NewNoteError as exc:
        _fail(exc)
    _report_created(result, name)


@new.command("company")
@click.argument("name")
@vault_option
def new_company(name: str, vault: Path) -> None:
    """Create a company note for NAME (Companies/NAME.md by default).

    If a company already has this name (in any case) or alias, nothing is created
    and that note's path is printed.

    \b
    Example:
        vaultkit new company "Acme Corp" -C ~/Notes/Career
    """
    from . import build, newnote

    # No lock: creating a note never clobbers one (atomic create), and a
    # running watcher simply picks the new note up.
    loaded = build.load(vault, dt.date.today())
    try:
        result = newnote.new_company(loaded, name)
    except newnote.NewNoteError as exc:
        _fail(exc)
    _report_created(result, name)


@new.command("meeting")
@click.option(
    "--with",
    "with_",
    required=True,
    metavar="NAME[,NAME]",
    help="Who you meet: one or more people's names, separated by commas.",
)
@click.option(
    "--kind",
    required=True,
    metavar="KIND",
    help="informational, job, casual or networking.",
)
@click.option("--date", "date_", required=True, metavar="YYYY-MM-DD", help="The day.")
@click.option("--time", "time_", metavar="HH:MM", help="The start time.")
@click.option("--duration", type=click.IntRange(min=1), metavar="MINUTES", help="How long.")
@click.option("--where", metavar="TEXT", help="The place, or the video-call link.")
@vault_option
def new_meeting(
    with_: str,
    kind: str,
    date_: str,
    time_: str | None,
    duration: int | None,
    where: str | None,
    vault: Path,
) -> None:
    """Create a meeting note named "YYYY-MM-DD <people> <kind>".

    People are linked to their notes when their names or aliases match; a name
    with no note yet is linked as typed, and vaultkit says how to create it.

    \b
    Example:
        vaultkit new meeting --with "Jane Doe,Sam Lee" --kind informational \\
            --date 2026-12-01 --time 15:30 --duration 30 --where "Blue Bottle"
    """
    from . import build, newnote

    try:
        day = dt.date.fromisoformat(date_)
    except ValueError:
        raise click.BadParameter(
            f"{date_!r} is not a date like 2026-12-01", param_hint="--date"
        ) from None
    # No lock: creating a note never clobbers one (atomic create), and a
    # running watcher simply picks the new note up.
    loaded = build.load(vault, dt.date.today())
    try:
        result = newnote.new_meeting(loaded, with_.split(","), kind, day, time_, duration, where)
    except newnote.NewNoteError as exc:
        _fail(exc)
    _report_created(result, "this meeting")


@click.command()
@click.argument(
    "path", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[PATH]"
)
def init(path: Path) -> None:
    """Set up a vault in PATH (default: this folder): a commented vaultkit.yaml and folders.

    The config file lists every option with its meaning and its default. An
    existing vaultkit.yaml is never replaced; missing folders (people, companies,
    meetings, vaultkit's output and templates folders) are created. Running it
    again changes nothing.

    \b
    Example:
        vaultkit init ~/Notes/Career
    """
    from . import initvault

    if path.is_dir() and initvault.has_work(path):
        with onewriter.writing(path, "init"):  # a watcher may be watching this folder
            result = initvault.init_vault(path)
    else:
        result = initvault.init_vault(path)
    if result.config_written:
        click.echo(f"created {CONFIG_NAME}")
    else:
        click.echo(f"kept the existing {CONFIG_NAME} (vaultkit never replaces it)")
    for folder in result.folders_created:
        click.echo(f"created {folder}/")
    if not result.config_written and not result.folders_created:
        click.echo("nothing to do: the vault is set up")


@click.command("rename")
@click.argument("old")
@click.argument("new_name", metavar="NEW")
@click.option(
    "--dry-run", "-n", is_flag=True, help="Print a diff of what would change; write nothing."
)
@vault_option
def rename_command(old: str, new_name: str, dry_run: bool, vault: Path) -> None:
    """Rename the note OLD to NEW and update every link to it in the vault.

    OLD is a person, company or meeting note's name, alias or path; NEW is the new
    name (the note stays in its folder). Links that name the file change, in note
    bodies ([[Old]], [[Old#Heading|shown]], ![[Old]], [[People/Old]], Markdown
    links) and front-matter ("[[Old]]", plain names); only the name inside each
    link changes. Links through an alias still work and are left as they are, and
    so are links in code and in vaultkit's regions (vaultkit regen refreshes those).
    A meeting's prep sheet moves with it, with your notes in it. Prints how to undo
    it (`vaultkit undo` also puts every byte back). Exits 1 if some link could not
    be updated.

    \b
    Example:
        vaultkit rename "Jane Doe" "Jane Smith" --dry-run
        vaultkit rename "Jane Doe" "Jane Smith" -C ~/Notes/Career
    """
    with contextlib.nullcontext() if dry_run else onewriter.writing(vault, "rename"):
        _rename(old, new_name, dry_run, vault)


def _rename(old: str, new_name: str, dry_run: bool, vault: Path) -> None:
    from . import backup, build, rename

    loaded = build.load(vault, dt.date.today())
    try:
        plan = rename.plan_rename(loaded, old, new_name)
    except rename.RenameError as exc:
        raise click.ClickException(str(exc)) from None
    problems = list(plan.problems)
    for rel in plan.captured:
        click.echo(
            f"{rel}: note: it already links to {new_name!r}, which will now be this note "
            "(an undo would rename those links too)",
            err=True,
        )
    notes = len({e.path for e in plan.edits} - {plan.old_path})
    if dry_run:
        click.echo(plan.diff(), nl=False)
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(
            f"vaultkit: would rename {plan.old_path} -> {plan.new_path} and update "
            f"{_count(plan.links, 'link')} in {_count(notes, 'other note')}"
        )
        sys.exit(1 if problems else 0)
    config = loaded.config
    run = backup.open_run(loaded.root, config.backup_runs, config.backup_megabytes)
    try:
        problems.extend(rename.apply_rename(loaded, plan, run))
    except rename.RenameError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        run.close()
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(
        f"vaultkit: renamed {plan.old_path} -> {plan.new_path}; updated "
        f"{_count(plan.links, 'link')} in {_count(notes, 'other note')}"
    )
    if plan.sheet_old is not None and (loaded.root / str(plan.sheet_new)).exists():
        click.echo(f"vaultkit: moved its prep sheet {plan.sheet_old} -> {plan.sheet_new}")
    click.echo("Run vaultkit regen to refresh vaultkit's regions.")
    where = "" if str(vault) == "." else f" -C {shlex.quote(str(vault))}"
    click.echo(f"To undo: {plan.undo}{where}")
    sys.exit(1 if problems else 0)


path_argument = click.argument(
    "path", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[PATH]"
)

_STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True},
    "header": {"underline": True},
    "overdue": {"fg": "red"},
    "cancelled": {"dim": True},
    "problem": {"fg": "yellow"},
}


def _terminal_width() -> int | None:
    """The terminal's columns; when the output is not a terminal, $COLUMNS or no limit."""
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def _styler() -> day_status.Styler:
    from . import status as day_status

    if os.environ.get("NO_COLOR"):
        return day_status.no_style
    # click.echo drops the colours again when the output is not a terminal.
    return lambda text, role: click.style(text, **_STYLES[role]) if role in _STYLES else text


@click.command("status", short_help="The day at a glance: follow-ups, meetings, the funnel.")
@path_argument
@today_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON, for scripts.")
def status_command(path: Path, today: str | None, as_json: bool) -> None:
    """Show the day at a glance for the vault in PATH (default: this folder).

    Follow-ups overdue and due in the next days (vaultkit's tasks and the open
    tasks you wrote in meeting notes), meetings in the next 7 days with their prep
    sheets, people past their keep-in-touch cadence, meetings by kind and job
    stage, and the job-search funnel. Reads only: it writes nothing, not even a
    cache. Tables fit the terminal's width; colours only on a terminal (NO_COLOR
    turns them off).

    \b
    Example:
        vaultkit status ~/Notes/Career
        vaultkit status ~/Notes/Career --json | jq '.followups.overdue[].text'
    """
    from . import build
    from . import status as day_status

    loaded = build.load(path, _today(today), clean_temps=False)
    summary = day_status.gather(loaded)
    if as_json:
        click.echo(json.dumps(summary.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(day_status.render_text(summary, _terminal_width(), _styler()), nl=False)


@click.group("export")
def export() -> None:
    """Export what the vault knows in formats other programs read.

    \b
    Example:
        vaultkit export ics ~/Notes/Career -o ~/career.ics
    """


@export.command("ics", short_help="Upcoming meetings and follow-ups as an iCalendar file.")
@path_argument
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    help="Write the calendar to FILE (atomically) instead of printing it; '-' prints it.",
)
@today_option
def export_ics(path: Path, output: str | None, today: str | None) -> None:
    """Export upcoming meetings and follow-up due dates as an iCalendar (.ics) file.

    Meetings from today on become events with their time, length, place and a
    link back to the note (an obsidian:// link and the note's path); a meeting
    without a time, or a follow-up, is an all-day event on its day. Cancelled
    meetings are exported as cancelled. Each event keeps the same id from one
    export to the next, so importing again updates events instead of adding them
    twice. Prints the calendar unless -o is given; a file inside the vault must
    end in .ics and not be in a hidden folder.

    \b
    Example:
        vaultkit export ics ~/Notes/Career -o ~/career.ics
        vaultkit export ics ~/Notes/Career --today 2026-11-22 > upcoming.ics
    """
    from . import build, ics

    loaded = build.load(path, _today(today), clean_temps=False)
    calendar = ics.export(loaded)
    if output is None or output == "-":
        click.echo(calendar.data, nl=False)
        return
    try:
        written = ics.write_file(loaded.root, Path(output), calendar.data)
    except ics.ExportRefused as exc:
        raise click.ClickException(str(exc)) from None
    what = f"{_plural(calendar.meetings, 'meeting')} and {_plural(calendar.followups, 'follow-up')}"
    if written:
        click.echo(f"vaultkit: wrote {what} to {output}", err=True)
    else:
        click.echo(f"vaultkit: {output} already holds {what}; not written", err=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def register(group: click.Group) -> None:
    """Add the daily commands to the main command group."""
    group.add_command(new)
    group.add_command(init)
    group.add_command(rename_command)
    group.add_command(status_command)
    group.add_command(export)
