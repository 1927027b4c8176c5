"""How far a change reaches: the notes whose backlinks a change of other notes can alter.

The watcher renders only those after a save; a one-shot run renders only those since
the run whose rendered backlinks it remembers (:mod:`vaultkit.build`).
"""

from __future__ import annotations

from collections.abc import Collection

from .model import Kind, Vault, meeting_companies, mentioned, values_of

_FACTS_BOTH_WAYS = (
    "mentions",
    "meetings_of_person",
    "meetings_of_company",
    "employees",
    "former_employees",
    "introduced",
)


def adjacent(vault: Vault, path: str) -> set[str]:
    """The notes tied to one note by a fact of the model, either way: from the facts
    about it and its own record, with no walk over the vault."""
    out: set[str] = set()
    for facts in _FACTS_BOTH_WAYS:  # the note as the key of a fact ...
        out.update(getattr(vault, facts).get(path, ()))
    for attendee, meeting_path in vault.referred_by.get(path, ()):
        out.add(attendee)
        out.add(meeting_path)
    # ... and as one of its values: what the note itself names.
    if path in vault.notes:
        out |= mentioned(vault, path)
    meeting = vault.meetings.get(path)
    if meeting is not None:
        out.update(meeting.people)
        out.update(meeting_companies(vault, meeting))
        if meeting.people:
            out.update(r.target for r in meeting.referrals if r.target)
    person = vault.people.get(path)
    if person is not None:
        refs = (person.company, person.introduced_by, *person.previous_companies)
        out.update(r.target for r in refs if r is not None and r.target)
    out.update(r.target for r, _m in vault.referrals_made.get(path, ()) if r.target)
    return out


def _users(vault: Vault) -> set[str]:
    """The user's notes: vaultkit's own (prep sheets, dashboards) come and go by its doing."""
    return {p for p, kind in vault.kinds.items() if kind != Kind.GENERATED}


LINK_DEPTH = 1
"""How far from a changed note :func:`affected` reaches. One link is enough: a note's
backlinks show its own record and facts, and of each neighbour only what that
neighbour's record holds (``tests/test_incremental.py`` checks it against a render of
every region before and after random edits)."""


def affected(
    old: Vault, new: Vault, changed: Collection[str], depth: int = LINK_DEPTH
) -> set[str] | None:
    """The notes whose outputs a change can alter, or None when everything must be redone.

    A change that leaves the set of notes, their kinds and their aliases alone (a save,
    the common case) touches the changed notes and their neighbours before and after
    the change, ``depth`` links deep. A note added, removed or renamed, a new alias or kind,
    the config, Obsidian's settings or a template, or another day changes how names
    resolve or what every note shows: then everything is rendered.
    """
    if (
        old.today != new.today
        or old.config != new.config
        or old.obsidian != new.obsidian
        or (old.kinds is not new.kinds and _users(old) != _users(new))
    ):
        return None
    for path in changed:
        if path not in new.notes or old.kinds.get(path) != new.kinds.get(path):
            return None
        before = values_of(old.notes[path].meta.get("aliases"))
        if before != values_of(new.notes[path].meta.get("aliases")):
            return None
    scope = set(changed)
    frontier = set(changed)
    for _ in range(depth):
        reached: set[str] = set()
        for path in frontier:
            reached |= adjacent(old, path) | adjacent(new, path)
        frontier = reached - scope
        scope |= frontier
    return scope
