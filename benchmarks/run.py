"""Benchmark vaultkit on generated vaults, side by side with the cost of reading them.

For each size, in ONE run on the same generated vault, every step runs as its own
process (whole-process wall time, the page cache warm from generating the vault) and
its peak resident memory is read from the kernel (``wait4``):

* the floor: a process that reads every note's bytes, one that only stats them, and
  one that writes every note again as vaultkit writes many files (a temp file beside
  each, one ``syncfs``, each replace; the same bytes, so the vault is unchanged): what
  a first run, which writes a region into most notes, cannot go below on this disk;
* ``vaultkit regen`` cold (empty cache folder, nothing generated yet), again with no
  change (warm parse cache: the first run wrote, so this one reads the model again),
  once more (a run that changed nothing is remembered: a stat walk), without the
  cache, and after changing one note;
* ``vaultkit check`` (warm cache);
* if the installed vaultkit has ``watch``: the time from its start to its "watching"
  line, once after a change (its first run renders the vault) and once on a vault that
  a run found settled and that did not change since (warm cache); the time from that
  start to the backlink of a save made as soon as it says "watching" (a settled watch
  reads the vault after saying so, and that save waits for the read); then the time
  from an atomic save of a meeting note to the backlink in a person note on disk,
  median and p95 over ``--saves`` saves.

It prints one Markdown table: each time, its ratio to the read floor, and peak memory.

Usage::

    python -m benchmarks.run --notes 1000 10000 [--out DIR] [--saves 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .generate_vault import generate

TODAY = "2026-11-22"
VAULTKIT = (sys.executable, "-m", "vaultkit")

_READ_ALL = """
import os, sys
total = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in files:
        if name.endswith(".md"):
            with open(os.path.join(folder, name), "rb") as fh:
                total += len(fh.read())
print(total)
"""
_STAT_ALL = """
import os, sys
def walk(path):
    n = 0
    with os.scandir(path) as it:
        for e in it:
            if e.name.startswith("."):
                continue
            if e.is_dir(follow_symlinks=False):
                n += walk(e.path)
            elif e.name.endswith(".md"):
                e.stat(follow_symlinks=False)
                n += 1
    return n
print(walk(sys.argv[1]))
"""

_WRITE_ALL = """
import ctypes, os, sys
notes = []
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    notes += [os.path.join(folder, n) for n in files if n.endswith(".md")]
temps = []
for note in notes:
    with open(note, "rb") as fh:
        data = fh.read()
    temp = os.path.join(os.path.dirname(note), ".bench-" + os.path.basename(note) + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    temps.append(temp)
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    syncfs = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)
    if syncfs is None or syncfs(fd) != 0:
        os.sync()
finally:
    os.close(fd)
for temp, note in zip(temps, notes):
    os.replace(temp, note)
