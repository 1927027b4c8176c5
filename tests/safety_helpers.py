"""Small vaults and helpers shared by the safety, fault and property tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from vaultkit.cli import cli

TODAY = "2026-11-22"

SMALL = {
    "People/Jane Doe.md": (
        '---\ntype: person\ncompany: "[[Acme]]"\nrole: Designer\n---\n\nMet at a meetup.\n'
    ),
    "People/Sam Lee.md": "---\ncompany: Acme\n---\nSam's notes.\n",
    "Companies/Acme.md": "---\ntype: company\n---\n# Acme\n",
    "Meetings/2026-11-10 Jane Doe.md": (
        '---\ntype: meeting\nkind: informational\ndate: 2026-11-10\nwith: ["[[Jane Doe]]"]\n'
        "---\n\n## Notes\nTalked about [[Sam Lee]].\n"
    ),
    "Notes/Plan.md": "Call [[Jane Doe]] next week.\n",
}


def make_vault(root: Path, files: dict[str, str | bytes] | None = None) -> Path:
    for rel, text in (SMALL if files is None else files).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_bytes(text.encode("utf-8"))
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def regen(vault: Path, *extra: str) -> Result:
    return run("regen", str(vault), "--today", TODAY, *extra)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def stamps(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def edit_region(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
