"""The tasks an executor schedules: a stage over one shard, and a barrier's sign, group, link and join phases.

Each task writes its outputs under temporary names, renames them into place, and only then writes
its done-marker, so a task killed at any moment is simply done again, with the same bytes. For an
output on an object store, "into place" means published (see ``engine.layout``), marker last.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import orjson

from gristmill.document import Document, json_bytes
from gristmill.engine.isolate import Isolated, PassOn, write_now
from gristmill.engine.layout import Layout, disk_full_as_error, temporary_name
from gristmill.engine.manifest import check_unchanged
from gristmill.errors import BrokenInputError, DamagedRowsError, InputError, RunFailedError
from gristmill.io.atomic import write_atomically
from gristmill.io.base import SOURCE_FILE, excerpt_of, quarantine_damage
from gristmill.io.inputs import InputSpec, Shard, written_by_a_run
from gristmill.io.jsonl import JsonlReader
from gristmill.io.outputs import Writer, open_writer
from gristmill.io.schema import Schema
from gristmill.pipeline import Pipeline, Stage
from gristmill.stats import StepContext, StepStats, TaskStats, settle_seconds, timed
from gristmill.steps.base import BarrierStep, Step

if TYPE_CHECKING:
    from gristmill.steps.tokenize import Tokenize

ProgressFn = Callable[[int, int], None]  # (documents, input bytes)
UNSETTLED = "link_unsettled"  # what a link task's done-marker adds to its stats


@dataclass(frozen=True)
class StageTask:
    """Run one stage of the pipeline over one shard; ``formats``: the run's input formats (its schema)."""

    stage: int
    shard: Shard
    formats: tuple[str, ...] = ()

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
    """Group the buckets ``first`` to ``stop`` - 1 (a hash range) for the barrier opening ``stage``."""

    stage: int
    first: int
    stop: int
    shards: int

    @property
    def buckets(self) -> range:
        """The buckets this task groups, one after another."""
        return range(self.first, self.stop)

    @property
    def key(self) -> str:
        """The done-marker name (the range in it: a resume split otherwise groups its buckets again)."""
        return f"stage{self.stage}-group/{self.first:04d}-{self.stop:04d}"


@dataclass(frozen=True)
class LinkTask:
    """Join what every bucket found, once for the whole corpus, for the barrier opening ``stage``."""

    stage: int
    shards: int

    @property
    def key(self) -> str:
        """The done-marker name."""
        return f"stage{self.stage}-link"


@dataclass(frozen=True)
class JoinTask:
    """One pass of a barrier's per-shard link (``BarrierStep.join``), for a part of the shards."""

    stage: int
    part: int
    shards: int
    step: int = 0

    @property
    def key(self) -> str:
        """The done-marker name."""
        return f"stage{self.stage}-join/{self.step:02d}-{self.part:05d}"


@dataclass(frozen=True)
class ClusterTask:
    """One part's task in one round of the distributed link (:mod:`gristmill.dedup.components`)."""

    stage: int
    step: int
    op: str
    part: int
    sources: int
    shards: int

    @property
    def key(self) -> str:
        """The done-marker name."""
        return f"stage{self.stage}-link/{self.step:03d}-{self.part:05d}"


BarrierTask = SignTask | GroupTask | LinkTask | JoinTask | ClusterTask
Task = StageTask | BarrierTask


def run_task(pipeline: Pipeline, task: Task, progress: ProgressFn | None = None) -> TaskStats:
    """Run one task to completion and write its done-marker; return its stats."""
    pipeline.input.use_storage()
    layout = Layout(pipeline.output.path, pipeline.output.storage_options)
    with disk_full_as_error(layout):
        return _run_task(pipeline, task, layout, progress)


