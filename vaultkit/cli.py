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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__, dailycli, lock, obsidian, onewriter, runmemo
from .actions import Action
from .cache import FileCache, open_cache
from .cliopts import parse_today as _today
from .cliopts import today_option
from .config import Config
from .errors import Problem, Severity, TemplateProblem, VaultkitError, VaultLocked
from .progress import TerminalProgress
from .scan import ScanResult, scan, scan_ignores, vault_root
from .shipped import default_templates_dir

if TYPE_CHECKING:
    from .build import RunResult

# Modules that only some commands need (the rendering pipeline, Jinja2, markdown-it,
# icalendar) are imported inside those commands: a run that is remembered, `--help`
# and the daily commands start without them.

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_FAILED = 2


vault_argument = click.argument(
    "vault",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
)


no_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    help="Parse every note, build the model and render every output again, instead of "
    "reusing what earlier runs kept in your cache folder (outside the vault; "
    "VAULTKIT_CACHE_DIR moves it). That is never trusted over a note: a note whose size or "
    "time changed is always parsed again.",
)


def _open_cache(vault: Path, no_cache: bool) -> FileCache | None:
    return None if no_cache else open_cache(vault_root(vault))


@dataclass
class _Memo:
    """A run's inputs, scanned once: the key to the last identical run, and what it said."""

    root: Path
    config: Config
    scanned: ScanResult
    key: str
    outcome: runmemo.Outcome | None


def _memo(vault: Path, command: str, today: dt.date, clean: bool = True) -> _Memo:
    """``clean``: remove stale vaultkit temp files (a run that writes; not a dry run,
    which takes no lock: a writer's temp name may hold a note it is checking)."""
    root = vault_root(vault)
    config = Config.load(root)
    settings = obsidian.read_settings(root)  # in a hidden folder: not in the scan
    clean_temps = clean and command == "regen"
    scanned = scan(root, scan_ignores(config, settings), clean_temps=clean_temps)
    templates = (root / config.templates_folder, default_templates_dir())
    key = runmemo.inputs_key(command, root, today, scanned, templates, extra=repr(settings))
    return _Memo(root, config, scanned, key, runmemo.recall(root, command, key))


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaultkit")
def cli() -> None:
    """vaultkit keeps a Markdown vault of people, companies and meetings connected.

    It reads your notes (Obsidian or any editor) and writes back, only inside its own
    marked regions: backlinks between people, companies and meetings, a prep sheet
    for each upcoming meeting, the follow-ups each meeting calls for, a dashboard of
    what is due, and a network map of who you know where. `vaultkit watch` keeps it
    all current while you edit.

    \b
    Example:
        vaultkit check ~/Notes/Career     # report problems, write nothing
        vaultkit regen ~/Notes/Career     # update every region, sheet and the dashboard
        vaultkit watch ~/Notes/Career     # the same on every save, until Ctrl-C
        vaultkit prep "2026-11-26 Elena Vasquez informational" --vault ~/Notes/Career
    """


