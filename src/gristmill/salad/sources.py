"""Sources named by the ``provenance`` step: a page made of runs of two or more other documents.

``provenance`` sets ``meta.copied_from`` to a list of ``{"id", "url", "sentences"}``, where
``sentences`` counts the page's sentences found in that document (or lists them). Such a page is
stitched whatever it reads like; its split parts carry the source they came from.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from gristmill.document import Document
from gristmill.salad.analysis import FURNITURE, UNPLACED, SaladAnalysis

MIN_SOURCES = 2


def copied_sources(doc: Document) -> list[dict[str, Any]]:
    """The distinct source documents of ``meta.copied_from``, when there are two or more; else []."""
    copied = doc.meta.get("copied_from")
    if not isinstance(copied, list):
        return []
    seen: dict[str, dict[str, Any]] = {}
    for entry in copied:
        if isinstance(entry, dict) and entry.get("id") is not None:
            seen.setdefault(str(entry["id"]), entry)
    return list(seen.values()) if len(seen) >= MIN_SOURCES else []


def _key(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.lower()))


def assign_sources(found: SaladAnalysis, sources: list[dict[str, Any]], text: str) -> SaladAnalysis:
    """Label each sentence with the source it came from; ``found.source_of`` maps label to source.

    When ``sentences`` lists the copied sentences, each sentence goes to the source that lists it.
    When it only counts them, the recovered groups are matched to the sources by size, largest first.
    """
    if all(isinstance(s.get("sentences"), list) for s in sources):
        owner = {_key(str(x)): k for k, s in enumerate(sources) for x in s["sentences"]}
        labels = []
        for i, (a, b) in enumerate(found.spans):
            if found.labels[i] == FURNITURE:
                labels.append(FURNITURE)
            else:
                labels.append(owner.get(_key(text[a:b]), UNPLACED))
        found.labels = labels
        found.source_of = dict(enumerate(sources))
        found.sources = len({x for x in labels if x >= 0})
        return found
    sizes = Counter(x for x in found.labels if x >= 0)
    groups = [g for g, _ in sizes.most_common()]
    by_count = sorted(sources, key=lambda s: -_count(s))
    found.source_of = dict(zip(groups, by_count, strict=False))
    return found


def _count(source: dict[str, Any]) -> int:
    value = source.get("sentences")
    if isinstance(value, list):
        return len(value)
    return int(value) if isinstance(value, int | float) else 0