def _run_task(pipeline: Pipeline, task: Task, layout: Layout, progress: ProgressFn | None) -> TaskStats:
    stage = pipeline.stages()[task.stage]
    if isinstance(task, StageTask):
        if task.stage > 0:
            layout.fetch_files([layout.stage_input(task.stage - 1, task.shard.index)])
            layout.fetch(layout.barrier_work(task.stage))
        stats = _run_stage(pipeline, stage, task, layout, progress)
    else:
        stats = TaskStats()
        work = _work_folder(layout, task.stage)
        before = _files_in(work) if layout.remote is not None else {}
        unsettled = _run_barrier_task(stage, task, work, layout, progress)
        if layout.remote is not None:
            after = _files_in(work)
            layout.publish(sorted(p for p, state in after.items() if before.get(p) != state))
        if isinstance(task, ClusterTask):
            # The next round is planned from this count, also on a resume after the work folder is gone.
            layout.mark_done(task.key, {**stats.to_dict(), UNSETTLED: unsettled})
            return stats
    layout.mark_done(task.key, stats.to_dict())
    return stats


def _run_barrier_task(
    stage: Stage, task: BarrierTask, work: Path, layout: Layout, progress: ProgressFn | None
) -> int | None:
    """Run a barrier task (sign, group, link, join) in ``work``; a link round returns its unsettled count.

    Each attempt names its temporary files by its task and first clears what a killed attempt of the
    same task left; group tasks do so per bucket, as a resume may split buckets otherwise.
    """
    # Imported here: the dedup package brings numpy, which a run without a barrier never needs.
    from gristmill.dedup.scratch import task_scratch

    if isinstance(task, GroupTask):
        layout.fetch(work)
        for bucket in task.buckets:
            with task_scratch(work, f"stage{task.stage}-group-{bucket:04d}"):
                _barrier(stage).group(bucket, task.shards, work)
        return None
    with task_scratch(work, task.key.replace("/", "-")):
        if isinstance(task, SignTask):
            layout.fetch_files([layout.stage_input(task.stage - 1, task.shard)])
            docs = _intermediate(layout, task.stage - 1, task.shard, progress)
            # Counted as they are read, so a sign phase's rate and ETA move before its first task ends.
            _barrier(stage).sign(_reported(docs, progress), task.shard, work)
            return None
        layout.fetch(work)
        if isinstance(task, ClusterTask):
            from gristmill.dedup import components

            return components.run_task(work, task.step, task.op, task.part, task.sources, task.shards)
        if isinstance(task, JoinTask):
            from gristmill.dedup import components

            shards = components.Split.of(task.shards).shards_in(task.part)
            _barrier(stage).join(task.step, shards, task.shards, work)
        else:
            _barrier(stage).link(task.shards, work)
        return None


def _files_in(folder: Path) -> dict[Path, tuple[int, int]]:
    """The finished files under ``folder`` (temporary ones start with a dot), with size and time."""
    found: dict[Path, tuple[int, int]] = {}
    for path in folder.rglob("*"):
        if not path.name.startswith("."):
            try:
                stat = path.stat()
            except FileNotFoundError:  # another task's file, replaced while we looked
                continue
            if not path.is_dir():
                found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def _barrier(stage: Stage) -> BarrierStep:
    assert stage.barrier is not None, "sign and group tasks belong to a barrier"
    return stage.barrier


def _work_folder(layout: Layout, stage: int) -> Path:
    work = layout.barrier_work(stage)
    work.mkdir(parents=True, exist_ok=True)
    return work


def _intermediate(
    layout: Layout, stage: int, shard: int, progress: ProgressFn | None = None
) -> Iterator[Document]:
    """Read back what a stage handed to the barrier after it, telling ``progress`` the bytes read."""
    path = str(layout.stage_input(stage, shard))
    return JsonlReader().read(path, _NoQuarantine(progress))


class _NoQuarantine:
    """The sink for gristmill's own intermediate files, which are never malformed."""

    def __init__(self, progress: ProgressFn | None = None) -> None:
        self._progress = progress

    def quarantine(
        self, path: str, where: str, reason: str, excerpt: bytes | str = b"", records: int = 1
    ) -> None:
        raise InputError(f"{path}: {where}: {reason} (an intermediate file was damaged; rerun)")

    def progress(self, nbytes: int) -> None:
        if self._progress is not None:
            self._progress(0, nbytes)


