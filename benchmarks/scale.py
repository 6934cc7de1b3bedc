"""Barriers at growing corpus sizes: wall time, CPU time and peak memory of every task, per phase.

Synthetic documents with planted duplicates (exact copies, near copies with a word changed, chains
of edits, copied sentences) go through ``minhash_dedup`` and ``span_dedup`` at a fixed number of
documents per shard, so the number of shards grows with the corpus. Each task runs in a fresh
process forked from this one (imports already done) and measures itself: wall and CPU seconds
(``getrusage``), and its peak resident memory above what it started with (``VmHWM`` − ``VmRSS``).
The claim to check: memory per task stays flat as documents grow, time grows linearly.

    python benchmarks/scale.py                       # 10^5 and 10^6 documents, 2 workers
    python benchmarks/scale.py --docs 100000 --workers 8 --json out.json
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import signal
import sys
import time
import traceback
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SCRATCH, table
from gristmill import Pipeline
from gristmill.dedup.minhash import MinhashDedup
from gristmill.dedup.spans import SpanDedup
from gristmill.engine.progress import Progress, ProgressOptions
from gristmill.engine.run import run_pipeline
from gristmill.engine.tasks import (
    ClusterTask,
    GroupTask,
    JoinTask,
    LinkTask,
    SignTask,
    StageTask,
    Task,
    run_task,
)

# Words of letters only (the shingler splits words at digits); 20,000 of them, fixed.
_VOCABULARY = sorted(
    {"".join(random.Random(i).choices("abcdefghijklmnopqrstuvwxyz", k=7)) for i in range(20_000)}
)


def write_corpus(folder: Path, docs: int, per_shard: int, seed: int = 1) -> None:
    """Write ``docs`` documents, ``per_shard`` a shard: 70% new, 10% exact copies, 20% edited copies."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    sentences = [" ".join(rng.choices(_VOCABULARY, k=10)).capitalize() + "." for _ in range(2000)]
    recent: list[list[str]] = []  # pages a later one may copy: copies land in later shards too
    written = 0
    shard = 0
    while written < docs:
        lines = []
        for d in range(min(per_shard, docs - written)):
            r = rng.random()
            if recent and r < 0.10:
                words = list(rng.choice(recent))
            elif recent and r < 0.30:
                words = list(rng.choice(recent))
                for _ in range(1 if r < 0.25 else 3):  # the 3-edit copies, copied again, make chains
                    words[rng.randrange(len(words))] = rng.choice(_VOCABULARY)
            else:
                words = rng.choices(_VOCABULARY, k=rng.randint(40, 90))
                words += rng.choice(sentences).split()  # a shared sentence for span_dedup
            if len(recent) < 5000:
                recent.append(words)
            else:
                recent[rng.randrange(5000)] = words
            text = " ".join(words)
            lines.append(orjson.dumps({"id": f"s{shard}-{d}", "text": text}))
        (folder / f"part-{shard:05d}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
        written += len(lines)
        shard += 1


def phase_of(task: Task) -> str:
    """The phase a task belongs to, as the table groups them."""
    if isinstance(task, StageTask):
        return "read" if task.stage == 0 else f"decide {task.stage}"
    if isinstance(task, SignTask):
        return f"sign {task.stage}"
    if isinstance(task, GroupTask):
        return f"group {task.stage}"
    if isinstance(task, JoinTask):
        return f"join {task.stage}"
    if isinstance(task, ClusterTask):
        return f"link {task.stage} ({task.op})"
    assert isinstance(task, LinkTask)
    return f"link {task.stage}"


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _measured(pipeline: Pipeline, task: Task) -> dict[str, Any]:
    """Run one task in this (fresh, forked) process and measure it."""
    start_rss = _status_kb("VmRSS")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    run_task(pipeline, task)
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "phase": phase_of(task),
        "wall": time.perf_counter() - wall,
        "cpu": after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime,
        "peak_mb": (_status_kb("VmHWM") - start_rss) / 1024,
    }


