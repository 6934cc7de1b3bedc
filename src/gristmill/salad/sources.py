"""Sources named by the ``provenance`` step: a page made of runs of two or more other documents.

``provenance`` sets ``meta.copied_from`` to a list of ``{"id", "url", "sentences", "spans"}``, where
``sentences`` counts the page's sentences found in that document (or lists them) and ``spans`` says
where in the page they stand. A page it calls stitched (``meta.provenance_role``) is stitched whatever
it reads like; its split parts carry the source they came from. Other roles list documents too (a
page quoting a sentence of each of two articles, a mirror): those pages are judged as any other.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from typing import Any

from gristmill.dedup.provenance import MIN_WORDS
from gristmill.document import Document
from gristmill.salad.analysis import FURNITURE, UNPLACED, SaladAnalysis
from gristmill.text.hashing import match_key_and_words

MIN_SOURCES = 2
# The role ``provenance`` gives a page made of runs of other documents (a split part keeps it).
STITCHED = "stitched"


def copied_sources(doc: Document) -> list[dict[str, Any]]:
    """The distinct source documents of a page ``provenance`` called stitched, when two or more; else []."""
    copied = doc.meta.get("copied_from")
    if doc.meta.get("provenance_role") != STITCHED or not isinstance(copied, list):
        return []
    seen: dict[str, dict[str, Any]] = {}
    for entry in copied:
        if isinstance(entry, dict) and entry.get("id") is not None:
            seen.setdefault(str(entry["id"]), entry)
    return list(seen.values()) if len(seen) >= MIN_SOURCES else []


def _key(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.lower()))


def assign_sources(
    found: SaladAnalysis, sources: list[dict[str, Any]], text: str, counted_words: int = MIN_WORDS
) -> SaladAnalysis:
    """Label each sentence with the source it came from; ``found.source_of`` maps label to source.

    When ``spans`` gives where the page's sentences credited to each source stand (``provenance``
    writes them), each such sentence goes to its source (a piece of one the salad cut again too), a
    sentence provenance counted and found in none goes to a part with no source, and one it may not have
    counted (under ``counted_words``, the ``min_words`` of its ``provenance`` step) goes with its
    recovered group's source. When ``sentences`` lists the copied
    sentences, each sentence goes to the source that lists it. When it only counts them, the
    recovered groups are matched to the sources by size, largest first.
    """
    if all(isinstance(s.get("spans"), list) for s in sources):
        placed = _by_spans(found, sources, text, counted_words)
        if placed is not None:
            return placed
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


def _by_spans(
    found: SaladAnalysis, sources: list[dict[str, Any]], text: str, counted_words: int
) -> SaladAnalysis | None:
    """Label the sentences ``spans`` credit to a source with it, and the others (:func:`assign_sources`).

    None when no span is a sentence of the text (a step changed the text after ``provenance``).
    """
    owner: dict[tuple[int, int], int] = {}
    for k, source in enumerate(sources):
        for span in source["spans"]:
            if isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(x, int) for x in span):
                owner[span[0], span[1]] = k
    ranges = sorted((a, b, k) for (a, b), k in owner.items())
    starts = [a for a, _, _ in ranges]
    credited: dict[int, int] = {}
    whole: list[int] = []  # credited sentences as provenance cut them: each was counted
    for i, (a, b) in enumerate(found.spans):
        if found.labels[i] == FURNITURE:
            continue
        if (a, b) in owner:
            credited[i] = owner[a, b]
            whole.append(i)
            continue
        # salad cuts a run-on "sentence" again (loose_sentence_spans): its pieces keep its credit.
        at = bisect_right(starts, a) - 1
        if at >= 0 and b <= ranges[at][1]:
            credited[i] = ranges[at][2]
    if not credited:
        return None
    votes: dict[int, Counter[int]] = {}
    for i, k in credited.items():
        if found.labels[i] >= 0:
            votes.setdefault(found.labels[i], Counter())[k] += 1
    group_source = {group: counted.most_common(1)[0][0] for group, counted in votes.items()}
    # provenance counts a sentence of min_words words or more, and credits every counted sentence it
    # finds in a source: an uncredited sentence as long as min_words (or as the shortest credited one)
    # was counted and found in none. It comes from outside the corpus, though the recovered group put
    # it beside a named source's sentences (a new user's trial: a part credited to B held only the
    # third page's text); a shorter one may not have been counted, and goes with its group's source.
    fewest = min([counted_words, *(_words(found, text, i) for i in whole)])
    labels = list(found.labels)  # furniture and unplaced sentences stay as they are
    for i, label in enumerate(labels):
        if i in credited:
            labels[i] = credited[i]
        elif label >= 0:  # after the named sources: a group of sentences from outside the corpus
            outside = len(sources) + label
            labels[i] = outside if _words(found, text, i) >= fewest else group_source.get(label, outside)
    found.labels = labels
    found.source_of = {k: sources[k] for k in sorted(set(labels)) if 0 <= k < len(sources)}
    found.sources = len({x for x in labels if x >= 0})
    return found


def _words(found: SaladAnalysis, text: str, i: int) -> int:
    """Sentence ``i``'s words as ``provenance`` counts them (0 for one without a letter or digit)."""
    a, b = found.spans[i]
    known = match_key_and_words(text[a:b])
    return known[1] if known is not None else 0


def _count(source: dict[str, Any]) -> int:
    value = source.get("sentences")
    if isinstance(value, list):
        return len(value)
    return int(value) if isinstance(value, int | float) else 0