class _Outputs:
    """The temporary files a stage task writes, renamed into place together at the end."""

    def __init__(self) -> None:
        self._open: dict[Path, tuple[Path, Writer]] = {}
        self._files: dict[Path, tuple[Path, BinaryIO]] = {}  # side outputs steps write themselves

    @staticmethod
    def _temporary(final: Path) -> Path:
        # The temporary name keeps the final suffix (it decides the compression) and is unique to
        # this attempt, so two attempts at one task (a retry beside a straggler) never share a file.
        tmp = final.with_name(temporary_name(final.name))
        tmp.parent.mkdir(parents=True, exist_ok=True)
        return tmp

    def file(self, final: Path) -> BinaryIO:
        """Open a side output a step writes raw bytes to (tokens), committed with the rest."""
        if final in self._files:
            raise ValueError(f"side output {final.name!r} is opened twice in one task")
        tmp = self._temporary(final)
        self._files[final] = (tmp, tmp.open("wb"))
        return self._files[final][1]

    def writer(self, final: Path, fmt: str, schema: Schema | None = None) -> Writer:
        if final not in self._open:
            tmp = self._temporary(final)
            self._open[final] = (tmp, open_writer(str(tmp), fmt, schema))
        return self._open[final][1]

    def commit(self, expected: Iterable[Path]) -> list[Path]:
        """Rename every output into place; return the final paths written or removed (to publish)."""
        touched = [*self._open, *self._files]
        for final, (tmp, writer) in self._open.items():
            writer.close()
            tmp.replace(final)
        for final, (tmp, handle) in self._files.items():
            handle.close()
            tmp.replace(final)
        # A file an earlier, killed attempt left must not survive when this attempt wrote none.
        for final in expected:
            if final not in self._open:
                final.unlink(missing_ok=True)
                touched.append(final)
        return touched

    def abandon(self) -> None:
        for tmp, writer in self._open.values():
            try:
                writer.close()
            finally:
                tmp.unlink(missing_ok=True)
        for tmp, handle in self._files.values():
            handle.close()
            tmp.unlink(missing_ok=True)


class _Sink:
    """Collects a stage task's quarantined records (unreadable input, documents a step raised on)."""

    def __init__(
        self,
        path: Path,
        stats: TaskStats,
        progress: ProgressFn | None,
        files: Mapping[str, str] | None = None,
    ):
        self.path = path
        self._stats = stats
        self._progress = progress
        self._lines: list[bytes] = []
        # The shard's input files by the name documents give them (meta.source_file), to name the
        # file a document a step raises on came from as the pipeline gave it, so a user can open it.
        self._files = dict(files or {})
        # Where the reader's records go: to the first step, which holds them while it holds documents.
        self.read_records: PassOn = write_now

    def quarantine(
        self, path: str, where: str, reason: str, excerpt: bytes | str = b"", records: int = 1
    ) -> None:
        self._stats.read += records
        self._stats.quarantined += records
        record: dict[str, object] = {
            "file": path,
            "where": where,
            "reason": reason,
            "excerpt": excerpt_of(excerpt),
        }
        if records != 1:
            record["records"] = records
        self.read_records(partial(self._lines.append, orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)))

    def step_error(self, step: str, doc: Document, exc: BaseException, records: PassOn) -> None:
        """Set aside a document a step raised on, whole, with the step and the error, through ``records``."""
        self._stats.quarantined += 1
        record = {
            "file": self.file_of(doc),
            "where": f"document {doc.id}",
            "reason": f"{step}:error:{type(exc).__name__}: {_one_line(exc)}",
            "step": step,
            "document": doc.to_record(),
        }
        line = json_bytes(record, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS)
        records(partial(self._lines.append, line))

    def file_of(self, doc: Document) -> str:
        """The input file ``doc`` came from, as the pipeline named it ("" when unknown)."""
        name = doc.meta.get(SOURCE_FILE)
        if isinstance(name, str) and name in self._files:
            return self._files[name]
        if len(self._files) == 1:  # a record that named another source_file itself
            return next(iter(self._files.values()))
        return name if isinstance(name, str) else ""

    def progress(self, nbytes: int) -> None:
        if self._progress is not None:
            self._progress(0, nbytes)

    def flush(self) -> None:
        if self._lines:
            write_atomically(self.path, b"".join(self._lines))
        else:
            self.path.unlink(missing_ok=True)


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_shard(spec: InputSpec, shard: Shard, sink: _Sink, stats: TaskStats) -> Iterator[Document]:
    """Yield the shard's documents; a file that breaks off is quarantined from that point."""
    reader = spec.reader(shard.format)
    for number, path in enumerate(shard.files):
        before = stats.read
        try:
            for doc in reader.documents(path, sink):
                stats.read += 1
                yield doc
        except (BrokenInputError, DamagedRowsError) as exc:  # read on past it, or cut: reported
            quarantine_damage(sink, path, exc)
            stats.errors.append(str(exc))
        except InputError as exc:  # a file that cannot be opened, or read on, is quarantined from there
            met = stats.read - before
            reason = str(exc).removeprefix(f"{path}: ")
            sink.quarantine(path, "file" if met == 0 else f"after record {met}", reason)
            stats.errors.append(str(exc))
        else:
            # An empty file is reported, not passed over in silence; a WARC of requests is not empty,
            # nor is an earlier run's shard that kept no document: both read as no document.
            if stats.read == before and not reader.holds_other_records(path) and not written_by_a_run(path):
                sink.quarantine(path, "file", f"no {shard.format} records in the file")
        if shard.stamps:
            check_unchanged(path, shard.stamps[number])


