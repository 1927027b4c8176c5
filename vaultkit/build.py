"""The pipeline, one call per stage: scan -> parse -> model -> plan -> write.

Everything is gathered and planned before anything is written, so a run sees one
consistent vault; core code returns results and problems and never prints.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import conflicts, debris, followups, modelcache, obsidian
from .backup import RunBackup, open_run
from .cache import FileCache, NoteCache, collector_paused
from .config import Config
from .errors import (
    NoteError,
    Problem,
    Severity,
    TemplateProblem,
    UnsafeWrite,
    VaultError,
    WriteConflict,
)
from .model import Kind, Vault, build_model
from .network import network_outputs
from .parallel import beside, split_map
from .parse import ParsedNote, parse_note
from .plan import Action, FilePlan, Output, group, plan_file
from .prep import orphan_sheets, prep_outputs
from .progress import Progress
from .render import Templates, company_context, meeting_context, person_context
from .rendermemo import RenderMemo
from .scan import Entry, ScanResult, scan, scan_ignores, vault_root
from .write import BatchSync, Staged, atomic_write, commit, discard, stage, sync_folders

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
    read_problems: list[Problem] = field(default_factory=list)
    """The problems found before the model was built (scan and parse): ``problems``
    without the model's."""
    scope: set[str] | None = None
    """Only these notes' outputs are wanted this run (``watch`` after a small change);
    None: all. A generator that renders per note skips the others via :meth:`wants`."""

    model: str = "built"
    """Where the model came from: ``built`` afresh, ``kept`` by an earlier run as it is,
    or ``updated`` from a kept one (see :mod:`vaultkit.modelcache`)."""
    kept: tuple[dict[str, ParsedNote], frozenset[str]] | None = field(default=None, repr=False)
    """An ``updated`` model: the parses it was brought up to date from, and the notes of
    the delta read beside the kept one (see :func:`keep_model`)."""
    base: str = ""
    """A ``kept`` or ``updated`` model: the id of the kept one."""
    since: set[str] | None = None
    """With a ``base``: the notes whose backlinks may differ from those of the kept model
    (:func:`vaultkit.reach.affected`; none when it is taken as it is); None: any."""

    def wants(self, path: str) -> bool:
        """Whether this run wants the outputs that belong to the note at ``path``."""
        return self.scope is None or path in self.scope


@dataclass
class RunResult:
    loaded: Loaded
    plans: list[FilePlan]
    problems: list[Problem]
    written: list[str] = field(default_factory=list)
    wrote: dict[str, tuple[bytes, int, bytes | None]] = field(default_factory=dict)
    """Path -> the bytes written, their mtime_ns and the bytes they replaced, to cache
    the new state without reading it back."""
    outputs: list[Output] = field(default_factory=list)
    unwritten: list[str] = field(default_factory=list)
    """Files this run meant to write and could not (a backup or a write failed, or the
    file kept changing): the vault is not settled, whatever the plans say now."""
    redone: list[str] = field(default_factory=list)
    """Files written from a second plan, made from what they held when the first write
    found them changed (a save by the user meanwhile): their new bytes hold words of the
    user's that this run's model did not read."""
    held: bool = False
    """Nothing was written on purpose (e.g. notes not downloaded on this device)."""
    backlinks: tuple[RenderMemo, list[Output]] | None = field(default=None, repr=False)
    """Every backlinks region this run rendered, with the memo of their texts, to keep
    by path for the next run once it is known which model is kept
    (:func:`keep_backlinks`)."""

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
        link_data=(),
        tasks=(),
        section_data=(),
        regions=(),
        region_problem=None,
        region_problem_line=0,
        newline="\n",
        bom=False,
        size=entry.size,
        mtime_ns=entry.mtime_ns,
        sha="",
        said="(not read)",  # what it says for the model: nothing, always the same
        front="(not read)",
    )


