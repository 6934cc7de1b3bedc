"""A run from start to end: lock, check, plan, run each phase's unfinished tasks, account, report."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
import yaml

from gristmill.engine.accounting import check_totals, collect_stats
from gristmill.engine.layout import SIDE_FOLDERS, Layout, disk_full_as_error, recorded_config
from gristmill.engine.lock import OutputLock
from gristmill.engine.manifest import check_manifest
from gristmill.engine.plan import Phase, plan_phases
from gristmill.engine.progress import Progress, ProgressOptions
from gristmill.engine.signals import interruptible
from gristmill.engine.tasks import Task
from gristmill.engine.volume import task_bytes
from gristmill.io.atomic import write_atomically
from gristmill.io.inputs import Shard
from gristmill.pipeline import Pipeline
from gristmill.stats import TaskStats

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run did: the contents of ``stats.json``, and where the output is."""

    output: str
    stats: dict[str, Any] = field(default_factory=dict)
    tasks_run: int | None = None  # by this command: 0 where every task was done before (a rerun)

    @property
    def errors(self) -> list[str]:
        """Inputs that broke off or could not be read; a run with errors exits non-zero."""
        errors: list[str] = self.stats.get("errors", [])
        return errors

    @property
    def totals(self) -> dict[str, int]:
        """``read``, ``created``, ``kept``, ``rejected`` and ``quarantined`` document counts."""
        totals: dict[str, int] = self.stats["totals"]
        return totals


class TaskRunner(Protocol):
    """Where tasks run: what an executor gives the engine."""

    # How many tasks run at once, when known: a barrier's group phase has as many tasks.
    workers: int | None

    def run_tasks(self, pipeline: Pipeline, tasks: Sequence[Task], bar: Progress) -> None:
        """Run every task of one phase to completion; raise the first task error."""


def run_pipeline(
    pipeline: Pipeline,
    runner: TaskRunner,
    *,
    overwrite: bool = False,
    progress: ProgressOptions | None = None,
) -> RunResult:
    """Run every task of ``pipeline`` not yet done, then write ``stats.json`` and the report."""
    started = time.time()
    pipeline.input.use_storage()
    layout = Layout(pipeline.output.path, pipeline.output.storage_options)
    # Listing the input fails on a missing path before anything is written.
    shards = pipeline.input.shards(exclude=layout.name)
    pipeline.check_references_outside(layout.name)
    # Field names (output.fields, input.meta_keys, a step's url_field) are checked before anything is written.
    formats = {shard.format for shard in shards}
    pipeline.kept_schema(formats)
    pipeline.check_language_codes()
    pipeline.input.check_field_names(shards, step_meta=pipeline.meta_keys_read())
    pipeline.warn_markup_kept(formats)
    pipeline.warn_english_stop_words()
    layout.create()
    with interruptible(), OutputLock(layout), disk_full_as_error(layout):
        layout.begin()
        config = pipeline.to_config()
        recorded = recorded_config(config)
        layout.check_same_pipeline(recorded, overwrite)
        # After the checks that need no signature (a reference in the output folder, another pipeline's
        # run), but before the folder is claimed: a reference that cannot be read leaves no run behind
        # to refuse the corrected one. A refusal after this (changed code or inputs) finds them cached.
        pipeline.prepare_references()
        layout.prepare(recorded, overwrite)
        layout.check_code(pipeline.step_code())
        shards = check_manifest(layout, shards)
        pipeline.warn_no_steps()  # once the run is sure to start: not before an error that stops it
        spent = layout.seconds_spent()  # by the commands before this one
        try:
            phases, tasks_run = _run_phases(pipeline, runner, layout, shards, config, progress)
        except BaseException:
            with contextlib.suppress(Exception):  # an interrupted command's time went into the run too
                layout.record_seconds(spent + time.time() - started)
            raise
        command = time.time() - started
        layout.record_seconds(spent + command)
        stats = collect_stats(layout, phases, len(shards), spent + command, command)
        repeated = _repeated_ids(pipeline, layout, len(shards))
        if repeated is not None:
            stats["repeated_ids"] = repeated
        write_atomically(layout.stats, orjson.dumps(stats, option=orjson.OPT_INDENT_2))
        layout.publish([layout.stats])
        layout.remove_work()
        # Every task is done, so no temporary file left in these folders belongs to a live attempt.
        sides = [layout.root / side for side in SIDE_FOLDERS]
        layout.sweep([layout.kept, layout.rejected, layout.quarantine, *sides])
        from gristmill.report import write_report

        shard_files = layout.fetch_samples([layout.kept, layout.rejected])
        write_report(layout.root, title=layout.name, shard_files={f.name: n for f, n in shard_files.items()})
        layout.publish([layout.report])
        check_totals(stats, pipeline.max_errors)
    layout.finish()
    # Said here, not only by the CLI: a script calling Pipeline.run() sees them on its console too.
    for error in stats.get("errors", []):
        log.error("%s", error)
    return RunResult(output=layout.name, stats=stats, tasks_run=tasks_run)


