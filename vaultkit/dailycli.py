"""The daily commands: ``new``, ``init``, ``rename``. Thin, like ``cli.py``: parse, call, report.

They live in their own module so that ``cli.py`` only has to register them.
"""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from pathlib import Path

import click

from . import backup, build, initvault, newnote, rename
from .config import CONFIG_NAME

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
    try:
        day = dt.date.fromisoformat(date_)
    except ValueError:
        raise click.BadParameter(
            f"{date_!r} is not a date like 2026-12-01", param_hint="--date"
        ) from None
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


def register(group: click.Group) -> None:
    """Add the daily commands to the main command group."""
    group.add_command(new)
    group.add_command(init)
    group.add_command(rename_command)
