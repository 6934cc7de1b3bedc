"""What every executor shares: planning a run into phases of tasks, resuming, and the run's stats.

An executor only decides where tasks run (``run_tasks``); the tasks themselves (``tasks.py``) read and
write the output folder, so every executor gives the same output for the same pipeline.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import yaml

from gristmill.executors.tasks import GroupTask, LinkTask, SignTask, StageTask, Task
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


class Executor(ABC):
    """Runs a pipeline's phases in order, each phase's unfinished tasks in parallel."""

    def __init__(self, *, progress: bool | None = None) -> None:
        self.progress = sys.stderr.isatty() if progress is None else progress

    @abstractmethod
    def run_tasks(self, pipeline: Pipeline, tasks: Sequence[Task], bar: Progress) -> None:
        """Run every task of one phase to completion; raise the first task error."""

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

        with Progress(self.progress, total_bytes) as bar:
            for tasks in phases:
                todo = [t for t in tasks if not layout.is_done(t.key)]
                if todo:
                    self.run_tasks(pipeline, todo, bar)

        stats = _collect(layout, phases, len(shards), time.time() - started)
        write_atomically(layout.stats, orjson.dumps(stats, option=orjson.OPT_INDENT_2))
        shutil.rmtree(layout.work, ignore_errors=True)
        from gristmill.report import write_report

        write_report(layout.root)
        return RunResult(output=str(layout.root), stats=stats)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class Progress:
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
        """Add documents written and input bytes read."""
        if self._bar is None:
            return
        self._docs += docs
        if nbytes:
            self._bar.update(nbytes)
        rate = self._docs / max(time.monotonic() - self._started, 1e-9)
        self._bar.set_postfix_str(f"{self._docs:,} docs, {rate:,.0f} docs/s", refresh=False)

    def __enter__(self) -> Progress:
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
        "created": 0,
        "kept": sum(s.kept for t, s in records if t.stage == last_stage),
        "rejected": sum(s.rejected for _, s in records),
        "quarantined": sum(s.quarantined for s in first),
    }
    dropped: dict[str, int] = {}
    steps = merge_steps(s for _, s in records)
    for step in steps:
        for reason, count in step.dropped.items():
            dropped[reason] = dropped.get(reason, 0) + count
    # A step that yields more than it takes in (a page split into its sources) creates documents.
    totals["created"] = sum(s.docs_out - s.docs_in + sum(s.dropped.values()) for s in steps)
    return {
        "totals": totals,
        "dropped_by_reason": dict(sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))),
        "steps": [s.to_dict() for s in steps],
        "shards": shards,
        "errors": [e for _, s in records for e in s.errors],
        "seconds": round(seconds, 3),
    }