def _size(n: int) -> str:
    """A size in words: '9.0 MB', '12 KB', '400 bytes'."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} bytes"


def _debris_placeholder(path: str, entry: Entry) -> ParsedNote:
    """Sync debris keeps its name (links to it resolve) but is never a person or company."""
    return replace(
        _placeholder(path, entry),
        meta={"type": debris.DEBRIS_TYPE},
        said="(debris)",
        front="(debris)",  # what it says differs from an unread note's: not its kind
    )


def is_opted_out(note: ParsedNote) -> bool:
    value = note.meta.get("vaultkit")
    if value is False:
        return True
    return isinstance(value, str) and value.strip().casefold() in OPT_OUT_VALUES


_Read = tuple[ParsedNote, int] | tuple[Problem, bool] | None


def read_note(root: Path, entry: Entry) -> _Read:
    """Read and parse one scanned note: (note, size read), (problem, is a git merge),
    or None when it is gone."""
    rel = entry.rel
    try:
        data = (root / rel).read_bytes()
    except OSError:
        return None
    if (merge := debris.git_conflict(rel, data)) is not None:
        return merge, True
    try:
        return parse_note(rel, data, entry.mtime_ns), len(data)
    except NoteError as exc:
        return exc.problem(), False


def _read_all(
    root: Path,
    todo: list[Entry],
    progress: Progress | None,
    done: int,
    total: int,
    freeze: bool = False,
) -> dict[str, _Read]:
    """Read and parse the notes the cache did not have, on two cores when there are
    many (see :mod:`vaultkit.parallel`); progress is reported by this process only.
    ``freeze``: see :func:`vaultkit.cache.collector_paused`."""
    parent = os.getpid()

    def some(part: Sequence[Entry]) -> list[_Read]:
        out = []
        mine = os.getpid() == parent and progress is not None
        for n, entry in enumerate(part):
            if mine and n % 256 == 0:
                assert progress is not None
                progress.update("reading notes", done + n, total)
            out.append(read_note(root, entry))
        return out

    with collector_paused(freeze):  # thousands of new objects that all live on
        results = split_map(some, todo)
    return {entry.rel: outcome for entry, outcome in zip(todo, results, strict=True)}


def load(
    path: Path,
    today: dt.date,
    config: Config | None = None,
    cache: NoteCache | None = None,
    clean_temps: bool = True,
    scanned: ScanResult | None = None,
    progress: Progress | None = None,
    kept: bool = True,
    freeze: bool = False,
) -> Loaded:
    """Scan, parse and model a vault; ``cache`` spares parsing notes that did not change.

    ``freeze``: a one-shot command's (its notes and model live until it ends: see
    :func:`vaultkit.cache.collector_paused`); a cache for one freezes them all the same.

    ``clean_temps=False`` (``check``) leaves even stale vaultkit temp files in place.
    ``kept``: with a cache, take back the model an earlier run kept when it fits (see
    :mod:`vaultkit.modelcache`); a watcher that holds a model of its own does not read
    another one into memory beside it."""
    root = vault_root(path)
    config = config or Config.load(root)
    settings = obsidian.read_settings(root)
    if scanned is None:
        scanned = scan(root, scan_ignores(config, settings), clean_temps=clean_temps)
    problems = list(scanned.problems)
    notes: dict[str, ParsedNote] = {}
    unwritable: set[str] = set()
    entries = {e.rel: e for e in scanned.entries}
    cached: dict[str, ParsedNote] = {}
    earlier: dict[str, ParsedNote] = {}  # the last parse of a note that changed since
    todo: list[Entry] = []
    for entry in scanned.entries:
        if entry.size > config.max_note_bytes or entry.size == 0:
            continue
        found = cache.get(entry.rel, entry.size, entry.mtime_ns) if cache is not None else None
        if found is not None:
            cached[entry.rel] = found
        else:
            todo.append(entry)
            if cache is not None and (before := cache.stale(entry.rel)) is not None:
                earlier[entry.rel] = before
    freeze = freeze or (isinstance(cache, FileCache) and cache.freeze)
    read = _read_all(root, todo, progress, len(cached), len(scanned.entries), freeze)
    for entry in scanned.entries:
        rel = entry.rel
        if entry.size > config.max_note_bytes:
            problems.append(
                Problem(
                    rel,
                    0,
                    f"is {_size(entry.size)}, over the {_size(config.max_note_bytes)} limit "
                    "(max_note_bytes): not read",
                    Severity.WARNING,
                    "too-large",
                )
            )
            notes[rel] = _placeholder(rel, entry)
            unwritable.add(rel)
            continue
        if entry.size == 0:
            problems.append(debris.empty_note(rel))
            notes[rel] = _debris_placeholder(rel, entry)
            unwritable.add(rel)
            continue
        note = cached.get(rel)
        if note is None:
            outcome = read[rel]
            if outcome is None:
                continue  # vanished since the scan
            if isinstance(outcome[0], Problem):  # unreadable, or a git merge left in it
                problems.append(outcome[0])
                merge = outcome[1]
                notes[rel] = (_debris_placeholder if merge else _placeholder)(rel, entry)
                unwritable.add(rel)
                continue
            note, size = outcome
            if cache is not None and size == entry.size:
                cache.put(note)
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
    model, base, since = "built", "", None
    with collector_paused(freeze):  # the model's objects all live on
        kept_model = modelcache.read(root, config, today) if cache is not None and kept else None
        reused = modelcache.reuse(kept_model, notes, config, earlier.get) if kept_model else None
        if reused is not None:
            vault, model = reused[0], "updated" if reused[1] else "kept"
            since = reused[2]
        else:
            vault = build_model(notes, config, today)
    brought = None
    if kept_model is not None and reused is not None:
        base = kept_model.base
        if reused[1]:
            brought = (reused[1], frozenset(kept_model.before))
    del kept_model  # the bare model: not held for the rest of the run
    vault.obsidian = settings
    read_problems = list(problems)
    problems.extend(vault.problems)
    return Loaded(
        root,
        config,
        vault,
        entries,
        unwritable,
        problems,
        read_problems,
        model=model,
        kept=brought,
        base=base,
        since=since,
    )


def keep_model(
    loaded: Loaded, cache: NoteCache | None = None, wrote: Collection[str] = ()
) -> str | None:
    """Keep the run's model for the next run (see :mod:`vaultkit.modelcache`), unless it
    is the one kept already; one brought up to date from it, as a delta beside it. The
    id of the kept model this run's model now is, or is brought up to date from; None
    when none is (nothing could be kept, or another model was).

    A run that created notes (prep sheets, the dashboard: ``wrote`` and not in the
    model) changed the names the next run resolves: the model kept is then the one of
    the notes as the run left them (``cache`` has their parse), built now."""
    vault = loaded.vault
    created = [rel for rel in wrote if rel not in vault.notes]
    if created and cache is not None:
        notes = dict(vault.notes)
        for rel in created:
            note = cache.stale(rel)  # what the write left there (see remember_written)
            if note is None:
                return None  # unknown: the next run builds its own
            notes[rel] = note
        with collector_paused():
            vault = build_model(notes, loaded.config, vault.today)
        modelcache.keep(loaded.root, vault)
        return None  # not the model this run rendered from
    if loaded.model == "kept":
        return loaded.base
    if loaded.kept is not None:
        before, kept_before = loaded.kept
        if modelcache.keep_delta(loaded.root, vault, loaded.base, before, kept_before):
            return loaded.base
    return modelcache.keep(loaded.root, vault)


def _backlinks_tag(loaded: Loaded, base: str) -> tuple[str, ...]:
    """What the backlinks regions are rendered from besides the templates (the render
    memo's environment): the model (by the id of the kept one: its code, config and
    date with it) and Obsidian's link settings."""
    return (base, repr(loaded.vault.obsidian))


