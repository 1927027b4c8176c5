"""The network map: a generated note with a Mermaid graph of who connects the user where.

People and companies are the nodes; the edges are where people work (and used to),
who introduced whom, and who suggested talking to whom (a meeting's ``referrals``).
To stay readable, only the most connected nodes are drawn (``network: max_nodes``,
60 by default), ties broken by name, so the same vault always gives the same graph.
Obsidian renders Mermaid, and the nodes carry its ``internal-link`` class, so a
click on a name opens the note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import Config
from .errors import ConfigError
from .model import Kind, Vault, stem_of
from .parse import nfc_key
from .plan import Output
from .render import Templates

if TYPE_CHECKING:
    from .build import Loaded

NOTE_NAME = "Network map.md"
TEMPLATE = "regions/network.md.j2"
REGION = "network"
SKELETON = """\
# Network map

{region}

Your own notes on your network can go here, outside the block above: vaultkit only
ever rewrites the block.
"""
EDGE_KINDS = ("works at", "worked at", "introduced", "suggested")


@dataclass(frozen=True)
class NetworkConfig:
    """The ``network:`` section of ``vaultkit.yaml``."""

    enabled: bool = True
    """Write the network map at all."""
    max_nodes: int = 60
    """Most people and companies drawn; the most connected are kept."""
    former_companies: bool = True
    """Also draw where people used to work."""


def network_config(config: Config) -> NetworkConfig:
    """Read ``network:`` from the config's extra sections (``network: false`` turns it off)."""
    raw = config.extra.get("network")
    if raw is None:
        return NetworkConfig()
    if raw is False:
        return NetworkConfig(enabled=False)
    if not isinstance(raw, dict):
        raise ConfigError("vaultkit.yaml: network: expected options such as max_nodes: 60")
    known = {"enabled", "max_nodes", "former_companies"}
    for key in raw:
        if key not in known:
            names = ", ".join(sorted(known))
            raise ConfigError(f"vaultkit.yaml: network: unknown option {key!r} (known: {names})")
    enabled = raw.get("enabled", True)
    former = raw.get("former_companies", True)
    max_nodes = raw.get("max_nodes", 60)
    for key, value in (("enabled", enabled), ("former_companies", former)):
        if not isinstance(value, bool):
            raise ConfigError(f"vaultkit.yaml: network: {key} must be true or false")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ConfigError("vaultkit.yaml: network: max_nodes must be a whole number of 1 or more")
    return NetworkConfig(enabled, max_nodes, former)


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str
    kind: str


def edges_of(vault: Vault, former_companies: bool = True) -> list[Edge]:
    """Every connection between people and companies the vault records."""
    found: set[Edge] = set()
    for path, person in vault.people.items():
        if person.company and person.company.target in vault.companies:
            found.add(Edge(path, person.company.target, "works at"))
        if former_companies:
            for prev in person.previous_companies:
                if prev.target in vault.companies:
                    found.add(Edge(path, prev.target, "worked at"))
        if person.introduced_by and person.introduced_by.target in vault.people:
            introducer = person.introduced_by.target
            if introducer != path:
                found.add(Edge(introducer, path, "introduced"))
    for referred, sources in vault.referred_by.items():
        if referred not in vault.people:
            continue
        for attendee, _meeting in sources:
            if attendee in vault.people and attendee != referred:
                found.add(Edge(attendee, referred, "suggested"))
    return sorted(found)


def select(vault: Vault, edges: list[Edge], max_nodes: int) -> list[str]:
    """The nodes to draw: the most connected first, then by name and path."""
    degree: Counter[str] = Counter()
    for edge in edges:
        degree[edge.source] += 1
        degree[edge.target] += 1
    ranked = sorted(degree, key=lambda p: (-degree[p], nfc_key(stem_of(p)), p))
    return ranked[:max_nodes]


def _label(name: str) -> str:
    return (
        name.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


def network_context(vault: Vault, settings: NetworkConfig) -> dict[str, Any]:
    """The view model of the map: nodes with ids and labels, and the edges between them."""
    edges = edges_of(vault, settings.former_companies)
    connected = {e.source for e in edges} | {e.target for e in edges}
    chosen = set(select(vault, edges, settings.max_nodes))
    ids: dict[str, str] = {}
    nodes: list[dict[str, Any]] = []
    for kind, prefix in ((Kind.PERSON, "p"), (Kind.COMPANY, "c")):
        members = sorted(
            (p for p in chosen if vault.kinds.get(p) == kind), key=lambda p: (nfc_key(p), p)
        )
        for n, path in enumerate(members, 1):
            ids[path] = f"{prefix}{n}"
            nodes.append(
                {
                    "id": ids[path],
                    "name": stem_of(path),
                    "label": _label(stem_of(path)),
                    "kind": str(kind),
                    "path": path,
                }
            )
    order = {k: i for i, k in enumerate(EDGE_KINDS)}
    rank = {path: i for i, path in enumerate(ids)}
    drawn = sorted(
        (e for e in edges if e.source in ids and e.target in ids),
        key=lambda e: (order[e.kind], rank[e.source], rank[e.target]),
    )
    shown = [{"source": ids[e.source], "target": ids[e.target], "kind": e.kind} for e in drawn]
    return {
        "nodes": nodes,
        "edges": shown,
        "shown": len(nodes),
        "total": len(connected),
        "max_nodes": settings.max_nodes,
        "people": [n for n in nodes if n["kind"] == "person"],
        "companies": [n for n in nodes if n["kind"] == "company"],
    }


def network_outputs(loaded: Loaded, templates: Templates) -> Iterable[Output]:
    """The network map note (nothing when ``network: false``)."""
    settings = network_config(loaded.config)
    if not settings.enabled:
        return
    folder = loaded.config.output_folder.strip("/")
    path = f"{folder}/{NOTE_NAME}" if folder else NOTE_NAME
    content = templates.render(TEMPLATE, network_context(loaded.vault, settings))
    yield Output(path, REGION, content, SKELETON)
