"""The tasks an executor schedules: a stage over one shard, and a barrier's sign, group and link phases.

Each task writes its outputs under temporary names, renames them into place, and only then writes
its done-marker, so a task killed at any moment is simply done again, with the same bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from gristmill.document import Document
from gristmill.errors import BrokenInputError, InputError
from gristmill.io.base import excerpt_of
from gristmill.io.inputs import InputSpec, Shard
from gristmill.io.jsonl import JsonlReader
from gristmill.io.outputs import Writer, open_writer
from gristmill.layout import Layout, write_atomically
from gristmill.pipeline import Pipeline, Stage
from gristmill.stats import StepContext, StepStats, TaskStats, counted, settle_seconds, timed
from gristmill.steps.base import BarrierStep

ProgressFn = Callable[[int, int], None]  # (documents, input bytes)


@dataclass(frozen=True)
class StageTask:
    """Run one stage of the pipeline over one shard."""

    stage: int
    shard: Shard

    @property
    def key(self) -> str:
        """The done-marker name."""
        return f"stage{self.stage}/{self.shard.index:05d}"


@dataclass(frozen=True)
class SignTask:
    """Compute the signatures of one shard for the barrier opening ``stage``."""

    stage: int
    shard: int

    @property
    def key(self) -> str:
        """The done-marker name."""
        return f"stage{self.stage}-sign/{self.shard:05d}"


@dataclass(frozen=True)
class GroupTask:
    """Group one bucket of signatures for the barrier opening ``stage``."""

    stage: int
    bucket: int
    shards: int

    @property
    def key(self) -> str:
        """The done-marker name."""
        return f"stage{self.stage}-group/{self.bucket:03d}"


@dataclass(frozen=True)
class LinkTask:
    """Join what every bucket found, once for the whole corpus, for the barrier opening ``stage``."""

    stage: int
    shards: int

    @property
    def key(self) -> str:
        """The done-marker name."""
        return f"stage{self.stage}-link"


Task = StageTask | SignTask | GroupTask | LinkTask


def run_task(pipeline: Pipeline, task: Task, progress: ProgressFn | None = None) -> TaskStats:
    """Run one task to completion and write its done-marker; return its stats."""
    layout = Layout(pipeline.output.path)
    stage = pipeline.stages()[task.stage]
    if isinstance(task, StageTask):
        stats = _run_stage(pipeline, stage, task.shard, layout, progress)
    elif isinstance(task, SignTask):
        stats = TaskStats()
        barrier = _barrier(stage)
        work = _work_folder(layout, task.stage)
        barrier.sign(_intermediate(layout, task.stage - 1, task.shard), task.shard, work)
    elif isinstance(task, GroupTask):
        stats = TaskStats()
        _barrier(stage).group(task.bucket, task.shards, _work_folder(layout, task.stage))
    else:
        stats = TaskStats()
        _barrier(stage).link(task.shards, _work_folder(layout, task.stage))
    layout.mark_done(task.key, stats.to_dict())
    return stats


def _barrier(stage: Stage) -> BarrierStep:
    assert stage.barrier is not None, "sign and group tasks belong to a barrier"
    return stage.barrier


def _work_folder(layout: Layout, stage: int) -> Path:
    work = layout.barrier_work(stage)
    work.mkdir(parents=True, exist_ok=True)
    return work


def _intermediate(layout: Layout, stage: int, shard: int) -> Iterator[Document]:
    """Read back what a stage handed to the barrier after it."""
    path = str(layout.stage_input(stage, shard))
    return JsonlReader().read(path, _NoQuarantine())


class _NoQuarantine:
    """The sink for gristmill's own intermediate files, which are never malformed."""

    def quarantine(self, path: str, where: str, reason: str, excerpt: bytes | str = b"") -> None:
        raise InputError(f"{path}: {where}: {reason} (an intermediate file was damaged; rerun)")

    def progress(self, nbytes: int) -> None:
        pass


