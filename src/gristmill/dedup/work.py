"""Files a dedup barrier keeps in its work folder: document ids per shard, and numpy tables."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import orjson

from gristmill.document import Document
from gristmill.io.atomic import write_atomically
from gristmill.io.schema import FieldType
from gristmill.stats import StepContext

# What the dedup steps that keep one document per cluster write in meta.
CLUSTER_FIELDS: dict[str, FieldType] = {
    "dup_cluster_size": "int",
    "dup_cluster": "str",
    "duplicate_of": "str",
}

# Buckets a barrier may spread its signatures over: every shard writes a file per bucket.
MAX_BUCKETS = 4096


def remember_ids(docs: Iterable[Document], shard: int, work: Path) -> Iterator[Document]:
    """Pass ``docs`` through; once they are all seen, write the shard's ids (position -> id)."""
    ids: list[str] = []
    for doc in docs:
        ids.append(doc.id)
        yield doc
    write_atomically(work / f"ids-{shard:05d}.json", orjson.dumps(ids))


def shard_sizes(shards: int, work: Path) -> np.ndarray:
    """Return the number of documents of every shard, read from the ids :func:`remember_ids` wrote."""
    return np.array(
        [len(orjson.loads((work / f"ids-{s:05d}.json").read_bytes())) for s in range(shards)], np.int64
    )


class IdLookup:
    """The id of a document from its place (shard, position), loading a shard's ids when first asked."""

    def __init__(self, work: Path) -> None:
        self._work = work
        self._ids: dict[int, list[str]] = {}

    def __call__(self, shard: int, pos: int) -> str:
        if shard not in self._ids:
            self._ids[shard] = orjson.loads((self._work / f"ids-{shard:05d}.json").read_bytes())
        return self._ids[shard][pos]


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


Cluster = tuple[int, int, int]  # (shard, position) of the document kept for the cluster, and its size


def keep_cluster_firsts(
    docs: Iterable[Document],
    shard: int,
    cluster_of: dict[int, Cluster],
    id_of: IdLookup,
    ctx: StepContext,
    reason: str,
) -> Iterator[Document]:
    """Yield documents outside any cluster and each cluster's kept one; reject the rest for ``reason``.

    Every member gets ``meta.dup_cluster`` (the kept document's id) and ``meta.dup_cluster_size``;
    a rejected one also ``meta.duplicate_of``.
    """
    for pos, doc in enumerate(docs):
        found = cluster_of.get(pos)
        if found is None:
            yield doc
            continue
        keep_shard, keep_pos, size = found
        doc.meta["dup_cluster_size"] = size
        if (keep_shard, keep_pos) == (shard, pos):
            doc.meta["dup_cluster"] = doc.id
            yield doc
        else:
            doc.meta["dup_cluster"] = doc.meta["duplicate_of"] = id_of(keep_shard, keep_pos)
            ctx.reject(doc, reason)
