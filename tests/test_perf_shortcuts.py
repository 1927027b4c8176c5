"""The per-run shortcuts in follow-ups and prep sheets give the same answers as the
full work they skip.

* ``followups.merge`` returns the fresh line without taking copies apart when every
  copy reads exactly as vaultkit wrote it; property: it always agrees with the full
  merge (``_merge_all``) on such copies, ticked, tagged, re-dated or not.
* ``Prep`` finds the open tasks that mention a person through an index of the tasks'
  words and links; property: the tasks it finds are exactly those the per-task test
  (``_mentions``) accepts, in the same order, on generated task texts and names, and on
  a generated vault.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate_vault import generate
from vaultkit import build
from vaultkit.followups import Seen, _merge_all, _task_head, merge
from vaultkit.parse import TASK_RE, Task, nfc_key
from vaultkit.prep import Prep, _OpenTask, _TaskIndex
from vaultkit.render import Templates

HOME = "Meetings/2026-11-20 Ada Brook informational.md"
DASHBOARD = "vaultkit/Follow-ups.md"
IDENT = "fu-0123abcd"

_words = st.sampled_from(
    ["Send", "a", "note", "to", "[[Ada Brook]]", "[[People/Ada|Ada]]", "(call)", "Ödön", "x"]
)
_desc = st.lists(_words, min_size=1, max_size=5).map(" ".join)
_tags = st.lists(st.sampled_from(["#job", "#task", "#later"]), max_size=3)
_date = st.sampled_from(["2026-11-21", "2026-12-01", "2025-01-09"])


@st.composite
def _line(draw: st.DrawFn) -> str:
    status = draw(st.sampled_from([" ", " ", "x", "/", "-"]))
    line = f"- [{status}] {draw(_desc)}"
    if tags := draw(_tags):
        line += " " + " ".join(tags)
    ident = draw(st.sampled_from([IDENT, IDENT, "fu-99999999"]))
    line += f" 🆔 {ident}"
    if draw(st.booleans()):
        line += f" 📅 {draw(_date)}"
    if draw(st.booleans()):
        line += f" ✅ {draw(_date)}"
    if draw(st.booleans()):
        line += " " + draw(_desc)
    return line


@settings(max_examples=400, deadline=None)
@given(
    line=_line(),
    where=st.lists(
        st.tuples(st.sampled_from([HOME, DASHBOARD, "People/Ada Brook.md"]), st.booleans()),
        min_size=1,
        max_size=3,
    ),
    home=st.sampled_from([HOME, "People/Ada Brook.md"]),
)
def test_merge_shortcut_agrees_with_the_full_merge(
    line: str, where: list[tuple[str, bool]], home: str
) -> None:
    status = line[3]
    copies = [
        Seen(IDENT, line, status, path, n, echo=echo and status not in (" ", "/"))
        for n, (path, echo) in enumerate(where)
    ]
    assert merge(copies, home, IDENT, line) == _merge_all(copies, home, IDENT, line)


def test_merge_shortcut_keeps_a_ticked_copy_ticked() -> None:
    fresh = f"- [ ] Send a note to [[Ada Brook]] 🆔 {IDENT} 📅 2026-11-21"
    ticked = fresh.replace("[ ]", "[x]") + " ✅ 2026-11-21"
    copies = [Seen(IDENT, fresh, " ", HOME, 0), Seen(IDENT, ticked, "x", DASHBOARD, 0)]
    assert merge(copies, HOME, IDENT, fresh) == (ticked, True)


# -- prep: open tasks that mention a person ---------------------------------------------

_WORDS = ["Ada", "ada", "Brook", "Ada Brook", "Ada-Brook", "Adam", "Ödön", "O'Neil", "(Ada)", "é"]
_task_text = st.lists(
    st.sampled_from([*_WORDS, "call", "about", ",", ".", "-", "  ", "_"]), max_size=8
).map(lambda parts: "".join(parts))


def _brute(tasks: list[_OpenTask], person: str, names: list[str]) -> list[int]:
    """The per-task test of ``Prep._mentions``, over every task."""
    out = []
    for i, task in enumerate(tasks):
        hit = person in task.links
        for name in names:
            key = nfc_key(name.strip())
            if key and key in task.key and re.search(rf"(?<!\w){re.escape(key)}(?!\w)", task.key):
                hit = True
        if hit:
            out.append(i)
    return out


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(_task_text, max_size=12),
    links=st.lists(st.booleans(), max_size=12),
    names=st.lists(st.sampled_from([*_WORDS, "?!", " Ada ", ""]), min_size=1, max_size=3),
)
def test_task_index_finds_every_task_the_full_test_finds(
    texts: list[str], links: list[bool], names: list[str]
) -> None:
    person = "People/Ada Brook.md"
    tasks = [
        _OpenTask(
            "n.md",
            Task(n + 1, " ", text),
            frozenset([person]) if n < len(links) and links[n] else frozenset(),
            nfc_key(text),
        )
        for n, text in enumerate(texts)
    ]
    keys = [nfc_key(name.strip()) for name in names]
    found = _TaskIndex(tasks).candidates(person, keys)
    assert found == sorted(found)
    expected = _brute(tasks, person, names)
    assert set(expected) <= set(found)


def test_prep_tasks_of_each_person_match_the_full_test(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    generate(root, 600)
    loaded = build.load(root, dt.date(2026, 11, 22))
    prep = Prep(loaded, Templates(loaded.root, loaded.config.templates_folder))
    tasks = prep._open_tasks()
    assert tasks
    mentioned = 0
    for person in loaded.vault.people:
        expected = [t for t in tasks if prep._mentions(t, person)]
        assert prep._tasks_mentioning(person) == expected
        mentioned += bool(expected)
    assert mentioned  # the vault has tasks that name or link people


_starts = st.sampled_from(["- [ ] ", "- [x]", "  * [/]a", "1. [-] ", "-[ ] ", "- []", "\t+ [\r] "])
_rest = st.lists(st.sampled_from([" ", "\t", "-", "[", "]", "x", "\r", "\n", "a"]), max_size=6)


@settings(max_examples=500, deadline=None)
@given(st.tuples(_starts, _rest.map("".join)).map("".join) | _rest.map("".join))
def test_task_head_reads_a_line_as_task_re_does(line: str) -> None:
    m = TASK_RE.match(line)
    assert _task_head(line) == ((m.group("status"), m.start("text")) if m else None)
