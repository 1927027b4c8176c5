"""The command line: parse options, call the core, report. Nothing else lives here."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from . import __version__, build, lock
from .build import RunResult
from .errors import Problem, Severity, VaultkitError, VaultLocked
from .plan import Action, unified_diff
from .scan import vault_root
from .watch import Level, Watcher

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_FAILED = 2


def _today(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-22") from None


today_option = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="Take this date as today (default: the local date).",
)
vault_argument = click.argument(
    "vault",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
)


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaultkit")
def cli() -> None:
    """vaultkit keeps a Markdown vault of people, companies and meetings connected.

    It reads your notes (Obsidian or any editor) and writes back, only inside its own
    marked regions: backlinks between people, companies and meetings.

    \b
    Example:
        vaultkit check ~/Notes/Career     # report problems, write nothing
        vaultkit regen ~/Notes/Career     # update every backlink region
    """


@cli.command()
@vault_argument
@click.option(
    "--dry-run", "-n", is_flag=True, help="Print a diff of what would change; write nothing."
)
@today_option
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary.")
def regen(vault: Path, dry_run: bool, today: str | None, quiet: bool) -> None:
    """Regenerate every vaultkit region in the VAULT (default: this folder).

    Prints one summary line, and a `path:line: message` line for each problem.
    A second run with the same notes writes nothing. Exits 1 when a note had a
    problem or a region was edited by hand (the rest is still written).

    \b
    Example:
        vaultkit regen ~/Notes/Career --dry-run
        vaultkit regen ~/Notes/Career --today 2026-11-22
    """
    writer = (
        contextlib.nullcontext() if dry_run else lock.hold(vault_root(vault), "regen", wait=10.0)
    )
    try:
        with writer:
            result = build.regen(vault, _today(today), dry_run)
    except VaultLocked as exc:
        click.echo(f"vaultkit: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    if dry_run:
        for fp in result.plans:
            if fp.action in (Action.CREATE, Action.UPDATE):
                click.echo(unified_diff(fp), nl=False)
    _report(result.problems)
    if not quiet:
        click.echo(summary(result, dry_run))
    sys.exit(EXIT_PROBLEMS if result.errors or result.counts[Action.CONFLICT] else EXIT_OK)


def summary(result: RunResult, dry_run: bool) -> str:
    counts = result.counts
    conflicts = sum(len(p.conflicts) for p in result.plans)
    problems = len([p for p in result.problems if p.code != "conflict"])
    verb = "would be " if dry_run else ""
    return (
        f"vaultkit: {counts[Action.CREATE]} {verb}created, {counts[Action.UPDATE]} {verb}updated, "
        f"{counts[Action.UNCHANGED]} unchanged, {_plural(conflicts, 'conflict')}, "
        f"{_plural(problems, 'problem')}"
    )


@cli.command()
@vault_argument
@today_option
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
def check(vault: Path, today: str | None, as_json: bool, strict: bool) -> None:
    """Check the VAULT's notes and report problems; write nothing.

    Reports broken front-matter (with the line), links that match no note or
    several, likely duplicate people, meetings without a date or with an unknown
    kind, people in meetings with no note, and damaged vaultkit regions.
    Exits 1 when there are errors (with --strict: errors or warnings), else 0.

    \b
    Example:
        vaultkit check ~/Notes/Career
        vaultkit check ~/Notes/Career --json | jq '.problems[].message'
    """
    loaded = build.load(vault, _today(today))
    problems = sorted(set(loaded.problems))
    for path, note in loaded.vault.notes.items():
        if note.region_problem:
            problems.append(
                Problem(
                    path, note.region_problem_line, note.region_problem, Severity.ERROR, "regions"
                )
            )
    problems.sort()
    errors = [p for p in problems if p.severity == Severity.ERROR]
    warnings = [p for p in problems if p.severity == Severity.WARNING]
    vault_model = loaded.vault
    if as_json:
        payload: dict[str, Any] = {
            "vault": str(loaded.root),
            "notes": len(vault_model.notes),
            "people": len(vault_model.people),
            "companies": len(vault_model.companies),
            "meetings": len(vault_model.meetings),
            "errors": len(errors),
            "warnings": len(warnings),
            "problems": [p.to_json() for p in problems],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(str(problem))
        click.echo(
            f"vaultkit: {len(vault_model.notes)} notes ({len(vault_model.people)} people, "
            f"{len(vault_model.companies)} companies, {len(vault_model.meetings)} meetings): "
            f"{_plural(len(errors), 'error')}, {_plural(len(warnings), 'warning')}"
        )
    failed = errors or (strict and warnings)
    sys.exit(EXIT_PROBLEMS if failed else EXIT_OK)


@cli.command()
@vault_argument
@click.option(
    "--poll",
    is_flag=True,
    help="Poll the folder every second instead of using the system's file events "
    "(network drives, WSL mounts of Windows folders).",
)
@today_option
@click.option("--quiet", "-q", is_flag=True, help="Print problems only.")
@click.option(
    "--verbose", "-v", is_flag=True, help="Also print ignored events (its own writes) and rescans."
)
def watch(vault: Path, poll: bool, today: str | None, quiet: bool, verbose: bool) -> None:
    """Keep the VAULT current while you edit it, until Ctrl-C.

    Runs a full regen, then watches the folder: within a moment of each save it
    updates the regions that depend on the changed notes and prints one line
    saying what changed and which files it wrote. It never writes into a note you
    saved less than a second ago (it waits for you to pause), ignores editor temp
    files, and keeps going through broken notes. Only one vaultkit writes to a
    vault at a time: `regen` refuses while `watch` runs. Ctrl-C or SIGTERM stops it.

    \b
    Example:
        vaultkit watch ~/Notes/Career
        vaultkit watch ~/Notes/Career --poll -q     # on a network drive
    """
    threshold = Level.PROBLEM if quiet else Level.DETAIL if verbose else Level.INFO
    # watchdog warns when a folder made inside a new folder is watched twice: harmless noise.
    warnings.filterwarnings("ignore", "Callback with id", RuntimeWarning, "watchdog")

    def report(level: Level, text: str) -> None:
        if level <= threshold:
            click.echo(text, err=level == Level.PROBLEM)

    try:
        watcher = Watcher(vault, report, _today(today) if today else None, poll)
    except VaultkitError as exc:
        click.echo(f"vaultkit: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    # A signal during the first run lets that run finish its writes, then stops.
    with _stop_on_signals(watcher.stop):
        try:
            result = watcher.start()
        except VaultkitError as exc:
            click.echo(f"vaultkit: {exc}", err=True)
            sys.exit(EXIT_FAILED)
        try:
            _report(result.problems)
            if not quiet:
                click.echo(summary(result, False))
                notes = len(result.loaded.vault.notes)
                click.echo(f"watching {watcher.root} ({_plural(notes, 'note')}) — Ctrl-C to stop")
            watcher.run()
        finally:
            watcher.close()
    if not quiet:
        click.echo("vaultkit: stopped watching")
    sys.exit(EXIT_FAILED if watcher.failed else EXIT_OK)


@contextlib.contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Turn Ctrl-C and SIGTERM into a clean stop (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.signal(sig, lambda *_: stop()) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main() -> None:
    """The one exit point: domain errors become a message and exit 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except VaultkitError as exc:
        click.echo(f"vaultkit: {exc}", err=True)
        sys.exit(EXIT_FAILED)
