"""Connected components of a barrier's duplicate links, in rounds of tasks over partitioned files.

No task holds the corpus: a round is one task per shard, each reading its slice of every file the
round before wrote, so memory is bounded by a shard's links (and by the largest cluster).

- step 0: ``group`` tasks write their links, both directions, with :func:`save_links`.
- Rounds alternate *large-star* and *small-star* (Kiveris et al., "Connected Components in
  MapReduce and Beyond", 2014), as Data-Juicer's and Marin's dedup do: each hooks nodes to the
  smallest node in reach, and after O(log n) rounds every cluster is a star around its smallest
  node, its first document in stable order (shard, position). A large-star task counts the nodes
  not yet settled as star leaf or centre (kept in its done-marker); when none is left anywhere,
  the links are final.
- ``resolve``: per shard, each centre names its cluster's size and its own id to every member,
  sending it to the member's shard. A member that stands for more documents than itself (an earlier
  dedup step's cluster: ``weights-SSSSS.npy``, :func:`gristmill.dedup.work.save_weights`) counts
  that many: each large-star task also sends, for its weighted nodes, the extra to the smallest node
  of the node's neighbourhood, which in the round that finds every cluster a star is its centre; the
  resolve after that round adds them up. Where no shard has weights, nothing more is written.
- ``gather``: per shard, one file ``clusters-SSSSS.json`` (position -> kept id, cluster size), the
  only file a ``decide`` task reads.

Only documents with a link appear in any file. Every file is written atomically before the task's
done-marker, so a round killed at any moment is done again from the same inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import orjson

from gristmill.dedup.work import PartsWriter, load_part, save_parts, weights_path
from gristmill.io.atomic import write_atomically

# A link as a task sees it: the node it is grouped by, and the other end. A node is shard << 32 | pos.
LINK = np.dtype([("key", "<u8"), ("other", "<u8")])
# A cluster member as ``resolve`` sends it: its node, its centre, the cluster's size, and where the
# centre's id lies in the file's id blob.
RESOLVED = np.dtype(
    [("node", "<u8"), ("root", "<u8"), ("size", "<u8"), ("id_start", "<u8"), ("id_end", "<u8")]
)
# What a weighted node adds to its cluster's size (its weight less the 1 it counts anyway), sent to
# the node a large-star hooks it to.
EXTRA = np.dtype([("root", "<u8"), ("extra", "<u8")])
LARGE, SMALL, RESOLVE, GATHER = "large", "small", "resolve", "gather"
FOLDER = "links"
_SHIFT = np.uint64(32)
# Link tasks per step, at most: each reads a slice of every file the step before wrote (parts² reads).
MAX_PARTS = 1024


@dataclass(frozen=True)
class Split:
    """How the link's tasks divide the shards: ``span`` consecutive shards per task (part)."""

    shards: int
    span: int

    @classmethod
    def of(cls, shards: int, span: int | None = None) -> Split:
        """The split of ``shards``: ``span`` given, or as few shards per part as ``MAX_PARTS`` allows."""
        return cls(shards, span or max(1, -(-shards // MAX_PARTS)))

    @property
    def parts(self) -> int:
        """The number of parts: tasks per step."""
        return -(-self.shards // self.span)

    def part_of(self, keys: np.ndarray) -> np.ndarray:
        """The part each node belongs to."""
        return (keys >> _SHIFT) // np.uint64(self.span)

    def shards_in(self, part: int) -> range:
        """The shards of one part."""
        return range(part * self.span, min((part + 1) * self.span, self.shards))


def nodes(shard: np.ndarray | int, pos: np.ndarray) -> np.ndarray:
    """Pack (shard, position) into one node number ordered as the stable order is."""
    return (np.asarray(shard, np.uint64) << _SHIFT) | np.asarray(pos, np.uint64)


def save_links(
    work: Path, source: int, shards: int, a: np.ndarray, b: np.ndarray, span: int | None = None
) -> None:
    """Write step 0's file of ``source`` (a group task): each link (a, b) in both directions."""
    with LinkWriter(work, source, shards, span) as links:
        links.add(a, b)


class LinkWriter:
    """Step 0's file of one group task, written a window of links at a time (:class:`PartsWriter`)."""

    def __init__(self, work: Path, source: int, shards: int, span: int | None = None) -> None:
        (work / FOLDER).mkdir(parents=True, exist_ok=True)
        self._split = Split.of(shards, span)
        self._parts = PartsWriter(_path(work, 0, source, ".npy"), LINK, self._split.parts)

    def add(self, a: np.ndarray, b: np.ndarray) -> None:
        """Add the links (a, b) in both directions."""
        rows = np.empty(2 * a.size, LINK)
        rows["key"] = np.concatenate((a, b))
        rows["other"] = np.concatenate((b, a))
        self._parts.add(rows, self._split.part_of(rows["key"]))

    def __enter__(self) -> LinkWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._parts.__exit__(kind, error, trace)


def next_step(step: int, op: str, parts: int, sources: int, unsettled: int) -> tuple[str, int] | None:
    """The operation after ``step`` and how many files it reads, or None when the clusters are written.

    ``sources`` is how many files ``step`` read, ``unsettled`` what its tasks reported (large-star:
    nodes neither a star's centre nor a leaf); after a large-star found none, the step resolves the
    same files it read, which were already stars.
    """
    if op == LARGE:
        return (RESOLVE, sources) if unsettled == 0 else (SMALL, parts)
    if op == SMALL:
        return LARGE, parts
    if op == RESOLVE:
        return GATHER, parts
    return None


def run_all(work: Path, buckets: int, shards: int, span: int | None = None) -> None:
    """Run every round in this process, one task after another (``apply`` and tests)."""
    step, op, sources = 1, LARGE, buckets
    parts = Split.of(shards, span).parts
    while True:
        unsettled = sum(run_task(work, step, op, part, sources, shards, span) for part in range(parts))
        following = next_step(step, op, parts, sources, unsettled)
        if following is None:
            return
        op, sources = following
        step += 1


def input_step(step: int, op: str) -> int:
    """The step whose files ``step`` reads: the one before, but a resolve reads its large-star's input."""
    return step - 2 if op == RESOLVE else step - 1


def run_task(
    work: Path, step: int, op: str, part: int, sources: int, shards: int, span: int | None = None
) -> int:
    """Run one task of ``step``: ``op`` over ``part``'s slice of the ``sources`` files it reads.

    Return the nodes a large-star task found unsettled (0 for the other operations).
    """
    split = Split.of(shards, span)
    if op == GATHER:
        _gather(work, step, part, sources, split)
        return 0
    rows = _unique(_read_slices(work, input_step(step, op), part, sources))
    if op == LARGE:
        return _large_star(work, step, part, split, rows)
    if op == SMALL:
        _small_star(work, step, part, split, rows)
    elif op == RESOLVE:
        _resolve(work, step, part, split, rows)
    else:
        raise ValueError(f"unknown link operation {op!r}")
    return 0


def load_clusters(work: Path, shard: int) -> dict[int, tuple[str | None, int]]:
    """Read one shard's clusters: position -> (id of the kept document, or None for itself; size)."""
    path = work / f"clusters-{shard:05d}.json"
    data = orjson.loads(path.read_bytes())
    return {
        pos: (root, size) for pos, root, size in zip(data["pos"], data["root"], data["size"], strict=True)
    }


# -- the operations ------------------------------------------------------------------------------


def _large_star(work: Path, step: int, part: int, split: Split, rows: np.ndarray) -> int:
    """Hook every larger neighbour of a node to the smallest node of its neighbourhood.

    The rows come grouped by node with both directions of every link. Output rows are keyed by the
    larger end, as small-star groups them.
    """
    start, key = _groups(rows)
    smallest = np.minimum(key, rows["other"][start])  # rows are sorted: a group's first is its least
    group = np.repeat(np.arange(start.size), np.diff(np.append(start, len(rows))))
    larger = rows["other"] > rows["key"]
    out = np.empty(int(larger.sum()), LINK)
    out["key"] = rows["other"][larger]
    out["other"] = smallest[group[larger]]
    sizes = np.diff(np.append(start, len(rows)))
    # Settled: a centre (every neighbour larger) or a leaf (one neighbour, smaller).
    has_smaller = rows["other"][start] < key
    settled = ~has_smaller | (sizes == 1)
    _save_step(work, step, part, split, out, out["key"])
    _send_weights(work, step, part, split, key, smallest)
    return int((~settled).sum())


def _send_weights(
    work: Path, step: int, part: int, split: Split, key: np.ndarray, smallest: np.ndarray
) -> None:
    """Send each weighted node's extra to the smallest node in its reach (its centre, once all are stars).

    Every large-star round sends them, as no task knows which round will find every cluster a star;
    only the resolve after that one reads them.
    """
    found = [
        (shard, np.load(path))
        for shard in split.shards_in(part)
        if (path := weights_path(work, shard)).exists()
    ]
    if not found:
        return
    weighted = np.concatenate([nodes(shard, table["pos"]) for shard, table in found])
    weight = np.concatenate([table["weight"] for _, table in found]).astype(np.uint64)
    at = np.searchsorted(key, weighted)
    linked = at < key.size
    linked[linked] = key[at[linked]] == weighted[linked]  # a node with no link is in no cluster here
    out = np.empty(int(linked.sum()), EXTRA)
    out["root"], out["extra"] = smallest[at[linked]], weight[linked] - 1
    save_parts(_path(work, step, part, ".weights.npy"), out, split.part_of(out["root"]), split.parts)


def _received_weights(work: Path, step: int, part: int, sources: int) -> tuple[np.ndarray, np.ndarray]:
    """The roots of this part that weighted members named in large-star ``step``, and each one's extra."""
    parts = [
        load_part(path, part)
        for source in range(sources)
        if (path := _path(work, step, source, ".weights.npy")).exists()
    ]
    table = np.concatenate(parts) if parts else np.empty(0, EXTRA)
    roots, which = np.unique(table["root"], return_inverse=True)
    return roots, np.bincount(which, weights=table["extra"], minlength=roots.size).astype(np.uint64)


def _small_star(work: Path, step: int, part: int, split: Split, rows: np.ndarray) -> None:
    """Hook a node and its smaller neighbours to the smallest of them.

    The rows come keyed by the larger end of each link. Output rows go both directions, as
    large-star groups them.
    """
    start, key = _groups(rows)
    smallest = rows["other"][start]
    group = np.repeat(np.arange(start.size), np.diff(np.append(start, len(rows))))
    # Each neighbour, and the node itself, links to the smallest; the smallest's own link goes.
    ends = np.concatenate((rows["other"], key))
    to = np.concatenate((smallest[group], smallest))
    keep = ends != to
    ends, to = ends[keep], to[keep]
    out = np.empty(2 * ends.size, LINK)
    out["key"] = np.concatenate((ends, to))
    out["other"] = np.concatenate((to, ends))
    _save_step(work, step, part, split, out, out["key"])


def _resolve(work: Path, step: int, part: int, split: Split, rows: np.ndarray) -> None:
    """Send each member of the stars centred in this part its cluster's size and kept id."""
    start, key = _groups(rows)
    sizes = np.diff(np.append(start, len(rows)))
    centre = rows["other"][start] > key
    group = np.repeat(np.arange(start.size), sizes)
    leaf_rows = centre[group]
    members = np.concatenate((rows["other"][leaf_rows], key[centre]))
    roots = np.concatenate((key[group[leaf_rows]], key[centre]))
    cluster = (sizes + 1).astype(np.uint64)  # for each centre's group: its members and itself
    weighted, extra = _received_weights(work, step - 1, part, split.parts)
    if weighted.size:
        at = np.searchsorted(key, weighted)
        cluster[at] += extra  # every root named is a centre of this part: the large-star found stars
    size = np.concatenate((cluster[group[leaf_rows]], cluster[centre]))
    out = np.empty(members.size, RESOLVED)
    out["node"], out["root"], out["size"] = members, roots, size
    out = out[np.argsort(split.part_of(members), kind="stable")]  # as save_parts will write them
    ids: dict[int, list[str]] = {}  # the id lists of this part's shards, where the centres are
    blob = bytearray()
    starts = np.empty(out.size, np.uint64)
    ends = np.empty(out.size, np.uint64)
    for i, root in enumerate(out["root"].tolist()):
        shard = root >> 32
        if shard not in ids:
            ids[shard] = _shard_ids(work, shard)
        starts[i] = len(blob)
        blob += ids[shard][root & 0xFFFFFFFF].encode()
        ends[i] = len(blob)
    out["id_start"], out["id_end"] = starts, ends
    write_atomically(_path(work, step, part, ".ids"), bytes(blob))
    save_parts(_path(work, step, part, ".npy"), out, split.part_of(out["node"]), split.parts)


def _gather(work: Path, step: int, part: int, sources: int, split: Split) -> None:
    """Write the clusters of each shard of a part from its slice of every resolve file."""
    rows: list[np.ndarray] = []
    names: list[str] = []
    for source in range(sources):
        found = load_part(_path(work, step - 1, source, ".npy"), part)
        if found.size:
            blob = _path(work, step - 1, source, ".ids").read_bytes()
            names.extend(
                blob[int(s) : int(e)].decode()
                for s, e in zip(found["id_start"], found["id_end"], strict=True)
            )
            rows.append(found)
    table = np.concatenate(rows) if rows else np.empty(0, RESOLVED)
    order = np.argsort(table["node"], kind="stable")
    records: dict[int, dict[str, Any]] = {
        s: {"pos": [], "root": [], "size": []} for s in split.shards_in(part)
    }
    for i in order.tolist():
        node, root = int(table["node"][i]), int(table["root"][i])
        record = records[node >> 32]
        record["pos"].append(node & 0xFFFFFFFF)
        record["root"].append(None if node == root else names[i])
        record["size"].append(int(table["size"][i]))
    for shard, record in records.items():  # every shard gets its file, empty or not
        write_atomically(work / f"clusters-{shard:05d}.json", orjson.dumps(record))


# -- files ---------------------------------------------------------------------------------------


def _path(work: Path, step: int, source: int, suffix: str) -> Path:
    return work / FOLDER / f"{step:03d}-{source:05d}{suffix}"


def _save_step(work: Path, step: int, source: int, split: Split, rows: np.ndarray, keys: np.ndarray) -> None:
    """Write one task's output as one file, a part per link task, by the part of ``keys``."""
    (work / FOLDER).mkdir(parents=True, exist_ok=True)
    save_parts(_path(work, step, source, ".npy"), rows, split.part_of(keys), split.parts)


def _read_slices(work: Path, step: int, part: int, sources: int) -> np.ndarray:
    parts = [load_part(_path(work, step, source, ".npy"), part) for source in range(sources)]
    return np.concatenate(parts) if parts else np.empty(0, LINK)


def _unique(rows: np.ndarray) -> np.ndarray:
    """The distinct links, self-links dropped, sorted by node then other end."""
    rows = rows[rows["key"] != rows["other"]]
    return np.unique(rows)  # sorts by key, then other (the dtype's field order)


def _groups(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by key: where each key's run starts, and the key."""
    if not len(rows):
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    first = np.ones(len(rows), bool)
    first[1:] = rows["key"][1:] != rows["key"][:-1]
    start = np.flatnonzero(first)
    return start, rows["key"][start]


def _shard_ids(work: Path, shard: int) -> list[str]:
    ids: list[str] = orjson.loads((work / f"ids-{shard:05d}.json").read_bytes())
    return ids
