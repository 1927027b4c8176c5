"""Property: rename then undo gives back every byte; a rename changes only link names."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit import build
from vaultkit.model import link_target
from vaultkit.rename import apply_rename, plan_rename

FRAGMENTS = [
    "[[Jane Doe]]", "[[Jane Doe|x]]", "[[Jane Doe#Career|her]]", "![[Jane Doe]]",
    "[[People/Jane Doe]]", "[[Jane Doe.md]]", "`[[Jane Doe]]`", "``a [[Jane Doe]] b``",
    "[[Jane]]", "[[Sam Lee]]", "[j](People/Jane%20Doe.md)", "[j](Jane%20Doe.md#x)",
    "Jane Doe", "text", " ", "\t", "\n", "\n\n", "\n```\n[[Jane Doe]]\n```\n", "\n    code\n",
    "\n> ", "\n- ", "\n1. ", "\n# ", "\n## x ##", "| a | [[Jane Doe\\|j]] |", "📅", "é",
    "[[", "]]", "[", "](", "`", "*", "_", "<b>", "\\", "|", "#", "(", ")", '"', " x)",
]  # fmt: skip
FRONT = [
    'company: "[[Jane Doe]]"', "introduced_by: Jane Doe", "introduced_by: Jane",
    "with: [[Jane Doe]]", 'with: ["[[Jane Doe|J]]", Sam Lee]', "with: Jane Doe, Sam Lee",
    "referrals:\n  - '[[People/Jane Doe]]'\n  - Jane Doe", "title: Jane Doe", "tags: [a, b]",
]  # fmt: skip


def by_file_name(loaded: build.Loaded, path: str) -> int:
    """Links in the body of Notes/n.md that reach ``path`` by its file name (not an alias)."""
    vault = loaded.vault
    assert vault.resolver is not None
    stem = path.rsplit("/", 1)[-1][:-3]
    return sum(
        1
        for k in vault.notes["Notes/n.md"].links
        if vault.resolver.resolve(k.target, vault.kinds).target == path
        and link_target(k.target).split("/")[-1].casefold() == stem.casefold()
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join),
    front=st.lists(st.sampled_from(FRONT), max_size=3, unique=True),
    crlf=st.booleans(),
)
def test_rename_then_undo_restores_every_byte(body: str, front: list[str], crlf: bool) -> None:
    keys = [f.split(":")[0] for f in front]
    if len(set(keys)) != len(keys):
        front = front[:1]
    text = ("---\n" + "".join(f + "\n" for f in front) + "---\n" if front else "") + body + "\n"
    if crlf:
        text = text.replace("\r", "").replace("\n", "\r\n")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "People").mkdir()
        (root / "People/Jane Doe.md").write_text("---\naliases: [Jane]\n---\n")
        (root / "People/Sam Lee.md").write_text("---\ntype: person\n---\n")
        (root / "Notes").mkdir()
        note = root / "Notes/n.md"
        note.write_bytes(text.encode())
        today = dt.date(2026, 11, 22)
        loaded = build.load(root, today)
        before = by_file_name(loaded, "People/Jane Doe.md")
        plan = plan_rename(loaded, "Jane Doe", "Jane Smith")
        assert not apply_rename(loaded, plan)
        renamed = note.read_bytes()
        # Only names changed: putting the old name back gives the original.
        back = renamed.replace(b"Jane Smith", b"Jane Doe").replace(b"Jane%20Smith", b"Jane%20Doe")
        assert back == text.encode()
        loaded = build.load(root, today)
        # Every link that named the file (as vaultkit's parser reads it) names the new one.
        assert by_file_name(loaded, "People/Jane Smith.md") == before
        assert not [p for p in loaded.problems if "'Jane Doe'" in p.message]  # front-matter
        assert not [p for p in loaded.problems if "Jane Doe" in p.message]
        plan = plan_rename(loaded, "Jane Smith", "Jane Doe")
        assert not apply_rename(loaded, plan)
        assert note.read_bytes() == text.encode()
        assert (root / "People/Jane Doe.md").read_text() == "---\naliases: [Jane]\n---\n"