def keep_backlinks(result: RunResult, base: str | None) -> None:
    """Keep the backlinks regions the run rendered, by path, for the next run to take
    back those no change since can reach (:func:`_recall_backlinks`); ``base``: the id
    of the kept model the run's model is (its regions as they are), or is brought up
    to date from (those that may differ: :attr:`Loaded.since`), from
    :func:`keep_model`."""
    loaded = result.loaded
    if result.backlinks is None or not base:
        return
    if base == loaded.base:  # a kept model, or one brought up to date from it
        if loaded.since is None:
            return
        reach = frozenset(loaded.since)
    else:  # this run's model, kept now as it is
        reach = frozenset()
    memo, outputs = result.backlinks
    memo.keep_parts("backlinks", _backlinks_tag(loaded, base), reach, memo.parts_of(outputs))


def _recall_backlinks(
    loaded: Loaded, memo: RenderMemo | None, wanted: Collection[str]
) -> dict[str, str]:
    """The backlinks regions of the notes ``wanted`` an earlier run rendered that no
    change since can reach, by path: kept by a run whose model was the kept one or
    brought up to date from it (changed at most at the paths it kept with them), while
    this run's model is the same kept one brought up to date at :attr:`Loaded.since`.
    The regions outside both are those of the kept model in both runs: the same
    (``tests/test_incremental.py`` holds :func:`vaultkit.reach.affected` to a render of
    every region, ``tests/test_scoped.py`` runs after runs to runs without cache)."""
    if memo is None or not loaded.base or loaded.since is None:
        return {}
    found = memo.recall_parts("backlinks", _backlinks_tag(loaded, loaded.base))
    if found is None:
        return {}
    reach, parts = found
    recalled: dict[str, str] = {}
    for path, part in parts.items():
        if path in reach or path in loaded.since or path not in wanted:
            continue  # (a region no longer wanted is no longer remembered either)
        text = memo.text_of(part)
        if text is not None:
            recalled[path] = text
    return recalled


