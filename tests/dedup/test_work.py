"""The barrier toolkit's files: a sorted file per sign task with a bucket index, merged a window at a time."""

from __future__ import annotations

import itertools
import stat
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from gristmill import Document
from gristmill.dedup import work
from gristmill.dedup.exact import SIGNATURE
from gristmill.dedup.minhash import MinhashDedup
from gristmill.dedup.spans import SpanDedup
from gristmill.dedup.work import PartsWriter, bucket_windows, load_part, save_buckets, save_parts
from tests.helpers import output_mode


def test_sign_writes_one_sorted_file_per_shard_whatever_the_buckets(tmp_path):
    step = MinhashDedup(buckets=512)
    for shard in range(3):
        docs = [
            Document(id=f"{shard}-{d}", text=f"page {d} of shard {shard} says hello to all")
            for d in range(40)
        ]
        step.sign(docs, shard, tmp_path)
    names = sorted(p.name for p in tmp_path.glob("band-*"))
    assert names == [f"band-{s:05d}{suffix}" for s in range(3) for suffix in (".index.npy", ".npy")]
    for shard in range(3):
        hashes = np.load(tmp_path / f"band-{shard:05d}.npy")["hash"]
        assert np.all(hashes[1:] >= hashes[:-1])  # sorted, so group can merge the shards as runs
    width = 2**64 // 512
    total = 0
    for bucket in range(512):
        for rows in bucket_windows(tmp_path, "band", range(bucket, bucket + 1), 3, "hash"):
            total += len(rows)
            assert all(bucket * width <= int(h) < (bucket + 1) * width + 1 for h in rows["hash"])
    assert total == 3 * 40 * step.bands


def _sorted_shards(tmp_path, shards, rows_per_shard, keys, buckets=4):
    rng = np.random.default_rng(7)
    every = []
    for shard in range(shards):
        rows = np.empty(rows_per_shard, SIGNATURE)
        rows["hash"] = rng.choice(keys, rows_per_shard)
        rows["shard"] = shard
        rows["pos"] = np.arange(rows_per_shard)
        save_buckets(tmp_path, "t", shard, rows, "hash", buckets)
        every.append(rows)
    return np.concatenate(every)


def test_windows_merge_every_shard_in_key_order_without_splitting_a_key(tmp_path):
    keys = np.array([3, 5, 9, 2**62, 2**63 + 1, 2**64 - 2, *range(100, 2000, 7)], np.uint64)
    every = _sorted_shards(tmp_path, shards=5, rows_per_shard=3000, keys=keys)
    windows = list(bucket_windows(tmp_path, "t", range(0, 4), 5, "hash", window=200))
    assert len(windows) > 2
    seen = np.concatenate(windows)
    assert sorted(seen.tolist()) == sorted(every.tolist())
    for before, after in itertools.pairwise(windows):
        assert before["hash"].max() < after["hash"].min()  # key order, and no key in two windows
    for window in windows:  # within a window: shard order, and each shard's rows in their order
        for key in np.unique(window["hash"]):
            run = window[window["hash"] == key]
            order = list(zip(run["shard"].tolist(), run["pos"].tolist(), strict=True))
            assert order == sorted(order)  # what lets minhash's group sort a window by key alone


def test_windows_hold_a_bounded_number_of_rows_but_a_whole_run_of_one_key(tmp_path):
    many = np.arange(50_000, dtype=np.uint64) * np.uint64(2**40)
    _sorted_shards(tmp_path, shards=4, rows_per_shard=20_000, keys=many, buckets=1)
    sizes = [len(w) for w in bucket_windows(tmp_path, "t", range(1), 4, "hash", window=4096)]
    assert sum(sizes) == 80_000 and max(sizes) <= 4096 + 4 * 1024
    _sorted_shards(tmp_path, shards=4, rows_per_shard=5000, keys=np.array([42], np.uint64), buckets=1)
    assert [len(w) for w in bucket_windows(tmp_path, "t", range(1), 4, "hash", window=4096)] == [20_000]


def test_parts_keep_their_order_and_empty_parts_read_empty(tmp_path):
    rows = np.arange(10, dtype=np.int64)
    part = np.array([2, 0, 2, 2, 0, 3, 3, 0, 2, 0])
    save_parts(tmp_path / "t.npy", rows, part, 5)
    assert [load_part(tmp_path / "t.npy", p).tolist() for p in range(5)] == [
        [1, 4, 7, 9],
        [],
        [0, 2, 3, 8],
        [5, 6],
        [],
    ]


