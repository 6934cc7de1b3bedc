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
# Rows a group task holds at once while it merges the shards' sorted runs (16 to 32 bytes each).
WINDOW_ROWS = 1 << 20
_MIN_CHUNK = 1024  # rows read from one shard's run at a time, at least


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
    """Write one shard's ``rows`` sorted by ``rows[key]``, as one file ``prefix-SSSSS.npy``.

    Bucket ``b`` is the range of keys from ``b * 2**64 / buckets`` on; the index beside the file
    holds where each bucket starts, so a group task reads its range of every shard's file as one
    sorted run (:func:`bucket_windows`). Rows of one key keep their order.
    """
    order = np.argsort(rows[key], kind="stable")
    rows = rows[order]
    inner = np.array([(b << 64) // buckets for b in range(1, buckets)], np.uint64)
    offsets = np.concatenate(([0], np.searchsorted(rows[key], inner), [len(rows)])).astype(np.int64)
    path = work / f"{prefix}-{shard:05d}.npy"
    save_table(_index_path(path), offsets)
    save_table(path, rows)


def bucket_windows(
    work: Path, prefix: str, buckets: range, shards: int, key: str, window: int = WINDOW_ROWS
) -> Iterator[np.ndarray]:
    """Every shard's rows of ``buckets``, as :func:`save_buckets` wrote them, a window at a time.

    A k-way merge of the shards' sorted runs: each window holds every row of the keys it covers
    (a run of equal keys is never split), in key order from one window to the next and in shard
    order within it, so a caller that sorts a window as it would the whole range finds the same
    runs. About ``window`` rows are held at once, more only while one key has more rows than that.
    """
    runs = [_Run(work / f"{prefix}-{s:05d}.npy", buckets, key) for s in range(shards)]
    runs = [run for run in runs if not run.done]
    chunk = max(_MIN_CHUNK, window // max(1, len(runs)))
    for run in runs:
        run.read(chunk)
    while runs:
        unread = [run.last_key() for run in runs if run.unread]
        # Keys below the smallest last key any run has yet to read past are complete in every run.
        bound = min(unread) if unread else None
        taken = [run.take_below(bound) for run in runs]
        found = [rows for rows in taken if len(rows)]
        if found:
            yield np.concatenate(found)
        else:  # one key fills a whole chunk: read further into the runs that end on it
            for run in runs:
                if run.unread and run.last_key() == bound:
                    run.read(chunk)
        for run in runs:
            if run.unread and not run.held:
                run.read(chunk)
        runs = [run for run in runs if not run.done]


class _Run:
    """One shard's sorted rows of a range of buckets, read from a memory map a chunk at a time."""

    def __init__(self, path: Path, buckets: range, key: str) -> None:
        offsets = np.load(_index_path(path))
        self._table = np.load(path, mmap_mode="r")
        self._at, self._end = int(offsets[buckets.start]), int(offsets[buckets.stop])
        self._key = key
        self._held = self._table[0:0].copy()

    @property
    def unread(self) -> bool:
        """Whether rows are left in the file past what is held."""
        return self._at < self._end

    @property
    def held(self) -> int:
        """Rows read but not yet taken."""
        return len(self._held)

    @property
    def done(self) -> bool:
        """Whether every row was taken."""
        return not self.unread and not self.held

    def read(self, rows: int) -> None:
        """Read up to ``rows`` more rows into what is held."""
        stop = min(self._end, self._at + rows)
        fresh = np.array(self._table[self._at : stop])
        self._held = np.concatenate((self._held, fresh)) if self.held else fresh
        self._at = stop

    def last_key(self) -> int:
        """The key of the last row held (the run reads on only when every held row is taken)."""
        return int(self._held[self._key][-1]) if self.held else -1

    def take_below(self, bound: int | None) -> np.ndarray:
        """Hand over the held rows with keys below ``bound`` (all of them when None)."""
        cut = self.held if bound is None else int(np.searchsorted(self._held[self._key], np.uint64(bound)))
        taken, self._held = self._held[:cut], self._held[cut:]
        return taken


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