_Job = tuple[str, str, Callable[[Vault, str], dict[str, object]]]
"""A backlinks region to render: the note's path, the template, the context's maker."""


def backlink_jobs(loaded: Loaded) -> list[_Job]:
    """The backlinks region of every person, company and meeting note, in the order
    they are rendered (people, companies, meetings)."""
    makers: list[tuple[Kind, str, Callable[[Vault, str], dict[str, object]]]] = [
        (Kind.PERSON, "regions/person.md.j2", person_context),
        (Kind.COMPANY, "regions/company.md.j2", company_context),
        (Kind.MEETING, "regions/meeting.md.j2", meeting_context),
    ]
    kinds = loaded.vault.kinds
    paths = kinds if loaded.scope is None else sorted(p for p in loaded.scope if p in kinds)
    return [
        (path, template, context)
        for kind, template, context in makers
        for path in paths
        if kinds[path] == kind and path not in loaded.unwritable and loaded.wants(path)
    ]


def render_backlinks(
    loaded: Loaded, templates: Templates, jobs: Sequence[_Job], part: tuple[float, float]
) -> list[Output]:
    """The backlinks regions of ``jobs``; ``part``: only this share of them, from the
    first to the last (for two processes to share)."""
    vault = loaded.vault
    outputs = []
    for path, template, context in jobs[int(part[0] * len(jobs)) : int(part[1] * len(jobs))]:
        with vault.linking_from(path):
            content = templates.render(template, context(vault, path))
        outputs.append(Output(path, "backlinks", content))
    return outputs


def backlink_outputs(
    loaded: Loaded, templates: Templates, part: tuple[float, float] = (0.0, 1.0)
) -> list[Output]:
    """The backlinks region of every person, company and meeting note; ``part``: only
    this share of them, from the first to the last (for two processes to share)."""
    return render_backlinks(loaded, templates, backlink_jobs(loaded), part)


CHILD_SHARE = 0.7
"""The share of the backlinks regions the child process renders when the follow-ups are
remembered (:func:`vaultkit.followups.outputs`): with the texts remembered too, the
prep sheets, the map and taking the follow-ups back are about as long as the other
0.3 of them (at 10,000 notes: ~0.45 s against ~1.2 s for all the backlinks)."""


def plan(loaded: Loaded, grouped: dict[str, list[Output]]) -> tuple[list[FilePlan], list[Problem]]:
    """Plan each file of the outputs ``grouped`` by file (:func:`vaultkit.plan.group`)."""
    plans: list[FilePlan] = []
    problems: list[Problem] = []
    for path, wanted in grouped.items():
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


