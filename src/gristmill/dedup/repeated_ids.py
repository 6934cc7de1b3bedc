"""Document ids held by more than one document: the ids a barrier's references name are then ambiguous.

``duplicate_of``, ``dup_cluster``, ``copied_from`` and ``mirror_of`` name documents by id. Where an
input gives two documents one id (two shards each numbered from 0, a file read twice under two names),
such a name no longer says which one is meant. The barriers that write them keep, per shard, a
128-bit hash of each id seen (:func:`save_id_hashes`); once the run is done, :func:`repeated_ids`
merges them a window at a time (memory bounded as the barriers' own group phases) and counts the ids
held more than once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import xxhash

from gristmill.dedup.work import bucket_windows, save_buckets

ID_HASHES = "idhash"
_ROW = np.dtype([("hi", "<u8"), ("lo", "<u8"), ("shard", "<u4"), ("pos", "<u4")])


@dataclass(frozen=True)
class RepeatedIds:
    """How many ids more than one document holds, how many documents hold them, and one of them."""

    ids: int
    documents: int
    example: str | None = None

    def to_dict(self) -> dict[str, int | str]:
        """The entry of ``stats.json``."""
        found: dict[str, int | str] = {"ids": self.ids, "documents": self.documents}
        return found if self.example is None else {**found, "example": self.example}


def save_id_hashes(work: Path, shard: int, ids: list[str]) -> None:
    """Write the 128-bit hashes of one shard's document ids (with their positions) for the check."""
    rows = np.zeros(len(ids), _ROW)
    if ids:
        digests = b"".join(xxhash.xxh3_128_digest(i.encode("utf-8", "surrogatepass")) for i in ids)
        halves = np.frombuffer(digests, "<u8").reshape(-1, 2)
        rows["hi"], rows["lo"] = halves[:, 0], halves[:, 1]
        rows["shard"] = shard
        rows["pos"] = np.arange(len(ids), dtype="<u4")
    save_buckets(work, ID_HASHES, shard, rows, "hi", 1)


def repeated_ids(
    work: Path,
    shards: int | range,
    window: int | None = None,
    fetch: Callable[[list[Path]], None] | None = None,
) -> RepeatedIds | None:
    """The ids held by more than one of the documents the barrier working in ``work`` saw.

    ``shards``: the shards' numbers (a count: from 0); a reference's shard is left out by the caller,
    as its documents sharing the input's ids is what a reference of an earlier run of it does.
    None where a shard's hashes are missing (a run begun by a version that wrote none).
    ``fetch(paths)`` brings a shard's ids file into ``work`` before it is read (an object store's).
    """
    shards = range(shards) if isinstance(shards, int) else shards
    if not all((work / f"{ID_HASHES}-{shard:05d}.npy").is_file() for shard in shards):
        return None
    ids = documents = 0
    first: tuple[int, int] | None = None  # (shard, position) of a document holding a repeated id

    def count(held: int, shard: int, pos: int) -> None:
        """Count one id's run of ``held`` documents, once it has ended."""
        nonlocal ids, documents, first
        if held > 1:
            ids, documents = ids + 1, documents + held
            first = first or (shard, pos)

    # The run of one id a window ends on is carried into the next: an id held by more documents than
    # a window holds comes in pieces (long_runs), a window each. (hi, lo, documents, shard, position)
    carried: tuple[int, int, int, int, int] | None = None
    for rows in bucket_windows(
        work, ID_HASHES, range(1), shards.stop, "hi", window, long_runs=0, first_shard=shards.start
    ):
        if not len(rows):
            continue
        rows.sort(order=("hi", "lo"), kind="stable")
        changes = (rows["hi"][1:] != rows["hi"][:-1]) | (rows["lo"][1:] != rows["lo"][:-1])
        starts = np.concatenate(([0], np.flatnonzero(changes) + 1))
        lengths = np.diff(np.append(starts, len(rows)))
        if carried is not None:
            if carried[:2] == (int(rows["hi"][0]), int(rows["lo"][0])):
                lengths[0] += carried[2]
            else:
                count(*carried[2:])
        ended = lengths[:-1] > 1  # every run but the last, which the next window may go on
        ids += int(ended.sum())
        documents += int(lengths[:-1][ended].sum())
        if first is None and ended.any():
            row = rows[starts[int(np.argmax(ended))]]
            first = (int(row["shard"]), int(row["pos"]))
        row = rows[starts[-1]]
        carried = (int(row["hi"]), int(row["lo"]), int(lengths[-1]), int(row["shard"]), int(row["pos"]))
    if carried is not None:
        count(*carried[2:])
    if first is None:
        return RepeatedIds(0, 0)
    shard, pos = first
    named = work / f"ids-{shard:05d}.json"
    if fetch is not None:
        fetch([named])
    held: list[str] = orjson.loads(named.read_bytes())
    return RepeatedIds(ids, documents, held[pos])
