"""The command line: parse options, call the core, report. Nothing else lives here."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from . import __version__, build, runmemo
from .build import RunResult
from .cache import FileCache, open_cache
from .config import Config
from .errors import Problem, Severity, VaultkitError
from .plan import Action, unified_diff
from .progress import TerminalProgress
from .scan import ScanResult, scan, vault_root

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


no_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    help="Parse every note again instead of reusing the parse cache kept in your cache "
    "folder (outside the vault; VAULTKIT_CACHE_DIR moves it). The cache is never trusted "
    "over a note: a note whose size or time changed is always parsed again.",
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


def _memo(vault: Path, command: str, today: dt.date) -> _Memo:
    from .render import default_templates_dir

    root = vault_root(vault)
    config = Config.load(root)
    scanned = scan(root, build.scan_ignores(config))
    templates = (root / config.templates_folder, default_templates_dir())
    key = runmemo.inputs_key(command, root, today, scanned, templates)
    return _Memo(root, config, scanned, key, runmemo.recall(root, command, key))


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
@no_cache_option
def regen(vault: Path, dry_run: bool, today: str | None, quiet: bool, no_cache: bool) -> None:
    """Regenerate every vaultkit region in the VAULT (default: this folder).

    Prints one summary line, and a `path:line: message` line for each problem.
    A second run with the same notes writes nothing. Exits 1 when a note had a
    problem or a region was edited by hand (the rest is still written).

    \b
    Example:
        vaultkit regen ~/Notes/Career --dry-run
        vaultkit regen ~/Notes/Career --today 2026-11-22
        vaultkit regen ~/Notes/Career --no-cache
    """
    day = _today(today)
    cache = _open_cache(vault, no_cache)
    memo = _memo(vault, "regen", day) if cache is not None else None
    if memo is not None and memo.outcome is not None:
        # Nothing changed since a run that had nothing to write: say again what it said.
        _report(memo.outcome.problems)
        if not quiet:
            click.echo(summary_line(memo.outcome.counts, memo.outcome.problems, dry_run))
        sys.exit(memo.outcome.exit_code)
    progress = TerminalProgress()
    result = build.regen(
        vault,
        day,
        dry_run,
        config=memo.config if memo else None,
        cache=cache,
        scanned=memo.scanned if memo else None,
        progress=progress,
    )
    progress.close()
    if cache is not None:
        cache.save()
    if dry_run:
        for fp in result.plans:
            if fp.action in (Action.CREATE, Action.UPDATE):
                click.echo(unified_diff(fp), nl=False)
    _report(result.problems)
    if not quiet:
        click.echo(summary(result, dry_run))
    code = EXIT_PROBLEMS if result.errors or result.counts[Action.CONFLICT] else EXIT_OK
    if memo is not None:
        counts = {str(k): v for k, v in result.counts.items()}
        counts["conflicts"] = sum(len(p.conflicts) for p in result.plans)
        if result.written or counts.get(Action.CREATE) or counts.get(Action.UPDATE):
            runmemo.forget(memo.root, "regen")
        else:
            outcome = runmemo.Outcome("regen", memo.key, result.problems, counts, code)
            runmemo.remember(memo.root, outcome)
    sys.exit(code)


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
            f"vaultkit: {counts['notes']} notes ({counts['people']} people, "
            f"{counts['companies']} companies, {counts['meetings']} meetings): "
            f"{_plural(len(errors), 'error')}, {_plural(len(warnings), 'warning')}"
        )
    failed = errors or (strict and warnings)
    sys.exit(EXIT_PROBLEMS if failed else EXIT_OK)


def _check(
    vault: Path, day: dt.date, cache: FileCache | None, memo: _Memo | None
) -> tuple[Path, list[Problem], dict[str, int]]:
    """Load the vault and gather every problem ``check`` reports, with the counts it prints."""
    progress = TerminalProgress()
    loaded = build.load(
        vault,
        day,
        config=memo.config if memo else None,
        cache=cache,
        scanned=memo.scanned if memo else None,
        progress=progress,
    )
    progress.close()
    if cache is not None:
        cache.save()
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