def apply(
    loaded: Loaded,
    plans: list[FilePlan],
    wanted: dict[str, list[Output]],
    backup: RunBackup | None = None,
    hold: Collection[str] = (),
    on_write: Callable[[str, bytes], None] | None = None,
    wrote: dict[str, tuple[bytes, int, bytes | None]] | None = None,
    unwritten: list[str] | None = None,
    redone: list[str] | None = None,
) -> tuple[list[str], list[Problem]]:
    """Write every plan with changes; redo a plan whose file changed under us.

    With ``backup``, each file's previous bytes are kept first (see vaultkit.backup);
    a file whose backup cannot be kept is not written. Paths in ``hold`` are planned
    but not written this time (the watcher defers them); ``on_write`` is told the
    exact bytes of each file written.
    """
    written: list[str] = []
    problems: list[Problem] = []
    writing = [
        p
        for p in plans
        if p.action in (Action.CREATE, Action.UPDATE) and p.new and p.path not in hold
    ]
    if backup is not None:
        try:
            backup.keep_all([(p.path, p.old, p.new) for p in writing])
        except OSError as exc:
            message = f"not written: could not keep a backup of it first ({exc})"
            for p in writing:
                p.action = Action.REFUSED  # nothing was written: the summary must say so
            if unwritten is not None:
                unwritten.extend(p.path for p in writing)
            return [], [Problem(p.path, 0, message, Severity.ERROR, "backup") for p in writing]
    if len(writing) >= BATCH_WRITES:
        outcomes = _apply_batch(loaded, writing, wanted, backup)
    else:
        outcomes = [_apply_one(loaded, fp, wanted, backup) for fp in writing]
    # Gathered in plan order: what is reported and remembered does not depend on timing.
    for fp, (done, mtime_ns, found) in zip(writing, outcomes, strict=True):
        problems.extend(found)
        if done is not None:
            written.append(done.path)
            if done is not fp and redone is not None:
                redone.append(done.path)
            if wrote is not None:
                wrote[done.path] = (done.new or b"", mtime_ns, done.old)
            if on_write is not None:
                on_write(done.path, done.new or b"")
        elif fp.action in (Action.CREATE, Action.UPDATE):
            fp.action = Action.REFUSED  # deferred or failed: not written this time
            if unwritten is not None:
                unwritten.append(fp.path)
    sync_folders(loaded.root, written)  # once per folder, not once per file
    return written, problems


BATCH_WRITES = 32
"""From this many files on, a run writes them in three steps (see :mod:`vaultkit.write`):
every temp file, one flush of the file system, then each checked replace."""


_Outcome = tuple[FilePlan | None, int, list[Problem]]
_Rendered = list[tuple[bytes, str]]
"""Texts a child process rendered, by their render-memo key."""


def _apply_batch(
    loaded: Loaded,
    writing: list[FilePlan],
    wanted: dict[str, list[Output]],
    backup: RunBackup | None,
) -> list[_Outcome]:
    """:func:`_apply_one` for many plans, their temp files written and made durable
    together first; a file changed meanwhile is redone as :func:`_apply_one` does."""
    root = loaded.root
    staged: dict[int, Staged] = {}
    failed: dict[int, list[Problem]] = {}
    try:
        with BatchSync(root) as sync:
            for i, fp in enumerate(writing):
                try:
                    staged[i] = stage(root, fp.path, fp.new or b"", fp.stamp, sync=False)
                except (UnsafeWrite, OSError) as exc:
                    failed[i] = [_problem_of(fp.path, exc)]
            try:
                sync.flush(list(staged.values()))
            except OSError as exc:  # nothing is durable: nothing may replace a note
                for i in staged:
                    failed[i] = [_problem_of(writing[i].path, exc)]
                for one in staged.values():
                    discard(one)
                staged.clear()
        outcomes: list[_Outcome] = []
        for i, fp in enumerate(writing):
            if i in failed:
                if backup is not None:
                    backup.discard(fp.path)
                outcomes.append((None, 0, failed[i]))
            else:
                outcomes.append(_apply_one(loaded, fp, wanted, backup, staged.pop(i)))
        return outcomes
    finally:
        for one in staged.values():  # interrupted: no temp file is left behind
            discard(one)