class MeasuringRunner:
    """Runs each task in a process forked for it alone, and keeps what the task measured."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.records: list[dict[str, Any]] = []

    def run_tasks(self, pipeline: Pipeline, tasks: Sequence[Task], bar: Progress) -> None:
        """Run one phase's tasks, ``workers`` at a time; fail on the first task that fails."""
        pending = list(tasks)
        running: dict[int, tuple[Task, int]] = {}
        while pending or running:
            while pending and len(running) < self.workers:
                task = pending.pop(0)
                read, write = os.pipe()
                pid = os.fork()
                if pid == 0:  # the child: measure the task, send the figures, leave without cleanup
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    code = 1
                    try:
                        os.write(write, orjson.dumps(_measured(pipeline, task)))
                        code = 0
                    except BaseException:
                        traceback.print_exc()
                    os._exit(code)
                os.close(write)
                running[pid] = (task, read)
            pid, status = os.wait()
            task, read = running.pop(pid)
            with os.fdopen(read, "rb") as pipe:
                data = pipe.read()
            if status != 0:
                raise RuntimeError(f"task {task.key} failed (status {status})")
            self.records.append(orjson.loads(data))


def measure(docs: int, per_shard: int, workers: int, buckets: int) -> dict[str, Any]:
    """Run the pipeline over a fresh corpus of ``docs`` documents; return the per-phase figures."""
    root = SCRATCH / f"scale-{docs}"
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    # Written by a child: the parent's freed heap would stay resident in every task forked from it, and a
    # task that reuses those pages grows without its resident size showing it (10^7: 7 MB for a sign
    # task that holds 22 MB of rows).
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            write_corpus(root / "in", docs, per_shard)
            code = 0
        finally:
            os._exit(code)
    if os.waitpid(pid, 0)[1] != 0:
        raise RuntimeError("writing the corpus failed")
    written = time.perf_counter() - started
    # The buckets stay fixed: a group task merges its hash range as a stream, whatever the corpus.
    shards = -(-docs // per_shard)
    pipeline = Pipeline(
        input={"path": str(root / "in")},
        output={"path": str(root / "out")},
        steps=[MinhashDedup(buckets=buckets), SpanDedup(buckets=buckets)],
    )
    runner = MeasuringRunner(workers)
    started = time.perf_counter()
    result = run_pipeline(pipeline, runner, progress=ProgressOptions())
    wall = time.perf_counter() - started
    phases: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in runner.records:
        phases[record["phase"]].append(record)
    summary = {
        name: {
            "tasks": len(rows),
            "wall_s": sum(r["wall"] for r in rows),
            "cpu_s": sum(r["cpu"] for r in rows),
            "max_task_peak_mb": max(r["peak_mb"] for r in rows),
        }
        for name, rows in phases.items()
    }
    shutil.rmtree(root, ignore_errors=True)
    return {
        "docs": docs,
        "shards": shards,
        "buckets": buckets,
        "corpus_seconds": round(written, 1),
        "run_wall_s": round(wall, 1),
        "totals": result.totals,
        "phases": summary,
    }


def main() -> None:
    """Measure each corpus size and print one table per size, then the per-document figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--per-shard", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--buckets", type=int, default=16, help="hash ranges of each barrier's group phase")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    runs = []
    for docs in args.docs:
        run = measure(docs, args.per_shard, args.workers, args.buckets)
        runs.append(run)
        print(
            f"\n{docs:,} documents, {run['shards']} shards, {args.buckets} buckets, {args.workers} workers: "
            f"{run['run_wall_s']} s wall; totals {run['totals']}"
        )
        rows = [
            [name, p["tasks"], p["wall_s"], p["cpu_s"], 1e6 * p["cpu_s"] / docs, p["max_task_peak_mb"]]
            for name, p in run["phases"].items()
        ]
        print(
            table(rows, ["phase", "tasks", "task wall s (sum)", "CPU s", "CPU µs/doc", "peak MB/task (max)"])
        )
    if args.json:
        args.json.write_bytes(orjson.dumps(runs, option=orjson.OPT_INDENT_2))
    largest = max(args.docs)
    if largest < 10**7:
        print(
            f"\n10^7 documents: python benchmarks/scale.py --docs 10000000 --workers N "
            f"(about {10**7 / largest:.0f}× the CPU of the {largest:,} run; memory per task as above)"
        )


if __name__ == "__main__":
    main()
