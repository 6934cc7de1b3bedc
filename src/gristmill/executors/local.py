"""The local executor: a process pool over shards on one machine, resumable."""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
import sys
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import orjson
import yaml

from gristmill.errors import ConfigError
from gristmill.executors.tasks import GroupTask, LinkTask, SignTask, StageTask, Task, run_task
from gristmill.layout import Layout, write_atomically
from gristmill.pipeline import Pipeline
from gristmill.stats import TaskStats, merge_steps


@dataclass
class RunResult:
    """What a run did: the contents of ``stats.json``, and where the output is."""

    output: str
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[str]:
        """Inputs that broke off or could not be read; a run with errors exits non-zero."""
        errors: list[str] = self.stats.get("errors", [])
        return errors

    @property
    def totals(self) -> dict[str, int]:
        """``read``, ``kept``, ``rejected`` and ``quarantined`` document counts."""
        totals: dict[str, int] = self.stats["totals"]
        return totals


class LocalExecutor:
    """Runs a pipeline's tasks on ``workers`` processes (in this process when ``workers`` is 1)."""

    def __init__(self, *, workers: int = 1, progress: bool | None = None) -> None:
        if not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"workers must be a positive whole number, got {workers!r}")
        self.workers = workers
        self.progress = sys.stderr.isatty() if progress is None else progress

    def run(self, pipeline: Pipeline, *, overwrite: bool = False) -> RunResult:
        """Run every task not yet done, then write ``stats.json``, ``pipeline.yaml`` and the report."""
        started = time.time()
        shards = pipeline.input.shards()  # fails on a missing input before anything is written
        layout = Layout(pipeline.output.path)
        config = pipeline.to_config()
        layout.prepare(config, overwrite)
        write_atomically(layout.pipeline_file, yaml.safe_dump(config, sort_keys=False).encode())
        total_bytes = sum(_size(path) for shard in shards for path in shard.files)

        phases: list[list[Task]] = [[StageTask(0, shard) for shard in shards]]
        for stage in pipeline.stages()[1:]:
            assert stage.barrier is not None
            phases.append([SignTask(stage.index, shard.index) for shard in shards])
            buckets = stage.barrier.buckets
            phases.append([GroupTask(stage.index, b, len(shards)) for b in range(buckets)])
            phases.append([LinkTask(stage.index, len(shards))])
            phases.append([StageTask(stage.index, shard) for shard in shards])

        with _Progress(self.progress, total_bytes) as bar:
            for tasks in phases:
                todo = [t for t in tasks if not layout.is_done(t.key)]
                self._run_tasks(pipeline, todo, bar)

        stats = _collect(layout, phases, len(shards), time.time() - started)
        write_atomically(layout.stats, orjson.dumps(stats, option=orjson.OPT_INDENT_2))
        shutil.rmtree(layout.work, ignore_errors=True)
        from gristmill.report import write_report

        write_report(layout.root)
        return RunResult(output=str(layout.root), stats=stats)

    def _run_tasks(self, pipeline: Pipeline, tasks: Sequence[Task], bar: _Progress) -> None:
        if not tasks:
            return
        if self.workers == 1 or len(tasks) == 1:
            for task in tasks:
                run_task(pipeline, task, bar.update)
            return
        context = multiprocessing.get_context("spawn")
        updates = context.Queue()
        workers = min(self.workers, len(tasks))
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(updates,)
        ) as pool:
            pending: set[Future[TaskStats]] = {pool.submit(_run_in_worker, pipeline, task) for task in tasks}
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(updates, bar)
                for future in done:
                    future.result()  # re-raises a task's error here
            _drain(updates, bar)


_updates: Any = None


def _init_worker(updates: Any) -> None:
    global _updates
    _updates = updates


def _report_to_parent(docs: int, nbytes: int) -> None:
    _updates.put((docs, nbytes))


def _run_in_worker(pipeline: Pipeline, task: Task) -> TaskStats:
    return run_task(pipeline, task, _report_to_parent)


def _drain(updates: Any, bar: _Progress) -> None:
    while True:
        try:
            docs, nbytes = updates.get_nowait()
        except queue.Empty:
            return
        bar.update(docs, nbytes)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class _Progress:
    """A progress bar on a terminal (documents, MB, rate, ETA); nothing otherwise."""

    def __init__(self, enabled: bool, total_bytes: int) -> None:
        self._bar: Any = None
        self._docs = 0
        self._started = time.monotonic()
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024, desc="gristmill"
            )

    def update(self, docs: int, nbytes: int) -> None:
        if self._bar is None:
            return
        self._docs += docs
        if nbytes:
            self._bar.update(nbytes)
        rate = self._docs / max(time.monotonic() - self._started, 1e-9)
        self._bar.set_postfix_str(f"{self._docs:,} docs, {rate:,.0f} docs/s", refresh=False)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


def _collect(layout: Layout, phases: list[list[Task]], shards: int, seconds: float) -> dict[str, Any]:
    """Sum the stats kept in every done-marker into the run's ``stats.json``."""
    stage_tasks = [t for tasks in phases for t in tasks if isinstance(t, StageTask)]
    last_stage = max(t.stage for t in stage_tasks)
    records = [(t, TaskStats.from_dict(layout.read_marker(t.key))) for t in stage_tasks]
    first = [s for t, s in records if t.stage == 0]
    totals = {
        "read": sum(s.read for s in first),
        "kept": sum(s.kept for t, s in records if t.stage == last_stage),
        "rejected": sum(s.rejected for _, s in records),
        "quarantined": sum(s.quarantined for s in first),
    }
    dropped: dict[str, int] = {}
    steps = merge_steps(s for _, s in records)
    for step in steps:
        for reason, count in step.dropped.items():
            dropped[reason] = dropped.get(reason, 0) + count
    return {
        "totals": totals,
        "dropped_by_reason": dict(sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))),
        "steps": [s.to_dict() for s in steps],
        "shards": shards,
        "errors": [e for _, s in records for e in s.errors],
        "seconds": round(seconds, 3),
    }