def _run_stage(
    pipeline: Pipeline, stage: Stage, task: StageTask, layout: Layout, progress: ProgressFn | None
) -> TaskStats:
    shard = task.shard
    stats = TaskStats()
    outputs = _Outputs()
    suffix = pipeline.output.suffix
    fmt = pipeline.output.format
    formats = task.formats or (shard.format,)
    rejected_schema = pipeline.rejected_schema(formats)
    rejected_path = layout.rejected_file(shard.index, stage.index, suffix)
    last = stage.index == len(pipeline.stages()) - 1
    kept_schema: Schema | None = pipeline.kept_schema(formats)
    if last:
        kept_path, kept_fmt = layout.kept_file(shard.index, suffix), fmt
    else:  # handed to the barrier whole, as it is
        kept_path, kept_fmt, kept_schema = layout.stage_input(stage.index, shard.index), "jsonl", None
    names = pipeline.input.reader_options
    files = {names.name_of(path): path for path in shard.files}
    sink = _Sink(layout.quarantine_file(shard.index, stage.index), stats, progress, files)

    def write_rejected(doc: Document) -> None:
        outputs.writer(rejected_path, fmt, rejected_schema).write(doc)

    def rejecting(records: PassOn) -> Callable[[Document], None]:
        def reject(doc: Document) -> None:
            stats.rejected += 1
            records(partial(write_rejected, doc))

        return reject

    count_tokens = _token_counter(pipeline)
    source_time = StepStats(-1, "read")
    if stage.index == 0:
        source: Iterable[Document] = _read_shard(pipeline.input, shard, sink, stats)
    else:
        source = _intermediate(layout, stage.index - 1, shard.index, progress)
    stream: Iterable[Document] = timed(_reported(source, progress), source_time)

    # Built from the last step back: a step's records (rejected, quarantined) go to the step after it,
    # which holds them while it holds documents that came in before them, so they keep input order.
    chain: list[tuple[Step, StepStats, Isolated, PassOn]] = []
    records: PassOn = write_now
    for position, step in reversed(stage.steps):
        step_stats = StepStats(position, step.name, lines_removed=None if step.extracts_text else 0)
        before_tokenize = count_tokens is not None and position < count_tokens.position
        if count_tokens is not None:
            step_stats.tokens_dropped = 0
            step_stats.tokens_out = None if before_tokenize else 0
        isolated = Isolated(
            step_stats,
            _error_handler(sink, step.name, stats, pipeline.max_errors, records, shard.index),
            restartable=step is not stage.barrier,
            count_tokens=count_tokens if before_tokenize else None,
            records=records,
        )
        chain.append((step, step_stats, isolated, records))
        records = isolated.hold
    sink.read_records = records

    for step, step_stats, isolated, records in reversed(chain):
        stats.steps.append(step_stats)
        ctx = StepContext(
            step_stats,
            isolated.settling(rejecting(records)),
            shard=shard.index,
            open_output=lambda name: outputs.file(layout.side_file(name)),
            on_error=isolated.setting_aside(),
        )
        apply = _apply_fn(stage, step, shard.index, layout, ctx)
        stream = timed(isolated.run(apply, stream), step_stats)

    kept_writer = outputs.writer(kept_path, kept_fmt, kept_schema)
    written = 0
    try:
        for doc in stream:
            kept_writer.write(doc)
            written += 1
        _check_accounting(stats, shard, stage)
    except BaseException:
        outputs.abandon()
        raise
    settle_seconds(stats.steps, source_time.cumulative)
    if last:
        stats.kept = written
    sink.flush()
    published = [*outputs.commit([rejected_path, kept_path]), sink.path]
    layout.publish(published)
    layout.release(published)
    return stats


