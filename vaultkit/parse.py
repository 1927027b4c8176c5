"""Parse one note: front-matter (read-only), vaultkit's regions, and the body.

The body is parsed with markdown-it-py and the wikilink rule; what vaultkit reads
from it is the links outside code, the task lines, and the level-2 sections
(``## Questions``, ``## Notes``). Text inside vaultkit's own regions is blanked
out before parsing (line numbers kept), so generated links never count as the
user's links.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import pickle
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from sys import intern
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import NoteError
from .fastbody import BodyLink, scan_body
from .normalisers import NORMALISERS, TASK_RE
from .yamlsafe import VaultYAMLHandler, load_yaml

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

BOM = "\ufeff"
_T = TypeVar("_T")
_HANDLER = VaultYAMLHandler()

BEGIN_RE = re.compile(
    r"^<!-- vaultkit:begin (?P<name>[a-z][a-z0-9-]*) (?P<hash>[0-9a-f]{16})\b[^\n]*-->[ \t]*\r?$",
    re.MULTILINE,
)
END_RE = re.compile(r"^<!-- vaultkit:end (?P<name>[a-z][a-z0-9-]*) -->[ \t]*\r?$", re.MULTILINE)
OFF_RE = re.compile(
    r"^<!-- vaultkit:off (?P<name>[a-z][a-z0-9-]*)\b[^\n]*-->[ \t]*\r?$", re.MULTILINE
)
"""``<!-- vaultkit:off NAME -->``: the user's word that vaultkit must not write region NAME."""
_ANY_MARKER = re.compile(r"^<!-- vaultkit:(?:begin|end)\b[^\n]*$", re.MULTILINE)
"""A line that vaultkit's markers begin (:func:`marker_lines` finds them the same way)."""
_MARKER_START = "<!-- vaultkit:"


def marker_lines(text: str) -> Iterator[tuple[int, str]]:
    """The offset and text of each line that :data:`_ANY_MARKER` matches, found by a
    search for the literal start (the pattern, anchored at line starts, was tried at
    every character of every note: a third of finding the regions)."""
    find = text.find
    pos = find(_MARKER_START)
    while pos >= 0:
        after = pos + len(_MARKER_START)
        if pos == 0 or text[pos - 1] == "\n":
            for word in ("begin", "end"):
                if text.startswith(word, after):
                    nxt = text[after + len(word) : after + len(word) + 1]
                    if not nxt or not (nxt.isalnum() or nxt == "_"):
                        eol = find("\n", after)
                        yield pos, text[pos : eol if eol >= 0 else len(text)]
                    break
        pos = find(_MARKER_START, after)


_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?:\[.\][ \t]+)?(?P<text>.*?)\s*$")


def content_hash(content: str) -> str:
    """The hash recorded in a region's begin marker: of its content, LF line endings."""
    normal = content.replace("\r\n", "\n")
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=1 << 16)  # pure, and asked about the same names many times per run
def nfc_key(name: str) -> str:
    """How names compare: Unicode NFC and case-folded."""
    return unicodedata.normalize("NFC", name).casefold()


def region_hash(name: str, content: str) -> str:
    """The hash recorded in (and checked against) a region's begin marker."""
    normalise = NORMALISERS.get(name)
    normal = content.replace("\r\n", "\n")
    return content_hash(normalise(normal) if normalise else normal)


def region_edited(name: str, recorded_hash: str, content: str) -> bool:
    """Whether a region's content changed since vaultkit wrote it (after normalising)."""
    return recorded_hash != region_hash(name, content)


class _Sharing(threading.local):
    table: dict[str, str] | None = None
    pack: bool = False


_SHARING = _Sharing()
"""This thread's table of :func:`sharing_strings`, while one is open."""