class _Outputs:
    """The temporary files a stage task writes, renamed into place together at the end."""

    def __init__(self) -> None:
        self._open: dict[Path, tuple[Path, Writer]] = {}

    def writer(self, final: Path, fmt: str) -> Writer:
        if final not in self._open:
            # The temporary name keeps the final suffix: it decides the compression.
            tmp = final.with_name(f".tmp.{final.name}")
            tmp.parent.mkdir(parents=True, exist_ok=True)
            self._open[final] = (tmp, open_writer(str(tmp), fmt))
        return self._open[final][1]

    def commit(self, expected: Iterable[Path]) -> None:
        for final, (tmp, writer) in self._open.items():
            writer.close()
            tmp.replace(final)
        # A file an earlier, killed attempt left must not survive when this attempt wrote none.
        for final in expected:
            if final not in self._open:
                final.unlink(missing_ok=True)

    def abandon(self) -> None:
        for tmp, writer in self._open.values():
            try:
                writer.close()
            finally:
                tmp.unlink(missing_ok=True)


class _Sink:
    """Collects quarantined records and progress for a stage-0 task."""

    def __init__(self, path: Path, stats: TaskStats, progress: ProgressFn | None):
        self._path = path
        self._stats = stats
        self._progress = progress
        self._lines: list[bytes] = []

    def quarantine(self, path: str, where: str, reason: str, excerpt: bytes | str = b"") -> None:
        self._stats.read += 1
        self._stats.quarantined += 1
        record = {"file": path, "where": where, "reason": reason, "excerpt": excerpt_of(excerpt)}
        self._lines.append(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))

    def progress(self, nbytes: int) -> None:
        if self._progress is not None:
            self._progress(0, nbytes)

    def flush(self) -> None:
        if self._lines:
            write_atomically(self._path, b"".join(self._lines))
        else:
            self._path.unlink(missing_ok=True)


def _read_shard(spec: InputSpec, shard: Shard, sink: _Sink, stats: TaskStats) -> Iterator[Document]:
    """Yield the shard's documents; a file that breaks off is quarantined from that point."""
    reader = spec.reader(shard.format)
    for path in shard.files:
        before = stats.read
        try:
            for doc in reader.read(path, sink):
                stats.read += 1
                yield doc
        except BrokenInputError as exc:
            sink.quarantine(path, f"byte {exc.offset}", str(exc.detail))
            stats.errors.append(str(exc))
        except InputError as exc:
            stats.errors.append(str(exc))
        else:
            if stats.read == before:  # an empty file is reported, not passed over in silence
                sink.quarantine(path, "file", f"no {shard.format} records in the file")


def _run_stage(
    pipeline: Pipeline, stage: Stage, shard: Shard, layout: Layout, progress: ProgressFn | None
) -> TaskStats:
    stats = TaskStats()
    outputs = _Outputs()
    suffix = pipeline.output.suffix
    fmt = pipeline.output.format
    rejected_path = layout.rejected_file(shard.index, stage.index, suffix)
    last = stage.index == len(pipeline.stages()) - 1
    if last:
        kept_path, kept_fmt = layout.kept_file(shard.index, suffix), fmt
    else:
        kept_path, kept_fmt = layout.stage_input(stage.index, shard.index), "jsonl"
    sink = _Sink(layout.quarantine_file(shard.index), stats, progress)

    def reject(doc: Document) -> None:
        stats.rejected += 1
        outputs.writer(rejected_path, fmt).write(doc)

    source_time = StepStats(-1, "read")
    if stage.index == 0:
        stream: Iterable[Document] = timed(_read_shard(pipeline.input, shard, sink, stats), source_time)
    else:
        stream = timed(_intermediate(layout, stage.index - 1, shard.index), source_time)

    for position, step in stage.steps:
        step_stats = StepStats(position, step.name)
        stats.steps.append(step_stats)
        ctx = StepContext(step_stats, reject)
        if step is stage.barrier:
            work = layout.barrier_work(stage.index)
            applied = stage.barrier.decide(counted(stream, step_stats), shard.index, work, ctx)
        else:
            applied = step.apply(counted(stream, step_stats), ctx)
        stream = timed(applied, step_stats)

    kept_writer = outputs.writer(kept_path, kept_fmt)
    pending = written = 0
    last_report = time.monotonic()
    try:
        for doc in stream:
            kept_writer.write(doc)
            written += 1
            pending += 1
            if progress is not None and time.monotonic() - last_report > 0.2:
                progress(pending, 0)
                pending, last_report = 0, time.monotonic()
    except BaseException:
        outputs.abandon()
        raise
    if progress is not None and pending:
        progress(pending, 0)
    settle_seconds(stats.steps, source_time.cumulative)
    if last:
        stats.kept = written
    sink.flush()
    outputs.commit([rejected_path, kept_path])
    return stats
