"""Watch mode: keep the vault current while the user edits it.

The shape is mkdocs' livereload: watchdog's handler only records which paths changed
and wakes the loop; the loop waits for the changes to settle (a trailing debounce,
with a maximum wait so that a stream of saves is still handled) and then runs one
rebuild. A rebuild is ``build.regen`` with the watcher's cache (the persistent
:class:`FileCache` from the command line, else a :class:`MemoryCache`), so only notes
whose size or mtime changed are parsed again. The cache is used from the loop's
thread only (watchdog's thread just records paths), so it needs no lock.

Guards, each against a way a watcher goes wrong:

- **Its own writes.** The SHA-256 of every file vaultkit writes is remembered; an event
  on a file that now has exactly those bytes is vaultkit's own and is ignored. This is
  by content, not by timing, so a slow disk or a late event never causes a loop.
- **A breaker.** If one file is written more than ``breaker_writes`` times within
  ``breaker_seconds`` (something else keeps undoing vaultkit's region), vaultkit stops
  writing that file and says so.
- **The user's typing.** A note the user saved less than ``quiet_seconds`` ago is not
  written even when its own region needs updating; that write waits for the next
  quiet moment and then goes through the usual checked write (DESIGN.md #4).
- **Dropped events.** Every ``rescan_seconds`` a stat-only scan is compared with what
  the last rebuild saw.

Core code never prints: messages go to the ``report`` callback with a level.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from enum import IntEnum
from pathlib import Path
from typing import Any

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from . import build
from .build import Loaded, RunResult
from .cache import FileCache, MemoryCache, NoteCache
from .config import CONFIG_NAME, Config
from .errors import ConfigError, Problem, Severity, VaultkitError
from .lock import VaultLock
from .model import Vault, update_model
from .obsidian import SETTINGS_FILES
from .parse import ParsedNote
from .plan import Action
from .reach import affected
from .render import Templates
from .scan import Entry, ScanResult, is_editor_debris, scan, vault_root


class Level(IntEnum):
    """How much a message matters: ``-q`` shows problems only, ``-v`` shows details."""

    PROBLEM = 0
    INFO = 1
    DETAIL = 2


Report = Callable[[Level, str], None]

EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
"""The events that can change a note. Opened, closed and attribute events (vaultkit's
own reads among them) are never even delivered."""


@dataclass(frozen=True)
class WatchSettings:
    """Options of watch mode, from the ``watch:`` section of ``vaultkit.yaml``."""

    quiet_seconds: float = 1.0
    """A note saved less than this long ago is not written into; its update waits."""
    rescan_seconds: float = 5.0
    """Seconds between stat-only rescans that catch events the OS dropped."""
    breaker_writes: int = 8
    """Stop writing a file that vaultkit had to write more often than this ..."""
    breaker_seconds: float = 10.0
    """... within this many seconds."""
    debounce_seconds: float = 0.03
    """Wait until no event came for this long before rebuilding (an editor's save is a
    burst of events a few milliseconds apart)."""
    max_wait_seconds: float = 1.0
    """But never wait longer than this after the first event of a burst."""
    max_behind_seconds: float = 10.0
    """Follow-ups, prep sheets, the dashboard and the map follow a save once you pause
    (``quiet_seconds``), and never later than this after the first save they missed."""

    @classmethod
    def from_config(cls, config: Config) -> WatchSettings:
        """Read the ``watch:`` section; a wrong value is a :class:`ConfigError`."""
        section = config.extra.get("watch")
        if section is None:
            return cls()
        if not isinstance(section, dict):
            raise ConfigError(f"{CONFIG_NAME}: watch: must be a mapping of option: value")
        known = {name for name in cls.__dataclass_fields__}
        values: dict[str, Any] = {}
        for key, value in section.items():
            if key not in known:
                raise ConfigError(
                    f"{CONFIG_NAME}: watch: unknown option {key!r} "
                    f"(known: {', '.join(sorted(known))})"
                )
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{CONFIG_NAME}: watch.{key} must be a number of 0 or more")
            if key == "breaker_writes":
                if not isinstance(value, int) or value < 1:
                    raise ConfigError(f"{CONFIG_NAME}: watch.breaker_writes must be 1 or more")
                values[key] = value
            else:
                values[key] = float(value)
        return cls(**values)


def is_relevant(rel: str, templates_folder: str, is_directory: bool = False) -> bool:
    """Whether a change at ``rel`` (vault-relative, ``/``-separated) can change output.

    Hidden files and folders (vaultkit's own temp files among them), editor debris
    (vim's ``4913`` and ``~`` backups, ``.swp``, JetBrains' ``___jb_tmp___``, GNOME's
    ``.goutputstream-*``) and files other than notes, the config and templates never are.
    """
    if not rel or rel.startswith("../") or rel == "..":
        return False
    if rel in SETTINGS_FILES:  # Obsidian's link style and Tasks filter shape every output
        return True
    parts = rel.split("/")
    if any(p.startswith(".") for p in parts):
        return False
    if is_directory:
        return True
    name = parts[-1]
    if is_editor_debris(name):
        return False
    if rel == CONFIG_NAME:
        return True
    folder = templates_folder.strip("/").casefold()
    if folder and rel.casefold().startswith(folder + "/"):
        return True
    return name.endswith(".md")


def sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class _Handler(FileSystemEventHandler):
    """Runs in watchdog's thread: records the paths and wakes the loop, nothing more."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, DirCreatedEvent):
            # A new folder changes nothing by itself (vaultkit makes some for its own
            # notes); the notes put in it come as their own events or the rescan finds them.
            return
        paths = [os.fsdecode(event.src_path)]
        if event.dest_path:
            paths.append(os.fsdecode(event.dest_path))
        self.watcher.record(paths, event.is_directory)


class Watcher:
    """Keeps one vault current. ``start()``, then ``run()`` until ``stop()``, then ``close()``."""

    def __init__(
        self,
        path: Path,
        report: Report,
        today: dt.date | None = None,
        poll: bool = False,
        cache: NoteCache | None = None,
    ) -> None:
        self.path = path
        self.report = report
        self.fixed_today = today
        self.poll = poll
        self.cache: NoteCache = cache if cache is not None else MemoryCache()
        self.root = vault_root(path)
        self.config = Config.load(self.root)
        self.settings = WatchSettings.from_config(self.config)
        self.lock = VaultLock(self.root, "watch")
        self.observer: BaseObserver | None = None
        self.rebuilds = 0
        """How many rebuilds ran (the first full one included)."""
        self.rescans = 0
        """How many stat-only rescans ran."""
        self.failed = False
        """Set when watching had to stop because of an error (the vault vanished)."""
        self._cond = threading.Condition()  # an RLock inside: safe from a signal handler
        self._stopping = False
        self._busy = False
        self._pending: dict[str, bool] = {}  # rel -> is a folder
        self._first_event = 0.0
        self._last_event = 0.0
        self._own: dict[str, str] = {}  # rel -> sha256 of the bytes vaultkit wrote there
        self._seen: dict[str, str] = {}  # rel -> sha256 of the bytes the last rebuild parsed
        self._saved_at: dict[str, float] = {}  # rel -> when the user last changed it
        self._writes: dict[str, deque[float]] = {}
        self._tripped: set[str] = set()
        self._deferred_at: float | None = None
        self._snapshot: dict[str, tuple[int, int]] = {}
        self._problems: set[Problem] = set()
        self._last: Vault | None = None  # the model of the last rebuild, to see what changed
        self._loaded: Loaded | None = None  # the vault as the last rebuild left it
        self._kept: Vault | None = None  # the model as read from an earlier run's, if it was
        self._templates: Templates | None = None  # kept between quick rebuilds
        self._waiting: set[str] = set()  # notes whose write waits for the user to pause
        self._behind: set[str] = set()  # saved since the last full rebuild
        self._behind_since = 0.0
        self.scoped = 0
        """How many full rebuilds rendered only the notes a change touched."""
        self.quick = 0
        """How many rebuilds were quick: the saved notes parsed, the model brought up to
        date, the backlinks one link around them written; the rest waits for a pause."""
        self._today = today or dt.date.today()
        self._unread: tuple[ScanResult, list[Problem]] | None = None
        """A settled vault's scan and problems, until :meth:`_read_settled` reads it."""

    # -- life cycle ---------------------------------------------------------------

    def start(
        self, scanned: ScanResult | None = None, settled: list[Problem] | None = None
    ) -> RunResult | None:
        """Take the vault's lock, start observing, and run the first full rebuild.

        ``scanned``: the scan the caller already made. ``settled``: the problems of a
        run that found nothing to write, remembered for exactly this scan and these
        inputs (see :mod:`vaultkit.runmemo`): a full rebuild would write nothing, so
        nothing is rendered, and the vault is only read (parse cache and model). That
        read waits for :meth:`run` (or the first change handled): watching begins at
        once, saves made meanwhile are queued, and the first of them is handled once
        the read is done. Returns None then, else the first rebuild's result.

        Otherwise the first rebuild runs before observing starts, so that it may use a
        second core (:mod:`vaultkit.parallel` forks only while no other thread runs);
        a rescan right after observing starts queues whatever changed meanwhile, held
        against the config's and templates' state from before the rebuild."""
        self.lock.acquire()
        try:
            if settled is not None and scanned is not None:
                self.observer = self._start_observer()
                self._unread = (scanned, list(settled))
                return None
            before = self._settings_stats()
            self._read_cache()
            result = self._regen(set(), scanned=scanned)
            self._first(result)
            for rel in set(before) | set(self._settings_stats()):
                if rel in before:
                    self._snapshot[rel] = before[rel]
                else:
                    self._snapshot.pop(rel, None)
            self.observer = self._start_observer()
            self._rescan()
            return result
        except BaseException:
            self.close()
            raise

    def _read_cache(self) -> None:
        """Read the parse cache now, and set its notes aside from the cyclic garbage
        collector (they live on; a rebuild's collections then do not walk them all
        again). What is garbage at this point is collected first, so nothing is kept
        that should not be; notes replaced later are freed as usual."""
        if isinstance(self.cache, FileCache) and self.cache.files_unread:
            gc.collect()
            len(self.cache)
            gc.freeze()

    def _settings_stats(self) -> dict[str, tuple[int, int]]:
        """Size and mtime of the config, Obsidian's settings and the templates."""
        found = self._template_stats()
        for rel in (CONFIG_NAME, *SETTINGS_FILES):
            try:
                st = (self.root / rel).stat()
            except OSError:
                continue
            found[rel] = (st.st_size, st.st_mtime_ns)
        return found

    def _first(self, result: RunResult) -> None:
        self.rebuilds += 1
        self._after(result, {}, set(), announce=False)
        # The parsed notes and the model live for the whole watch: once, move them out
        # of the cyclic collector's sight, so that each rebuild's full collections do
        # not walk them all again (what is freed later is freed as usual). Rendering
        # leaves cyclic garbage, to be collected before it is frozen for good; a vault
        # only read (settled) leaves next to none, and the collection is 0.2 s at 10k.
        if result.plans:
            gc.collect()
        gc.freeze()

    def _read_settled(self) -> None:
        """Read the settled vault that :meth:`start` left unread (nothing when none)."""
        if self._unread is None:
            return
        scanned, settled = self._unread
        self._read_cache()
        limit = self.config.max_note_bytes
        lacking = [
            e.rel
            for e in scanned.entries
            if 0 < e.size <= limit and self.cache.get(e.rel, e.size, e.mtime_ns) is None
        ]
        if lacking:
            # A note read now may hold a save made since the remembered run: what was
            # written then would not show it, and a model holding it would see nothing
            # to do for that save. Render the vault from what is read, as after a change.
            result = self._regen(set(), scanned=scanned)
            self._first(result)
            self._unread = None
            self.report(
                Level.INFO,
                f"the parse cache lacked {_listing(lacking)}: "
                + (f"wrote {_listing(result.written)}" if result.written else "nothing to write"),
            )
        else:
            loaded = build.load(self.root, self._today, self.config, self.cache, scanned=scanned)
            self._loaded, self._last = loaded, loaded.vault
            self._kept = loaded.vault if loaded.model == "kept" else None
            self._first(RunResult(loaded, [], settled))
            self._unread = None
            self.report(Level.DETAIL, f"read the vault ({len(loaded.vault.notes)} notes): ready")
        if isinstance(self.cache, FileCache):
            self.cache.save()  # what was parsed just now, for the next start

    def _start_observer(self) -> BaseObserver:
        handler = _Handler(self)
        if not self.poll:
            observer: BaseObserver = Observer()
            observer.schedule(handler, str(self.root), recursive=True, event_filter=EVENT_TYPES)
            try:
                observer.start()
                return observer
            except OSError as exc:
                self.report(Level.PROBLEM, _native_failed(exc))
        observer = PollingObserver(timeout=1.0)
        observer.schedule(handler, str(self.root), recursive=True, event_filter=EVENT_TYPES)
        observer.start()
        return observer

    def stop(self) -> None:
        """Ask the loop to finish (safe from a signal handler and from other threads)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def keep_model(self) -> None:
        """Keep the model as this session left it for the next run (see
        :mod:`vaultkit.modelcache`): the next ``watch`` or ``regen`` need not build it.
        Not when it is still the one read at the start."""
        loaded = self._loaded
        if loaded is None or not isinstance(self.cache, FileCache) or loaded.vault is self._kept:
            return
        from . import modelcache

        modelcache.keep(self.root, loaded.vault)

    def close(self) -> None:
        """Stop observing and let go of the lock."""
        observer, self.observer = self.observer, None
        if observer is not None:
            observer.stop()
            if observer.is_alive():
                observer.join(timeout=5)
        self.lock.release()

    # -- events (watchdog's thread) -----------------------------------------------

    def record(self, paths: list[str], is_directory: bool) -> None:
        """Note changed paths and wake the loop; called from watchdog's thread."""
        rels = []
        for p in paths:
            rel = os.path.relpath(p, self.root).replace(os.sep, "/")
            if is_relevant(rel, self.config.templates_folder, is_directory):
                rels.append(rel)
        if not rels:
            return
        now = time.monotonic()
        with self._cond:
            if not self._pending:
                self._first_event = now
            self._last_event = now
            for rel in rels:
                self._pending[rel] = self._pending.get(rel, False) or is_directory
            self._cond.notify_all()

    # -- the loop -----------------------------------------------------------------

    def run(self) -> None:
        """Handle changes until :meth:`stop` is called."""
        try:
            self._read_settled()
        except Exception as exc:  # as if the first rebuild had failed: watching stops
            self.report(Level.PROBLEM, f"vaultkit: could not read the vault: {exc}")
            self.failed = True
            return
        next_rescan = time.monotonic() + self.settings.rescan_seconds
        while True:
            s = self.settings  # vaultkit.yaml may have changed
            with self._cond:
                if self._stopping:
                    return
                now = time.monotonic()
                deadlines = [next_rescan]
                if self._pending:
                    deadlines.append(
                        min(
                            self._last_event + s.debounce_seconds,
                            self._first_event + s.max_wait_seconds,
                        )
                    )
                if self._deferred_at is not None:
                    deadlines.append(self._deferred_at)
                timeout = min(deadlines) - now
                if timeout > 0:
                    self._cond.wait(min(timeout, 1.0))
                    continue
                now = time.monotonic()
                changes: dict[str, bool] = {}
                if self._pending and (
                    now - self._last_event >= s.debounce_seconds
                    or now - self._first_event >= s.max_wait_seconds
                ):
                    changes, self._pending = self._pending, {}
                self._busy = True
            if self._stopping:
                return
            try:
                if changes:
                    self._handle(changes)
                elif self._deferred_at is not None and now >= self._deferred_at:
                    self._deferred_at = None
                    self._rebuild({})
                if now >= next_rescan:
                    self._rescan()
                    next_rescan = time.monotonic() + s.rescan_seconds
            except Exception as exc:  # a failed rebuild is reported; watching goes on
                self.report(Level.PROBLEM, f"vaultkit: could not update the vault: {exc!r}")
                self._settle_after_failure()
            finally:
                self._busy = False
            if self.failed:
                return

    def idle(self) -> bool:
        """Nothing recorded and not yet handled, nothing being handled, no write waiting,
        the vault read."""
        with self._cond:
            return (
                not self._pending
                and not self._busy
                and self._deferred_at is None
                and self._unread is None
            )

    def _handle(self, changes: dict[str, bool]) -> None:
        """Drop vaultkit's own writes from a settled batch of changes, rebuild for the rest."""
        self._read_settled()
        real: dict[str, bool] = {}
        own: list[str] = []
        seen: list[str] = []
        for rel, is_dir in sorted(changes.items()):
            now = None if is_dir else sha256_of(self.root / rel)
            if now is not None and now == self._own.get(rel):
                own.append(rel)
                self._remember_stat(rel)
            elif now is not None and now == self._seen.get(rel):
                seen.append(rel)  # a late event for bytes the last rebuild already read
                self._remember_stat(rel)
            else:
                real[rel] = is_dir
                # Bytes the user wrote: should they go back to exactly what vaultkit last
                # wrote there (an undo), that is a change again, not vaultkit's own write.
                self._own.pop(rel, None)
        if own:
            self.report(Level.DETAIL, f"ignored vaultkit's own writes: {_listing(own)}")
        if seen:
            self.report(Level.DETAIL, f"already up to date: {_listing(seen)}")
        if real:
            self._rebuild(real)

    def _rescan(self) -> None:
        """Compare a stat-only scan with what the last rebuild saw; queue any difference."""
        self._read_settled()
        self.rescans += 1
        if not self.root.is_dir():
            self._vanished()
            return
        if self.fixed_today is None and dt.date.today() != self._today:
            self.report(Level.INFO, "a new day: updating dates")
            self._rebuild({})
            return
        seen = self._stat_all()
        missed = sorted(
            rel
            for rel in set(seen) | set(self._snapshot)
            if seen.get(rel) != self._snapshot.get(rel)
        )
        if missed:
            self.report(Level.DETAIL, f"rescan found changes no event reported: {len(missed)}")
            now = time.monotonic()
            with self._cond:
                if not self._pending:
                    self._first_event = now
                self._last_event = now
                for rel in missed:
                    self._pending.setdefault(rel, False)
                self._cond.notify_all()

    def _stat_all(self) -> dict[str, tuple[int, int]]:
        """Size and mtime of every note, of the config and of the templates: what the
        rescan compares."""
        ignore = (*self.config.ignore_folders, self.config.templates_folder)
        seen = {e.rel: (e.size, e.mtime_ns) for e in scan(self.root, ignore, False).entries}
        seen.update(self._settings_stats())
        return seen

    def _template_stats(self) -> dict[str, tuple[int, int]]:
        """Size and mtime of each file in the vault's templates folder (not hidden ones,
        not through links), so that a template edit no event reported is found too."""
        folder = self.config.templates_folder.strip("/")
        found: dict[str, tuple[int, int]] = {}
        if not folder:
            return found
        base = self.root / folder
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                rel = os.path.relpath(os.path.join(dirpath, name), self.root).replace(os.sep, "/")
                if not is_relevant(rel, self.config.templates_folder):
                    continue
                try:
                    st = os.lstat(os.path.join(dirpath, name))
                except OSError:
                    continue
                found[rel] = (st.st_size, st.st_mtime_ns)
        return found

    def _settle_after_failure(self) -> None:
        """After a failed rebuild, keep the rescan from retrying it (and repeating the
        message) every few seconds: the next event, or a change it sees, tries again."""
        self._snapshot = self._stat_all()

    def _vanished(self) -> None:
        self.report(Level.PROBLEM, f"vaultkit: {self.root}: the vault's folder is gone; stopped")
        self.failed = True
        self.stop()

    # -- one rebuild --------------------------------------------------------------

    def _regen(
        self,
        hold: set[str],
        changed: Collection[str] | None = None,
        scanned: ScanResult | None = None,
    ) -> RunResult:
        """One full pass of the pipeline; ``changed`` (None: everything) narrows the
        rendering of backlinks (follow-ups, prep sheets and the map are all rendered)."""
        self.config = Config.load(self.root)
        self.settings = WatchSettings.from_config(self.config)
        self._today = self.fixed_today or dt.date.today()

        def scope(loaded: Loaded) -> set[str] | None:
            if changed is None or self._last is None:
                return None
            touched = affected(self._last, loaded.vault, changed)
            if touched is not None:
                touched |= self._waiting
            return touched

        self._templates = None  # a template may have changed: compile afresh
        try:
            result = build.regen(
                self.root,
                self._today,
                config=self.config,
                cache=self.cache,
                hold=hold,
                on_write=self._wrote,
                scope=scope,
                scanned=scanned,
                # An earlier run's model only for the first rebuild: later ones would
                # hold it in memory beside this watcher's own.
                kept=self._last is None,
            )
        except BaseException:
            self._last = self._loaded = None  # the next rebuild renders everything
            raise
        if result.loaded.scope is not None:
            self.scoped += 1
        self._behind = set()
        self._loaded = result.loaded
        self._last = result.loaded.vault
        fresh = self._refresh_written(result)
        if fresh is None:
            # It created or removed a note (a prep sheet, a conflict note): read the
            # vault again now, so that the next save is quick.
            self._loaded = build.load(self.root, self._today, self.config, self.cache, kept=False)
            self._last = self._loaded.vault
        elif fresh:
            self._absorbed(fresh)
        return result

    def _absorbed(self, paths: set[str]) -> None:
        """Notes whose write took in a save of the user's made meanwhile (the checked
        write redid it from the new bytes): their own event may well be taken for
        vaultkit's write, and the kept vault does not have their new words. So the next
        rebuild is a full one, and it redoes what these notes touch."""
        self._loaded = None
        if not self._behind:
            self._behind_since = time.monotonic()
        self._behind |= paths

    def _quick(self, changes: dict[str, bool], hold: set[str]) -> RunResult | None:
        """Handle saves of existing notes without reading the vault again: parse the
        saved notes, bring the model up to date (:func:`update_model`) and write the
        backlinks one link around them (:func:`affected`). None when that is not
        enough (a note added, removed, renamed or broken, new aliases or kinds, another
        day, anything but a note): then a full rebuild runs."""
        loaded = self._loaded
        if loaded is None or loaded.vault is not self._last:
            return None
        old = loaded.vault
        if (self.fixed_today or dt.date.today()) != old.today:
            return None
        troubled = {p.path for p in loaded.read_problems}
        entries = dict(loaded.entries)
        parsed: dict[str, ParsedNote] = {}
        for rel, is_dir in changes.items():
            if is_dir or rel not in old.notes or rel in troubled:
                return None
            if rel in loaded.unwritable and not build.is_opted_out(old.notes[rel]):
                return None
            note = self._read_note(rel, entries)
            if note is None:
                return None
            parsed[rel] = note
        new = update_model(old, parsed)
        if new is None:
            return None
        scope = affected(old, new, list(parsed))
        if scope is None:
            return None
        unwritable = set(loaded.unwritable)
        for rel, note in parsed.items():
            self.cache.put(note)
            if build.is_opted_out(note):
                unwritable.add(rel)
            else:
                unwritable.discard(rel)
        fresh = Loaded(
            root=self.root,
            config=loaded.config,
            vault=new,
            entries=entries,
            unwritable=unwritable,
            problems=[*loaded.read_problems, *new.problems],
            read_problems=loaded.read_problems,
            scope=scope | self._waiting,
        )
        if self._templates is None:
            self._templates = Templates(self.root, loaded.config.templates_folder)
        result = build.regen(
            self.root,
            old.today,
            cache=self.cache,
            hold=hold,
            on_write=self._wrote,
            loaded=fresh,
            backlinks_only=True,
            templates=self._templates,
        )
        self.quick += 1
        self._loaded, self._last = fresh, new
        absorbed = self._refresh_written(result)
        if absorbed is None:
            self._loaded = None  # a conflict note was created: the next rebuild is full
        elif absorbed:
            self._absorbed(absorbed)
        return result

    def _read_note(self, rel: str, entries: dict[str, Entry]) -> ParsedNote | None:
        """Parse a saved note as a scan and load would; None if they would have more to
        say about it (gone, empty, too large, a link farm, a conflict, broken)."""
        try:
            st = (self.root / rel).lstat()
        except OSError:
            return None
        if (
            not stat.S_ISREG(st.st_mode)
            or st.st_nlink > 1
            or not 0 < st.st_size <= self.config.max_note_bytes
        ):
            return None
        entry = Entry(rel, st.st_size, st.st_mtime_ns, st.st_mode, st.st_nlink)
        found = build.read_note(self.root, entry)
        if found is None or isinstance(found[0], Problem) or found[1] != st.st_size:
            return None  # gone, a git merge, broken, or changing as it was read
        entries[rel] = entry
        return found[0]

    def _refresh_written(self, result: RunResult) -> set[str] | None:
        """Put what a rebuild wrote into the kept vault (its new parse, from the cache):
        a write changes only vaultkit's regions, which the model does not read. Returns
        the notes whose write also took in the user's words (a write redone from a save
        made meanwhile: those stay as the model had them, see :meth:`_absorbed`), or
        None when a note was created or removed: the kept vault no longer matches."""
        loaded = self._loaded
        if loaded is None:
            return None
        notes = loaded.vault.notes
        absorbed = set(result.redone)
        for rel in result.written:
            wrote = result.wrote.get(rel)
            note = self.cache.get(rel, len(wrote[0]), wrote[1]) if wrote is not None else None
            if note is None or rel not in notes:
                return None
            if rel in absorbed:
                continue
            notes[rel] = note
            old = loaded.entries.get(rel)
            if old is not None:
                loaded.entries[rel] = replace(old, size=note.size, mtime_ns=note.mtime_ns)
        return absorbed

    def _rebuild(self, changes: dict[str, bool]) -> None:
        now = time.monotonic()
        for rel in changes:
            self._saved_at[rel] = now
        quiet = self.settings.quiet_seconds
        self._saved_at = {p: t for p, t in self._saved_at.items() if now - t < quiet}
        hold = set(self._saved_at) | self._tripped
        what = _describe(changes)
        if not self.root.is_dir():
            self._vanished()
            return
        if changes:
            try:
                quick = self._quick(changes, hold)
            except VaultkitError:
                quick = None  # the full rebuild says what is wrong
            except Exception as exc:  # never worse than a full rebuild
                self.report(Level.DETAIL, f"quick rebuild failed ({exc!r}); a full one instead")
                quick = None
            if quick is not None:
                self.rebuilds += 1
                if not self._behind:
                    self._behind_since = now
                self._behind |= set(changes)
                self._after(quick, changes, hold, quick=True)
                return
        try:
            result = self._regen(hold, set(changes) | self._behind | self._waiting or None)
        except VaultkitError as exc:
            self.rebuilds += 1
            self.report(Level.PROBLEM, f"{what}: {exc}; nothing written, still watching")
            self._settle_after_failure()
            return
        self.rebuilds += 1
        self._after(result, changes, hold)

    def _wrote(self, rel: str, data: bytes) -> None:
        self._own[rel] = hashlib.sha256(data).hexdigest()

    def _remember_stat(self, rel: str) -> None:
        try:
            st = (self.root / rel).stat()
        except OSError:
            self._snapshot.pop(rel, None)
            return
        self._snapshot[rel] = (st.st_size, st.st_mtime_ns)

    def _after(
        self,
        result: RunResult,
        changes: dict[str, bool],
        hold: set[str],
        announce: bool = True,
        quick: bool = False,
    ) -> None:
        """Bookkeeping and the one line per change: breaker, deferrals, problems."""
        now = time.monotonic()
        s = self.settings
        entries = result.loaded.entries
        if quick:  # only the saved notes were read again
            notes = result.loaded.vault.notes
            for rel in changes:
                self._snapshot[rel] = (entries[rel].size, entries[rel].mtime_ns)
                self._seen[rel] = notes[rel].sha
        else:
            self._snapshot = {rel: (e.size, e.mtime_ns) for rel, e in entries.items()}
            self._seen = {rel: n.sha for rel, n in result.loaded.vault.notes.items() if n.sha}
            self._snapshot.update(self._settings_stats())
        tripped: list[str] = []
        for rel in result.written:
            wrote = result.wrote.get(rel)
            if wrote is not None:  # the stamp of vaultkit's write, not of a save since
                self._snapshot[rel] = (len(wrote[0]), wrote[1])
            else:  # removed (a conflict note settled)
                self._remember_stat(rel)
            self._seen[rel] = self._own[rel]  # on disk now: what vaultkit wrote, not what it read
            log = self._writes.setdefault(rel, deque())
            log.append(now)
            while log and now - log[0] > s.breaker_seconds:
                log.popleft()
            if len(log) > s.breaker_writes and rel not in self._tripped:
                self._tripped.add(rel)
                tripped.append(rel)
        waiting = sorted(
            fp.path
            for fp in result.plans
            if fp.path in hold
            and fp.path not in self._tripped
            and fp.action in (Action.CREATE, Action.UPDATE)
        )
        self._waiting = set(waiting)
        deadlines = [self._saved_at.get(p, now) + s.quiet_seconds for p in waiting]
        if self._behind:  # the full rebuild, once the user pauses
            deadlines.append(min(now + s.quiet_seconds, self._behind_since + s.max_behind_seconds))
        self._deferred_at = min(deadlines) if deadlines else None
        new_problems = sorted(
            p for p in set(result.problems) if p not in self._problems or p.path in changes
        )
        if quick:
            # A quick rebuild knows the model's problems and those of what it wrote; what
            # is fixed (and the problems of follow-ups and prep sheets) the full one tells.
            fixed: list[str] = []
            self._problems |= set(result.problems)
        else:
            fixed = sorted(
                {p.path for p in self._problems} - {p.path for p in result.problems} - {CONFIG_NAME}
            )
            self._problems = set(result.problems)
        if not announce:
            return
        # A rebuild at a pause that wrote nothing can still find problems (of follow-ups
        # and prep sheets, which a quick rebuild leaves to it) or see some fixed.
        if changes or result.written or waiting or fixed:
            parts = []
            if result.written:
                parts.append(f"wrote {_listing(result.written)}")
            if waiting:
                parts.append(f"will write {_listing(waiting)} once you pause")
            if fixed:
                parts.append(f"no more problems in {_listing(fixed)}")
            if not parts:
                parts.append("nothing to write")
            what = _describe(changes) if changes else "waited for a pause"
            self.report(Level.INFO, f"{what}: {'; '.join(parts)}")
        for problem in new_problems:
            self.report(Level.PROBLEM, str(problem))
        for rel in tripped:
            self.report(
                Level.PROBLEM,
                str(
                    Problem(
                        rel,
                        0,
                        f"vaultkit had to write it more than {s.breaker_writes} times in "
                        f"{s.breaker_seconds:g} s (another program keeps changing vaultkit's "
                        "region?); vaultkit stops writing it until watch is restarted",
                        Severity.ERROR,
                        "breaker",
                    )
                ),
            )


def _listing(paths: list[str] | set[str]) -> str:
    """``A.md``, ``A.md, B.md`` or ``A.md, B.md, C.md and 3 more``: one short line."""
    names = sorted(paths)
    shown = ", ".join(names[:3])
    if len(names) > 3:
        shown += f" and {len(names) - 3} more"
    return shown


def _describe(changes: dict[str, bool]) -> str:
    """``changed A.md`` or ``changed A.md, B.md, C.md and 3 more``."""
    if not changes:
        return "rescan"
    return "changed " + _listing({f"{rel}/" if d else rel for rel, d in changes.items()})


def _native_failed(exc: OSError) -> str:
    advice = ""
    text = str(exc)
    if "watch limit" in text:
        advice = (
            " Raise the limit with `sudo sysctl fs.inotify.max_user_watches=524288` "
            "(add it to /etc/sysctl.conf to keep it)."
        )
    elif "instance limit" in text:
        advice = (
            " Raise the limit with `sudo sysctl fs.inotify.max_user_instances=1024`, "
            "or close other programs that watch files."
        )
    return (
        f"vaultkit: the system's file watcher could not start ({text}); polling the vault "
        f"every second instead, which costs more.{advice} Use --poll to skip this attempt."
    )