@contextmanager
def sharing_strings(pack: bool = False) -> Iterator[None]:
    """While parsed notes are pickled in here, each name they hold (a link's target, a
    front-matter key, a section's title...) is pickled as one object per value.

    A pickle stores an object it has seen once and refers back to it after, so a pickle
    of many notes then holds each name once, and loads it as one string: names repeat
    in thousands of notes, and loaded one copy per note they were a quarter of the parse
    cache in memory. Only the writer does any work; loading does none.

    ``pack``: the notes' links and sections go in packed (see :func:`pickles_fast`): for
    the parse cache, not for notes sent to a process that reads them all at once."""
    outer = _SHARING.table, _SHARING.pack
    _SHARING.table, _SHARING.pack = {}, pack
    try:
        yield
    finally:
        _SHARING.table, _SHARING.pack = outer


def _shared(value: Any, table: dict[str, str]) -> Any:
    """``value`` with its strings taken from ``table``: a string, the strings of a tuple,
    a dict's keys and its values that are strings (e.g. ``type: person``)."""
    if type(value) is str:
        return table.setdefault(value, value)
    if type(value) is tuple:
        return tuple(table.setdefault(v, v) if type(v) is str else v for v in value)
    if type(value) is dict:
        return {
            (table.setdefault(k, k) if type(k) is str else k): (
                table.setdefault(v, v) if type(v) is str else v
            )
            for k, v in value.items()
        }
    return value


def pickles_fast(*shared: str, packed: tuple[str, ...] = ()) -> Callable[[type[_T]], type[_T]]:
    """Pickle a slots dataclass as ``cls(*fields)``; the strings of the fields named in
    ``shared`` (see :func:`_shared`) are pickled through :func:`sharing_strings`'s table.

    The ``__getstate__``/``__setstate__`` that ``dataclass(slots=True)`` adds look the
    fields up again for every object; with ~170,000 of them in the parse cache of a
    10,000-note vault that doubled the time to load and save it.

    The tuples of the fields named in ``packed`` go in (while a table that packs is
    open: into the parse cache) as one pickle of their own, in bytes, to be unpacked
    when first read (see :attr:`ParsedNote.links`).
    """

    def decorate(cls: type[_T]) -> type[_T]:
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        get = operator.attrgetter(*names)
        at = [names.index(name) for name in shared]
        packs = [names.index(name) for name in packed]

        def __reduce__(self: _T) -> tuple[type[_T], tuple[Any, ...]]:
            values = get(self)
            table = _SHARING.table
            if table is None or not (at or packs):
                return cls, values
            out = list(values)
            for i in at:
                out[i] = _shared(out[i], table)
            for i in packs if _SHARING.pack else ():
                if type(out[i]) is tuple and out[i]:
                    out[i] = _pack(out[i])
            return cls, tuple(out)

        cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
        return cls

    return decorate


@pickles_fast("name")
@dataclass(frozen=True, slots=True)
class Region:
    """One vaultkit region: marker lines and the content between them."""

    name: str
    start: int
    """Offset of the begin marker's first character."""
    end: int
    """Offset just after the end marker (before its newline)."""
    content_start: int
    content_end: int
    recorded_hash: str
    current_hash: str
    line: int
    """Line of the begin marker."""
    content: bytes | None = field(repr=False)
    """The text between the markers, UTF-8 (see :attr:`text`); None when it is not kept
    (see :data:`CONTENT_READ`): then the region is as vaultkit wrote it. Bytes, because
    follow-up lines hold emoji (🆔, 📅), and a Python string holding one takes four
    bytes for every character of it."""
    edited: bool = False
    """Changed since vaultkit wrote it (ticks in a tick-tolerant region are not; see
    :mod:`vaultkit.normalisers`): decided once, when the note is parsed."""

    @property
    def text(self) -> str:
        """The content of a region whose content is kept (:data:`CONTENT_READ`, or
        edited by hand)."""
        if self.content is None:
            raise ValueError(f"the content of region {self.name!r} is not kept")
        return self.content.decode("utf-8")


@pickles_fast("target", "alias")
@dataclass(frozen=True, slots=True)
class Link:
    """A wikilink in the body, outside code and outside vaultkit's regions."""

    target: str
    alias: str | None
    line: int
    embed: bool = False


@pickles_fast()
@dataclass(frozen=True, slots=True)
class Task:
    """A task line (``- [ ] text``) in the body."""

    line: int
    status: str
    text: str

    @property
    def done(self) -> bool:
        return self.status not in (" ", "/")


