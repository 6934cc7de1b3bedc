"""The distributed link: rounds of large-star / small-star tasks against a plain union-find."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import pytest

from gristmill import Document
from gristmill.dedup import components
from gristmill.dedup.components import load_clusters, nodes, run_all, save_links
from gristmill.dedup.exact import ExactDedup
from gristmill.dedup.minhash import MinhashDedup
from gristmill.dedup.spans import SpanDedup
from gristmill.dedup.work import save_weights
from gristmill.stats import StepContext, StepStats


def _one(node: int) -> int:
    return 1


def _union_find(
    edges: list[tuple[int, int]], weight: Callable[[int], int] = _one
) -> dict[int, tuple[int, int]]:
    """node -> (smallest node of its component, its nodes' weights summed), for every node with an edge."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    sizes: dict[int, int] = {}
    for x in parent:
        sizes[find(x)] = sizes.get(find(x), 0) + weight(x)
    return {x: (find(x), sizes[find(x)]) for x in parent}


def _link(
    tmp: Path,
    edges: list[tuple[int, int]],
    shards: int,
    buckets: int,
    span: int | None = None,
    weight: Callable[[int], int] = _one,
) -> dict[int, tuple[int, int]]:
    """Run the distributed link over ``edges`` (nodes: shard << 32 | pos); return node -> (root, size).

    ``weight``: how many documents each node stands for, as an earlier dedup step's cluster size.
    """
    work = tmp / "work"
    work.mkdir()
    size = 1 + max((max(a, b) & 0xFFFFFFFF for a, b in edges), default=0)
    for shard in range(shards):
        ids = [f"s{shard}p{pos}" for pos in range(size)]
        (work / f"ids-{shard:05d}.json").write_bytes(orjson.dumps(ids))
        save_weights(work, shard, [(pos, weight((shard << 32) | pos)) for pos in range(size)])
    rng = random.Random(len(edges))
    chunks: list[list[tuple[int, int]]] = [[] for _ in range(buckets)]
    for edge in edges:
        chunks[rng.randrange(buckets)].append(edge)
    for bucket, chunk in enumerate(chunks):
        a = np.array([e[0] for e in chunk], np.uint64)
        b = np.array([e[1] for e in chunk], np.uint64)
        save_links(work, bucket, shards, a, b, span)
    run_all(work, buckets, shards, span)
    found: dict[int, tuple[int, int]] = {}
    id_to_node = {f"s{s}p{p}": (s << 32) | p for s in range(shards) for p in range(size)}
    for shard in range(shards):
        for pos, (root, count) in load_clusters(work, shard).items():
            node = (shard << 32) | pos
            found[node] = (node if root is None else id_to_node[root], count)
    return found


def _place(rng: random.Random, shards: int, count: int) -> list[int]:
    """``count`` distinct nodes spread over ``shards``, in random order."""
    per = count // shards + 1
    chosen = [(s << 32) | p for s in range(shards) for p in range(per)]
    rng.shuffle(chosen)
    return chosen[:count]


def _graphs() -> dict[str, tuple[list[tuple[int, int]], int]]:
    rng = random.Random(5)
    graphs: dict[str, tuple[list[tuple[int, int]], int]] = {}
    chain = _place(rng, 4, 3000)  # a long path in random order: the worst case for label propagation
    graphs["long chain"] = ([(chain[i], chain[i + 1]) for i in range(len(chain) - 1)], 4)
    ordered = sorted(_place(rng, 3, 2000), reverse=True)  # a path from the largest node down to the smallest
    graphs["descending chain"] = ([(ordered[i], ordered[i + 1]) for i in range(len(ordered) - 1)], 3)
    star = _place(rng, 5, 1500)
    centre = max(star)  # a star around its largest node: every leaf must move to the smallest
    graphs["star"] = ([(centre, leaf) for leaf in star if leaf != centre], 5)
    many = _place(rng, 6, 4000)
    pairs = [(many[i], many[i + 1]) for i in range(0, 4000, 2)]
    rings = [(many[i], many[i + 1 if (i + 1) % 10 else i - 9]) for i in range(0, 4000)]
    graphs["many pairs"] = (pairs, 6)
    graphs["many rings"] = (rings, 6)
    loose = _place(rng, 4, 2000)
    graphs["random sparse"] = ([(rng.choice(loose), rng.choice(loose)) for _ in range(1500)], 4)
    graphs["one shard"] = ([(rng.randrange(50), rng.randrange(50)) for _ in range(80)], 1)
    graphs["no links"] = ([], 3)
    return graphs


@pytest.mark.parametrize("span", [None, 2, 4], ids=["a shard per task", "2 shards per task", "4 per task"])
@pytest.mark.parametrize("name", list(_graphs()))
def test_clusters_match_a_union_find(tmp_path, name, span):
    edges, shards = _graphs()[name]
    assert _link(tmp_path, edges, shards, buckets=3, span=span) == _union_find(edges)


@pytest.mark.parametrize("span", [None, 2], ids=["a shard per task", "2 shards per task"])
@pytest.mark.parametrize("name", list(_graphs()))
def test_cluster_sizes_add_the_documents_each_member_stands_for(tmp_path, name, span):
    edges, shards = _graphs()[name]

    def weight(node: int) -> int:  # an earlier dedup step's cluster size, or 1
        return 1 + node % 7 + (node >> 32) * 1000 if node % 3 else 1

    assert _link(tmp_path, edges, shards, 3, span, weight) == _union_find(edges, weight)


def test_only_documents_with_a_link_appear(tmp_path):
    edges = [((0 << 32) | 3, (1 << 32) | 7), ((1 << 32) | 2, (1 << 32) | 9)]
    found = _link(tmp_path, edges, shards=2, buckets=1)
    assert sorted(found) == sorted({n for e in edges for n in e})
    assert found[(1 << 32) | 9] == ((1 << 32) | 2, 2)


def test_nodes_pack_shard_and_position_in_stable_order():
    packed = nodes(np.array([0, 0, 1, 2], np.uint32), np.array([5, 9, 0, 1], np.uint32))
    assert packed.tolist() == sorted(packed.tolist())
    assert int(packed[2]) == 1 << 32


def test_rounds_are_files_a_later_round_reads(tmp_path):
    chain = [((i % 3) << 32 | i, ((i + 1) % 3) << 32 | (i + 1)) for i in range(200)]
    _link(tmp_path, chain, shards=3, buckets=2)
    written = sorted(p.name for p in (tmp_path / "work" / components.FOLDER).glob("*.index.npy"))
    steps = {name.split("-")[0] for name in written}
    assert len(steps) >= 4  # links, at least one large-star and small-star, resolve


_OPENED: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _OPENED is not None and isinstance(args[0], str | Path):
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)