def _apply_one(
    loaded: Loaded,
    fp: FilePlan,
    wanted: dict[str, list[Output]],
    backup: RunBackup | None,
    staged: Staged | None = None,
) -> _Outcome:
    """Write one plan, redone from the file if it changed meanwhile: the plan written
    (None: not written) and its mtime_ns, and the problems met. ``staged``: its new
    bytes, already in a durable temp file (:func:`_apply_batch`)."""
    problems: list[Problem] = []
    current = fp
    for attempt in range(MAX_REDO + 1):
        try:
            if backup is not None and attempt > 0:
                backup.keep(current.path, current.old, current.new)
        except OSError as exc:
            problems.append(
                Problem(
                    fp.path,
                    0,
                    f"not written: could not keep a backup of it first ({exc})",
                    Severity.ERROR,
                    "backup",
                )
            )
            break
        try:
            if staged is not None and attempt == 0:
                st = commit(staged)
            else:
                st = atomic_write(
                    loaded.root, current.path, current.new or b"", current.stamp, sync_dir=False
                )
            return current, st.st_mtime_ns, problems
        except WriteConflict:
            if backup is not None:
                backup.discard(current.path)
            if attempt == MAX_REDO:
                problems.append(
                    Problem(
                        fp.path,
                        0,
                        "kept changing while vaultkit tried to write it; skipped this time",
                        Severity.WARNING,
                        "deferred",
                    )
                )
                break
            try:
                current = _replan(loaded, fp.path, wanted[fp.path])
            except (NoteError, OSError) as exc:  # e.g. saved with broken YAML meanwhile
                problems.append(_problem_of(fp.path, exc))
                break
            if current.action not in (Action.CREATE, Action.UPDATE) or current.new is None:
                problems.extend(current.problems)
                _settle(fp, current)
                break
        except (UnsafeWrite, NoteError, OSError) as exc:
            if backup is not None:
                backup.discard(current.path)
            problems.append(_problem_of(fp.path, exc))
            break
    return None, 0, problems


def _settle(fp: FilePlan, current: FilePlan) -> None:
    """Record in the run's plan what a re-plan found (e.g. a region edited meanwhile),
    so the summary and the exit code tell what really happened."""
    fp.action = current.action
    fp.conflicts = current.conflicts
    fp.changes = current.changes
    fp.new = current.new


def _replan(loaded: Loaded, path: str, wanted: list[Output]) -> FilePlan:
    """Plan one file again from what is on disk now (promise 4: redo, never clobber)."""
    target = loaded.root / path
    if not target.exists():
        return plan_file(loaded.root, path, wanted, None)
    data = target.read_bytes()
    return plan_file(loaded.root, path, wanted, parse_note(path, data))


def _turned_off(loaded: Loaded, out: Output) -> bool:
    """A region the note turned off with ``<!-- vaultkit:off NAME -->`` (see the README)."""
    note = loaded.vault.notes.get(out.path)
    return note is not None and out.region in note.off


