"""Generate a synthetic, deterministic vault for vaultkit's benchmarks.

The vault looks like one a user keeps by hand (shared/NOTES.md): about 30% people
(``People/``), 10% companies (``Companies/``), 45% meetings (``Meetings/``), 5% daily
notes (``Daily/``, at most one per day up to 2026-11-22) and 10% ordinary notes
(``Notes/``). Folders are split into subfolders (``People/D/``, ``Meetings/2025/03/``,
and deeper only when needed) so that none holds more than about 400 files.

Every note has 5 to 12 front-matter keys in the forms NOTES.md lists (quoted wikilinks,
path-qualified links with an alias, plain names, aliases, flow and block lists, three
date forms) and a 1-4 KB body: headings, filler paragraphs built from word lists,
3 to 15 wikilinks to notes that exist (some with ``|alias`` or ``#heading``), Tasks-plugin
task lines, inline code spans and, in about one note in ten, a fenced code block whose
``[[wikilink]]`` points nowhere (so a parser that counts it shows an unresolved link).
A few percent of notes carry odd but valid bytes: CRLF line endings, a UTF-8 BOM, no
final newline, NFD-normalised accented names in the body, no ``type`` key in a typed
folder. Meeting dates run from 2023-01-01 to 2027-03-31, so with ``--today 2026-11-22``
most meetings are past and some upcoming.

The output is a pure function of ``(n, seed)``: all randomness comes from one
``random.Random(seed)`` drawn in a fixed order, nothing depends on the clock, the
environment, set iteration (string hashes are randomised per process) or the order in
which the filesystem lists files. The same ``(n, seed)`` always gives a byte-identical
tree, so benchmark runs are comparable and a failure can be reproduced.

Usage::

    python -m benchmarks.generate_vault OUT_DIR --notes 10000 [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

__all__ = ["KINDS", "generate", "main"]

KINDS: tuple[str, ...] = ("person", "company", "meeting", "daily", "note")
"""The kinds of generated note, in the order of the returned counts."""

_SHARES_PCT = (30, 10, 45, 5, 10)  # per kind, in percent of n
_TODAY = date(2026, 11, 22)  # the reference date: meetings after it are upcoming
_START = date(2023, 1, 1)
_END = date(2027, 3, 31)
_FOLDER_LIMIT = 400  # at most this many notes in one folder

_DUE = "\U0001f4c5"  # 📅 due date (Obsidian Tasks)
_DONE = "\u2705"  # ✅ done date (Obsidian Tasks)
_BOM = b"\xef\xbb\xbf"
_YAML_WORDS = frozenset(("y", "n", "yes", "no", "true", "false", "on", "off", "null"))


def _nfc(words: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", w) for w in words.split(","))


_FIRST = _nfc(
    "Jane,Sam,Alex,Maria,David,Priya,Wei,Fatima,Liam,Olivia,Noah,Emma,Lucas,Mia,Ethan,"
    "Ava,Mateo,Sofia,Omar,Aisha,Kenji,Yuki,Hannah,Daniel,Grace,Leo,Nora,Isaac,Chloé,"
    "José,Zoë,Renée,Björn,Léa,Inês,Mónica,Jürgen,Siân,Ana,Ali,Ravi,Anika,Tomás,Elif,"
    "Kwame,Amara,Chen,Mei,Ivan,Olga,Pierre,Camille,Hugo,Lina,Marco,Giulia,Sven,Freya,"
    "Diego,Lucía,Ben,Ruth,Tariq,Leila,Jonas,Ingrid,Kofi,Zara,Arjun,Neha,Felix,Clara,"
    "Oscar,Elena,Samir,Yara,Hiro,Sakura,Finn,Maeve,Rafael,Beatriz,Nikolai,Vera,Emeka,"
    "Adaeze,Paulo,Irene,Miguel,Carmen,Tom,Julia,Adam,Eva,Max,Lena,Theo,Iris,Jack,Rosa"
)
_LAST = _nfc(
    "Doe,Lee,Kim,Smith,Patel,Nguyen,García,Müller,Chen,Okafor,Johansson,Rossi,Novak,"
    "Kowalski,Silva,Tanaka,Haddad,O'Connor,Núñez,Sørensen,Dvořák,Öztürk,Gonçalves,"
    "Lefèvre,Brontë,Martin,Brown,Wilson,Taylor,Anderson,Thomas,Moore,Jackson,White,"
    "Harris,Clark,Lewis,Walker,Hall,Young,Allen,King,Wright,Scott,Green,Baker,Adams,"
    "Nelson,Hill,Campbell,Mitchell,Roberts,Carter,Phillips,Evans,Turner,Torres,Parker,"
    "Collins,Edwards,Stewart,Flores,Morris,Murphy,Cook,Rogers,Morgan,Cooper,Peterson,"
    "Reed,Bailey,Bell,Gómez,Kelly,Howard,Ward,Cox,Díaz,Richardson,Wood,Watson,Brooks,"
    "Bennett,Gray,James,Reyes,Cruz,Hughes,Price,Myers,Long,Foster,Sanders,Ross,Morales,"
    "Powell,Sullivan,Russell,Ortiz,Jenkins,Gutiérrez,Perry,Butler,Barnes,Fisher,Henderson"
)
_CO_PREFIX = _nfc(
    "Acme,Globex,Initech,Umbrella,Northwind,Contoso,Fabrikam,Blue Harbor,Red Kite,"
    "Silver Birch,Tidewater,Brightline,Quantum Leaf,Ironwood,Lumen,Polaris,Cobalt,Juniper,"
    "Keystone,Meridian,Nimbus,Orchard,Pinecone,Riverstone,Saffron,Tandem,Vantage,Willow,"
    "Zephyr,Halcyon,Café Nova,Élan,Nordlys,Aurora,Basalt,Cedar,Driftwood,Ember,Fjord,"
    "Granite,Harbor Lane,Indigo,Jasper,Kestrel,Lodestar,Marigold,Nova,Onyx,Prism,Quill"
)
_CO_MIDDLE = _nfc("Digital,Global,Open,Bright,North,Blue,Applied,United,Smart,Green")
_CO_SUFFIX = _nfc(
    "Corp,Labs,Logistics,Health,Analytics,Systems,Studio,Foods,Energy,Robotics,Capital,"
    "Media,Security,Bio,Learning,Works,Cloud,Mobility,Games,Insurance,Software,Retail,"
    "Partners,Networks,Devices,Materials,Ventures,Travel,Finance,Design"
)
_INDUSTRIES = _nfc(
    "Logistics software,Fintech,Healthcare,Developer tools,Climate tech,Education,Retail,"
    "Media,Cybersecurity,Biotech,Gaming,Insurance,Consulting,Public sector,Robotics,"
    "Marketplaces,Travel,Food delivery,Enterprise SaaS,Hardware"
)
_ROLES = _nfc(
    "Staff Product Designer,Senior Software Engineer,Engineering Manager,Data Scientist,"
    "Product Manager,UX Researcher,Head of Design,Recruiter,Technical Recruiter,"
    "Design Director,Frontend Engineer,Platform Engineer,VP Engineering,Founder,CTO,"
    "Content Designer,Research Lead,Customer Success Manager,Solutions Architect,"
    "Analytics Engineer,Principal Engineer,Product Design Lead,Talent Partner,COO"
)
_CITIES = _nfc(
    "Berlin,London,Zürich,Toronto,Lisbon,Amsterdam,Paris,Dublin,Stockholm,Madrid,"
    "São Paulo,Montréal,Seattle,Austin,Boston,Oslo,Copenhagen,Kraków,Singapore,Tokyo"
)
_PLACES = _nfc(
    "Blue Bottle,Café Central,The Grind,Monmouth Coffee,Office lobby,Their office,"
    "Co-working space,Library café,Ritual Coffee,Bakery on the corner,Hotel bar,Park bench"
)
_STREETS = _nfc("Market St,Main St,High Street,Rue de Rivoli,Kastanienallee,King St,Elm Road")
_PERSON_TAGS = _nfc(
    "design,engineering,mentor,recruiter,alumni,manager,founder,research,data,product,"
    "hiring,friend,conference,investor,former-colleague"
)
_COMPANY_TAGS = _nfc("target,hiring,remote,startup,enterprise,dream-job,watchlist,agency")
_MEETING_TAGS = _nfc("coffee,interview,video,follow-up,referral,first-contact,conference")
_NOTE_TAGS = _nfc("reading,idea,career,research,draft,reference,project,learning")
_TOPICS = _nfc("Reading,Research,Ideas,Career,Projects,Interview prep,Industry,Learning")
_STAGES = ("screen", "technical", "onsite", "final", "hiring-manager", "take-home")
_MEETING_KINDS = ("informational", "job", "casual", "networking")
_MEETING_KIND_CUM = (40, 65, 75, 100)  # cumulative weights
_DURATIONS: dict[str, tuple[int, ...]] = {
    "informational": (15, 20, 30, 30, 30, 45, 60),
    "job": (30, 45, 60, 90, 180, 240),
    "casual": (30, 45, 60),
    "networking": (30, 60, 90),
}

_SUBJECTS = _nfc(
    "The team,Our conversation,The hiring manager,She,He,The product group,"
    "The recruiter,The roadmap,Their platform team,The interview loop,My contact,"
    "The founder,The design org,Everyone I met,The new director,Their research group,"
    "The company,The onboarding plan,Leadership,The data team,The engineering team"
)
_VERBS = _nfc(
    "is moving toward,keeps coming back to,wants more of,struggles with,"
    "recently reorganised around,is hiring for,talked at length about,underestimates,"
    "spends most weeks on,measures success by,is skeptical of,is excited about,"
    "quietly dropped,plans to double down on,has strong opinions on,is still figuring out"
)
_OBJECTS = _nfc(
    "service design,customer research,on-call load,pricing experiments,the data platform,"
    "remote onboarding,a new analytics stack,cross-functional planning,design systems,"
    "quarterly goals,the mobile rewrite,career ladders,accessibility,the café partnership,"
    "mentoring juniors,technical debt,usage-based billing,hiring in Europe,user interviews,"
    "the public API,incident reviews,growth experiments,their writing culture,"
    "a four-day week,the migration to the cloud,platform reliability,the naïve first version"
)
_TAILS = _nfc(
    "this quarter,since the last reorg,in every team,more than expected,"
    "according to the notes,for the next year,without much process,with a small budget,"
    "after the funding round,across both offices,at least for now,before the launch,"
    "as far as I can tell,compared with last year,in the long run, , , "
)
_OPENERS = ("", "", "", "", "Apparently, ", "I think ", "Worth noting: ", "Also, ", "In short, ")
_LINK_SENTENCES = (
    "Talked with {l} about {t}.",
    "{l} suggested reading up on {t}.",
    "See also {l}.",
    "Follow up with {l} on {t}.",
    "{l} mentioned {t} twice.",
    "Compare this with what {l} said about {t}.",
    "{l} has context on {t}.",
    "Worth asking {l} how they handle {t}.",
)
_QUESTIONS = _nfc(
    "What does a normal week look like for you?,How did you get into {t}?,"
    "What skills matter most on your team?,Who else should I talk to about {t}?,"
    "What is the hardest part of {t}?,How is success measured in your role?,"
    "What would you do differently if you started today?,How does the team approach {t}?,"
    "Where do you see the field going in five years?,What surprised you about the culture?,"
    "How do people usually move into this role?,What do you wish you had known about {t}?"
)
_TASKS_WHO = (
    "Send {w} a thank-you note",
    "Send {w} the article on {t}",
    "Ask {w} about {t}",
    "Share my notes on {t} with {w}",
    "Follow up with {w} on status",
    "Introduce {w} to a former colleague",
    "Check in with {w}",
)
_TASKS_ALONE = (
    "Read up on {t}",
    "Update my resume for {t}",
    "Draft questions about {t}",
    "Prepare a story about {t}",
    "Research salary ranges",
)
_CODE_SPANS = (
    "`git rebase -i`",
    "`SELECT count(*) FROM offers`",
    "`kubectl get pods`",
    "`npm run build`",
    "`docker compose up`",
    "`Ctrl+Shift+P`",
    "`make test`",
    "`pip install -e .`",
)
_CODE_SENTENCES = (
    "They still run {c} by hand every release.",
    "Remember the shortcut {c} for the demo.",
    "Their onboarding doc starts with {c}.",
    "Half the interview was about {c}.",
)
_EXTRA_HEADINGS = ("Background", "Thoughts", "Open questions", "Takeaways", "Context", "Ideas")
_ANCHORS: dict[str, tuple[str, ...]] = {
    "person": ("Notes",),
    "company": ("Notes", "Overview"),
    "meeting": ("Notes", "Questions"),
    "daily": ("Log",),
    "note": ("Summary",),
}


@dataclass(slots=True)
class _Note:
    """One planned note: its identity, place and the facts other notes refer to."""

    kind: str
    name: str
    levels: tuple[str, ...]  # folder levels, used only as deep as needed
    folder: str = ""
    aliases: list[str] = field(default_factory=list)
    first: str = ""  # person: first name; company: first word; note: subject
    last: str = ""  # person: last name
    company: int = -1  # person: index of the current company
    day: date = _START  # meeting and daily: the date
    minute: int = 0  # meeting: minutes after midnight
    mkind: str = ""  # meeting: its kind
    people: tuple[int, ...] = ()  # meeting: indexes of the people met
    accented: bool = False  # the name changes under NFD


def _apportion(n: int) -> list[int]:
    """Split n into the shares of KINDS by largest remainder (exact, integer only)."""
    raw = [n * pct for pct in _SHARES_PCT]
    counts = [r // 100 for r in raw]
    order = sorted(range(len(KINDS)), key=lambda i: (-(raw[i] % 100), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    days = (_TODAY - _START).days + 1
    if counts[3] > days:  # one daily note per day at most: the rest become ordinary notes
        counts[4] += counts[3] - days
        counts[3] = days
    if counts[2] and not counts[0]:  # a meeting needs someone to meet
        counts[2] -= 1
        counts[0] += 1
    return counts


def _take(links: list[str], k: int) -> list[str]:
    """Remove and return up to k links from the front of links."""
    taken = links[:k]
    del links[:k]
    return taken


def _scalar(value: str) -> str:
    """value as YAML, quoted where YAML 1.1 would read it as a bool, null or number."""
    if value.lower() in _YAML_WORDS or value[:1].isdigit() or value[:1] in "-+.~":
        return f'"{value}"'
    return value


def _fold(text: str) -> str:
    """ASCII-fold a folder letter (Ö -> O) so that top folders stay A-Z."""
    return unicodedata.normalize("NFKD", text)[:1].upper()


def _slug(text: str, sep: str = ".") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return sep.join("".join(c for c in w if c.isalnum()) for w in plain.lower().split())


def _shard(levels: list[tuple[str, ...]], min_depth: int) -> list[tuple[str, ...]]:
    """Choose each note's folder: as shallow as min_depth allows, deeper while too full."""
    out: list[tuple[str, ...]] = [()] * len(levels)
    stack: list[tuple[list[int], int, tuple[str, ...]]] = [(list(range(len(levels))), 0, ())]
    while stack:
        idx, depth, prefix = stack.pop()
        if not idx:
            continue
        if depth >= min_depth and len(idx) <= _FOLDER_LIMIT:
            for i in idx:
                out[i] = prefix
            continue
        groups: dict[str, list[int]] = {}
        if depth < len(levels[idx[0]]):
            for i in idx:
                groups.setdefault(levels[i][depth], []).append(i)
        else:  # levels exhausted: numbered chunks
            for j in range(0, len(idx), _FOLDER_LIMIT):
                groups[str(j // _FOLDER_LIMIT + 1)] = idx[j : j + _FOLDER_LIMIT]
        for key, sub in groups.items():
            stack.append((sub, depth + 1, (*prefix, key)))
    return out


class _Vault:
    """The plan of a whole vault, then the renderer of each of its notes."""

    def __init__(self, n: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()  # casefolded names and aliases: membership tests only
        counts = _apportion(n)
        self.counts = dict(zip(KINDS, counts, strict=True))
        rng = self.rng
        self.sentences = [self._sentence() for _ in range(1500)]
        asked = (rng.choice(_QUESTIONS).format(t=rng.choice(_OBJECTS)) for _ in range(200))
        self.questions = list(dict.fromkeys(asked))  # no question twice in one list
        self.people = [self._plan_person() for _ in range(counts[0])]
        self.companies = [self._plan_company() for _ in range(counts[1])]
        self.notes = [self._plan_note() for _ in range(counts[4])]
        self.daily = self._plan_daily(counts[3])
        self.hot = max(1, len(self.people) // 20)  # a few people are met far more often
        self.meetings = [self._plan_meeting() for _ in range(counts[2])]
        for group, base, min_depth in (
            (self.people, "People", 1),
            (self.companies, "Companies", 1),
            (self.meetings, "Meetings", 2),
            (self.daily, "Daily", 2),
            (self.notes, "Notes", 1),
        ):
            for note, folder in zip(
                group, _shard([x.levels for x in group], min_depth), strict=True
            ):
                note.folder = "/".join((base, *folder))
        self._plan_relations()
        self.accented = [p for p in self.people if p.accented]
        self.by_kind: dict[str, list[_Note]] = {
            "person": self.people,
            "company": self.companies,
            "meeting": self.meetings,
            "daily": self.daily,
            "note": self.notes,
        }
        self.code_example = 0

    # -- planning ---------------------------------------------------------------

    def _sentence(self) -> str:
        rng = self.rng
        opener = rng.choice(_OPENERS)
        subject = rng.choice(_SUBJECTS)
        if opener:
            subject = subject[0].lower() + subject[1:]
        tail = rng.choice(_TAILS).strip()
        words = f"{opener}{subject} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
        return f"{words} {tail}." if tail else f"{words}."

    def _unique(self, base: str) -> str:
        name, k = base, 1
        while name.casefold() in self.used:
            k += 1
            name = f"{base} {k}"
        self.used.add(name.casefold())
        return name

    def _plan_person(self) -> _Note:
        first, last = self.rng.choice(_FIRST), self.rng.choice(_LAST)
        name = self._unique(f"{first} {last}")
        levels = (_fold(last), last, _fold(first))
        accented = unicodedata.normalize("NFD", name) != name
        return _Note("person", name, levels, first=first, last=last, accented=accented)

    def _plan_company(self) -> _Note:
        rng = self.rng
        prefix = rng.choice(_CO_PREFIX)
        middle = f" {rng.choice(_CO_MIDDLE)}" if rng.random() < 0.4 else ""
        name = self._unique(f"{prefix}{middle} {rng.choice(_CO_SUFFIX)}")
        return _Note("company", name, (_fold(name), prefix), first=prefix)

    def _plan_note(self) -> _Note:
        rng = self.rng
        topic = rng.choice(_TOPICS)
        lead = rng.choice(
            ("Notes on", "Ideas for", "Reading list on", "Research on", "Thoughts on")
        )
        subject = rng.choice(_OBJECTS)
        name = self._unique(f"{lead} {subject}")
        return _Note("note", name, (topic, _fold(name)), first=subject)

    def _plan_daily(self, count: int) -> list[_Note]:
        days = self.rng.sample(range(_START.toordinal(), _TODAY.toordinal() + 1), count)
        out = []
        for ordinal in sorted(days):
            day = date.fromordinal(ordinal)
            name = self._unique(day.isoformat())
            out.append(_Note("daily", name, (f"{day.year}", f"{day.month:02d}"), day=day))
        return out

    def _pick_person(self) -> int:
        rng = self.rng
        if rng.random() < 0.3:
            return rng.randrange(self.hot)
        return rng.randrange(len(self.people))

    def _plan_meeting(self) -> _Note:
        rng = self.rng
        day = date.fromordinal(rng.randint(_START.toordinal(), _END.toordinal()))
        mkind = rng.choices(_MEETING_KINDS, cum_weights=_MEETING_KIND_CUM)[0]
        size = min(len(self.people), rng.choices((1, 2, 3), (70, 22, 8))[0])
        people: list[int] = []
        while len(people) < size:
            p = self._pick_person()
            if p not in people:
                people.append(p)
        name = self._unique(f"{day.isoformat()} {self.people[people[0]].name} {mkind}")
        levels = (f"{day.year}", f"{day.month:02d}", f"{day.day:02d}")
        minute = rng.randrange(8 * 4, 19 * 4) * 15
        return _Note(
            "meeting", name, levels, day=day, minute=minute, mkind=mkind, people=tuple(people)
        )

    def _plan_relations(self) -> None:
        """Give people an employer, and notes aliases unique across the vault (so that a
        plain alias resolves to one note)."""
        rng = self.rng
        for p in self.people:
            p.company = rng.randrange(len(self.companies)) if self.companies else -1
            candidates = [p.first, f"{p.first} {p.last[0]}.", f"{p.first[0]}{p.last[0]}"]
            for alias in candidates[: rng.choice((1, 2, 2, 3))]:
                if alias.casefold() not in self.used:
                    self.used.add(alias.casefold())
                    p.aliases.append(alias)
        for c in self.companies:
            initials = "".join(w[0] for w in c.name.split() if w[0].isalpha()).upper()
            for alias in (c.first, initials):
                if len(alias) > 1 and alias.casefold() not in self.used and rng.random() < 0.7:
                    self.used.add(alias.casefold())
                    c.aliases.append(alias)
        for o in self.notes:
            alias = o.first[0].upper() + o.first[1:]
            if rng.random() < 0.3 and alias.casefold() not in self.used:
                self.used.add(alias.casefold())
                o.aliases.append(alias)

    # -- links ------------------------------------------------------------------

    def _display(self, target: _Note) -> str:
        if target.aliases:
            return self.rng.choice(target.aliases)
        return target.first or target.name.split(" ")[0]

    def _quote(self, value: str) -> str:
        if "'" not in value and self.rng.random() < 0.1:
            return f"'{value}'"
        return f'"{value}"'

    def _fm_ref(self, target: _Note) -> str:
        """A front-matter value naming target, in one of the forms NOTES.md allows."""
        r = self.rng.random()
        if r < 0.55:
            return self._quote(f"[[{target.name}]]")
        if r < 0.70:
            return self._quote(f"[[{target.folder}/{target.name}|{self._display(target)}]]")
        if r < 0.80:
            return self._quote(f"[[{target.name}|{self._display(target)}]]")
        if r < 0.92 or not target.aliases:
            return _scalar(target.name)
        return _scalar(self.rng.choice(target.aliases))

    def _link(self, target: _Note) -> str:
        """A body wikilink to target: by name, alias, path, heading, or another case."""
        rng = self.rng
        r = rng.random()
        if r < 0.50:
            return f"[[{target.name}]]"
        if r < 0.65:
            return f"[[{target.name}|{self._display(target)}]]"
        if r < 0.75:
            return f"[[{target.name}#{rng.choice(_ANCHORS[target.kind])}]]"
        if r < 0.83:
            return f"[[{target.folder}/{target.name}]]"
        if r < 0.88:
            anchor = rng.choice(_ANCHORS[target.kind])
            return f"[[{target.name}#{anchor}|{self._display(target)}]]"
        if r < 0.93 or not target.aliases:
            return f"[[{target.name.lower()}]]"
        return f"[[{rng.choice(target.aliases)}]]"

    def _random_target(self, me: _Note) -> _Note | None:
        rng = self.rng
        for _ in range(4):
            kind = rng.choices(KINDS, cum_weights=(40, 60, 85, 90, 100))[0]
            group = self.by_kind[kind]
            if group:
                target = rng.choice(group)
                if target is not me:
                    return target
        return None

    def _links(self, me: _Note, first: list[_Note], nfd: bool, spent: int = 0) -> list[str]:
        """3-15 body links (less those spent elsewhere): the natural ones, then random notes."""
        targets = first[:15]
        want = self.rng.randint(3, 15) - spent
        while len(targets) < want:
            target = self._random_target(me)
            if target is None:
                break
            targets.append(target)
        if nfd and self.accented and not any(t.accented for t in targets):
            targets[-1:] = [self.rng.choice(self.accented)]
        return [self._link(t) for t in targets]

    # -- front-matter -----------------------------------------------------------

    def _fm_list(self, key: str, items: list[str]) -> list[str]:
        rng = self.rng
        if len(items) == 1 and rng.random() < 0.15:
            return [f"{key}: {items[0]}"]
        if rng.random() < 0.6:
            return [f"{key}: [{', '.join(items)}]"]
        indent = "  - " if rng.random() < 0.8 else "- "
        return [f"{key}:", *(f"{indent}{item}" for item in items)]

    def _date_value(self, m: _Note) -> str:
        hh, mm = divmod(m.minute, 60)
        r = self.rng.random()
        if r < 0.4:
            return m.day.isoformat()
        if r < 0.7:
            return f"{m.day.isoformat()}T{hh:02d}:{mm:02d}"
        return f'"{m.day.isoformat()} {hh:02d}:{mm:02d}"'

    def _front_matter(self, fixed: list[list[str]], optional: list[list[str]]) -> list[str]:
        """Fixed keys plus a random subset of optional ones: 5 to 12 keys in all."""
        rng = self.rng
        low = max(0, 5 - len(fixed))
        high = max(low, min(len(optional), 12 - len(fixed)))
        chosen = sorted(
            rng.sample(range(len(optional)), min(len(optional), rng.randint(low, high)))
        )
        entries = fixed + [optional[i] for i in chosen]
        if rng.random() < 0.1:
            rng.shuffle(entries)
        lines = ["---"]
        for entry in entries:
            lines.extend(entry)
        lines.append("---")
        return lines

    def _type_key(self, kind: str) -> list[list[str]]:
        # A few typed notes omit `type`: their folder alone says what they are.
        return [] if self.rng.random() < 0.03 else [[f"type: {kind}"]]

    def _aliases(self, note: _Note) -> list[str]:
        if not note.aliases:
            return ["aliases: []"]
        return self._fm_list("aliases", [_scalar(a) for a in note.aliases])

    def _tags(self, bank: tuple[str, ...]) -> list[str]:
        return self._fm_list("tags", self.rng.sample(bank, self.rng.randint(1, 3)))

    # -- body -------------------------------------------------------------------

    def _paragraph(self, sentences: int, links: list[str]) -> str:
        rng = self.rng
        parts = rng.choices(self.sentences, k=sentences)
        for link in links:
            sentence = rng.choice(_LINK_SENTENCES).format(l=link, t=rng.choice(_OBJECTS))
            parts.insert(rng.randint(0, len(parts)), sentence)
        r = rng.random()
        if r < 0.08:
            code = rng.choice(_CODE_SPANS)
            parts.insert(rng.randint(0, len(parts)), rng.choice(_CODE_SENTENCES).format(c=code))
        elif r < 0.11:
            self.code_example += 1
            span = f"`[[Code Example {self.code_example}]]`"
            parts.append(f"Obsidian shows a link typed as {span} as code, not as a link.")
        elif r < 0.16:
            parts[0] = f"**{parts[0]}**"
        if rng.random() < 0.12:
            return "\n".join(f"- {p}" for p in parts)
        return " ".join(parts)

    def _fence(self) -> str:
        rng = self.rng
        self.code_example += 1
        link = f"[[Code Example {self.code_example}]]"
        lang = rng.choice(("python", "yaml", "text", "", "markdown"))
        marker = "~~~" if rng.random() < 0.2 else "```"
        body = {
            "python": f'target = "{link}"\nprint(target)',
            "yaml": f'with: ["{link}"]\nstatus: done',
            "markdown": f"## Notes\n- [ ] Not a task and not a link: {link} {_DUE} 2026-12-01",
        }.get(lang, f"Template line: {link}\n[[Another Code Example {self.code_example}]]")
        return f"{marker}{lang}\n{body}\n{marker}"

    def _task(self, base: date, links: list[str], ahead: tuple[int, int]) -> str:
        rng = self.rng
        topic = rng.choice(_OBJECTS)
        if links and rng.random() < 0.7:
            text = rng.choice(_TASKS_WHO).format(w=links.pop(), t=topic)
        else:
            text = rng.choice(_TASKS_ALONE).format(t=topic)
        due = base + timedelta(days=rng.randint(*ahead))
        if due < _TODAY and rng.random() < (0.9 if (_TODAY - due).days > 30 else 0.6):
            done = max(base, due - timedelta(days=rng.randint(0, 3)))
            r = rng.random()
            if r < 0.5:
                return f"- [x] {text} {_DUE} {due.isoformat()} {_DONE} {done.isoformat()}"
            if r < 0.9:
                return f"- [x] {text} {_DONE} {done.isoformat()}"
            return f"- [x] {text}"
        if rng.random() < 0.1:
            return f"- [ ] {text}"
        return f"- [ ] {text} {_DUE} {due.isoformat()}"

    def _tasks(self, count: int, base: date, links: list[str], ahead: tuple[int, int]) -> str:
        return "\n".join(self._task(base, links, ahead) for _ in range(count))

    def _question_list(self, low: int, high: int) -> str:
        picks = self.rng.sample(self.questions, self.rng.randint(low, high))
        return "\n".join(f"- {q}" for q in picks)

    def _pad(self, blocks: list[str], at: int, links: list[str]) -> None:
        """Insert paragraphs at blocks[at] until the body reaches its target size
        and every remaining link has been used."""
        rng = self.rng
        target = int(rng.triangular(1100, 3700, 1900))
        size = sum(len(b) + 2 for b in blocks)
        extra: list[str] = []
        while size < target or links:
            room = max(1, (target - size) // 90)
            take = [links.pop() for _ in range(min(len(links), rng.randint(1, 3)))]
            para = self._paragraph(min(rng.randint(2, 5), room), take)
            if extra and rng.random() < 0.15:
                extra.append(f"## {rng.choice(_EXTRA_HEADINGS)}")
            extra.append(para)
            size += len(para) + 2
        blocks[at:at] = extra

    def _body(self, head: list[str], blocks: list[str], at: int, links: list[str]) -> str:
        rng = self.rng
        self._pad(blocks, at, links)
        if rng.random() < 0.1:
            blocks.insert(rng.randint(1, len(blocks)), self._fence())
        if rng.random() < 0.2:
            blocks.insert(0, f"# {head[0]}")
        return "\n\n".join(blocks)

    # -- notes ------------------------------------------------------------------

    def _render_person(self, p: _Note, nfd: bool) -> tuple[list[str], str]:
        rng = self.rng
        company = self.companies[p.company] if p.company >= 0 else None
        introducer: _Note | None = rng.choice(self.people)
        if introducer is p:
            introducer = None
        fixed = self._type_key("person")
        if company is not None:
            fixed.append([f"company: {self._fm_ref(company)}"])
        fixed.append([f"role: {rng.choice(_ROLES)}"])
        domain = f"{_slug(company.name, '')}.example" if company is not None else "example.com"
        fixed.append([f"email: {_slug(p.name)}@{domain}"])
        optional = [[f"linkedin: https://www.linkedin.com/in/{_slug(p.name, '-')}"]]
        if introducer is not None:
            optional.append([f"introduced_by: {self._fm_ref(introducer)}"])
        if len(self.companies) > 1:
            before = rng.sample(self.companies, min(len(self.companies), rng.randint(1, 2)))
            refs = [self._fm_ref(c) for c in before if c is not company]
            if refs:
                optional.append(self._fm_list("previous_companies", refs))
        comment = "  # days between contacts" if rng.random() < 0.1 else ""
        optional.append([f"keep_in_touch: {rng.choice((14, 30, 45, 60, 90, 180))}{comment}"])
        # An alias must be declared to resolve: with aliases, the key is always there.
        (fixed if p.aliases else optional).append(self._aliases(p))
        optional.append(self._tags(_PERSON_TAGS))
        optional.append([f"location: {rng.choice(_CITIES)}"])
        optional.append([f'phone: "+1 555 {rng.randrange(10000):04d}"'])
        fm = self._front_matter(fixed, optional)
        natural = [t for t in (company, introducer) if t is not None]
        links = self._links(p, natural, nfd)
        blocks = ["## About", self._paragraph(rng.randint(2, 4), _take(links, 1))]
        if introducer is not None and rng.random() < 0.5:
            blocks += ["## How we met", self._paragraph(rng.randint(1, 3), _take(links, 1))]
        blocks.append("## Notes")
        at = len(blocks)
        if rng.random() < 0.4:
            blocks += ["## Questions", self._question_list(2, 5)]
        if rng.random() < 0.5:
            base = date.fromordinal(rng.randint(_START.toordinal(), _END.toordinal()))
            blocks += ["## Follow-ups", self._tasks(rng.randint(1, 3), base, links, (1, 30))]
        return fm, self._body([p.name], blocks, at, links)

    def _render_company(self, c: _Note, nfd: bool) -> tuple[list[str], str]:
        rng = self.rng
        fixed = self._type_key("company")
        fixed.append([f"industry: {rng.choice(_INDUSTRIES)}"])
        fixed.append([f"website: https://{_slug(c.name, '-')}.example"])
        if c.aliases:
            fixed.append(self._aliases(c))
        optional = [
            self._tags(_COMPANY_TAGS),
            [f"size: {rng.choice((8, 25, 60, 150, 400, 1200, 5000, 20000))}"],
            [f"location: {rng.choice(_CITIES)}"],
            [f"founded: {rng.randint(1950, 2024)}"],
            [f"linkedin: https://www.linkedin.com/company/{_slug(c.name, '-')}"],
        ]
        fm = self._front_matter(fixed, optional)
        staff = rng.sample(self.people, min(len(self.people), 3))
        links = self._links(c, staff, nfd)
        blocks = ["## Overview", self._paragraph(rng.randint(2, 4), [])]
        blocks.append("## Notes")
        at = len(blocks)
        if rng.random() < 0.4:
            roles = rng.sample(_ROLES, rng.randint(1, 3))
            blocks += ["## Open roles", "\n".join(f"- {r}" for r in roles)]
        people = _take(links, 3)
        if people and rng.random() < 0.5:
            blocks += ["## People", "\n".join(f"- {link}" for link in people)]
        else:
            links[:0] = people
        if rng.random() < 0.3:
            base = date.fromordinal(rng.randint(_START.toordinal(), _END.toordinal()))
            blocks += ["## Tasks", self._tasks(rng.randint(1, 2), base, links, (1, 21))]
        return fm, self._body([c.name], blocks, at, links)

    def _render_meeting(self, m: _Note, nfd: bool) -> tuple[list[str], str]:
        rng = self.rng
        people = [self.people[i] for i in m.people]
        employers = [self.companies[p.company] for p in people if p.company >= 0]
        past = m.day < _TODAY
        fixed = self._type_key("meeting")
        fixed.append([f"kind: {m.mkind}"])
        fixed.append([f"date: {self._date_value(m)}"])
        fixed.append(self._fm_list("with", [self._fm_ref(p) for p in people]))
        optional = [[f"duration: {rng.choice(_DURATIONS[m.mkind])}"]]
        company = None
        if self.companies:
            company = employers[0] if employers and rng.random() < 0.8 else None
            company = company or rng.choice(self.companies)
            optional.append([f"company: {self._fm_ref(company)}"])
        if rng.random() < 0.3:
            where = f"https://meet.example.com/{_slug(m.name, '-')[:24]}"
        else:
            where = f"{rng.choice(_PLACES)}, {rng.choice(_STREETS)}"
        optional.append([f"where: {where}"])
        if past:
            status = rng.choices(("done", "cancelled", "", "planned"), (80, 7, 10, 3))[0]
        else:
            status = rng.choices(("planned", ""), (60, 40))[0]
        if status:
            optional.append([f"status: {status}"])
        if m.mkind in ("job", "casual"):
            optional.append([f"role: {rng.choice(_ROLES)}"])
        if m.mkind == "job":
            optional.append([f"stage: {rng.choice(_STAGES)}"])
        referred: list[_Note] = []
        if m.mkind in ("informational", "networking") and rng.random() < 0.35:
            pool = [p for p in rng.sample(self.people, min(len(self.people), 3)) if p not in people]
            referred = pool[: rng.randint(1, 2)]
            if referred:
                optional.append(self._fm_list("referrals", [self._fm_ref(p) for p in referred]))
        optional.append(self._tags(_MEETING_TAGS))
        fm = self._front_matter(fixed, optional)
        referral_links = [self._link(p) for p in referred]
        natural = [*people, *([company] if company else [])]
        links = self._links(m, natural, nfd, len(referral_links))
        blocks = ["## Questions", self._question_list(3, 7)]
        if not past and rng.random() < 0.5:
            blocks += ["## Research", self._paragraph(rng.randint(2, 4), _take(links, 1))]
        blocks.append("## Notes")
        if past:
            lead = rng.randint(1, len(people))
            blocks.append(self._paragraph(rng.randint(2, 4), _take(links, lead)))
        else:
            blocks.append("To fill in after the meeting.")
        at = len(blocks)
        if referral_links:
            blocks += ["## Referrals", "\n".join(f"- {link}" for link in referral_links)]
        ahead = (0, 10) if past else (-7, -1)
        blocks += ["## Follow-up", self._tasks(rng.randint(1, 4), m.day, links, ahead)]
        return fm, self._body([m.name], blocks, at, links)

    def _render_daily(self, d: _Note, nfd: bool) -> tuple[list[str], str]:
        rng = self.rng
        optional = [
            [f"date: {d.day.isoformat()}"],
            self._tags(("daily", "journal", "log", "week-review")),
            [f"mood: {rng.choice(('good', 'tired', 'focused', 'restless', 'great'))}"],
            [f"energy: {rng.randint(1, 5)}"],
            [f"weather: {rng.choice(('sunny', 'rain', 'cloudy', 'snow', 'windy'))}"],
            [f"location: {rng.choice(_CITIES)}"],
        ]
        fm = self._front_matter([], optional)
        meetings = rng.sample(self.meetings, min(len(self.meetings), 2))
        links = self._links(d, meetings, nfd)
        blocks = ["## Log"]
        at = len(blocks)
        blocks += ["## Tasks", self._tasks(rng.randint(1, 4), d.day, links, (0, 7))]
        if rng.random() < 0.3:
            blocks += ["## Ideas", self._paragraph(rng.randint(1, 3), [])]
        return fm, self._body([d.name], blocks, at, links)

    def _render_note(self, o: _Note, nfd: bool) -> tuple[list[str], str]:
        rng = self.rng
        fm: list[str] = []
        if rng.random() < 0.8 or o.aliases:  # the rest have no front-matter at all
            created = date.fromordinal(rng.randint(_START.toordinal(), _TODAY.toordinal()))
            optional = [
                [f"created: {created.isoformat()}"],
                self._tags(_NOTE_TAGS),
                [f"topic: {o.levels[0]}"],
                [f"source: https://blog.example.org/{_slug(o.name, '-')}"],
                [f"status: {rng.choice(('draft', 'evergreen', 'seed', 'archived'))}"],
                [f"rating: {rng.randint(1, 5)}"],
            ]
            fixed = [self._aliases(o)] if o.aliases else []
            fm = self._front_matter(fixed, optional)
        links = self._links(o, [], nfd)
        blocks = ["## Summary", self._paragraph(rng.randint(2, 4), _take(links, 1))]
        blocks.append(f"## {rng.choice(('Details', 'Notes', 'Highlights', 'Discussion'))}")
        at = len(blocks)
        if rng.random() < 0.5 and links:
            blocks += ["## References", "\n".join(f"- {link}" for link in _take(links, 5))]
        if rng.random() < 0.3:
            base = date.fromordinal(rng.randint(_START.toordinal(), _END.toordinal()))
            blocks += ["## Next", self._tasks(rng.randint(1, 2), base, links, (1, 30))]
        return fm, self._body([o.name], blocks, at, links)

    def render(self, note: _Note) -> bytes:
        """The bytes of one note, odd features included."""
        rng = self.rng
        nfd = rng.random() < 0.03
        renderer = {
            "person": self._render_person,
            "company": self._render_company,
            "meeting": self._render_meeting,
            "daily": self._render_daily,
            "note": self._render_note,
        }[note.kind]
        fm, body = renderer(note, nfd)
        if nfd:
            body = unicodedata.normalize("NFD", body)
        text = "\n".join([*fm, "", body, ""]) if fm else body + "\n"
        if rng.random() < 0.03:
            text = text.rstrip("\n")
        if rng.random() < 0.03:
            text = text.replace("\n", "\r\n")
        data = text.encode("utf-8")
        return _BOM + data if rng.random() < 0.02 else data

    def files(self) -> list[_Note]:
        """Every note in writing order (the order also fixes the random draws)."""
        return [*self.people, *self.companies, *self.meetings, *self.daily, *self.notes]


def _create(path: Path, data: bytes) -> None:
    """Write a new file (never an existing one) with as few system calls as possible."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _write(root: Path, n: int, seed: int) -> tuple[dict[str, int], int]:
    if n < 0:
        raise ValueError(f"the number of notes must be >= 0, not {n}")
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(f"{root} exists and is not an empty folder")
    vault = _Vault(n, seed)
    made: set[str] = set()
    total = 0
    root.mkdir(parents=True, exist_ok=True)
    for note in vault.files():
        if note.folder not in made:
            os.makedirs(root / note.folder, exist_ok=True)
            made.add(note.folder)
        data = vault.render(note)
        _create(root / note.folder / f"{note.name}.md", data)
        total += len(data)
    return vault.counts, total


def generate(root: Path, n: int, seed: int = 0) -> dict[str, int]:
    """Write a vault of n notes into root (empty or absent); return the count per kind.

    The same (n, seed) always writes byte-identical files at identical paths.
    """
    counts, _ = _write(root, n, seed)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate a vault and print the counts and the total bytes."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate_vault",
        description="Write a deterministic synthetic vault for benchmarks.",
    )
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="empty or absent folder")
    parser.add_argument("--notes", type=int, default=10000, help="number of notes (10000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    args = parser.parse_args(argv)
    try:
        counts, total = _write(args.out_dir, args.notes, args.seed)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for kind, count in counts.items():
        print(f"{kind:<8} {count:>8}")
    print(f"{'notes':<8} {sum(counts.values()):>8}")
    print(f"{'bytes':<8} {total:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
