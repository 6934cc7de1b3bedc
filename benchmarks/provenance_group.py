"""Memory of one ``provenance`` group task as the corpus grows: the bucket holding the site's footer.

Writes synthetic sign files (as ``Provenance.sign`` would: 12 sentences per document, every 20th
page stitched from four sentences of each of the three before it, one footer line held by every
document) in a child process, then runs ``Provenance.group`` on the footer's bucket in a process
forked for it from a parent that built nothing (a parent that did would lend it its freed heap and
the peak would read low). Peak = VmHWM − VmRSS at the task's start; CPU from ``getrusage``.

    python benchmarks/provenance_group.py --docs 1000000 3000000 6000000
    python benchmarks/provenance_group.py --docs 3000000 --trace   # tracemalloc and VmRSS per window

``--trace`` also prints, per window the merge yields, the rows in it, the memory Python's allocator
holds for live objects (tracemalloc, numpy arrays included) and the process's resident memory.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from gristmill.dedup import provenance
from gristmill.dedup.exact import SIGNATURE
from gristmill.dedup.work import save_buckets

SENTENCES = 12
FOOTER = np.uint64(0x9E3779B97F4A7C15)


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64 of ``values``: well spread hashes of document and sentence numbers."""
    z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def write_shard(work: Path, shard: int, per_shard: int, buckets: int) -> None:
    """One shard's sentence rows, sorted and bucketed as ``Provenance.sign`` writes them."""
    first = shard * per_shard
    docs = np.arange(first, first + per_shard, dtype=np.int64)
    sentence = docs[:, None] * SENTENCES + np.arange(SENTENCES)[None, :]
    stitched = docs % 20 == 19
    # A stitched page: sentences 0-3 of each of the three pages before it (the first pages of a
    # shard take them from the shard before: a copy across shards, as in a real corpus).
    for k, back in enumerate((1, 2, 3)):
        sentence[stitched, 4 * k : 4 * k + 4] = (docs[stitched] - back)[:, None] * SENTENCES + np.arange(4)
    hashes = np.concatenate([_mix(sentence.reshape(-1)), np.full(per_shard, FOOTER, np.uint64)])
    positions = np.concatenate([np.repeat(np.arange(per_shard), SENTENCES), np.arange(per_shard)])
    rows = np.empty(hashes.size, SIGNATURE)
    rows["hash"], rows["shard"], rows["pos"] = hashes, shard, positions.astype(np.uint32)
    save_buckets(work, "sentences", shard, rows, "hash", buckets)


def _status_kb(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", status).group(1))  # type: ignore[union-attr]


def _in_child(fn: Any, *args: Any) -> dict[str, Any]:
    """Run ``fn(*args)`` in a forked process; return the dict it returns."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            result = fn(*args)
            os.write(write, repr(result).encode())
        finally:
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    found: dict[str, Any] = eval(data.decode())  # our own child's repr of a dict of numbers
    return found


def build(work: Path, shards: int, per_shard: int, buckets: int) -> dict[str, Any]:
    """Write every shard's sign file; return the footer's bucket."""
    for shard in range(shards):
        write_shard(work, shard, per_shard, buckets)
    return {"bucket": int((int(FOOTER) * buckets) >> 64)}


def group(work: Path, bucket: int, shards: int, buckets: int, trace: bool) -> dict[str, Any]:
    """Run the group of ``bucket`` in this process and measure it."""
    step = provenance.Provenance(buckets=buckets)
    windows: list[tuple[int, float, float, float]] = []
    if trace:
        import tracemalloc

        inner = provenance.bucket_windows

        def traced(*args: Any, **kwargs: Any) -> Any:
            for rows in inner(*args, **kwargs):
                current, peak = tracemalloc.get_traced_memory()
                windows.append((len(rows), current / 1e6, peak / 1e6, _status_kb("VmRSS") / 1024))
                tracemalloc.reset_peak()
                yield rows

        provenance.bucket_windows = traced  # type: ignore[attr-defined]
        tracemalloc.start()
    start_rss = _status_kb("VmRSS")
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    step.group(bucket, shards, work)
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "peak_mb": (_status_kb("VmHWM") - start_rss) / 1024,
        "cpu_s": after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime,
        "wall_s": time.perf_counter() - wall,
        "windows": windows,
    }


def main() -> None:
    """Measure the footer bucket's group task at each ``--docs``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1_000_000, 3_000_000])
    parser.add_argument("--per-shard", type=int, default=12_500)
    parser.add_argument("--buckets", type=int, default=16)
    parser.add_argument("--trace", action="store_true", help="tracemalloc and VmRSS at each window")
    args = parser.parse_args()
    print("| documents (shards) | rows in the bucket | peak MB | CPU s | wall s |")
    print("|---|---|---|---|---|")
    for docs in args.docs:
        shards = docs // args.per_shard
        with tempfile.TemporaryDirectory(prefix="gristmill-bench-provenance-group-") as tmp:
            work = Path(tmp)
            bucket = _in_child(build, work, shards, args.per_shard, args.buckets)["bucket"]
            rows = sum(
                int(np.diff(np.load(work / f"sentences-{s:05d}.index.npy")[[bucket, bucket + 1]])[0])
                for s in range(shards)
            )
            found = _in_child(group, work, bucket, shards, args.buckets, args.trace)
        print(
            f"| {docs:,} ({shards}) | {rows:,} | {found['peak_mb']:.1f} | {found['cpu_s']:.1f} | "
            f"{found['wall_s']:.1f} |",
            flush=True,
        )
        for n, (count, current, peak, rss) in enumerate(found["windows"]):
            print(
                f"  window {n}: {count:,} rows, "
                f"traced {current:.1f} MB live / {peak:.1f} MB peak, RSS {rss:.1f} MB"
            )


if __name__ == "__main__":
    main()
