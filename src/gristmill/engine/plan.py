"""Planning a run: the phases of tasks, in order, that a pipeline over some shards needs."""

from __future__ import annotations

from gristmill.engine.tasks import GroupTask, LinkTask, SignTask, StageTask, Task
from gristmill.io.inputs import Shard
from gristmill.pipeline import Pipeline


def plan_phases(pipeline: Pipeline, shards: list[Shard]) -> list[list[Task]]:
    """Return the run's phases: stage 0 over every shard, then sign, group, link, decide per barrier."""
    phases: list[list[Task]] = [[StageTask(0, shard) for shard in shards]]
    for stage in pipeline.stages()[1:]:
        assert stage.barrier is not None, "every stage after the first opens with a barrier"
        phases.append([SignTask(stage.index, shard.index) for shard in shards])
        buckets = stage.barrier.buckets
        phases.append([GroupTask(stage.index, b, len(shards)) for b in range(buckets)])
        phases.append([LinkTask(stage.index, len(shards))])
        phases.append([StageTask(stage.index, shard) for shard in shards])
    return phases
