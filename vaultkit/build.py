"""The pipeline, one call per stage: scan -> parse -> model -> plan -> write.

Everything is gathered and planned before anything is written, so a run sees one
consistent vault; core code returns results and problems and never prints.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .cache import NoteCache
from .config import Config
from .errors import NoteError, Problem, Severity, TemplateProblem, UnsafeWrite, WriteConflict
from .model import Kind, Vault, build_model
from .parse import ParsedNote, parse_note
from .plan import Action, FilePlan, Output, group, plan_file
from .progress import Progress
from .render import Templates, company_context, meeting_context, person_context
from .scan import Entry, ScanResult, scan, vault_root
from .write import atomic_write, sync_folders

OPT_OUT_VALUES = {"false", "off", "no", "never", "ignore"}
MAX_REDO = 3


@dataclass
class Loaded:
    """A scanned and parsed vault, with the model built."""

    root: Path
    config: Config
    vault: Vault
    entries: dict[str, Entry]
    unwritable: set[str]
    problems: list[Problem]


@dataclass
class RunResult:
    loaded: Loaded
    plans: list[FilePlan]
    problems: list[Problem]
    written: list[str] = field(default_factory=list)
    wrote: dict[str, tuple[bytes, int, bytes | None]] = field(default_factory=dict)
    """Path -> the bytes written, their mtime_ns and the bytes they replaced, to cache
    the new state without reading it back."""

    @property
    def counts(self) -> Counter[str]:
        return Counter(str(p.action) for p in self.plans)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.ERROR]


def _placeholder(path: str, entry: Entry) -> ParsedNote:
    """A note that could not be read still exists: its name resolves, nothing is written."""
    return ParsedNote(
        path=path,
        meta={},
        meta_lines={},
        body_line=1,
        links=(),
        tasks=(),
        sections=(),
        regions=(),
        region_problem=None,
        region_problem_line=0,
        newline="\n",
        bom=False,
        size=entry.size,
        mtime_ns=entry.mtime_ns,
        sha="",
    )


def is_opted_out(note: ParsedNote) -> bool:
    value = note.meta.get("vaultkit")
    if value is False:
        return True
    return isinstance(value, str) and value.strip().casefold() in OPT_OUT_VALUES


def load(
    path: Path,
    today: dt.date,
    config: Config | None = None,
    cache: NoteCache | None = None,
    scanned: ScanResult | None = None,
    progress: Progress | None = None,
) -> Loaded:
    """Scan, parse and model a vault; ``cache`` spares parsing notes that did not change.

    ``scanned`` is a scan the caller just made (with this config), to walk only once.
    """
    root = vault_root(path)
    config = config or Config.load(root)
    if scanned is None:
        scanned = scan(root, scan_ignores(config))
    problems = list(scanned.problems)
    notes: dict[str, ParsedNote] = {}
    unwritable: set[str] = set()
    entries = {e.rel: e for e in scanned.entries}
    total = len(scanned.entries)
    for n, entry in enumerate(scanned.entries):
        if progress is not None and n % 256 == 0:
            progress.update("reading notes", n, total)
        rel = entry.rel
        if entry.size > config.max_note_bytes:
            problems.append(
                Problem(
                    rel,
                    0,
                    f"is {entry.size // (1024 * 1024)} MB, over the {config.max_note_bytes} byte "
                    "limit (max_note_bytes): not read",
                    Severity.WARNING,
                    "too-large",
                )
            )
            notes[rel] = _placeholder(rel, entry)
            unwritable.add(rel)
            continue
        cached = cache.get(rel, entry.size, entry.mtime_ns) if cache is not None else None
        try:
            if cached is not None:
                note = cached
            else:
                try:
                    data = (root / rel).read_bytes()
                except OSError:
                    continue  # vanished since the scan
                note = parse_note(rel, data, entry.mtime_ns)
                if cache is not None and len(data) == entry.size:
                    cache.put(note)
        except NoteError as exc:
            problems.append(exc.problem())
            notes[rel] = _placeholder(rel, entry)
            unwritable.add(rel)
            continue
        if entry.nlink > 1:
            unwritable.add(rel)
            problems.append(
                Problem(
                    rel,
                    0,
                    "has other hard links: vaultkit reads it but never writes it",
                    Severity.WARNING,
                    "hardlink",
                )
            )
        if is_opted_out(note):
            unwritable.add(rel)
        notes[rel] = note
    if cache is not None:
        cache.retain(set(entries))
    vault = build_model(notes, config, today)
    problems.extend(vault.problems)
    return Loaded(root, config, vault, entries, unwritable, problems)


def scan_ignores(config: Config) -> tuple[str, ...]:
    """The folders a scan skips: the ignored ones and the templates folder."""
    return (*config.ignore_folders, config.templates_folder)


def backlink_outputs(loaded: Loaded, templates: Templates) -> Iterable[Output]:
    """The backlinks region of every person, company and meeting note."""
    vault = loaded.vault
    makers: list[tuple[Kind, str, Callable[[Vault, str], dict[str, object]]]] = [
        (Kind.PERSON, "regions/person.md.j2", person_context),
        (Kind.COMPANY, "regions/company.md.j2", company_context),
        (Kind.MEETING, "regions/meeting.md.j2", meeting_context),
    ]
    for kind, template, context in makers:
        for path, note_kind in vault.kinds.items():
            if note_kind != kind or path in loaded.unwritable:
                continue
            yield Output(path, "backlinks", templates.render(template, context(vault, path)))


def plan(loaded: Loaded, outputs: list[Output]) -> tuple[list[FilePlan], list[Problem]]:
    plans: list[FilePlan] = []
    problems: list[Problem] = []
    for path, wanted in group(outputs).items():
        if path in loaded.unwritable:
            continue
        try:
            fp = plan_file(loaded.root, path, wanted, loaded.vault.notes.get(path))
        except (NoteError, OSError) as exc:
            problems.append(_problem_of(path, exc))
            continue
        problems.extend(fp.problems)
        plans.append(fp)
    return plans, problems


def _problem_of(path: str, exc: Exception) -> Problem:
    if isinstance(exc, NoteError):
        return exc.problem()
    return Problem(path, 0, f"not written: {exc}", Severity.ERROR, "write")


WRITE_WORKERS = 8
"""Threads that write files at once: writes wait on fsync, which runs outside the GIL."""
PARALLEL_WRITES = 32
"""Fewer files than this are written one after the other."""


def apply(
    loaded: Loaded,
    plans: list[FilePlan],
    wanted: dict[str, list[Output]],
    wrote: dict[str, tuple[bytes, int, bytes | None]] | None = None,
    progress: Progress | None = None,
) -> tuple[list[str], list[Problem]]:
    """Write every plan with changes; redo a plan whose file changed under us.

    Files are independent, so many are written by a few threads at once; the results
    are gathered in plan order, so what is reported does not depend on timing.
    """
    jobs = [
        fp for fp in plans if fp.action in (Action.CREATE, Action.UPDATE) and fp.new is not None
    ]
    written: list[str] = []
    problems: list[Problem] = []

    def one(fp: FilePlan) -> tuple[FilePlan | None, int, list[Problem]]:
        return _apply_one(loaded, fp, wanted.get(fp.path, []))

    if len(jobs) >= PARALLEL_WRITES:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=WRITE_WORKERS) as pool:
            results = pool.map(one, jobs)
            outcomes = []
            for n, outcome in enumerate(results, 1):
                outcomes.append(outcome)
                if progress is not None:
                    progress.update("writing", n, len(jobs))
    else:
        outcomes = [one(fp) for fp in jobs]
    for done, mtime_ns, found in outcomes:
        problems.extend(found)
        if done is not None:
            written.append(done.path)
            if wrote is not None:
                wrote[done.path] = (done.new or b"", mtime_ns, done.old)
    sync_folders(loaded.root, written)  # once per folder, not once per file
    return written, problems


def _apply_one(
    loaded: Loaded, fp: FilePlan, wanted: list[Output]
) -> tuple[FilePlan | None, int, list[Problem]]:
    """Write one plan (redone from the file if it changed); the plan written, its mtime_ns."""
    current = fp
    for attempt in range(MAX_REDO + 1):
        try:
            st = atomic_write(
                loaded.root, current.path, current.new or b"", current.stamp, sync_dir=False
            )
            return current, st.st_mtime_ns, []
        except WriteConflict:
            if attempt == MAX_REDO:
                return (
                    None,
                    0,
                    [
                        Problem(
                            fp.path,
                            0,
                            "kept changing while vaultkit tried to write it; skipped this time",
                            Severity.WARNING,
                            "deferred",
                        )
                    ],
                )
            current = _replan(loaded, fp.path, wanted)
            if current.action not in (Action.CREATE, Action.UPDATE) or current.new is None:
                return None, 0, list(current.problems)
        except (UnsafeWrite, NoteError, OSError) as exc:
            return None, 0, [_problem_of(fp.path, exc)]
    return None, 0, []


def _replan(loaded: Loaded, path: str, wanted: list[Output]) -> FilePlan:
    """Plan one file again from what is on disk now (promise 4: redo, never clobber)."""
    target = loaded.root / path
    if not target.exists():
        return plan_file(loaded.root, path, wanted, None)
    data = target.read_bytes()
    return plan_file(loaded.root, path, wanted, parse_note(path, data))


def remember_written(
    cache: NoteCache, wrote: dict[str, tuple[bytes, int, bytes | None]], loaded: Loaded
) -> None:
    """Cache what vaultkit just wrote, from its own bytes (no reading back)."""
    from .reparse import after_write

    for rel, (data, mtime_ns, old) in wrote.items():
        try:
            cache.put(after_write(rel, loaded.vault.notes.get(rel), old, data, mtime_ns))
        except NoteError:
            continue


def regen(
    path: Path,
    today: dt.date,
    dry_run: bool = False,
    config: Config | None = None,
    cache: NoteCache | None = None,
    scanned: ScanResult | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run the whole pipeline once."""
    loaded = load(path, today, config, cache, scanned, progress)
    templates = Templates(loaded.root, loaded.config.templates_folder)
    problems = list(loaded.problems)
    outputs: list[Output] = []
    try:
        outputs.extend(backlink_outputs(loaded, templates))
    except TemplateProblem as exc:
        problems.append(Problem(exc.name, exc.line, exc.message, Severity.ERROR, "template"))
        return RunResult(loaded, [], sorted(problems))
    plans, plan_problems = plan(loaded, outputs)
    problems.extend(plan_problems)
    result = RunResult(loaded, plans, problems)
    if not dry_run:
        written, write_problems = apply(loaded, plans, group(outputs), result.wrote, progress)
        result.written = written
        problems.extend(write_problems)
        if cache is not None:
            remember_written(cache, result.wrote, loaded)
    result.problems = sorted(set(problems))
    return result
