"""Sentences and paragraphs copied across documents (CCNet's paragraph dedup, extended to sentences).

Phases (see :class:`~gristmill.steps.base.BarrierStep`):

- ``sign``: each document's spans — its lines (paragraphs) and its sentences of ``min_words`` words
  or more — are hashed after light normalisation (:func:`gristmill.text.match_key`); one row per
  distinct span of a document, bucketed by hash.
- ``group``: per bucket, the number of documents holding each span and the one that keeps it: the
  first in stable order (shard, position) among those ``provenance`` did not find copying (role
  ``stitched`` ranks last, ``quotes`` and ``mirror`` next, any other role or none first; a page
  ``salad`` found stitched, or a part split from one, ranks last too); spans held by
  two or more documents go to the bucket's file, one part per shard.
- ``join``: per shard, its part of every bucket's file, as one file sorted by position.
- ``decide``: a span held by more than ``max_docs`` documents is cut from all but the first; a span
  that repeats inside one document is cut after its first occurrence; ``signals`` record the share of
  sentences found in other documents and the number of spans cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Annotated, ClassVar

import numpy as np

from gristmill.dedup.last_span import LastSpan
from gristmill.dedup.work import (
    MAX_BUCKETS,
    PartsWriter,
    bucket_windows,
    key_runs,
    load_part,
    load_tables_from,
    save_buckets,
    save_table,
)
from gristmill.document import Document
from gristmill.io.schema import FieldType
from gristmill.stats import StepContext
from gristmill.steps.base import BarrierStep
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text import match_key
from gristmill.text.hashing import match_key_and_words
from gristmill.text.sentences import line_and_sentence_spans
from gristmill.text.span_keys import span_keys_and_words

# A document holding a span: the span's hash, how much of a copier the document is, its place.
HOLDER = np.dtype([("hash", "<u8"), ("rank", "u1"), ("shard", "<u4"), ("pos", "<u4")])
# Rank by ``meta.provenance_role``: a copied span stays in the holder of the lowest rank.
COPIER_RANK = {"stitched": 2, "quotes": 1, "mirror": 1}
# A span of one document, as ``sign`` found it.
SPAN = np.dtype([("start", "<u4"), ("end", "<u4"), ("key", "<u8"), ("sentence", "?")])
# A span held by two or more documents, as one of them sees it.
SHARED = np.dtype([("hash", "<u8"), ("pos", "<u4"), ("docs", "<u4"), ("first", "?")])
_CUT = "\uffff"  # marks where a span was cut until lines are tidied
_BLANK_RUN = re.compile(r"\n{3,}")


# A span of one document: start, end, key (match_key), whether it is a sentence (or a line).
_Span = tuple[int, int, int, bool]


def copier_rank(doc: Document) -> int:
    """How much of a copier a document is: its ``provenance`` role, or ``salad``'s stitched verdict.

    provenance names a stitched page only where two of its sources are in the corpus; with one there it
    calls the page and its source alike (``quotes``), and salad's verdict (kept in the parts it splits
    the page into) tells them apart.
    """
    if doc.meta.get("salad") == "stitched":
        return COPIER_RANK["stitched"]
    return COPIER_RANK.get(str(doc.meta.get("provenance_role")), 0)


@register("span_dedup")
class SpanDedup(BarrierStep):
    """Cut sentences and paragraphs that recur across documents, keeping their first occurrence.

    After ``provenance``, a copied span stays in its original: documents it found stitched (then
    quoting or mirroring) give their spans up first, whatever the input order.
    """

    join_passes = 1

    max_docs: Annotated[
        int,
        Help(
            "a span held by more documents than this is kept only in the first of them"
            " (the first original, after provenance).",
            ge=1,
        ),
    ] = 1
    min_words: Annotated[
        int,
        Help(
            "fewest words a sentence needs to count on its own (shorter ones still go with"
            " their paragraph); also the sentences counted in copied_sentence_fraction.",
            ge=1,
        ),
    ] = 4
    paragraphs: Annotated[
        bool, Help("also match whole lines (paragraphs), whatever their length, as CCNet does.")
    ] = True
    buckets: Annotated[
        int,
        Help(
            "hash ranges the span hashes are spread over, a file each; the group phase's tasks (one"
            " per worker) merge their ranges as streams, about a million rows in memory at a time.",
            ge=1,
            le=MAX_BUCKETS,
        ),
    ] = 16

    signal_fields: ClassVar[dict[str, FieldType]] = {"copied_sentence_fraction": "float", "spans_cut": "int"}

    def spans(self, text: str) -> list[_Span]:
        """Return the spans of ``text`` that are matched across documents, in text order."""
        # Keyed by (start, -end) so that sorting the keys gives text order, longer spans first.
        found: dict[tuple[int, int], _Span] = {}
        lines, sentences = line_and_sentence_spans(text)
        if not self.paragraphs:
            lines = []
        # All spans keyed in one pass over the text; a line that is one sentence is both spans.
        keys = span_keys_and_words(text, lines + sentences)
        for (start, end), known in zip(lines, keys, strict=False):
            if known is not None:
                found[start, -end] = (start, end, known[0], False)
        min_words = self.min_words
        for (start, end), known in zip(sentences, keys[len(lines) :], strict=True):
            if known is not None and known[1] >= min_words:
                found[start, -end] = (start, end, known[0], True)
        return [found[place] for place in sorted(found)]

    def sign(self, docs: Iterable[Document], shard: int, work: Path) -> None:
        """Write one (hash, shard, position) row per distinct span of each document, bucketed.

        The spans themselves are kept for ``decide``, which would otherwise split every text again.
        """
        hashes: list[int] = []
        positions: list[int] = []
        ranks: list[int] = []
        found: list[tuple[int, int, int, bool]] = []
        counts: list[int] = []
        for pos, doc in enumerate(docs):
            spans = self.spans(doc.text)
            keys = {span[2] for span in spans}
            hashes.extend(keys)
            positions.extend([pos] * len(keys))
            ranks.extend([copier_rank(doc)] * len(keys))
            found.extend(spans)
            counts.append(len(spans))
        rows = np.empty(len(hashes), HOLDER)
        rows["hash"] = np.array(hashes, np.uint64)
        rows["rank"] = np.array(ranks, np.uint8)
        rows["shard"] = shard
        rows["pos"] = np.array(positions, np.uint32)
        save_buckets(work, "spans", shard, rows, "hash", self.buckets)
        save_table(work / f"doc-spans-{shard:05d}.npy", np.array(found, SPAN))
        save_table(work / f"doc-span-offsets-{shard:05d}.npy", np.concatenate(([0], np.cumsum(counts))))

    def group(self, bucket: int, shards: int, work: Path) -> None:
        """Count the documents holding each span; hand spans held by two or more to their shards."""
        path = work / f"held-{bucket:03d}.npy"
        with PartsWriter(path, SHARED, shards) as held, LastSpan(path, partial(_add_shared, held)) as last:
            # A span held by more documents than a window comes in pieces: the last span of every
            # window waits, counted, until a window starts with another.
            for rows in bucket_windows(work, "spans", range(bucket, bucket + 1), shards, "hash", long_runs=0):
                rows = rows[np.lexsort((rows["pos"], rows["shard"], rows["rank"], rows["hash"]))]
                rows = last.go_on(rows)
                if len(rows):
                    tail = int(np.searchsorted(rows["hash"], rows["hash"][-1]))
                    _add_whole_spans(rows[:tail], held)
                    last.start(rows[tail:])

    def join(self, step: int, shards: range, total: int, work: Path) -> None:
        """Write each shard's rows of every group file as one file ``shared-SSSSS.npy``, by position."""
        for shard in shards:
            parts = (load_part(work / f"held-{b:03d}.npy", shard) for b in range(self.buckets))
            table = load_tables_from(parts, SHARED)
            save_table(work / f"shared-{shard:05d}.npy", table[np.argsort(table["pos"], kind="stable")])

    def decide(
        self, docs: Iterable[Document], shard: int, work: Path, ctx: StepContext
    ) -> Iterator[Document]:
        """Cut each document's spans found earlier in it or in too many others; record signals."""
        table = np.load(work / f"shared-{shard:05d}.npy")
        found = np.load(work / f"doc-spans-{shard:05d}.npy")
        offsets = np.load(work / f"doc-span-offsets-{shard:05d}.npy")
        for pos, doc in enumerate(docs):
            spans: list[_Span] = found[offsets[pos] : offsets[pos + 1]].tolist()
            lo, hi = np.searchsorted(table["pos"], [pos, pos + 1])
            mine = table[lo:hi]
            shared = {
                int(h): (int(n), bool(f))
                for h, n, f in zip(mine["hash"], mine["docs"], mine["first"], strict=True)
            }
            if self._cut(doc, spans, shared):
                yield doc
            else:
                ctx.reject(doc, f"{self.name}:empty")

    def _cut(self, doc: Document, spans: list[_Span], shared: dict[int, tuple[int, bool]]) -> bool:
        """Cut ``doc``'s ``spans`` in place as ``shared`` says; return whether a letter or digit is left."""
        sentences = [key for _, _, key, sentence in spans if sentence]
        copied = sum(1 for key in sentences if key in shared)
        doc.signals["copied_sentence_fraction"] = round(copied / len(sentences), 4) if sentences else 0.0
        seen: set[int] = set()
        cut: list[tuple[int, int]] = []
        for start, end, key, _ in spans:
            held = shared.get(key)
            if key in seen or (held is not None and held[0] > self.max_docs and not held[1]):
                cut.append((start, _after_spaces(doc.text, end)))
            seen.add(key)
        doc.signals["spans_cut"] = len(cut)
        if not cut:
            return bool(doc.text.strip())
        doc.text = _without(doc.text, cut)
        # What the cuts left of a copy can be a line of marks (a closing quote, a rule): no text.
        return any(c.isalnum() for c in doc.text)

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag the sentences that repeat an earlier sentence of the same document."""
        seen: set[int] = set()
        flags: dict[int, list[str]] = {}
        for i, sentence in enumerate(sentences):
            key = match_key(sentence) if _word_count(sentence) >= self.min_words else None
            if key is None:
                continue
            if key in seen:
                flags[i] = ["repeated_in_document"]
            seen.add(key)
        return flags


def _add_whole_spans(rows: np.ndarray, held: PartsWriter) -> None:
    """Hand the rows of whole spans held by two or more documents to their shards' parts.

    ``rows`` are sorted by (hash, rank, shard, pos): the first of a span's rows is its keeper.
    """
    first, _, docs = key_runs(rows["hash"])
    shared = docs > 1
    _add_shared(held, rows[shared], docs[shared], first[shared])


def _add_shared(held: PartsWriter, rows: np.ndarray, docs: np.ndarray | int, first: np.ndarray) -> None:
    """Hand holder ``rows`` of shared spans to their shards: each span's count and whether it keeps it."""
    table = np.empty(len(rows), SHARED)
    table["hash"], table["pos"] = rows["hash"], rows["pos"]
    table["docs"], table["first"] = docs, first
    held.add(table, rows["shard"])


def _word_count(text: str) -> int:
    known = match_key_and_words(text)
    return known[1] if known else 0


def _after_spaces(text: str, end: int) -> int:
    while end < len(text) and text[end] in " \t":
        end += 1
    return end


def _without(text: str, cut: list[tuple[int, int]]) -> str:
    """Return ``text`` without the ``cut`` ranges; lines left empty by a cut go too."""
    pieces: list[str] = []
    pos = 0
    for start, end in sorted(cut):
        if start > pos:
            pieces.append(text[pos:start])
        if end > pos:
            pieces.append(_CUT)
            pos = end
    pieces.append(text[pos:])
    lines = []
    for line in "".join(pieces).split("\n"):
        if _CUT in line:
            line = line.replace(_CUT, "").rstrip()
            if not line:
                continue
        lines.append(line)
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()
