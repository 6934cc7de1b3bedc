"""What the report tells about the sampled documents: languages, hosts, duplicates, examples, changes."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gristmill.document import Document
from gristmill.report.svg import KEPT, REJECTED, stacked_bars

EXAMPLES_PER_REASON = 10
TOP = 20
TEXT_SHOWN = 1200


def counts_chart(kept: list[Document], rejected: list[Document], key: str) -> str:
    """Kept and rejected documents per language (``key="language"``) or host (``"host"``), top 20."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for column, docs in ((0, kept), (1, rejected)):
        for doc in docs:
            counts[_key(doc, key)][column] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    shown = ranked[:TOP]
    rest = [sum(c[i] for _, c in ranked[TOP:]) for i in (0, 1)]
    if any(rest):
        shown.append((f"{len(ranked) - TOP:,} others", rest))
    return stacked_bars(shown, [KEPT, REJECTED])


def _key(doc: Document, key: str) -> str:
    if key == "language":
        return str(doc.meta.get("language") or "(none)")
    url = doc.meta.get("url")
    try:
        host = urlsplit(str(url)).hostname if url else None
    except ValueError:
        host = None
    return host.removeprefix("www.") if host else "(no url)"


@dataclass
class Example:
    """A document as the report shows it."""

    id: str
    url: str
    text: str
    note: str = ""


def example(doc: Document, note: str = "") -> Example:
    """``doc``'s id, URL and the start of its text."""
    text = doc.text if len(doc.text) <= TEXT_SHOWN else doc.text[:TEXT_SHOWN] + " …"
    return Example(doc.id, str(doc.meta.get("url", "")), text, note)


def examples_by_reason(
    rejected: list[Document], reasons: dict[str, int]
) -> list[tuple[str, int, list[Example]]]:
    """Up to ten rejected documents per reason, in sample order, with the text the dropping step saw."""
    found: dict[str, list[Example]] = defaultdict(list)
    for doc in rejected:
        reason = str(doc.meta.get("reason", "?"))
        if len(found[reason]) < EXAMPLES_PER_REASON:
            found[reason].append(example(doc, _note(reason, doc)))
    names = list(reasons) + sorted(set(found) - set(reasons))
    return [(name, int(reasons.get(name, 0)), found.get(name, [])) for name in names]


def _note(reason: str, doc: Document) -> str:
    if reason.startswith("extract:"):
        what = "no main text was found in" if reason == "extract:empty" else "extraction gave up on"
        return f"{what} this page; below is its input as read (empty for a WARC record)"
    if doc.meta.get("duplicate_of"):
        return f"duplicate of {doc.meta['duplicate_of']}"
    return ""


@dataclass
class Cluster:
    """A duplicate cluster: its size, the document kept, and one dropped member when sampled."""

    size: int
    kept: Example
    other: Example | None


def duplicate_clusters(
    kept: list[Document], rejected: list[Document], limit: int = 3
) -> tuple[str, list[Cluster]]:
    """A chart of cluster sizes, and the largest clusters with two members side by side."""
    sizes: Counter[int] = Counter()
    heads = []
    for doc in kept:
        size = doc.meta.get("dup_cluster_size")
        if isinstance(size, int) and not isinstance(size, bool) and size > 1:
            sizes[size] += 1
            heads.append((size, doc))
    members: dict[str, Document] = {}
    for doc in rejected:
        original = doc.meta.get("duplicate_of")
        if isinstance(original, str) and original not in members:
            members[original] = doc
    by_id = {doc.id: doc for doc in kept}
    # An exact duplicate names its original but no cluster size: count the pair when both are sampled.
    for original in members:
        if original in by_id and not isinstance(by_id[original].meta.get("dup_cluster_size"), int):
            heads.append((2, by_id[original]))
            sizes[2] += 1
    if not sizes:
        return "", []
    chart = stacked_bars([(f"{n:,} documents", [count]) for n, count in sorted(sizes.items())], [KEPT])
    heads.sort(key=lambda sd: (-sd[0], sd[1].id))
    clusters = []
    for size, doc in heads[:limit]:
        other = members.get(doc.id)
        clusters.append(Cluster(size, example(doc), example(other) if other is not None else None))
    return chart, clusters


@dataclass
class Change:
    """A text-changing step's example: the lines around its first change, before and after."""

    step: str
    id: str
    url: str
    lines: list[tuple[str, str]]  # (" " kept | "-" removed | "+" added, line)


def changes(steps: list[dict[str, Any]]) -> list[Change]:
    """The examples of changed texts that ``stats.json`` keeps per step, as line diffs."""
    out = []
    for step in steps:
        for item in step.get("examples") or []:
            if not isinstance(item, dict):
                continue
            before = str(item.get("before", "")).splitlines()
            after = str(item.get("after", "")).splitlines()
            lines = [
                (line[0], line[2:]) for line in difflib.ndiff(before, after) if line[:1] in (" ", "-", "+")
            ]
            out.append(Change(str(step.get("name")), str(item.get("id")), str(item.get("url") or ""), lines))
    return out