@pickles_fast("title", "items")
@dataclass(frozen=True, slots=True)
class Section:
    """A level-2 section of the body: its heading and its lines up to the next one."""

    title: str
    line: int
    """Line of the heading."""
    text: str
    """The start of the section's text, flattened (see :func:`flatten`: on one line,
    without heading marks) and cut after :data:`SECTION_TEXT_KEPT` characters: all that
    is quoted from it (a prep sheet's excerpt). The whole text of every meeting's
    sections was a quarter of a parsed vault in memory."""
    items: tuple[str, ...]
    """The top-level list items of the section, without bullet or checkbox."""
    blank: bool = False
    """The section holds nothing but white space."""


_ROWS: dict[type, Callable[[Any], tuple[Any, ...]]] = {
    Link: operator.attrgetter("target", "alias", "line", "embed"),
    Section: operator.attrgetter("title", "line", "text", "items", "blank"),
}


def _pack(items: tuple[Any, ...]) -> bytes:
    """Links or sections as one pickle of plain rows, which loads without a call per
    item; :attr:`ParsedNote.links` makes them again, each name one string (``intern``:
    a name repeats in thousands of notes)."""
    row = _ROWS[type(items[0])]
    return pickle.dumps(tuple(map(row, items)), pickle.HIGHEST_PROTOCOL)


PACKED = {"link_data": "links", "section_data": "sections"}
""":class:`ParsedNote`'s fields that the parse cache keeps packed, and the properties
that read them."""


@pickles_fast("meta", "meta_lines", "newline", packed=tuple(PACKED))
@dataclass(frozen=True, slots=True, eq=False)
class ParsedNote:
    """Everything vaultkit reads from one note. It holds no copy of the text.

    Its links and sections are read through :attr:`links` and :attr:`sections`. Read
    back from the parse cache, each is still a pickle in bytes until first asked for:
    most runs never ask (the model kept between runs spares its links; only prep sheets
    read sections), and they were two fifths of a note in memory and half the time
    to load the cache."""

    path: str
    meta: dict[str, Any]
    meta_lines: dict[str, int]
    body_line: int
    link_data: tuple[Link, ...] | bytes
    """The links (see :attr:`links`), or a pickle of them from the parse cache."""
    tasks: tuple[Task, ...]
    section_data: tuple[Section, ...] | bytes
    """The sections (see :attr:`sections`), or a pickle of them from the parse cache."""
    regions: tuple[Region, ...]
    region_problem: str | None
    region_problem_line: int
    newline: str
    bom: bool
    size: int
    mtime_ns: int
    sha: str
    off: tuple[str, ...] = ()
    """Regions the note turned off with ``<!-- vaultkit:off NAME -->`` lines."""
    said: str = ""
    """A hash of what the note says: its text before the body, and its body with
    vaultkit's regions cut out (see :func:`said_hash`). Everything the model reads of a
    note follows from these (its path, front-matter and links: not the lines of its
    body, which a region's length shifts), so two parses with the same ``said`` give the
    same model (the model kept between runs relies on it, :mod:`vaultkit.modelcache`);
    "" when unknown."""
    front: str = ""
    """A hash of the note's text before the body (its front-matter, from which the
    model makes its records: see :func:`vaultkit.followups.inputs_key`); "" when it has
    none or was not read."""

    @property
    def links(self) -> tuple[Link, ...]:
        """The wikilinks of the body, outside code and vaultkit's regions."""
        data = self.link_data
        if type(data) is bytes:
            data = tuple(
                Link(intern(t), a if a is None else intern(a), line, embed)
                for t, a, line, embed in pickle.loads(data)
            )
            object.__setattr__(self, "link_data", data)
        return data  # type: ignore[return-value]

    @property
    def sections(self) -> tuple[Section, ...]:
        """The level-2 sections vaultkit reads (see :data:`SECTIONS_READ`)."""
        data = self.section_data
        if type(data) is bytes:
            data = tuple(
                Section(intern(title), line, text, items, blank)
                for title, line, text, items, blank in pickle.loads(data)
            )
            object.__setattr__(self, "section_data", data)
        return data  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParsedNote):
            return NotImplemented
        return (
            _PLAIN(self) == _PLAIN(other)
            and self.links == other.links
            and self.sections == other.sections
        )

    __hash__ = None  # type: ignore[assignment]  # mutable fields (meta), as before

    def section(self, title: str) -> Section | None:
        key = title.casefold()
        for section in self.sections:
            if section.title.casefold() == key:
                return section
        return None

    def region(self, name: str) -> Region | None:
        for region in self.regions:
            if region.name == name:
                return region
        return None