class _TokenCounter:
    """Counts a text's tokens with the pipeline's ``tokenize`` step, which stands at ``position``."""

    def __init__(self, step: Tokenize, position: int) -> None:
        self.step = step
        self.position = position

    def __call__(self, text: str) -> int:
        return self.step.count_tokens(text)


def _token_counter(pipeline: Pipeline) -> _TokenCounter | None:
    """The counter of tokens for the run's stats, when the pipeline tokenizes (its first tokenize step)."""
    # A tokenize step exists only once its module was imported (with numpy): a run without one
    # does not import it here.
    tokenize = sys.modules.get("gristmill.steps.tokenize")
    if tokenize is None:
        return None
    for position, step in enumerate(pipeline.steps):
        if isinstance(step, tokenize.Tokenize):
            return _TokenCounter(step, position)
    return None


def _reported(docs: Iterable[Document], progress: ProgressFn | None) -> Iterator[Document]:
    """Pass documents on, telling ``progress`` how many came in, a few times a second."""
    if progress is None:
        yield from docs
        return
    pending = 0
    last_report = time.monotonic()
    for doc in docs:
        pending += 1
        if time.monotonic() - last_report > 0.2:
            progress(pending, 0)
            pending, last_report = 0, time.monotonic()
        yield doc
    if pending:
        progress(pending, 0)


def _apply_fn(
    stage: Stage, step: object, shard: int, layout: Layout, ctx: StepContext
) -> Callable[[Iterable[Document]], Iterator[Document]]:
    """The step's map over a stream: ``decide`` for the barrier opening the stage, else ``apply``."""
    barrier = stage.barrier
    if step is barrier and barrier is not None:
        work = layout.barrier_work(stage.index)
        return lambda docs: barrier.decide(docs, shard, work, ctx)
    assert isinstance(step, Step)
    return lambda docs: step.apply(docs, ctx)


def _error_handler(
    sink: _Sink, step: str, stats: TaskStats, max_errors: float, records: PassOn, shard: int
) -> Callable[[Document, BaseException], None]:
    """Quarantine a document a step raised on; fail the task early when errors are far past the limit."""

    def on_error(doc: Document, exc: BaseException) -> None:
        sink.step_error(step, doc, exc, records)
        errors = sum(s.errors for s in stats.steps)
        seen = max((s.docs_in for s in stats.steps), default=0)
        # A step that fails on most documents would grind through the corpus: stop at once instead.
        if errors >= _EARLY_FAILURE_ERRORS and errors > max_errors * seen:
            raise RunFailedError(
                f"step {step!r} raised on {errors:,} of {seen:,} documents of shard {shard:05d} (last: "
                f"document {doc.id} of {sink.file_of(doc)}, {type(exc).__name__}: {_one_line(exc)}), "
                f"over max_errors={max_errors}: raise max_errors in the pipeline and run it again to go on"
            )

    return on_error


_EARLY_FAILURE_ERRORS = 100


def _check_accounting(stats: TaskStats, shard: Shard, stage: Stage) -> None:
    """Fail the task when a step took in a document and neither yielded, dropped nor quarantined it."""
    for step in stats.steps:
        lost = step.unaccounted()
        if lost:
            what = (
                f"lost {lost:,} document(s)"
                if lost > 0
                else f"yielded {-lost:,} document(s) it neither took in nor made with ctx.create"
            )
            raise RunFailedError(
                f"step {step.name!r} {what} in shard {shard.index:05d} of stage {stage.index} "
                f"(in {step.docs_in:,}, created {step.created:,}, out {step.docs_out:,}, "
                f"dropped {sum(step.dropped.values()):,}, errors {step.errors:,}): "
                "a step must yield or reject every document it takes in, and make new ones with ctx.create"
            )