@cli.command()
@vault_argument
@click.option(
    "--dry-run", "-n", is_flag=True, help="Print a diff of what would change; write nothing."
)
@today_option
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary.")
@no_cache_option
def regen(vault: Path, dry_run: bool, today: str | None, quiet: bool, no_cache: bool) -> None:
    """Regenerate every vaultkit region in the VAULT (default: this folder).

    Prints one summary line, and a `path:line: message` line for each problem.
    A second run with the same notes writes nothing. Exits 1 when there was an
    error (warnings alone exit 0) or a region was edited by hand (the rest is still
    written).

    \b
    Example:
        vaultkit regen ~/Notes/Career --dry-run
        vaultkit regen ~/Notes/Career --today 2026-11-22
        vaultkit regen ~/Notes/Career --no-cache
    """
    day = _today(today)
    cache = _open_cache(vault, no_cache)
    memo = _memo(vault, "regen", day, clean=not dry_run) if cache is not None else None
    if memo is not None and memo.outcome is not None:
        # Nothing changed since a run that had nothing to write: say again what it said.
        _report(memo.outcome.problems)
        if not quiet:
            click.echo(summary_line(memo.outcome.counts, memo.outcome.problems, dry_run))
        sys.exit(memo.outcome.exit_code)
    from . import build

    writer = (
        contextlib.nullcontext() if dry_run else lock.hold(vault_root(vault), "regen", wait=10.0)
    )
    progress = TerminalProgress()
    try:
        with writer:
            result = build.regen(
                vault,
                day,
                dry_run,
                config=memo.config if memo else None,
                cache=cache,
                scanned=memo.scanned if memo else None,
                progress=progress,
                freeze=True,  # one run, then the process ends
            )
    except VaultLocked as exc:
        progress.close()
        click.echo(f"vaultkit: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    progress.close()
    if cache is not None:
        cache.save()
        build.keep_backlinks(result, build.keep_model(result.loaded, cache, result.wrote))
    if dry_run:
        for fp in result.plans:
            if fp.action in (Action.CREATE, Action.UPDATE):
                from .plan import unified_diff

                click.echo(unified_diff(fp), nl=False)
    _report(result.problems)
    if not quiet:
        click.echo(summary(result, dry_run or result.held))
    code = _regen_code(result)
    if memo is not None:
        _remember_regen(memo, result, dry_run)
    sys.exit(code)


def _regen_code(result: RunResult) -> int:
    return EXIT_PROBLEMS if result.errors or result.counts[Action.CONFLICT] else EXIT_OK


def _remember_regen(memo: _Memo, result: RunResult, dry_run: bool) -> None:
    """Remember a run that had nothing to write (the next one on the same inputs only
    says it again); forget any earlier one otherwise."""
    counts = {str(k): v for k, v in result.counts.items()}
    counts["conflicts"] = sum(len(p.conflicts) for p in result.plans)
    wanted = counts.get(Action.CREATE) or counts.get(Action.UPDATE)
    if result.written or wanted or dry_run or result.held or result.unwritten:
        runmemo.forget(memo.root, "regen")
    else:
        outcome = runmemo.Outcome("regen", memo.key, result.problems, counts, _regen_code(result))
        runmemo.remember(memo.root, outcome)


def summary(result: RunResult, dry_run: bool) -> str:
    counts = {str(k): v for k, v in result.counts.items()}
    counts["conflicts"] = sum(len(p.conflicts) for p in result.plans)
    return summary_line(counts, result.problems, dry_run)


def summary_line(counts: dict[str, int], all_problems: list[Problem], dry_run: bool) -> str:
    conflicts = counts.get("conflicts", 0)
    problems = len([p for p in all_problems if p.code != "conflict"])
    verb = "would be " if dry_run else ""
    return (
        f"vaultkit: {counts.get(Action.CREATE, 0)} {verb}created, "
        f"{counts.get(Action.UPDATE, 0)} {verb}updated, "
        f"{counts.get(Action.UNCHANGED, 0)} unchanged, {_plural(conflicts, 'conflict')}, "
        f"{_plural(problems, 'problem')}"
    )


@cli.command()
@vault_argument
@today_option
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
@no_cache_option
def check(vault: Path, today: str | None, as_json: bool, strict: bool, no_cache: bool) -> None:
    """Check the VAULT's notes and report problems; write nothing.

    Reports broken front-matter (with the line), links that match no note or
    several, likely duplicate people, meetings without a date or with an unknown
    kind, people in meetings with no note, and damaged vaultkit regions.
    Exits 1 when there are errors (with --strict: errors or warnings), else 0.

    \b
    Example:
        vaultkit check ~/Notes/Career
        vaultkit check ~/Notes/Career --json | jq '.problems[].message'
        vaultkit check ~/Notes/Career --no-cache
    """
    day = _today(today)
    cache = _open_cache(vault, no_cache)
    memo = _memo(vault, "check", day) if cache is not None else None
    if memo is not None and memo.outcome is not None:
        root, problems, counts = memo.root, memo.outcome.problems, memo.outcome.counts
    else:
        root, problems, counts = _check(vault, day, cache, memo)
    errors = [p for p in problems if p.severity == Severity.ERROR]
    warnings = [p for p in problems if p.severity == Severity.WARNING]
    if as_json:
        payload: dict[str, Any] = {
            "vault": str(root),
            "notes": counts["notes"],
            "people": counts["people"],
            "companies": counts["companies"],
            "meetings": counts["meetings"],
            "errors": len(errors),
            "warnings": len(warnings),
            "problems": [p.to_json() for p in problems],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(str(problem))
        click.echo(
            f"vaultkit: {_plural(counts['notes'], 'note')} "
            f"({_count(counts['people'], 'person', 'people')}, "
            f"{_count(counts['companies'], 'company', 'companies')}, "
            f"{_plural(counts['meetings'], 'meeting')}): "
            f"{_plural(len(errors), 'error')}, {_plural(len(warnings), 'warning')}"
        )
    failed = errors or (strict and warnings)
    sys.exit(EXIT_PROBLEMS if failed else EXIT_OK)


@cli.command()
@vault_argument
@click.option("--dry-run", "-n", is_flag=True, help="Say what would be restored; change nothing.")
def undo(vault: Path, dry_run: bool) -> None:
    """Put back the files the last vaultkit run changed in the VAULT.

    vaultkit keeps the previous bytes of every file it replaces or creates in a
    backup outside the vault (your cache folder; VAULTKIT_CACHE_DIR moves it). undo
    restores the newest run not yet undone: files it changed get their old bytes
    back, notes it created are removed. A file you changed since that run is left
    as it is and reported, with the path of the kept copy. Run it again to go one
    more run back. Exits 1 when a file was left as it is.

    \b
    Example:
        vaultkit undo ~/Notes/Career --dry-run
        vaultkit undo ~/Notes/Career
    """
    from . import backup

    root = vault_root(vault)
    with contextlib.nullcontext() if dry_run else onewriter.writing(root, "undo"):
        result = backup.undo(root, dry_run)
    _report(result.problems)
    if result.run is None:
        click.echo("vaultkit: nothing to undo (no run with changes is kept for this vault)")
        sys.exit(EXIT_OK)
    verb = "would be " if dry_run else ""
    click.echo(
        f"vaultkit: {len(result.restored)} {verb}restored, {len(result.removed)} {verb}removed, "
        f"{len(result.already)} already as before, {len(result.problems)} left as they are"
    )
    sys.exit(EXIT_PROBLEMS if result.problems else EXIT_OK)


@cli.command()
@click.argument("note")
@click.option(
    "--vault",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="The vault's folder (default: this folder).",
)
@click.option("--take-vaultkit", "choice", flag_value="take", help="Use vaultkit's version.")
@click.option("--keep-mine", "choice", flag_value="keep", help="Keep your version for good.")
@today_option
def resolve(note: str, vault: Path, choice: str | None, today: str | None) -> None:
    """Settle a conflict: a region of NOTE you edited by hand.

    NOTE is the note's path in the vault as vaultkit prints it (or its conflict
    note in vaultkit/Conflicts/). With --take-vaultkit the edited regions get
    vaultkit's version (yours stays in the backup: `vaultkit undo` brings it back).
    With --keep-mine the region's markers are removed and your text stays as your
    own; a `<!-- vaultkit:off NAME -->` line in their place keeps vaultkit from
    writing that region in this note again (delete the line to let it back).
    Either way the conflict note is removed.

    \b
    Example:
        vaultkit resolve "People/Jane Doe.md" --take-vaultkit --vault ~/Notes/Career
        vaultkit resolve "People/Jane Doe.md" --keep-mine
    """
    from . import build
    from .conflicts import relative_note

    if choice is None:
        raise click.UsageError("say which version to keep: --take-vaultkit or --keep-mine")
    root = vault_root(vault)
    rel = relative_note(root, note)
    day = _today(today)
    with onewriter.writing(root, "resolve"):
        done = build.resolve(root, rel, choice == "take", day)
    if not done.regions:
        click.echo(f"vaultkit: {done.source}: no region edited by hand; nothing to resolve")
    else:
        how = "vaultkit's version" if choice == "take" else "your version, now your own text"
        click.echo(f"vaultkit: {done.source}: {', '.join(done.regions)}: {how}")
    if done.conflict_note_removed:
        click.echo("vaultkit: conflict note removed")
    sys.exit(EXIT_OK)


@cli.command()
@click.argument("meeting")
@click.option(
    "--vault",
    "vault",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="The vault's folder (default: this folder).",
)
@today_option
def prep(meeting: str, vault: Path, today: str | None) -> None:
    """Write the prep sheet of one MEETING now and print its path.

    MEETING is a meeting note's name (as you would link it) or its path in the
    vault. The sheet is written whatever the meeting's date, even beyond the
    prep horizon; text you added to the sheet outside vaultkit's block is kept.
    Exits 1 when the sheet's block was edited by hand (it is left as it is) or a
    template is broken.

    \b
    Example:
        vaultkit prep "2026-11-26 Elena Vasquez informational" --vault ~/Notes/Career
        vaultkit prep "Meetings/2026-12-01 Olivia Chen casual.md" --vault ~/Notes/Career
    """
    from . import prep as prep_sheets

    day = _today(today)
    try:
        with onewriter.writing(vault, "prep"):
            done = prep_sheets.prep_one(vault, day, meeting)
    except TemplateProblem as exc:
        _report([Problem(exc.name, exc.line, exc.message, Severity.ERROR, "template")])
        sys.exit(EXIT_PROBLEMS)
    except VaultkitError as exc:
        raise click.ClickException(str(exc)) from None
    _report(done.result.problems)
    click.echo(str(done.path))
    failed = done.result.errors or done.result.counts[Action.CONFLICT]
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
@no_cache_option
def watch(
    vault: Path, poll: bool, today: str | None, quiet: bool, verbose: bool, no_cache: bool
) -> None:
    """Keep the VAULT current while you edit it, until Ctrl-C.

    Runs a full regen, then watches the folder: within a moment of each save it
    updates the regions that depend on the changed notes and prints one line
    saying what changed and which files it wrote. It never writes into a note you
    saved less than a second ago (it waits for you to pause), ignores editor temp
    files, and keeps going through broken notes. It starts from the parse cache
    that `regen` keeps, and leaves it up to date when it stops. Only one vaultkit
    writes to a vault at a time: `regen`, `prep`, `undo`, `resolve`, `new` and
    `rename` refuse while `watch` runs. Ctrl-C or SIGTERM stops it.

    \b
    Example:
        vaultkit watch ~/Notes/Career
        vaultkit watch ~/Notes/Career --poll -q     # on a network drive
    """
    from .watch import Level, Watcher  # watchdog is imported only by the command that needs it

    threshold = Level.PROBLEM if quiet else Level.DETAIL if verbose else Level.INFO
    # watchdog warns when a folder made inside a new folder is watched twice: harmless noise.
    warnings.filterwarnings("ignore", "Callback with id", RuntimeWarning, "watchdog")

    def report(level: Level, text: str) -> None:
        if level <= threshold:
            click.echo(text, err=level == Level.PROBLEM)

    day = _today(today) if today else None
    try:
        # Parsed notes from the last run, for a quick start; not frozen out of the
        # collector's sight, since this process lives on.
        cache = None if no_cache else open_cache(vault_root(vault), freeze=False)
        # A vault that a run found settled, unchanged since: no need to render it all.
        memo = _memo(vault, "regen", day or dt.date.today()) if cache is not None else None
        watcher = Watcher(vault, report, day, poll, cache)
    except VaultkitError as exc:
        click.echo(f"vaultkit: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    settled = memo.outcome if memo is not None else None
    # A signal during the first run lets that run finish its writes, then stops.
    with _stop_on_signals(watcher.stop):
        try:
            result = watcher.start(
                memo.scanned if memo is not None else None,
                settled.problems if settled is not None else None,
            )
        except VaultkitError as exc:
            click.echo(f"vaultkit: {exc}", err=True)
            sys.exit(EXIT_FAILED)
        if cache is not None:
            cache.save()  # now, so that even a watcher killed outright leaves it warm
        if memo is not None and result is not None:
            _remember_regen(memo, result, dry_run=False)
        try:
            if result is None:  # settled: the vault is read as watching begins
                assert settled is not None and memo is not None
                problems, notes = settled.problems, len(memo.scanned.entries)
                line = summary_line(settled.counts, settled.problems, False)
            else:
                problems, notes = result.problems, len(result.loaded.vault.notes)
                line = summary(result, False)
            _report(problems)
            if not quiet:
                click.echo(line)
                click.echo(f"watching {watcher.root} ({_plural(notes, 'note')}) — Ctrl-C to stop")
            watcher.run()
        finally:
            watcher.close()
            if cache is not None:
                cache.save()  # what this session parsed, for the next start
                watcher.keep_model()  # and the model it holds
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


dailycli.register(cli)


def _check(
    vault: Path, day: dt.date, cache: FileCache | None, memo: _Memo | None
) -> tuple[Path, list[Problem], dict[str, int]]:
    """Load the vault and gather every problem ``check`` reports, with the counts it prints."""
    from . import build, followups

    progress = TerminalProgress()
    loaded = build.load(
        vault,
        day,
        clean_temps=False,  # check writes nothing
        config=memo.config if memo else None,
        cache=cache,
        scanned=memo.scanned if memo else None,
        progress=progress,
        freeze=True,  # one run, then the process ends
    )
    progress.close()
    if cache is not None:
        cache.save()
        build.keep_model(loaded)
    followups.settings_of(loaded.config)  # a broken `followups:` section stops here too
    problems = sorted(set(loaded.problems))
    for path, note in loaded.vault.notes.items():
        if note.region_problem:
            problems.append(
                Problem(
                    path, note.region_problem_line, note.region_problem, Severity.ERROR, "regions"
                )
            )
    problems.sort()
    model = loaded.vault
    counts = {
        "notes": len(model.notes),
        "people": len(model.people),
        "companies": len(model.companies),
        "meetings": len(model.meetings),
    }
    if memo is not None:
        runmemo.remember(memo.root, runmemo.Outcome("check", memo.key, problems, counts))
    return loaded.root, problems, counts


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
