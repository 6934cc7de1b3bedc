"""The barrier toolkit's files: one file per sign task with a bucket index, read a bucket at a time."""

from __future__ import annotations

import numpy as np

from gristmill import Document
from gristmill.dedup.exact import SIGNATURE
from gristmill.dedup.minhash import MinhashDedup
from gristmill.dedup.work import load_bucket, load_part, save_parts


def test_sign_writes_one_file_per_shard_whatever_the_buckets(tmp_path):
    step = MinhashDedup(buckets=512)
    for shard in range(3):
        docs = [
            Document(id=f"{shard}-{d}", text=f"page {d} of shard {shard} says hello to all")
            for d in range(40)
        ]
        step.sign(docs, shard, tmp_path)
    names = sorted(p.name for p in tmp_path.glob("band-*"))
    assert names == [f"band-{s:05d}{suffix}" for s in range(3) for suffix in (".index.npy", ".npy")]
    rows = [load_bucket(tmp_path, "band", b, 3, SIGNATURE) for b in range(512)]
    assert sum(len(r) for r in rows) == 3 * 40 * step.bands
    for bucket, found in enumerate(rows):
        assert np.all(found["hash"] % np.uint64(512) == bucket)
        assert np.all(np.diff(found["shard"].astype(np.int64)) >= 0)  # shard order, as groups expect


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