def test_a_parts_writer_writes_what_save_parts_writes_batch_by_batch(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    batches = [(rng.integers(0, 2**40, n), rng.integers(0, 7, n)) for n in (0, 50, 1, 300, 77)]
    monkeypatch.setattr(work, "WINDOW_ROWS", 40)  # several groups of parts when copying out
    with PartsWriter(tmp_path / "w.npy", np.dtype("<i8"), 7) as writer:
        for rows, part in batches:
            writer.add(rows, part)
    every = np.concatenate([rows for rows, _ in batches])
    save_parts(tmp_path / "s.npy", every, np.concatenate([part for _, part in batches]), 7)
    for p in range(7):
        assert load_part(tmp_path / "w.npy", p).tolist() == load_part(tmp_path / "s.npy", p).tolist()
    assert np.load(tmp_path / "w.npy").tolist() == np.load(tmp_path / "s.npy").tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.index.npy", "s.npy", "w.index.npy", "w.npy"]


def test_a_parts_writer_that_fails_leaves_no_file(tmp_path):
    with pytest.raises(RuntimeError), PartsWriter(tmp_path / "w.npy", np.dtype("<i8"), 2) as writer:
        writer.add(np.arange(5), np.array([0, 1, 0, 1, 1]))
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def _peak_group_bytes(tmp_path, docs_per_shard, shards):
    """Peak bytes numpy and Python allocate while a minhash group task merges one bucket."""
    rng = np.random.default_rng(11)
    tmp_path.mkdir()
    for shard in range(shards):
        rows = np.empty(docs_per_shard * 4, SIGNATURE)
        # About two rows a key, whatever the corpus: a shard's links stay as many as it grows.
        keys = docs_per_shard * 2 * shards
        rows["hash"] = rng.integers(0, keys, len(rows), dtype=np.uint64) * np.uint64(2**64 // keys)
        rows["shard"] = shard
        rows["pos"] = np.repeat(np.arange(docs_per_shard), 4)
        save_buckets(tmp_path, "band", shard, rows, "hash", 1)
    tracemalloc.start()
    try:
        MinhashDedup(buckets=1).group(0, shards, tmp_path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_group_task_holds_a_window_not_its_bucket(tmp_path, monkeypatch):
    monkeypatch.setattr(work, "WINDOW_ROWS", 1 << 14)
    small = _peak_group_bytes(tmp_path / "small", 20_000, 4)
    large = _peak_group_bytes(tmp_path / "large", 20_000, 16)  # 4x the rows, and 4x the links
    assert large < 1.5 * small, (small, large)


def test_a_key_longer_than_a_window_comes_in_pieces_when_the_caller_allows(tmp_path):
    keys = np.array([5, 42, 42, 42, 42, 42, 42, 42, 90], np.uint64)  # 42: most rows, a long run
    every = _sorted_shards(tmp_path, shards=4, rows_per_shard=5000, keys=keys, buckets=1)
    windows = list(bucket_windows(tmp_path, "t", range(1), 4, "hash", window=4096, long_runs=20))
    assert max(len(w) for w in windows) <= 4096 + 4 * 1024
    assert sorted(np.concatenate(windows).tolist()) == sorted(every.tolist())
    for before, after in itertools.pairwise(windows):  # a key goes on only into the next window
        assert before["hash"].max() <= after["hash"].min()
    pieces = [w for w in windows if len(np.unique(w["hash"])) == 1 and w["hash"][0] == 42]
    assert len(pieces) >= 2 and all(len(p) > 20 for p in pieces[:-1])


def test_a_long_key_comes_in_pieces_in_shard_order(tmp_path):
    keys = np.array([5, 42, 42, 42, 42, 42, 42, 42, 90], np.uint64)
    every = _sorted_shards(tmp_path, shards=4, rows_per_shard=5000, keys=keys, buckets=1)
    windows = list(bucket_windows(tmp_path, "t", range(1), 4, "hash", window=2048, long_runs=0))
    assert max(len(w) for w in windows) <= 2048 + 4 * 1024
    rows = np.concatenate(windows)
    run = rows[rows["hash"] == 42]
    expected = every[every["hash"] == 42]  # the shards one after the other, each in position order
    assert run[["shard", "pos"]].tolist() == expected[["shard", "pos"]].tolist()
    assert sum(1 for w in windows if 42 in w["hash"]) >= 3


def _windows_sorted(tmp_path, shards, **kwargs):
    """The merge's windows, each sorted by key as the groups sort them (stable: shard order within a key)."""
    out = []
    for rows in bucket_windows(tmp_path, "t", range(1, 3), shards, "hash", **kwargs):
        out.append(rows[np.argsort(rows["hash"], kind="stable")])
    return np.concatenate(out)


def test_many_shard_runs_are_merged_in_levels_with_the_same_rows_in_the_same_order(tmp_path, monkeypatch):
    keys = np.array([7, 8, *range(100, 400, 3)], np.uint64) * np.uint64(2**56)
    _sorted_shards(tmp_path, shards=20, rows_per_shard=1500, keys=keys, buckets=4)
    whole = _windows_sorted(tmp_path, 20, window=2048)
    monkeypatch.setattr(work, "MERGE_FAN_IN", 4)  # 20 runs: 5 files, then 2, then the last merge
    before = set(tmp_path.iterdir())
    assert _windows_sorted(tmp_path, 20, window=2048).tolist() == whole.tolist()
    assert set(tmp_path.iterdir()) == before  # the intermediate files are gone
    pieces = _windows_sorted(tmp_path, 20, window=2048, long_runs=0)
    assert pieces.tolist() == whole.tolist()
    windows = bucket_windows(tmp_path, "t", range(1, 3), 20, "hash", window=2048)
    next(windows)
    windows.close()  # a task stopped midway leaves no intermediate file either
    assert set(tmp_path.iterdir()) == before


def test_a_merge_of_many_runs_holds_a_bounded_read_ahead(tmp_path, monkeypatch):
    keys = np.arange(1, 4000, dtype=np.uint64) * np.uint64(2**50)
    _sorted_shards(tmp_path, shards=300, rows_per_shard=1200, keys=keys, buckets=1)
    monkeypatch.setattr(work, "WINDOW_ROWS", 1 << 12)
    monkeypatch.setattr(work, "MERGE_FAN_IN", 16)
    tracemalloc.start()
    try:
        total = sum(len(w) for w in bucket_windows(tmp_path, "t", range(1), 300, "hash"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == 300 * 1200
    # 300 runs read 1,024 rows (16 bytes) ahead each: 4.9 MB; merged 16 at a time far less.
    assert peak < 2_500_000, peak


def test_a_parts_writer_holds_no_table_of_batches_by_parts(tmp_path, monkeypatch) -> None:
    """Its memory must not grow with batches x parts (10^5 shards x thousands of batches at scale)."""
    monkeypatch.setattr(work, "WINDOW_ROWS", 4096)  # batches of 1,024 rows
    parts, batches = 20_000, 40
    rng = np.random.default_rng(7)
    written = [rng.integers(0, 1 << 60, 1024) for _ in range(batches)]
    to = [rng.integers(0, parts, 1024) for _ in range(batches)]
    tracemalloc.start()
    with PartsWriter(tmp_path / "w.npy", np.dtype("<i8"), parts) as writer:
        for rows, part in zip(written, to, strict=True):
            writer.add(rows, part)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2_000_000, peak  # a batches x parts table of int64 is 6.4 MB here
    rows, part = np.concatenate(written), np.concatenate(to)
    for p in (0, 1, 777, parts - 1):
        assert load_part(tmp_path / "w.npy", p).tolist() == rows[part == p].tolist()


def _modes(work: Path) -> dict[str, int]:
    return {str(p.relative_to(work)): stat.S_IMODE(p.stat().st_mode) for p in work.rglob("*") if p.is_file()}


@pytest.mark.parametrize("barrier", [SpanDedup(buckets=2), MinhashDedup(buckets=2)], ids=["spans", "minhash"])
def test_files_a_group_task_leaves_for_later_phases_are_readable_like_every_output(tmp_path, barrier):
    shared = "This sentence stands in every page of the corpus, word for word, every time."
    shards = [
        [Document(id=f"s{s}d{d}", text=f"Page {s}-{d} tells its own story here. {shared}") for d in range(4)]
        for s in range(2)
    ]
    work = tmp_path / "work"
    work.mkdir()
    for s, docs in enumerate(shards):
        barrier.sign(docs, s, work)
    for bucket in range(barrier.buckets):
        barrier.group(bucket, len(shards), work)
    modes = _modes(work)
    # A group task's PartsWriter tables: held spans (span_dedup), step 0's links (minhash).
    assert any(name.startswith(("held-", "links/")) and not name.endswith(".index.npy") for name in modes)
    assert {name: oct(mode) for name, mode in modes.items()} == {name: oct(output_mode()) for name in modes}
