"""Near-duplicate documents by MinHash over word n-grams, LSH banding and connected components.

Phases (see :class:`~gristmill.steps.base.BarrierStep`):

- ``sign``: a shard's documents, in batches, become word n-gram hashes
  (:func:`gristmill.text.shingles.shingle_hashes`) and then a signature of ``num_hashes`` minima by
  one permutation hashing with densification (:class:`MinHasher`), all in numpy. Each band of
  ``rows`` minima hashes to one 64-bit value, written with the document's place (shard, position)
  to the shard's one file, sorted by value (:func:`~gristmill.dedup.work.save_buckets`).
- ``group``: in one bucket (a range of values, merged from every shard's file), documents that
  share a band value are candidates; each is linked to the first of them in the stable order
  (shard, position) — when ``threshold`` is set, only if their Jaccard similarity (estimated
  from the signatures, or exact) reaches it.
- ``link``: connected components in rounds of tasks per shard (:mod:`gristmill.dedup.components`);
  each cluster is named by its first document, which is kept.
- ``decide``: reads only its shard's clusters; the kept document of a cluster gets
  ``meta.dup_cluster`` (its own id) and ``meta.dup_cluster_size``; the others
  ``meta.duplicate_of`` and are rejected as ``near_duplicate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import numpy as np

from gristmill.dedup.components import LinkWriter, load_clusters, nodes
from gristmill.dedup.exact import SIGNATURE
from gristmill.dedup.reference import ReferenceOption, against_reference
from gristmill.dedup.work import (
    CLUSTER_FIELDS,
    MAX_BUCKETS,
    bucket_windows,
    keep_cluster_firsts,
    remember_ids,
    save_buckets,
    save_table,
)
from gristmill.document import Document, batches
from gristmill.stats import StepContext
from gristmill.steps.base import BarrierStep
from gristmill.steps.options import Help
from gristmill.steps.registry import register
from gristmill.text.shingles import mix64, shingle_hashes, shingle_pieces

# A link found in a bucket: a document and the one before it in stable order it duplicates.
EDGE = np.dtype([("shard", "<u4"), ("pos", "<u4"), ("to_shard", "<u4"), ("to_pos", "<u4")])
# The hasher holds a num_hashes² table (4 MB at 1024); FineWeb uses 14 × 8 = 112.
MAX_HASHES = 1024
MAX_NGRAM = 100  # words per shingle; longer ones find nothing but exact copies
_MAX_BORROWS = 2048  # tries of an empty signature slot to find a filled bin before the fallback
_STEPWISE_TRIES = 8  # tries made one by one before the rest are resolved at once (_first_try)
_DENSIFY_BLOCK = 16_384  # empty slots resolved at once (× num_hashes ranks in memory)
NO_SHINGLE = np.iinfo(np.uint32).max
# Characters of a text hashed at once: a longer text is hashed in pieces (MinHasher.signatures),
# so a 100 MB document's arrays per word (about 50 bytes a word) stay near 100 MB, not 2 GB.
PIECE_CHARS = 1 << 21
_MAX_CHECKS = 8  # candidates of one run a document is checked against, when threshold is set


class MinHasher:
    """MinHash signatures of many texts at once, by one permutation hashing with densification.

    Each shingle is hashed once more (a seeded mix of its 64-bit hash): the high bits pick one of
    ``num_hashes`` bins, the low 32 bits are its value, and slot ``k`` of a text's signature is the
    smallest value in bin ``k`` (Li, Owen and Zhang, "One Permutation Hashing", 2012). A bin no
    shingle of the text fell into borrows the value of the first non-empty bin along a sequence of
    bins fixed per slot (Shrivastava, "Optimal Densification for Fast and Accurate Minwise
    Hashing", 2017). Two texts agree in a slot with probability their Jaccard similarity, as with
    ``num_hashes`` independent hash functions, but the slots sample the shingles *without*
    replacement: the number of agreeing slots varies less, so an LSH band separates similar from
    dissimilar pairs more sharply. And each shingle is hashed once, not ``num_hashes`` times.
    """

    def __init__(self, *, ngram: int, num_hashes: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.ngram = ngram
        self.num_hashes = num_hashes
        self._salt = np.uint64(rng.integers(0, 2**63, dtype=np.int64))
        # Where empty slot k looks on its t-th try: uniform over the bins, the same for every text.
        self._borrow = rng.integers(0, num_hashes, (_MAX_BORROWS, num_hashes), dtype=np.int64)
        # _first_try[k, j]: the first try at which slot k's sequence reaches bin j (_MAX_BORROWS: never).
        self._first_try = np.full((num_hashes, num_hashes), _MAX_BORROWS, np.int32)
        for t in range(_MAX_BORROWS - 1, -1, -1):
            self._first_try[np.arange(num_hashes), self._borrow[t]] = t

    def signatures(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the texts' signatures (texts × num_hashes, uint32), and their shingle hashes.

        A text without words has a signature of all ones (``2**32 - 1``) and no shingles. The shingle
        hashes come as :func:`~gristmill.text.shingles.shingle_hashes` gives them: hashes, offsets. A
        text over :data:`PIECE_CHARS` is hashed in pieces (:func:`~gristmill.text.shingles.shingle_pieces`),
        so its arrays per word stay the size of a piece: a bin's minimum over the whole text is the
        smallest of its pieces', and the shingles the pieces share come twice.
        """
        k = self.num_hashes
        sig = np.full((len(texts), k), NO_SHINGLE, np.uint32)
        filled = np.zeros(sig.shape, bool)
        found: list[np.ndarray] = []
        counts = np.zeros(len(texts), np.int64)
        for owners, pieces in _pieces(texts, self.ngram):
            hashes, offsets = shingle_hashes(pieces, self.ngram)
            per_piece = np.diff(offsets)
            mixed = mix64(hashes ^ self._salt)
            bin_ = ((mixed >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32)  # high 32 bits: the bin
            cell = bin_.astype(np.intp)
            cell += np.repeat(owners * k, per_piece)
            np.minimum.at(sig.reshape(-1), cell, mixed.astype(np.uint32))  # low 32 bits: the value
            filled.reshape(-1)[cell] = True
            np.add.at(counts, owners, per_piece)
            found.append(hashes)
        self._densify(sig, filled)
        offsets = np.zeros(len(texts) + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        return sig, np.concatenate(found) if found else np.empty(0, np.uint64), offsets

    def _densify(self, sig: np.ndarray, filled: np.ndarray) -> None:
        """Give each empty slot of a text with shingles the value of a bin its sequence finds filled.

        The first few tries go one by one over all empty slots (most find a filled bin at once);
        the slots left, of texts with few filled bins, take at once the filled bin their sequence
        reaches first (``_first_try``), which is what trying on would find.
        """
        has_shingles = np.any(filled, axis=1, keepdims=True)
        docs, slots = np.nonzero(~filled & has_shingles)
        for tries in self._borrow[:_STEPWISE_TRIES]:
            if docs.size == 0:
                return
            source = tries[slots]
            found = filled[docs, source]
            sig[docs[found], slots[found]] = sig[docs[found], source[found]]
            docs, slots = docs[~found], slots[~found]
        never = np.int32(_MAX_BORROWS)
        for lo in range(0, docs.size, _DENSIFY_BLOCK):
            d, k = docs[lo : lo + _DENSIFY_BLOCK], slots[lo : lo + _DENSIFY_BLOCK]
            # Unfilled bins rank last; bins no try reaches come next, in slot order (the fallback).
            rank = np.where(filled[d], self._first_try[k], never + 1)
            sig[d, k] = sig[d, rank.argmin(axis=1)]


@register("minhash_dedup")
@against_reference
class MinhashDedup(ReferenceOption, BarrierStep):
    """Keep one document of each cluster of near-duplicates found by MinHash LSH.

    Two documents are candidates when all ``rows`` minima of one of the ``bands`` agree; the chance
    is ``1 - (1 - J**rows)**bands`` for Jaccard similarity J of their word n-grams (with the defaults,
    FineWeb's: 0.5 at J≈0.72, 0.92 at J=0.8, 0.9996 at J=0.9). Candidates join clusters by
    connected components, and each cluster keeps its first document in input order.
    """

    names_documents = True

    finds_clusters = True
    meta_fields = CLUSTER_FIELDS

    ngram: Annotated[int, Help("words per shingle.", ge=1, le=MAX_NGRAM)] = 5
    num_hashes: (
        Annotated[
            int,
            Help(
                "MinHash values per document; at least bands × rows (extra ones sharpen the"
                " Jaccard estimate used by threshold); none means bands × rows.",
                ge=1,
                le=MAX_HASHES,
            ),
        ]
        | None
    ) = None
    bands: Annotated[int, Help("LSH bands; more bands find pairs of lower similarity.", ge=1)] = 14
    rows: Annotated[int, Help("minima per band; more rows make a band match rarer.", ge=1)] = 8
    threshold: (
        Annotated[
            float,
            Help(
                "when set, a candidate pair joins a cluster only if its Jaccard similarity reaches"
                " it (estimated from the signatures, or exact with exact_jaccard).",
                gt=0,
                le=1,
            ),
        ]
        | None
    ) = None
    exact_jaccard: Annotated[
        bool, Help("check candidates on their stored n-gram hashes instead of the signatures.")
    ] = False
    seed: Annotated[int, Help("seed of the hash functions; documents compared must share it.", ge=0)] = 1
    buckets: Annotated[
        int,
        Help(
            "hash ranges the band values are spread over, a file each; the group phase's tasks (one"
            " per worker) merge their ranges as streams, about a million rows in memory at a time.",
            ge=1,
            le=MAX_BUCKETS,
        ),
    ] = 16

    def setup(self) -> None:
        bands, rows, num_hashes = self.bands, self.rows, self.num_hashes
        if bands * rows > MAX_HASHES:
            raise self.fail("bands", f"bands × rows must be {MAX_HASHES} or less, got {bands} × {rows}")
        if num_hashes is not None and num_hashes < bands * rows:
            raise self.fail("num_hashes", f"must be at least bands × rows ({bands * rows}), got {num_hashes}")
        if self.exact_jaccard and self.threshold is None:
            raise self.fail("exact_jaccard", "checks candidates against threshold; set threshold too")
        self._hasher = MinHasher(ngram=self.ngram, num_hashes=num_hashes or bands * rows, seed=self.seed)
        self._band_salts = mix64(np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))

    # -- sign -----------------------------------------------------------------------------------
    def sign(self, docs: Iterable[Document], shard: int, work: Path) -> None:
        """Write the shard's band values, bucketed, and what ``threshold`` needs to check pairs."""
        parts: list[np.ndarray] = []
        signatures: list[np.ndarray] = []
        shingles: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        pos = 0
        weighed = remember_ids(docs, shard, work, weighted=self.counts_earlier_clusters)
        for batch in batches(weighed, max_docs=1000, max_chars=131_072):
            texts = [doc.text for doc in batch]
            sig, hashes, offsets = self._hasher.signatures(texts)
            parts.append(self._band_rows(sig, shard, pos))
            if self.threshold is not None:
                signatures.append(sig)
            if self.exact_jaccard:
                sets = [np.unique(hashes[offsets[i] : offsets[i + 1]]) for i in range(len(texts))]
                shingles.extend(sets)
                counts.append(np.array([s.size for s in sets], np.int64))
            pos += len(texts)
        rows = np.concatenate(parts) if parts else np.empty(0, SIGNATURE)
        save_buckets(work, "band", shard, rows, "hash", self.buckets)
        if self.threshold is not None:
            table = np.concatenate(signatures) if signatures else np.empty((0, self._hasher.num_hashes))
            save_table(work / f"sig-{shard:05d}.npy", table.astype(np.uint32))
        if self.exact_jaccard:
            sizes = np.concatenate(counts) if counts else np.empty(0, np.int64)
            offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
            flat = np.concatenate(shingles) if shingles else np.empty(0, np.uint64)
            save_table(work / f"shingles-{shard:05d}.npy", flat)
            save_table(work / f"shingle-offsets-{shard:05d}.npy", offsets)

    def _band_rows(self, sig: np.ndarray, shard: int, first_pos: int) -> np.ndarray:
        """One (band value, shard, position) row per band of each document with words."""
        has_words = np.flatnonzero(sig[:, 0] != NO_SHINGLE)
        bands = sig[has_words, : self.bands * self.rows].reshape(has_words.size, self.bands, self.rows)
        value = np.broadcast_to(self._band_salts, (has_words.size, self.bands)).copy()
        for row in range(self.rows):
            value = mix64(value ^ bands[:, :, row].astype(np.uint64))
        rows = np.empty((has_words.size, self.bands), SIGNATURE)
        rows["hash"] = value
        rows["shard"] = shard
        rows["pos"] = (has_words + first_pos)[:, None]
        return rows.reshape(-1)

    # -- group ----------------------------------------------------------------------------------
    def group(self, bucket: int, shards: int, work: Path) -> None:
        """Link each document sharing a band value with the first one that has it."""
        with LinkWriter(work, bucket, shards) as links:
            # A band value held by more rows than a window comes in pieces, in (shard, pos) order:
            # the first row of its run and the last few go on into the next window.
            going_on = np.empty(0, SIGNATURE)
            for rows in bucket_windows(work, "band", range(bucket, bucket + 1), shards, "hash", long_runs=0):
                edges, going_on = self._window_edges(rows, going_on, work)
                links.add(nodes(edges["shard"], edges["pos"]), nodes(edges["to_shard"], edges["to_pos"]))

    def _window_edges(
        self, rows: np.ndarray, going_on: np.ndarray, work: Path
    ) -> tuple[np.ndarray, np.ndarray]:
        """The links of one window of band rows, and what of its last run the next window needs.

        ``going_on``: the first row and the last ones of the window before's last run, put before
        this window's rows when its first value goes on with that run.
        """
        # Sorted stably by value, a window's rows of one value are in (shard, pos) order: this is
        # lexsort's order at about a third of the time.
        rows = rows[np.argsort(rows["hash"], kind="stable")]
        known = 0
        if len(going_on) and rows["hash"][0] == going_on["hash"][0]:
            rows, known = np.concatenate((going_on, rows)), len(going_on)
        first = np.ones(len(rows), bool)
        first[1:] = rows["hash"][1:] != rows["hash"][:-1]
        head = np.maximum.accumulate(np.where(first, np.arange(len(rows)), 0))
        same_doc = (rows["shard"] == rows["shard"][head]) & (rows["pos"] == rows["pos"][head])
        linked = np.flatnonzero(~first & ~same_doc)
        linked = linked[linked >= known]  # the rows carried over were linked in the window before
        last = rows[int(head[-1]) :]
        if len(last) > _MAX_CHECKS:  # the run's first row, and the rows a later one is checked against
            last = np.concatenate((last[:1], last[1 - _MAX_CHECKS :]))
        last = last.copy()  # not a view, which would keep the whole window alive through the next
        if self.threshold is not None:
            return self._checked_edges(rows, linked, head, work), last
        edges = np.empty(linked.size, EDGE)
        edges["shard"], edges["pos"] = rows["shard"][linked], rows["pos"][linked]
        edges["to_shard"], edges["to_pos"] = rows["shard"][head[linked]], rows["pos"][head[linked]]
        return edges, last

    def _checked_edges(
        self, rows: np.ndarray, linked: np.ndarray, head: np.ndarray, work: Path
    ) -> np.ndarray:
        """Link each candidate to the first document of its run that is similar enough.

        The first of the run is tried, then the ones just before the candidate, nearest first:
        ``_MAX_CHECKS`` at most, so a run of thousands of boilerplate pages stays linear. Trying
        more than the first matters when the first is a false candidate (a page of Jaccard 0.6)
        or a variant too far from this one, while a closer member of the same cluster sits nearer.
        """
        assert self.threshold is not None
        similarity = _Similarity(work, exact=self.exact_jaccard)
        found: list[tuple[int, int, int, int]] = []
        shard_of, pos_of = rows["shard"].tolist(), rows["pos"].tolist()
        for i in linked.tolist():
            me = (shard_of[i], pos_of[i])
            first = int(head[i])
            nearest = range(i - 1, max(first, i - _MAX_CHECKS), -1)
            for j in (first, *nearest):
                other = (shard_of[j], pos_of[j])
                if other != me and similarity(me, other) >= self.threshold:
                    found.append((*me, *other))
                    break
        return np.array(found, EDGE) if found else np.empty(0, EDGE)

    # -- decide ---------------------------------------------------------------------------------
    def decide(
        self, docs: Iterable[Document], shard: int, work: Path, ctx: StepContext
    ) -> Iterator[Document]:
        """Keep each cluster's first document, naming the cluster; drop the rest."""
        clusters = load_clusters(work, shard)
        yield from keep_cluster_firsts(docs, clusters, ctx, f"{self.name}:near_duplicate")


def _pieces(texts: list[str], ngram: int) -> Iterator[tuple[np.ndarray, list[str]]]:
    """The texts to hash at once, each with the index of the text it is (or is a piece of), in order."""
    if all(len(text) <= PIECE_CHARS for text in texts):
        yield np.arange(len(texts), dtype=np.intp), texts
        return
    first = 0
    for i, text in enumerate(texts):
        if len(text) > PIECE_CHARS:
            if first < i:
                yield np.arange(first, i, dtype=np.intp), texts[first:i]
            for piece in shingle_pieces(text, ngram, PIECE_CHARS):
                yield np.array([i], dtype=np.intp), [piece]
            first = i + 1
    if first < len(texts):
        yield np.arange(first, len(texts), dtype=np.intp), texts[first:]


class _Similarity:
    """Jaccard similarity of two documents from the files ``sign`` wrote (memory-mapped)."""

    def __init__(self, work: Path, *, exact: bool) -> None:
        self._work = work
        self._exact = exact
        self._tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _table(self, shard: int) -> tuple[np.ndarray, np.ndarray]:
        if shard not in self._tables:
            if self._exact:
                self._tables[shard] = (
                    np.load(self._work / f"shingles-{shard:05d}.npy", mmap_mode="r"),
                    np.load(self._work / f"shingle-offsets-{shard:05d}.npy"),
                )
            else:
                sig = np.load(self._work / f"sig-{shard:05d}.npy", mmap_mode="r")
                self._tables[shard] = (sig, np.empty(0))
        return self._tables[shard]

    def __call__(self, a: tuple[int, int], b: tuple[int, int]) -> float:
        (ta, oa), (tb, ob) = self._table(a[0]), self._table(b[0])
        if not self._exact:
            return float(np.mean(ta[a[1]] == tb[b[1]]))
        sa = ta[oa[a[1]] : oa[a[1] + 1]]
        sb = tb[ob[b[1]] : ob[b[1] + 1]]
        common = np.intersect1d(sa, sb, assume_unique=True).size
        union = sa.size + sb.size - common
        return common / union if union else 0.0