def _run_phases(
    pipeline: Pipeline,
    runner: TaskRunner,
    layout: Layout,
    shards: list[Shard],
    config: dict[str, Any],
    progress: ProgressOptions | None,
) -> tuple[list[Phase], int]:
    """Record the pipeline, then run each phase's unfinished tasks.

    Return the phases (follow-ups too) and how many tasks this command ran.
    """
    write_atomically(layout.pipeline_file, yaml.safe_dump(config, sort_keys=False).encode())
    layout.publish([layout.pipeline_file])
    phases = plan_phases(pipeline, shards, layout.group_workers(runner.workers))
    planned = [(phase.name, len(phase.tasks)) for phase in phases]
    ran = 0
    with Progress(progress or ProgressOptions(), len(phases), planned=planned) as bar:
        index = 0
        while index < len(phases):
            phase = phases[index]
            finished = {t.key for t in phase.tasks if layout.is_done(t.key)}
            done = [t for t in phase.tasks if t.key in finished]
            todo = [t for t in phase.tasks if t.key not in finished]
            sizes = task_bytes(layout, phase, phases[index - 1] if index else None)
            bar.start_phase(
                phase.name,
                index,
                tasks=len(phase.tasks),
                done=len(done),
                docs=sum(bar.documents(t, TaskStats.from_dict(layout.read_marker(t.key))) for t in done),
                nbytes=sum(sizes[t.key] for t in done),
                total_bytes=sum(sizes.values()),
                sizes=sizes,
            )
            if todo:
                runner.run_tasks(pipeline, todo, bar)
                ran += len(todo)
            bar.end_phase()
            following = phase.follow(layout) if phase.follow else None
            if following is not None:
                phases.insert(index + 1, following)
                bar.add_phase(following.name, len(following.tasks))
            index += 1
    return phases, ran


# The format of _state/repeated_ids.json: 2 since the count leaves a reference's shard out.
_REPEATED_IDS_FORMAT = 2


def _repeated_ids(pipeline: Pipeline, layout: Layout, shards: int) -> dict[str, Any] | None:
    """Count the ids more than one document holds, where a barrier names documents by id; say so.

    The first such barrier's count (the documents it saw), kept in ``_state`` for a rerun of the
    finished run (its work folder is gone); None where no barrier names documents, where the
    barrier's work was begun by a version that kept no hashes, or where the count kept is stale and
    its hashes are gone.
    """
    stage = next((s for s in pipeline.stages() if s.barrier and s.barrier.names_documents), None)
    if stage is None or stage.barrier is None:
        return None
    signed = stage.barrier.signed_shards(shards)  # a reference signs as shard 0, the input after it
    kept = layout.state / "repeated_ids.json"
    entry: dict[str, Any] | None = orjson.loads(kept.read_bytes()) if kept.is_file() else None
    # A count kept without "format" (before 2) took a reference's shard for input: stale where one was set.
    stale = entry is not None and entry.pop("format", 1) < _REPEATED_IDS_FORMAT and signed != shards
    if entry is None or stale:
        # Imported here: numpy, which a run without a barrier never needs.
        from gristmill.dedup.repeated_ids import ID_HASHES, repeated_ids

        work = layout.barrier_work(stage.index)
        layout.fetch(work, prefix=f"{ID_HASHES}-")
        found = repeated_ids(work, range(signed - shards, signed), fetch=layout.fetch_files)
        if found is None:
            if stale:
                log.warning(
                    "repeated_ids: the count an earlier version kept in %s took the reference for input "
                    "and is left out of stats.json; the ids it was counted from are gone with the run's "
                    "work folder (run again with --overwrite to count them)",
                    kept,
                )
            return None
        entry = {"step": stage.barrier.name, **found.to_dict()}
        write_atomically(kept, orjson.dumps({**entry, "format": _REPEATED_IDS_FORMAT}))
        layout.publish([kept])
    if entry["ids"]:
        log.warning(
            "input: %s held by more than one document (%s documents; %r for one): "
            "where %s names a document by such an id (duplicate_of, dup_cluster, copied_from, mirror_of, "
            "copied_by), it may mean any of them; give input.id_key a field whose values are unique",
            "1 document id is" if entry["ids"] == 1 else f"{entry['ids']:,} document ids are each",
            f"{entry['documents']:,}",
            entry.get("example"),
            entry["step"],
        )
    return entry
