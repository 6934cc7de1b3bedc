"""Exact deduplication: documents equal after normalisation keep one, the first in input order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import numpy as np
import xxhash

from gristmill.dedup.components import LinkWriter, load_clusters, nodes
from gristmill.dedup.reference import ReferenceOption, against_reference
from gristmill.dedup.work import (
    CLUSTER_FIELDS,
    bucket_windows,
    keep_cluster_firsts,
    key_runs,
    remember_ids,
    save_buckets,
)
from gristmill.document import Document
from gristmill.stats import StepContext
from gristmill.steps.base import BarrierStep
from gristmill.steps.options import Help
from gristmill.steps.registry import register

# One row per document: its text hash and its place in the stable order (shard, position).
SIGNATURE = np.dtype([("hash", "<u8"), ("shard", "<u4"), ("pos", "<u4")])
_SPACE = re.compile(r"\s+")
# Characters compared at a time: the whitespace pass over a whole large text held a string per space.
_PIECE = 1 << 20
_NODE = np.dtype("<u8")


@register("exact_dedup")
@against_reference
class ExactDedup(ReferenceOption, BarrierStep):
    """Keep one of each set of documents whose texts are equal after normalisation."""

    names_documents = True

    ignore_case: Annotated[bool, Help("compare texts case-folded.")] = True
    ignore_whitespace: Annotated[
        bool, Help("compare texts with runs of whitespace as one space, ends stripped.")
    ] = True
    ignore_punctuation: Annotated[bool, Help("compare texts without punctuation characters.")] = False
    meta_fields = CLUSTER_FIELDS

    finds_clusters = True

    def key(self, text: str) -> int:
        """Return the 64-bit hash two texts share when this step calls them equal."""
        digest = xxhash.xxh3_64()
        for piece in self._compared(text):
            digest.update(piece.encode("utf-8", "surrogatepass"))
        return digest.intdigest()

    def _compared(self, text: str) -> Iterator[str]:
        """The text as compared, a piece at a time; a whitespace run across pieces is one space."""
        started = pending = False
        for at in range(0, len(text), _PIECE):
            piece = text[at : at + _PIECE]
            if self.ignore_case:
                piece = piece.casefold()
            if self.ignore_punctuation:
                piece = "".join(c for c in piece if not unicodedata.category(c).startswith("P"))
            if not self.ignore_whitespace:
                yield piece
                continue
            piece = _SPACE.sub(" ", piece)
            core = piece.strip()
            if not core:  # whitespace only: at most a space owed before the next word
                pending = pending or bool(piece)
                continue
            if started and (pending or piece[0] == " "):
                yield " "
            yield core
            started, pending = True, piece[-1] == " "

    def sign(self, docs: Iterable[Document], shard: int, work: Path) -> None:
        """Write each bucket's (hash, shard, position) rows, and the shard's document ids."""
        hashes = np.fromiter(
            (
                self.key(d.text)
                for d in remember_ids(docs, shard, work, weighted=self.counts_earlier_clusters)
            ),
            "<u8",
        )
        rows = np.empty(len(hashes), SIGNATURE)
        rows["hash"] = hashes
        rows["shard"] = shard
        rows["pos"] = np.arange(len(hashes), dtype="<u4")
        save_buckets(work, "sig", shard, rows, "hash", self.buckets)

    def group(self, bucket: int, shards: int, work: Path) -> None:
        """Link each document to the first in stable order with an equal hash, within a bucket."""
        with LinkWriter(work, bucket, shards) as links:
            # A hash held by more rows than a window comes in pieces, in (shard, pos) order: the
            # first row of its run (the one every copy links to) goes on into the next window.
            keeper = np.empty(0, SIGNATURE)
            for rows in bucket_windows(work, "sig", range(bucket, bucket + 1), shards, "hash", long_runs=0):
                copy, to, keeper = _window_links(rows, keeper)
                links.add(nodes(copy["shard"], copy["pos"]), nodes(to["shard"], to["pos"]))

    def decide(
        self, docs: Iterable[Document], shard: int, work: Path, ctx: StepContext
    ) -> Iterator[Document]:
        """Drop the shard's duplicates, naming the document kept instead; name each kept one's cluster."""
        yield from keep_cluster_firsts(docs, load_clusters(work, shard), ctx, f"{self.name}:duplicate")


def _window_links(rows: np.ndarray, keeper: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The copies of one window, the rows they link to, and the first row of the window's last run.

    ``keeper``: that first row of the window before, put before this window's rows when its hash
    goes on into this window.
    """
    rows = rows[np.lexsort((rows["pos"], rows["shard"], rows["hash"]))]
    if len(keeper) and rows["hash"][0] == keeper["hash"][0]:
        rows = np.concatenate((keeper, rows))  # the pieces come after it in (shard, pos) order
    first, _, _ = key_runs(rows["hash"])
    head = np.maximum.accumulate(np.where(first, np.arange(len(rows)), 0))
    copy = np.flatnonzero(~first)
    last = int(head[-1])
    return rows[copy], rows[head[copy]], rows[last : last + 1].copy()