print(len(notes))
"""
"""The floor of a first run: every note written again as vaultkit writes many files
(a temp file beside each, one flush of the file system, then each replace), with the
bytes it had, so that the vault is the same afterwards (but for its files' stamps)."""

ROWS = (
    "floor: read every note",
    "floor: stat every note",
    "floor: write every note again (temp file, sync, replace)",
    "regen, cold (no cache, nothing generated)",
    "regen, no change (warm cache)",
    "regen, no change again (remembered run)",
    "regen, no change, --no-cache",
    "regen, one note changed",
    "check (warm cache)",
)
WATCH_ROWS = (
    "watch: start to watching, after a change",
    "watch: start to watching, settled vault (warm cache)",
    "watch: settled start to the backlink of a save made at once",
    "watch: save to backlink, median",
    "watch: save to backlink, p95",
)


def _neutral() -> str:
    """A working folder for the measured processes, so that ``python -m vaultkit`` runs the
    installed vaultkit and not a source tree that happens to be the current folder."""
    return tempfile.gettempdir()


@dataclass
class Step:
    seconds: float
    peak_kb: int | None


def run_step(args: Sequence[str], env: dict[str, str], ok: tuple[int, ...] = (0, 1)) -> Step:
    """Run one process; its wall time and its own peak RSS (``wait4``, not the children's max)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, env=env, cwd=_neutral(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: {err.decode()[-2000:]}")
    return Step(elapsed, usage.ru_maxrss)


def _help(env: dict[str, str], command: str) -> str | None:
    """``vaultkit COMMAND --help`` of the installed vaultkit, or None without that command."""
    result = subprocess.run(
        [*VAULTKIT, command, "--help"], env=env, cwd=_neutral(), capture_output=True, check=False
    )
    return result.stdout.decode() if result.returncode == 0 else None


def has_watch(env: dict[str, str]) -> bool:
    return _help(env, "watch") is not None


def _atomic_save(path: Path, text: str) -> None:
    tmp = path.with_name(f".bench-{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _region(path: Path) -> str:
    """The text of vaultkit's backlinks region in a note ('' when it has none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    start = text.find("<!-- vaultkit:begin backlinks")
    end = text.find("<!-- vaultkit:end backlinks", start)
    return text[start:end] if start >= 0 and end >= 0 else ""


def _pick(vault: Path, count: int) -> tuple[Path, list[Path]]:
    """A meeting note, and people notes it does not link to and that don't list it yet."""
    meetings = sorted((vault / "Meetings").rglob("*.md"))
    people = sorted((vault / "People").rglob("*.md"))
    meeting = meetings[len(meetings) // 2]
    text = meeting.read_text(encoding="utf-8")
    chosen = [p for p in people if p.stem not in text and meeting.stem not in _region(p)]
    return meeting, chosen[:count]


def change_one_note(vault: Path) -> None:
    meeting, people = _pick(vault, 1)
    text = meeting.read_text(encoding="utf-8")
    _atomic_save(meeting, text + f"\nAlso talked about [[{people[0].stem}]].\n")


def _wait_for(path: Path, needle: str, timeout: float) -> float:
    """Poll ``path`` until its region names ``needle``; return when it did (perf_counter)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if needle in _region(path):
            return time.perf_counter()
        time.sleep(0.0005)
    raise TimeoutError(f"{path}: {needle!r} did not appear within {timeout} s")


class _Watch:
    """A ``vaultkit watch`` process, and when it printed its "watching" line."""

    def __init__(self, vault: Path, env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [*VAULTKIT, "watch", str(vault), "--today", TODAY],
            env=env,
            cwd=_neutral(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.watching = threading.Event()
        self.ready_at = 0.0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("watching ") and not self.watching.is_set():
                self.ready_at = time.perf_counter()
                self.watching.set()

    def wait_ready(self, timeout: float = 600.0) -> float:
        """Seconds from the start of the process to its "watching" line."""
        if not self.watching.wait(timeout):
            raise TimeoutError(f"vaultkit watch did not start within {timeout} s")
        return self.ready_at - self.started

    def stop(self) -> int | None:
        """SIGINT, wait; the process's peak RSS (kB)."""
        self.proc.send_signal(signal.SIGINT)
        try:
            _, _, usage = os.wait4(self.proc.pid, 0)
            peak: int | None = usage.ru_maxrss
        except ChildProcessError:
            peak = None
        self.proc.returncode = 0
        return peak


def measure_watch(
    vault: Path, env: dict[str, str], saves: int
) -> tuple[float, float, float, list[float], int | None]:
    """Start after a change, start on a settled vault, the time from that start to the
    backlink of a save made as soon as it said "watching" (it reads the vault first),
    then latencies from an atomic save to the backlink on disk (all in s), and the
    second watcher's peak RSS."""
    meeting, people = _pick(vault, saves + 1)
    base = meeting.read_text(encoding="utf-8")
    _atomic_save(meeting, base + "\nA change since the last run.\n")
    first = _Watch(vault, env)
    after_change = first.wait_ready()
    first.stop()  # its first run wrote what the change called for
    # A run that finds nothing to write is remembered: the next watch only reads the vault.
    run_step([*VAULTKIT, "regen", str(vault), "--today", TODAY, "--quiet"], env)
    watch = _Watch(vault, env)
    settled = watch.wait_ready()
    latencies: list[float] = []
    try:
        first_save = 0.0
        for i, person in enumerate(people):
            text = base + "".join(f"\nMentioned [[{p.stem}]].\n" for p in people[: i + 1])
            start = time.perf_counter()
            _atomic_save(meeting, text)
            done = _wait_for(person, meeting.stem, 60.0)
            if i == 0:  # made at once: it waited for the vault to be read
                first_save = done - watch.started
            else:
                latencies.append(done - start)
    finally:
        peak = watch.stop()
    _atomic_save(meeting, base)
    return after_change, settled, first_save, latencies, peak


def bench(n: int, out: Path, saves: int, seed: int) -> dict[str, Step]:
    vault = out / f"vault-{n}"
    cache = out / f"cache-{n}"
    for folder in (vault, cache):
        if folder.exists():
            shutil.rmtree(folder)
    generate(vault, n, seed)
    env = {**os.environ, "VAULTKIT_CACHE_DIR": str(cache)}
    py = sys.executable
    regen = [*VAULTKIT, "regen", str(vault), "--today", TODAY, "--quiet"]
    check = [*VAULTKIT, "check", str(vault), "--today", TODAY]
    results: dict[str, Step] = {}
    run_step([py, "-c", _READ_ALL, str(vault)], env)  # warm the page cache
    results[ROWS[0]] = run_step([py, "-c", _READ_ALL, str(vault)], env)
    results[ROWS[1]] = run_step([py, "-c", _STAT_ALL, str(vault)], env)
    results[ROWS[2]] = run_step([py, "-c", _WRITE_ALL, str(vault)], env)
    results[ROWS[3]] = run_step(regen, env)
    results[ROWS[4]] = run_step(regen, env)
    results[ROWS[5]] = run_step(regen, env)
    if "--no-cache" in (_help(env, "regen") or ""):  # older vaultkits have no cache
        results[ROWS[6]] = run_step([*regen, "--no-cache"], env)
    change_one_note(vault)
    results[ROWS[7]] = run_step(regen, env)
    results[ROWS[8]] = run_step(check, env)
    if has_watch(env):
        after_change, settled, first_save, latencies, peak = measure_watch(vault, env, saves)
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
        results[WATCH_ROWS[0]] = Step(after_change, None)
        results[WATCH_ROWS[1]] = Step(settled, None)
        results[WATCH_ROWS[2]] = Step(first_save, None)
        results[WATCH_ROWS[3]] = Step(statistics.median(ordered), peak)
        results[WATCH_ROWS[4]] = Step(p95, peak)
    return results


def _seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def table(all_results: dict[int, dict[str, Step]]) -> str:
    sizes = list(all_results)
    head = "| step | " + " | ".join(f"{n:,} notes | × read | peak RSS" for n in sizes) + " |"
    rule = "|---|" + "|".join("---:|---:|---:" for _ in sizes) + "|"
    lines = [head, rule]
    rows = [*ROWS, *(r for r in WATCH_ROWS if any(r in res for res in all_results.values()))]
    for row in rows:
        cells = [row]
        for n in sizes:
            step = all_results[n].get(row)
            floor = all_results[n][ROWS[0]].seconds
            if step is None:
                cells += ["n/a", "", ""]
                continue
            peak = f"{step.peak_kb / 1024:.0f} MB" if step.peak_kb else ""
            cells += [_seconds(step.seconds), f"{step.seconds / floor:.1f}×", peak]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--saves", type=int, default=50, help="saves timed in watch mode")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.out is None:
        out = Path(tempfile.mkdtemp(prefix="vaultkit-bench-"))
        cleanup = True
    else:
        out = args.out
        out.mkdir(parents=True, exist_ok=True)
        cleanup = False
    try:
        results = {n: bench(n, out, args.saves, args.seed) for n in args.notes}
    finally:
        if cleanup:
            shutil.rmtree(out, ignore_errors=True)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