_PLAIN = operator.attrgetter(*(f for f in ParsedNote.__dataclass_fields__ if f not in PACKED))
"""Every field of a note but those that may still be packed."""


def decode(data: bytes, path: str) -> tuple[str, bool]:
    """Decode a note's bytes as UTF-8; return the text (without BOM) and whether it had one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NoteError(
            path,
            line,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); vaultkit reads UTF-8 notes only "
            "and leaves this one untouched: re-save it as UTF-8 to include it",
            "encoding",
        ) from None
    if text.startswith(BOM):
        return text[1:], True
    return text, False


CONTENT_READ = frozenset({"followups", "conflict"})
"""Regions whose text vaultkit reads (follow-ups: their tasks and ticks; conflict notes:
whether they are as vaultkit wrote them). Of the others only the hashes are needed
while they are as vaultkit wrote them, so their text is not kept: in memory and in the
cache it was a fifth of a parsed vault. Names, not a registry, so that a parse is the
same whatever modules are imported (parses are cached across runs)."""


def find_regions(text: str, path: str) -> tuple[tuple[Region, ...], str | None, int]:
    """Find vaultkit's regions; return them, or a problem and its line if markers are damaged."""
    if "<!-- vaultkit:" not in text:
        return (), None, 0
    markers: list[tuple[int, str, re.Match[str] | None]] = []
    for start, line_text in marker_lines(text):
        begin = BEGIN_RE.match(line_text)
        end = END_RE.match(line_text)
        kind = "begin" if begin else "end" if end else "bad"
        markers.append((start, kind, begin or end))
    regions: list[Region] = []
    seen: set[str] = set()
    open_at: tuple[int, re.Match[str], int] | None = None
    for offset, kind, match in markers:
        line = text.count("\n", 0, offset) + 1
        if kind == "bad" or match is None:
            return (), "a vaultkit marker line is damaged", line
        name = match.group("name")
        if kind == "begin":
            if open_at is not None:
                return (), f"region {name!r} begins inside another region", line
            if name in seen:
                return (), f"region {name!r} appears twice (a sync merge?)", line
            open_at = (offset, match, line)
            continue
        if open_at is None:
            return (), f"region {name!r} ends without a beginning", line
        b_offset, b_match, b_line = open_at
        if b_match.group("name") != name:
            return (), f"region {b_match.group('name')!r} ends with the marker of {name!r}", line
        content_start = text.find("\n", b_offset) + 1
        body = text[content_start:offset]
        current = content_hash(body)
        recorded = b_match.group("hash")
        edited = region_edited(name, recorded, body)
        # As vaultkit wrote it, a region that is not read needs only its hashes.
        content = body.encode("utf-8") if edited or name in CONTENT_READ else None
        end_offset = offset + len(match.group(0).rstrip("\r"))
        regions.append(
            Region(
                name=name,
                start=b_offset,
                end=end_offset,
                content_start=content_start,
                content_end=offset,
                recorded_hash=recorded,
                current_hash=current,
                line=b_line,
                content=content,
                edited=edited,
            )
        )
        seen.add(name)
        open_at = None
    if open_at is not None:
        return (), f"region {open_at[1].group('name')!r} has no end marker", open_at[2]
    return tuple(regions), None, 0


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The body parser: CommonMark blocks, code spans and wikilinks; nothing it doesn't need."""
    from markdown_it import MarkdownIt  # imported on first use: most bodies never need it

    from .wikilinks import wikilinks_plugin

    md = MarkdownIt("commonmark")
    md.disable(["emphasis", "link", "image", "autolink", "html_inline", "entity"])
    md.use(wikilinks_plugin)
    return md


