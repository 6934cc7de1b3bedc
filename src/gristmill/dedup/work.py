"""Files a dedup barrier keeps in its work folder: document ids per shard, and numpy tables."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import orjson

from gristmill.document import Document
from gristmill.io.atomic import write_atomically
from gristmill.stats import StepContext

# Buckets a barrier may spread its signatures over: every shard writes a file per bucket.
MAX_BUCKETS = 4096


def remember_ids(docs: Iterable[Document], shard: int, work: Path) -> Iterator[Document]:
    """Pass ``docs`` through; once they are all seen, write the shard's ids (position -> id)."""
    ids: list[str] = []
    for doc in docs:
        ids.append(doc.id)
        yield doc
    write_atomically(work / f"ids-{shard:05d}.json", orjson.dumps(ids))


def save_table(path: Path, table: np.ndarray) -> None:
    """Write ``table`` as ``.npy`` under a temporary name, then rename it into place."""
    buffer = io.BytesIO()
    np.save(buffer, table)
    write_atomically(path, buffer.getvalue())


def save_buckets(work: Path, prefix: str, shard: int, rows: np.ndarray, key: str, buckets: int) -> None:
    """Write one shard's ``rows`` split by ``rows[key] % buckets``: ``prefix-BBB-SSSSS.npy`` per bucket."""
    bucket_of = rows[key] % np.uint64(buckets)
    for bucket in range(buckets):
        save_table(work / f"{prefix}-{bucket:03d}-{shard:05d}.npy", rows[bucket_of == bucket])


def key_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For sorted ``keys``: whether each row starts a run of equal keys, its run's number, its run's size."""
    first = np.ones(len(keys), bool)
    first[1:] = keys[1:] != keys[:-1]
    run = np.cumsum(first) - 1
    size = np.bincount(run)[run] if len(keys) else np.empty(0, np.int64)
    return first, run, size


def load_tables(paths: Iterable[Path], dtype: np.dtype) -> np.ndarray:
    """Concatenate the tables saved at ``paths`` (an empty table when there are none)."""
    parts = [np.load(p) for p in paths]
    return np.concatenate(parts) if parts else np.empty(0, dtype)


def keep_cluster_firsts(
    docs: Iterable[Document],
    clusters: dict[int, tuple[str | None, int]],
    ctx: StepContext,
    reason: str,
) -> Iterator[Document]:
    """Yield documents outside any cluster and each cluster's kept one; reject the rest for ``reason``.

    ``clusters`` maps a position of the shard to the kept document's id (None: this one) and the
    cluster's size. Every member gets ``meta.dup_cluster`` (the kept document's id) and
    ``meta.dup_cluster_size``; a rejected one also ``meta.duplicate_of``.
    """
    for pos, doc in enumerate(docs):
        found = clusters.get(pos)
        if found is None:
            yield doc
            continue
        kept, size = found
        doc.meta["dup_cluster_size"] = size
        if kept is None:
            doc.meta["dup_cluster"] = doc.id
            yield doc
        else:
            doc.meta["dup_cluster"] = doc.meta["duplicate_of"] = kept
            ctx.reject(doc, reason)