@pytest.mark.parametrize("barrier", [MinhashDedup(buckets=3), ExactDedup()], ids=["minhash", "exact"])
def test_decide_opens_only_its_own_shards_file(tmp_path, barrier):
    global _OPENED
    rng = random.Random(3)
    base = [" ".join(rng.choice("abcdefghij") * 3 for _ in range(40)) for _ in range(5)]
    shards = [[Document(id=f"s{s}d{d}", text=base[(s + d) % 5]) for d in range(6)] for s in range(3)]
    work = tmp_path / "work"
    work.mkdir()
    for s, docs in enumerate(shards):
        barrier.sign(docs, s, work)
    for bucket in range(barrier.buckets):
        barrier.group(bucket, len(shards), work)
    run_all(work, barrier.buckets, len(shards))
    ctx = StepContext(StepStats(0, barrier.name), lambda doc: None)
    _OPENED = []
    try:
        kept = list(barrier.decide(shards[1], 1, work, ctx))
    finally:
        opened, _OPENED = _OPENED, None
    assert [p for p in opened if p.startswith(str(tmp_path))] == [str(work / "clusters-00001.json")]
    # Every page of shard 1 has a copy in shard 0: all are dropped, naming the one kept there.
    assert kept == []
    assert {d.meta["duplicate_of"] for d in shards[1]} <= {d.id for d in shards[0]}


def test_span_dedup_decide_opens_only_its_own_shards_joined_file(tmp_path):
    global _OPENED
    barrier = SpanDedup(buckets=3)
    shared = "This sentence stands in every page of the corpus."
    own = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    shards = [
        [Document(id=f"s{s}d{d}", text=f"{own[s * 3 + d]} page tells its story. {shared}") for d in range(3)]
        for s in range(3)
    ]
    work = tmp_path / "work"
    work.mkdir()
    for s, docs in enumerate(shards):
        barrier.sign(docs, s, work)
    for bucket in range(barrier.buckets):
        barrier.group(bucket, len(shards), work)
    for part in range(len(shards)):
        barrier.join(0, range(part, part + 1), len(shards), work)
    ctx = StepContext(StepStats(0, barrier.name), lambda doc: None)
    _OPENED = []
    try:
        kept = list(barrier.decide(shards[1], 1, work, ctx))
    finally:
        opened, _OPENED = _OPENED, None
    mine = [str(work / f"{name}-00001.npy") for name in ("shared", "doc-spans", "doc-span-offsets")]
    assert sorted(p for p in opened if p.startswith(str(tmp_path))) == sorted(mine)
    # The shared sentence stays only in the first page of shard 0.
    assert [d.text for d in kept] == [f"{own[3 + d]} page tells its story." for d in range(3)]