def _replace_regions(
    body: str, regions: tuple[Region, ...], body_offset: int, by: Callable[[int, int], str]
) -> str:
    """``body`` with each region (markers included) replaced by ``by(start, end)``."""
    if not regions:
        return body
    parts: list[str] = []
    pos = 0
    for region in regions:
        start = region.start - body_offset
        end = region.end - body_offset
        if start < 0:
            continue
        parts.append(body[pos:start])
        parts.append(by(start, end))
        pos = end
    parts.append(body[pos:])
    return "".join(parts)


def _blank_regions(body: str, regions: tuple[Region, ...], body_offset: int) -> str:
    """Replace each region (markers included) by its newlines, keeping line numbers."""
    return _replace_regions(body, regions, body_offset, lambda a, b: "\n" * body.count("\n", a, b))


def _markdown_it_scan(body: str) -> tuple[list[BodyLink], list[int], list[tuple[int, int, str]]]:
    """What :func:`fastbody.scan_body` returns, read off markdown-it's full token stream."""
    tokens = markdown().parse(body)
    links: list[BodyLink] = []
    items: list[int] = []
    headings: list[tuple[int, int, str]] = []  # (level, line index, title)
    for i, token in enumerate(tokens):
        if token.type == "inline" and token.children and token.map:
            for child in token.children:
                if child.type == "wikilink":
                    offset = int(child.meta["offset"])
                    line = token.map[0] + token.content.count("\n", 0, offset)
                    links.append(
                        (child.meta["target"], child.meta["alias"], line, child.meta["embed"])
                    )
        elif token.type == "list_item_open" and token.map:
            items.append(token.map[0])
        elif token.type == "heading_open" and token.map and token.level == 0:
            # A heading inside a list item or a quote is part of it, not a new section.
            title = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
            headings.append((int(token.tag[1:]), token.map[0], title))
    return links, items, headings


SECTION_TEXT_KEPT = 512
"""Characters kept of a section's flattened text (see :attr:`Section.text`); a quote of
it must be shorter (``prep.EXCERPT_CHARS``) for the quote to be the same as from the
whole text."""
_HEADING_MARK = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)


def flatten(text: str) -> str:
    """``text`` on one line: heading marks dropped, each run of white space one space."""
    return " ".join(_HEADING_MARK.sub("", text).split())


SECTIONS_READ = frozenset({"notes", "questions"})
"""The level-2 sections vaultkit reads (prep sheets: a meeting's questions and notes),
casefolded. Only these are kept: the text of every section of every note was the
largest part of a parsed vault in memory (~40% at 10,000 notes)."""


def parse_body(
    body: str, body_line: int, fast: bool = True
) -> tuple[tuple[Link, ...], tuple[Task, ...], tuple[Section, ...]]:
    """Links, tasks and the level-2 sections vaultkit reads (:data:`SECTIONS_READ`) of a
    body that starts on file line ``body_line``.

    The fast line scanner answers for plain bodies; markdown-it for the rest (and for
    every body when ``fast`` is False, which the tests use to compare the two).
    """
    scanned = scan_body(body) if fast else None
    raw_links, item_lines, headings = scanned if scanned is not None else _markdown_it_scan(body)
    lines = body.split("\n")
    # Names repeat across thousands of notes: one string each (less memory, smaller cache).
    links = [
        Link(intern(target), intern(alias) if alias else alias, body_line + idx, embed)
        for target, alias, idx, embed in raw_links
    ]
    tasks: list[Task] = []
    for idx in item_lines:
        m = TASK_RE.match(lines[idx]) if idx < len(lines) else None
        if m:
            tasks.append(Task(body_line + idx, m.group("status"), m.group("text").rstrip()))
    sections: list[Section] = []
    for n, (level, idx, title) in enumerate(headings):
        if level != 2 or title.casefold() not in SECTIONS_READ:
            continue
        end = len(lines)
        for other_level, other_idx, _ in headings[n + 1 :]:
            if other_level <= 2:
                end = other_idx
                break
        text_lines = lines[idx + 1 : end]
        items = []
        for raw in text_lines:
            if raw[:1] in (" ", "\t"):
                continue
            m = _ITEM_RE.match(raw)
            if m and m.group("text"):
                items.append(m.group("text"))
        text = "\n".join(text_lines)
        sections.append(
            Section(
                title,
                body_line + idx,
                flatten(text)[:SECTION_TEXT_KEPT],
                tuple(items),
                blank=not text.strip(),
            )
        )
    return tuple(links), tuple(tasks), tuple(sections)


