"""Peak memory of one group task over synthetic sign files: a key held by N rows, or S shard runs.

Each case writes its sign files in a child process, then runs one group task (minhash_dedup's,
span_dedup's, exact_dedup's or boilerplate_lines', one bucket) in another child forked from this
one, which measures itself: CPU seconds (``getrusage``) and peak resident memory above its start
(``VmHWM`` − ``VmRSS``). Forking from a parent that built nothing keeps a freed heap from hiding the
task's peak (see docs/scale.md, Stop 20).

    python benchmarks/group_memory.py --long 1000000 4000000      # one key held by N rows
    python benchmarks/group_memory.py --long 4000000 --groups exact boilerplate
    python benchmarks/group_memory.py --shards 100 2000           # S shard runs of --rows each
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCRATCH, table
from gristmill.dedup.exact import SIGNATURE, ExactDedup
from gristmill.dedup.minhash import MinhashDedup
from gristmill.dedup.spans import HOLDER, SpanDedup
from gristmill.dedup.work import save_buckets
from gristmill.steps.base import BarrierStep
from gristmill.steps.boilerplate import PAIR, BoilerplateLines

BACKGROUND = 1_000_000  # rows of other keys in the long-key cases, about two rows a key


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _in_child(job: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Run ``job`` in a forked child; return what it measured of itself."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        code = 0
        try:
            os.write(write, orjson.dumps(job()))
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise SystemExit(f"child failed ({status})")
    return orjson.loads(data) if data else {}


def _measure(run: Callable[[], None]) -> dict[str, float]:
    start = _status_kb("VmRSS")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    run()
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    return {"cpu_s": cpu, "peak_mb": (_status_kb("VmHWM") - start) / 1024}


def _write_shards(
    work: Path, rows_of: Callable[[int], np.ndarray], shards: int, prefix: str, key: str = "hash"
) -> dict[str, float]:
    work.mkdir(parents=True)
    for shard in range(shards):
        save_buckets(work, prefix, shard, rows_of(shard), key, 1)
    return {}


def _long_key_rows(dtype: np.dtype, copies: int, shards: int, key: str) -> Callable[[int], np.ndarray]:
    """A shard's rows: its share of ``copies`` rows of one key, then background rows of random keys."""

    def rows_of(shard: int) -> np.ndarray:
        rng = np.random.default_rng(shard)
        mine, other = copies // shards, BACKGROUND // shards
        rows = np.zeros(mine + other, dtype)
        rows[key][:mine] = np.uint64(2**63 + 12345)
        rows[key][mine:] = rng.integers(0, BACKGROUND // 2, other, dtype=np.uint64) * np.uint64(2**44)
        if "shard" in dtype.names:
            rows["shard"] = shard
        if "pos" in dtype.names:
            rows["pos"] = np.arange(mine + other)
        return rows

    return rows_of


def _group(step: BarrierStep, shards: int, work: Path) -> Callable[[], dict[str, float]]:
    return lambda: _measure(lambda: step.group(0, shards, work))


def _one_bucket(step: BarrierStep) -> BarrierStep:
    step.buckets = 1  # not an option of every step: the group task's bucket is the whole key range
    return step


# name -> the step, its sign rows, their file prefix and sort key
GROUPS: dict[str, tuple[Callable[[], BarrierStep], np.dtype, str, str]] = {
    "minhash": (lambda: MinhashDedup(buckets=1), SIGNATURE, "band", "hash"),
    "span": (lambda: SpanDedup(buckets=1), HOLDER, "spans", "hash"),
    "exact": (lambda: _one_bucket(ExactDedup()), SIGNATURE, "sig", "hash"),
    "boilerplate": (lambda: _one_bucket(BoilerplateLines()), PAIR, "pairs", "pair"),
}


def long_keys(counts: list[int], shards: int, groups: list[str]) -> list[list[object]]:
    """One group task per step over a bucket where one key has N rows."""
    out: list[list[object]] = []
    for copies in counts:
        for name in groups:
            make, dtype, prefix, key = GROUPS[name]
            step = make()
            work = SCRATCH / "group_memory" / f"{name}-{copies}"
            shutil.rmtree(work, ignore_errors=True)
            rows_of = _long_key_rows(dtype, copies, shards, key)
            _in_child(lambda: _write_shards(work, rows_of, shards, prefix, key))  # noqa: B023 (run now)
            got = _in_child(_group(step, shards, work))
            out.append([name, f"{copies:,}", f"{got['cpu_s']:.2f}", f"{got['peak_mb']:.1f}"])
            shutil.rmtree(work)
    return out


def many_shards(counts: list[int], rows: int) -> list[list[object]]:
    """One minhash group task over S shard runs of ``rows`` rows each (about two rows a key)."""
    out: list[list[object]] = []
    for shards in counts:
        work = SCRATCH / "group_memory" / f"shards-{shards}"
        shutil.rmtree(work, ignore_errors=True)
        keys = shards * rows // 2

        def rows_of(shard: int, keys: int = keys) -> np.ndarray:
            table = np.zeros(rows, SIGNATURE)
            rng = np.random.default_rng(shard)
            table["hash"] = rng.integers(0, keys, rows, dtype=np.uint64) * np.uint64(2**64 // keys)
            table["shard"], table["pos"] = shard, np.arange(rows)
            return table

        _in_child(lambda: _write_shards(work, rows_of, shards, "band"))  # noqa: B023 (run now)
        got = _in_child(_group(MinhashDedup(buckets=1), shards, work))
        out.append([f"{shards:,}", f"{shards * rows:,}", f"{got['cpu_s']:.2f}", f"{got['peak_mb']:.1f}"])
        shutil.rmtree(work)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--long", type=int, nargs="*", default=[], help="rows of the one long key")
    parser.add_argument("--long-shards", type=int, default=4)
    parser.add_argument("--groups", nargs="*", choices=sorted(GROUPS), default=["minhash", "span"])
    parser.add_argument("--shards", type=int, nargs="*", default=[], help="shard runs in one bucket")
    parser.add_argument("--rows", type=int, default=2000, help="rows per shard run with --shards")
    args = parser.parse_args()
    if args.long:
        print(
            table(
                long_keys(args.long, args.long_shards, args.groups),
                ["group", "rows of the key", "CPU s", "peak MB"],
            )
        )
    if args.shards:
        print(table(many_shards(args.shards, args.rows), ["shard runs", "rows", "CPU s", "peak MB"]))


if __name__ == "__main__":
    main()
