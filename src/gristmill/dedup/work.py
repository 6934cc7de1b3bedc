"""Files a dedup barrier keeps in its work folder: document ids per shard, and numpy tables."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

import numpy as np
import orjson

from gristmill.dedup.scratch import scratch_file
from gristmill.document import Document
from gristmill.io.atomic import give_output_mode, write_atomically
from gristmill.io.schema import FieldType
from gristmill.stats import StepContext

# What the dedup steps that keep one document per cluster write in meta.
CLUSTER_FIELDS: dict[str, FieldType] = {
    "dup_cluster_size": "int",
    "dup_cluster": "str",
    "duplicate_of": "str",
}

# Buckets a barrier may spread its signatures over: a file each from the group phase.
MAX_BUCKETS = 4096
# Rows a group task holds at once while it merges the shards' sorted runs (16 to 32 bytes each).
WINDOW_ROWS = 1 << 20
_MIN_CHUNK = 1024  # rows read from one shard's run at a time, at least
# Parts a PartsWriter copies out together: it holds where each starts in every batch it spilled.
_GROUP_PARTS = 256
# Runs one merge reads at once: past this many, groups of them are merged into files first, so a
# group task's read-ahead (at least _MIN_CHUNK rows a run) does not grow with the shard count.
MERGE_FAN_IN = 512


def remember_ids(
    docs: Iterable[Document], shard: int, work: Path, *, weighted: bool = False
) -> Iterator[Document]:
    """Pass ``docs`` through; once they are all seen, write the shard's ids (position -> id).

    Their hashes too, for the run's count of ids held by more than one document
    (:mod:`gristmill.dedup.repeated_ids`, which reads this module's tables: imported here). With
    ``weighted`` (:attr:`~gristmill.steps.base.BarrierStep.counts_earlier_clusters`), also the kept
    documents of an earlier step's clusters, with the cluster's size (:func:`save_weights`).
    """
    from gristmill.dedup.repeated_ids import save_id_hashes

    ids: list[str] = []
    weights: list[tuple[int, int]] = []
    for pos, doc in enumerate(docs):
        ids.append(doc.id)
        # A cluster's kept one: a dropped one (an earlier run's, read back) stands for itself alone.
        if weighted and doc.meta.get("dup_cluster") == doc.id:
            size = doc.meta.get("dup_cluster_size")
            if isinstance(size, int) and not isinstance(size, bool) and 1 < size <= MAX_WEIGHT:
                weights.append((pos, size))
        yield doc
    save_id_hashes(work, shard, ids)
    if weighted:
        save_weights(work, shard, weights)
    write_atomically(work / f"ids-{shard:05d}.json", orjson.dumps(ids))


# A document that stands for more than itself: its position in the shard, and how many it stands for.
WEIGHT = np.dtype([("pos", "<u4"), ("weight", "<u8")])
# A size past this is no cluster any corpus holds (a damaged or made-up value): the document counts one,
# and a cluster's sum of weights stays far inside 64 bits.
MAX_WEIGHT = 1 << 40
WEIGHTS_PREFIX = "weights-"


def save_weights(work: Path, shard: int, weights: Iterable[tuple[int, int]]) -> None:
    """Write the shard's documents that stand for more than one (an earlier step's cluster size).

    Only those over 1, and no file where none is: the link's rounds
    (:mod:`gristmill.dedup.components`) then count a cluster's members one each.
    """
    rows = np.array([(pos, weight) for pos, weight in weights if weight > 1], WEIGHT)
    path = weights_path(work, shard)
    if rows.size:
        save_table(path, rows)
    else:
        path.unlink(missing_ok=True)


def weights_path(work: Path, shard: int) -> Path:
    """Where :func:`save_weights` writes a shard's weights."""
    return work / f"{WEIGHTS_PREFIX}{shard:05d}.npy"


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