def parse_note(path: str, data: bytes, mtime_ns: int = 0) -> ParsedNote:
    """Parse one note's bytes. Raises :class:`NoteError` for a note that can't be read."""
    text, bom = decode(data, path)
    if "\x00" in text:
        raise NoteError(path, 1, "contains NUL bytes: not a text note", "encoding")
    newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1 or len(text)] else "\n"
    meta: dict[str, Any] = {}
    meta_lines: dict[str, int] = {}
    split = _HANDLER.split_exact(text, path)
    if split is None:
        body, body_offset, body_line = text, 0, 1
    else:
        fm, body_offset, body_line = split
        data_, meta_lines = load_yaml(fm, path, first_line=2)
        if data_ is None:
            data_ = {}
        if not isinstance(data_, dict):
            raise NoteError(path, 2, "front-matter must be a mapping of key: value lines", "yaml")
        meta = {intern(str(k)): v for k, v in data_.items()}
        body = text[body_offset:]
    regions, problem, problem_line = find_regions(text, path)
    if regions and regions[0].start < body_offset:
        regions, problem, problem_line = (), "a vaultkit marker is inside the front-matter", 1
    blanked = _blank_regions(body, regions, body_offset)
    links, tasks, sections = parse_body(blanked, body_line)
    return ParsedNote(
        path=path,
        meta=meta,
        meta_lines=meta_lines,
        body_line=body_line,
        link_data=links,
        tasks=tasks,
        section_data=sections,
        regions=regions,
        region_problem=problem,
        region_problem_line=problem_line,
        newline=newline,
        bom=bom,
        size=len(data),
        mtime_ns=mtime_ns,
        sha=hashlib.sha256(data).hexdigest(),
        off=tuple(sorted({m.group("name") for m in OFF_RE.finditer(text)}))
        if "<!-- vaultkit:off" in text
        else (),
        said=said_hash(text[:body_offset], _cut_regions(body, regions, body_offset)),
        front=_front_hash(text[:body_offset]),
    )


def _front_hash(front: str) -> str:
    if not front:
        return ""
    return hashlib.blake2b(front.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


_CUT = "\x00"
"""Where :func:`_cut_regions` took a region out (no note holds a NUL: see parse_note)."""
_TRAILING = _CUT + "\r\n"
"""What does not count at the end of what a note says (stripped, not matched: a pattern
anchored at the end is tried at every line break of the body)."""


def _cut_regions(body: str, regions: tuple[Region, ...], body_offset: int) -> str:
    """The body with each region (markers included) cut out down to one mark, whatever
    its length, and nothing after the last of the user's own text: what the note says.

    A region blanked for parsing (:func:`_blank_regions`) leaves one empty line or more
    where it was (its marker lines begin and end lines of their own), and how many does
    not change what is read off the lines around it, but for their line numbers, which
    the model never reads (``tests/test_parse.py`` holds it to the parse). So a region
    that grew or shrank in the middle of a note (a prep sheet's, the network map's, the
    dashboard's) leaves what the note says the same, and so does one vaultkit appends."""
    return _replace_regions(body, regions, body_offset, lambda a, b: _CUT).rstrip(_TRAILING)


def said_hash(front: str, cut_body: str) -> str:
    """:attr:`ParsedNote.said` of a note: ``front`` is its text before the body, and
    ``cut_body`` its body with the regions cut out and no trailing line breaks
    (:func:`_cut_regions`: vaultkit adds some before a region it appends, ``\r\n`` ones
    in a note that has them; see :mod:`vaultkit.reparse`)."""
    digest = hashlib.blake2b(front.encode("utf-8", "surrogatepass"), digest_size=16)
    digest.update(b"\0")
    digest.update(cut_body.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
