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

# Buckets a barrier may spread its signatures over: a group task per bucket.
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


def save_parts(path: Path, rows: np.ndarray, part: np.ndarray, parts: int) -> np.ndarray:
    """Write ``rows`` grouped by ``part`` (0 to parts - 1) and the parts' offsets; return them as written.

    One file per task whatever the number of parts (the offsets beside it, ``.index.npy``); rows
    keep their order within a part; a reader takes its part with :func:`load_part`.
    """
    order = np.argsort(part, kind="stable")
    rows = rows[order]
    offsets = np.searchsorted(part[order], np.arange(parts + 1)).astype(np.int64)
    save_table(_index_path(path), offsets)
    save_table(path, rows)
    return rows


def load_part(path: Path, part: int) -> np.ndarray:
    """One part of a table :func:`save_parts` wrote; only that slice is read (a memory map)."""
    offsets = np.load(_index_path(path))
    table = np.load(path, mmap_mode="r")
    return np.array(table[offsets[part] : offsets[part + 1]])


def _index_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".npy") + ".index.npy")


def save_buckets(work: Path, prefix: str, shard: int, rows: np.ndarray, key: str, buckets: int) -> None:
    """Write one shard's ``rows`` split by ``rows[key] % buckets``, as one file ``prefix-SSSSS.npy``."""
    save_parts(work / f"{prefix}-{shard:05d}.npy", rows, rows[key] % np.uint64(buckets), buckets)


def load_bucket(work: Path, prefix: str, bucket: int, shards: int, dtype: np.dtype) -> np.ndarray:
    """Every shard's rows of one bucket, as :func:`save_buckets` wrote them, in shard order."""
    return load_tables_from((load_part(work / f"{prefix}-{s:05d}.npy", bucket) for s in range(shards)), dtype)


def key_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For sorted ``keys``: whether each row starts a run of equal keys, its run's number, its run's size."""
    first = np.ones(len(keys), bool)
    first[1:] = keys[1:] != keys[:-1]
    run = np.cumsum(first) - 1
    size = np.bincount(run)[run] if len(keys) else np.empty(0, np.int64)
    return first, run, size


def load_tables(paths: Iterable[Path], dtype: np.dtype) -> np.ndarray:
    """Concatenate the tables saved at ``paths`` (an empty table when there are none)."""
    return load_tables_from((np.load(p) for p in paths), dtype)


def load_tables_from(parts: Iterable[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """Concatenate ``parts`` (an empty table when there are none)."""
    found = list(parts)
    return np.concatenate(found) if found else np.empty(0, dtype)


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