class PartsWriter:
    """Write what :func:`save_parts` writes, a batch of rows at a time, holding one batch at most.

    Each batch, grouped by part, is spilled to a temporary file beside ``path``, and where each of its
    parts starts to a second one; on a clean exit the batches' slices are copied part by part into
    the final table (rows of a part in the order they came) and renamed into place, so a task's
    memory grows neither with what it writes nor with batches x parts (10^5 shards at scale).
    """

    def __init__(self, path: Path, dtype: np.dtype, parts: int) -> None:
        self._path, self._dtype, self._parts = path, np.dtype(dtype), parts
        fd, self._spill_path = scratch_file(path.parent, path.name, ".spill")
        self._spill = os.fdopen(fd, "w+b")
        # Per batch, where each of its parts starts in the spill: a row of parts + 1 in this file.
        fd, self._starts_path = scratch_file(path.parent, path.name, ".starts.spill")
        self._starts = os.fdopen(fd, "w+b")
        self._batches = 0
        self._sizes = np.zeros(parts, np.int64)  # rows of each part so far
        self._spilled = 0
        # Small batches wait to be spilled together: part offsets are kept per spilled batch.
        self._waiting: list[tuple[np.ndarray, np.ndarray]] = []
        self._waiting_rows = 0

    def add(self, rows: np.ndarray, part: np.ndarray) -> None:
        """Append a batch of ``rows``, each going to its ``part``."""
        if not len(rows):
            return
        self._waiting.append((rows, part))
        self._waiting_rows += len(rows)
        if self._waiting_rows >= WINDOW_ROWS // 4:
            self._spill_waiting()

    def _spill_waiting(self) -> None:
        if not self._waiting:
            return
        rows = np.concatenate([r for r, _ in self._waiting])
        part = np.concatenate([p.astype(np.int64, copy=False) for _, p in self._waiting])
        self._waiting, self._waiting_rows = [], 0
        order = np.argsort(part, kind="stable")
        counts = np.bincount(part, minlength=self._parts)
        self._sizes += counts
        (self._spilled + np.concatenate(([0], np.cumsum(counts)))).astype(np.int64).tofile(self._starts)
        self._batches += 1
        rows[order].tofile(self._spill)
        self._spilled += len(rows)

    def __enter__(self) -> PartsWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self._publish()
        finally:
            for handle, spilled in ((self._spill, self._spill_path), (self._starts, self._starts_path)):
                handle.close()
                spilled.unlink(missing_ok=True)

    def _publish(self) -> None:
        self._spill_waiting()
        self._spill.flush()
        self._starts.flush()
        offsets = np.concatenate(([0], np.cumsum(self._sizes))).astype(np.int64)
        fd, tmp = scratch_file(self._path.parent, self._path.name, ".tmp")
        try:
            # The table is read by later phases like the index beside it; the spills stay private.
            give_output_mode(fd)
            with os.fdopen(fd, "wb") as out:
                header = {"descr": np.lib.format.dtype_to_descr(self._dtype), "fortran_order": False}
                np.lib.format.write_array_header_1_0(out, {**header, "shape": (self._spilled,)})
                for lo, hi in _part_groups(offsets, WINDOW_ROWS, _GROUP_PARTS):
                    starts = [self._batch_starts(batch, lo, hi) for batch in range(self._batches)]
                    if hi == lo + 1:  # one part, perhaps larger than a window: a batch's slice at a time
                        for row in starts:
                            out.write(self._read(int(row[0]), int(row[1])).tobytes())
                        continue
                    # Parts of about a window together: one read per batch, then each part in batch order.
                    slices = [self._read(int(row[0]), int(row[-1])) for row in starts]
                    for p in range(hi - lo):
                        for row, rows in zip(starts, slices, strict=True):
                            out.write(rows[row[p] - row[0] : row[p + 1] - row[0]].tobytes())
            save_table(_index_path(self._path), offsets)
            os.replace(tmp, self._path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _batch_starts(self, batch: int, lo: int, hi: int) -> np.ndarray:
        """Where parts ``lo`` to ``hi`` (its end) of one spilled batch start in the spill."""
        self._starts.seek((batch * (self._parts + 1) + lo) * 8)
        return np.fromfile(self._starts, np.int64, hi - lo + 1)

    def _read(self, start: int, stop: int) -> np.ndarray:
        self._spill.seek(start * self._dtype.itemsize)
        return np.fromfile(self._spill, self._dtype, stop - start)


def _part_groups(offsets: np.ndarray, rows: int, most: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges of parts holding about ``rows`` rows each (one part at least, ``most`` at most)."""
    lo, parts = 0, len(offsets) - 1
    while lo < parts:
        hi = int(np.searchsorted(offsets, offsets[lo] + rows, side="right")) - 1
        hi = min(parts, max(hi, lo + 1), lo + most)
        yield lo, hi
        lo = hi


def load_part(path: Path, part: int) -> np.ndarray:
    """One part of a table :func:`save_parts` wrote; only that slice is read."""
    offsets = np.load(_index_path(path))
    return read_rows(path, int(offsets[part]), int(offsets[part + 1]))


def read_rows(path: Path, start: int, stop: int, layout: tuple[np.dtype, int] | None = None) -> np.ndarray:
    """Rows ``start`` to ``stop`` of a one-dimensional ``.npy`` table, with a plain read.

    A plain read, not a memory map: the pages of a map a task has read stay in its resident memory
    and grow with the file. ``layout`` is what :func:`npy_layout` says of the file, when known.
    """
    dtype, data = layout or npy_layout(path)
    if stop <= start:
        return np.empty(0, dtype)
    return np.fromfile(path, dtype, stop - start, offset=data + start * dtype.itemsize)


def npy_layout(path: Path) -> tuple[np.dtype, int]:
    """The dtype of a one-dimensional ``.npy`` table and where its rows start in the file."""
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            _, _, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            _, _, dtype = np.lib.format.read_array_header_2_0(handle)
        return dtype, handle.tell()


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
    work: Path,
    prefix: str,
    buckets: range,
    shards: int,
    key: str,
    window: int | None = None,
    long_runs: int | None = None,
    first_shard: int = 0,
) -> Iterator[np.ndarray]:
    """Every shard's rows of ``buckets``, as :func:`save_buckets` wrote them, a window at a time.

    The shards are those numbered from ``first_shard`` up to ``shards`` (not included).

    A k-way merge of the shards' sorted runs: each window holds every row of the keys it covers
    (a run of equal keys is never split), in key order from one window to the next and, sorted
    stably by key, in shard order within a key, so a caller that sorts a window as it would the
    whole range finds the same runs. About ``window`` rows are held at once, more only while one
    key has more rows than that — unless ``long_runs`` is given: then a key with more rows than a
    window is handed over in pieces of more than ``long_runs`` rows each, one key alone, in shard
    then position order from the first piece to the last; what is left of the key comes alone
    after them. A caller sees a key go on when a window's first key is the last key of the window
    before. Past :data:`MERGE_FAN_IN` shards, groups of runs are first merged into sorted files
    in ``work`` (removed as they are read), so the read-ahead stays bounded too.
    """
    paths = [work / f"{prefix}-{s:05d}.npy" for s in range(first_shard, shards)]
    merged: list[Path] = []  # intermediate files not yet removed
    try:
        while len(paths) > MERGE_FAN_IN:
            fresh = []
            for lo in range(0, len(paths), MERGE_FAN_IN):
                group = paths[lo : lo + MERGE_FAN_IN]
                fresh.append(_merge_to_file(work, group, buckets, key, merged))
                for path in set(group) & set(merged):  # an intermediate file, read: gone
                    merged.remove(path)
                    _remove_table(path)
            paths, buckets = fresh, range(1)
        yield from _merge([_Run(path, buckets, key) for path in paths], window or WINDOW_ROWS, long_runs)
    finally:
        for path in merged:
            _remove_table(path)


def _remove_table(path: Path) -> None:
    """Remove a table and its index."""
    path.unlink(missing_ok=True)
    _index_path(path).unlink(missing_ok=True)


def _merge_to_file(work: Path, paths: list[Path], buckets: range, key: str, merged: list[Path]) -> Path:
    """Merge the runs of ``paths`` into one sorted file in ``work`` (one bucket); note it in ``merged``."""
    runs = [_Run(path, buckets, key) for path in paths]
    total = sum(run.left for run in runs)
    fd, path = scratch_file(work, "merge", ".npy")
    merged.append(path)
    dtype = npy_layout(paths[0])[0]
    with os.fdopen(fd, "wb") as out:
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (total,)}
        np.lib.format.write_array_header_1_0(out, header)
        # Pieces of a long key come in run order, so each window sorted stably by key keeps the
        # rows of a key in run order, as the runs of a later level will be read.
        for rows in _merge(runs, WINDOW_ROWS, 0):
            rows[np.argsort(rows[key], kind="stable")].tofile(out)
    save_table(_index_path(path), np.array([0, total], np.int64))
    return path


def _merge(runs: list[_Run], window: int, long_runs: int | None) -> Iterator[np.ndarray]:
    """The windows of :func:`bucket_windows`, merged from ``runs``."""
    runs = [run for run in runs if not run.done]
    chunk = max(_MIN_CHUNK, window // max(1, len(runs)))
    piece = max((long_runs or 0) + 1, window)
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
        elif bound is not None and long_runs is not None and _rows_of(runs, bound) >= piece:
            yield from _key_pieces(runs, bound, chunk, piece)
        else:  # one key fills a whole chunk: read further into the runs that end on it
            for run in runs:
                if run.unread and run.last_key() == bound:
                    run.read(chunk)
        for run in runs:  # top up runs running low, or the next windows shrink to a few rows each
            if run.unread and run.held < chunk // 2:
                run.read(chunk)
        runs = [run for run in runs if not run.done]


def _key_pieces(runs: list[_Run], key: int, chunk: int, piece: int) -> Iterator[np.ndarray]:
    """Every row of ``key``, one run after the other, in windows of ``piece`` rows; then the rest."""
    waiting: list[np.ndarray] = []
    count = 0
    for run in runs:
        while True:
            rows = run.take_key(key)
            waiting.append(rows)
            count += len(rows)
            if count >= piece:
                rows = np.concatenate(waiting)
                for lo in range(0, len(rows) - piece + 1, piece):
                    yield rows[lo : lo + piece]
                rest = rows[len(rows) - len(rows) % piece :].copy()  # not holding the rows handed over
                waiting, count = [rest], len(rest)
            if run.held or not run.unread:
                break  # the run is past the key
            run.read(chunk)
    if count:
        yield np.concatenate(waiting)


def _rows_of(runs: list[_Run], key: int) -> int:
    """How many rows of ``key`` the runs hold."""
    return sum(run.held_of(key) for run in runs)


class _Run:
    """One shard's sorted rows of a range of buckets, read from its file a chunk at a time."""

    def __init__(self, path: Path, buckets: range, key: str) -> None:
        offsets = np.load(_index_path(path))
        self._path, self._layout = path, npy_layout(path)
        self._at, self._end = int(offsets[buckets.start]), int(offsets[buckets.stop])
        self._key = key
        self._held = np.empty(0, self._layout[0])

    @property
    def unread(self) -> bool:
        """Whether rows are left in the file past what is held."""
        return self._at < self._end

    @property
    def left(self) -> int:
        """Rows not yet taken, held or not."""
        return self._end - self._at + len(self._held)

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
        fresh = read_rows(self._path, self._at, stop, self._layout)
        self._held = np.concatenate((self._held, fresh)) if self.held else fresh
        self._at = stop

    def last_key(self) -> int:
        """The key of the last row held (the run reads on only when every held row is taken)."""
        return int(self._held[self._key][-1]) if self.held else -1

    def held_of(self, key: int) -> int:
        """How many held rows have ``key`` (they come first: every held row's key is ``key`` or more)."""
        return int(np.searchsorted(self._held[self._key], np.uint64(key), side="right"))

    def take_key(self, key: int) -> np.ndarray:
        """Hand over the held rows of ``key``."""
        cut = self.held_of(key)
        taken, self._held = self._held[:cut], self._held[cut:]
        return taken

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