def remember_written(
    cache: NoteCache,
    wrote: dict[str, tuple[bytes, int, bytes | None]],
    loaded: Loaded,
    plans: Iterable[FilePlan] = (),
) -> None:
    """Cache what vaultkit just wrote, from its own bytes (no reading back); a plan's
    parse of exactly those bytes (its last check before writing) is reused as it is."""
    import hashlib

    from .reparse import after_write

    checked = {fp.path: fp.parsed for fp in plans if fp.parsed is not None}
    for rel, (data, mtime_ns, old) in wrote.items():
        parsed = checked.get(rel)
        if (
            parsed is not None
            and parsed.size == len(data)
            and parsed.sha == hashlib.sha256(data).hexdigest()
        ):
            cache.put(replace(parsed, mtime_ns=mtime_ns))
            continue
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
    hold: Collection[str] = (),
    on_write: Callable[[str, bytes], None] | None = None,
    scope: Callable[[Loaded], set[str] | None] | None = None,
    scanned: ScanResult | None = None,
    progress: Progress | None = None,
    loaded: Loaded | None = None,
    backlinks_only: bool = False,
    templates: Templates | None = None,
    kept: bool = True,
    freeze: bool = False,
) -> RunResult:
    """Run the whole pipeline once (``hold`` and ``on_write``: see :func:`apply`).

    ``scope``, given the loaded vault, names the notes whose outputs to render (None:
    all); the watcher uses it to render only what a change touches. The watcher may
    also hand over a vault it ``loaded`` itself (its model brought up to date by
    :func:`vaultkit.model.update_model`), and ask for the ``backlinks_only`` (the
    regions that show a change at once; follow-ups, prep sheets and the map follow in
    a full run). ``templates``: an environment to reuse (its compiled templates).
    ``kept``, ``freeze``: see :func:`load`.
    """
    if loaded is None:
        loaded = load(
            path,
            today,
            config,
            cache,
            clean_temps=not dry_run,  # a dry run takes no lock: another writer's may be live
            scanned=scanned,
            progress=progress,
            kept=kept,
            freeze=freeze,
        )
    if scope is not None:
        loaded.scope = scope(loaded)
    if backlinks_only and loaded.scope is None:
        raise ValueError("backlinks_only needs a scope: a full run renders everything")
    if templates is None:
        templates = Templates(loaded.root, loaded.config.templates_folder)
        if cache is not None and loaded.scope is None:
            templates.remember()  # a whole run: it renders every output, and keeps them
    memo = templates.memo if loaded.scope is None else None
    problems = list(loaded.problems)
    outputs: list[Output] = []
    result_backlinks = None
    try:
        if backlinks_only:
            outputs.extend(backlink_outputs(loaded, templates))
        else:
            # Backlinks are most of the rendering, unless their texts are remembered
            # (vaultkit.rendermemo): then the sheets and the map go with them to the second
            # core, and the follow-ups alone are the longer half; unless those are
            # remembered too (their inputs the same), and are next to nothing.
            fu_key, taken = None, False
            if memo is not None:
                fu_key = followups.inputs_key(loaded.vault, loaded.unwritable)
                taken = memo.has_stage("followups", fu_key)
            light = memo is not None and bool(memo.old) and not taken
            # The follow-ups taken back: this process renders some backlinks too, first,
            # so that the serial order (and which error comes first) stays the same.
            cut = CHILD_SHARE if taken else 1.0
            jobs = backlink_jobs(loaded)
            recalled = _recall_backlinks(loaded, memo, {job[0] for job in jobs})
            todo = [job for job in jobs if job[0] not in recalled]
            # Two processes only for work enough: with the follow-ups and most backlinks
            # taken back, what is left is quicker than a fork.
            size = len(loaded.vault.notes) if not taken or not recalled else len(todo)
            _Sheets = tuple[list[Output], list[Problem]]

            def sheets() -> _Sheets:
                return list(prep_outputs(loaded, templates)), orphan_sheets(loaded.vault)

            def the_map() -> list[Output]:
                return list(network_outputs(loaded, templates))

            def child() -> tuple[list[Output], _Sheets | None, list[Output] | None, _Rendered]:
                backlinks = render_backlinks(loaded, templates, todo, (0.0, cut))
                more, mapped = (sheets(), the_map()) if light else (None, None)
                # What a child process rendered, so that this one keeps it too.
                return backlinks, more, mapped, list(memo.used.items()) if memo else []

            def parent() -> tuple[list[Output], _Sheets | None, list[Output], list[Output] | None]:
                rest = render_backlinks(loaded, templates, todo, (cut, 1.0)) if cut < 1 else []
                more = None if light else sheets()
                lists = followups.outputs(loaded.vault, loaded.unwritable, templates, fu_key)
                return rest, more, lists, None if light else the_map()

            # The outputs in the order of one process doing it all: see vaultkit.parallel.
            (backlinks, c_sheets, c_map, rendered), (rest, p_sheets, lists, p_map) = beside(
                child, parent, size
            )
            if memo is not None:
                memo.take(rendered)
            prepped, orphans = c_sheets if c_sheets is not None else p_sheets or ([], [])
            # In the order of the jobs, as if all were rendered.
            fresh = {o.path: o for o in [*backlinks, *rest]}
            outputs.extend(
                fresh.get(path) or Output(path, "backlinks", recalled[path])
                for path, _template, _context in jobs
            )
            if memo is not None:
                result_backlinks = (memo, list(outputs))
            outputs.extend(prepped)
            outputs.extend(lists)
            outputs.extend(c_map if c_map is not None else p_map or [])
            problems.extend(orphans)
    except TemplateProblem as exc:
        problems.append(Problem(exc.name, exc.line, exc.message, Severity.ERROR, "template"))
        return RunResult(loaded, [], sorted(problems))
    loaded.vault.unique_names.clear()  # for this run's renders only
    loaded.vault.id_keys.clear()
    outputs = [o for o in outputs if not _turned_off(loaded, o)]
    grouped = group(outputs)  # once: tens of thousands of outputs in a large vault
    plans, plan_problems = plan(loaded, grouped)
    problems.extend(plan_problems)
    # Hand-edited regions: vaultkit's proposal goes into a conflict note beside them.
    found = conflicts.gather(loaded.config, loaded.vault.notes, plans, grouped)
    extra = group(found.outputs)
    extra_plans, extra_problems = plan(loaded, extra)
    plans.extend(extra_plans)
    outputs.extend(found.outputs)
    for note_path, more in extra.items():
        grouped[note_path] = [*grouped.get(note_path, ()), *more]
    problems = [p for p in [*problems, *extra_problems] if p.code != "conflict"]
    problems.extend(found.problems + conflicts.edited_conflict_notes(extra_plans))
    result = RunResult(loaded, plans, problems, outputs=outputs, backlinks=result_backlinks)
    result.held = any(p.code == debris.ICLOUD_CODE for p in problems)
    if not dry_run and not result.held:
        backup = open_run(loaded.root, loaded.config.backup_runs, loaded.config.backup_megabytes)
        written, write_problems = apply(
            loaded,
            plans,
            grouped,
            backup,
            hold,
            on_write,
            result.wrote,
            result.unwritten,
            result.redone,
        )
        removed: list[str] = []
        remove_problems: list[Problem] = []
        if loaded.scope is None:  # a scoped run does not know every conflict of the vault
            removed, remove_problems = conflicts.remove_stale(
                loaded.root,
                loaded.config,
                loaded.vault.notes,
                {o.path for o in found.outputs},
                backup,
            )
        backup.close()
        result.written = written + removed
        problems.extend(write_problems + remove_problems)
        if cache is not None:
            remember_written(cache, result.wrote, loaded, plans)
    result.problems = sorted(set(problems))
    if memo is not None:
        memo.save()
    return result


def resolve(root: Path, rel: str, take_vaultkit: bool, today: dt.date) -> conflicts.ResolveResult:
    """Settle the hand-edited regions of one note (``vaultkit resolve``)."""
    result = regen(root, today, dry_run=True)
    loaded = result.loaded
    source = conflicts.source_of(root, loaded.config, rel)
    if result.held and take_vaultkit:
        raise VaultError(
            "some notes are not downloaded on this device (see `vaultkit check`); vaultkit's "
            "version would be wrong without them"
        )
    if source in loaded.unwritable:
        raise VaultError(f"{source}: vaultkit does not write this note (see `vaultkit check`)")
    config = loaded.config
    backup = open_run(root, config.backup_runs, config.backup_megabytes)
    try:
        return conflicts.resolve(
            root,
            config,
            source,
            loaded.vault.notes.get(source),
            [o for o in result.outputs if o.path == source],
            take_vaultkit,
            backup,
            loaded.vault.notes,
        )
    finally:
        backup.close()
