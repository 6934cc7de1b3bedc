"""Planning a run: the phases of tasks, in order, that a pipeline over some shards needs."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from gristmill.engine.tasks import GroupTask, LinkTask, SignTask, StageTask, Task
from gristmill.io import storage
from gristmill.io.inputs import Shard
from gristmill.pipeline import Pipeline
from gristmill.stats import TaskStats


@dataclass(frozen=True)
class Phase:
    """Tasks that may run in any order, all done before the next phase starts; ``name`` is for people."""

    name: str
    tasks: tuple[Task, ...]


def plan_phases(pipeline: Pipeline, shards: list[Shard]) -> list[Phase]:
    """Return the run's phases: stage 0 over every shard, then sign, group, link, decide per barrier."""
    formats = tuple(sorted({shard.format for shard in shards}))
    phases = [Phase("read and steps", tuple(StageTask(0, shard, formats) for shard in shards))]
    for stage in pipeline.stages()[1:]:
        barrier = stage.barrier
        assert barrier is not None, "every stage after the first opens with a barrier"
        phases += [
            Phase(f"{barrier.name} sign", tuple(SignTask(stage.index, shard.index) for shard in shards)),
            Phase(
                f"{barrier.name} group",
                tuple(GroupTask(stage.index, b, len(shards)) for b in range(barrier.buckets)),
            ),
            Phase(f"{barrier.name} link", (LinkTask(stage.index, len(shards)),)),
            Phase(
                f"{barrier.name} decide and steps",
                tuple(StageTask(stage.index, shard, formats) for shard in shards),
            ),
        ]
    return phases


def input_bytes(task: Task) -> int:
    """The input bytes a task reads from the user's files (stage 0 only), for progress."""
    if isinstance(task, StageTask) and task.stage == 0:
        return sum(_size(path) for path in task.shard.files)
    return 0


def documents_of(task: Task, stats: TaskStats) -> int:
    """The documents a finished task took in: records read in stage 0, the stage's input later."""
    if not isinstance(task, StageTask):
        return 0
    if task.stage == 0:
        return stats.read
    return stats.steps[0].docs_in if stats.steps else 0


@functools.lru_cache(maxsize=65536)  # asked at each phase's start: once per object is enough
def _size(path: str) -> int:
    try:
        return storage.object_state(path).size if storage.is_url(path) else os.path.getsize(path)
    except (OSError, storage.StorageError):
        return 0
