"""Planning a run: the phases of tasks, in order, that a pipeline over some shards needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gristmill.engine.layout import Layout
from gristmill.engine.tasks import (
    UNSETTLED,
    ClusterTask,
    GroupTask,
    JoinTask,
    LinkTask,
    SignTask,
    StageTask,
    Task,
)
from gristmill.errors import RunFailedError
from gristmill.io.inputs import Shard
from gristmill.pipeline import Pipeline
from gristmill.stats import TaskStats
from gristmill.steps.base import BarrierStep


@dataclass(frozen=True)
class Phase:
    """Tasks that may run in any order, all done before the next phase starts; ``name`` is for people."""

    name: str
    tasks: tuple[Task, ...]
    # The phase that comes next, known only once this one is done (the link's rounds), or None.
    follow: Callable[[Layout], Phase | None] | None = None


def plan_phases(pipeline: Pipeline, shards: list[Shard], workers: int | None = None) -> list[Phase]:
    """Return the run's phases: stage 0 over every shard, then sign, group, link, decide per barrier.

    A barrier's group phase has a task per worker (``workers``; None: a task per bucket), each
    merging a range of consecutive buckets one after another.
    """
    formats = tuple(sorted({shard.format for shard in shards}))
    phases = [Phase("read and steps", tuple(StageTask(0, shard, formats) for shard in shards))]
    for stage in pipeline.stages()[1:]:
        barrier = stage.barrier
        assert barrier is not None, "every stage after the first opens with a barrier"
        phases += [
            Phase(f"{barrier.name} sign", tuple(SignTask(stage.index, shard.index) for shard in shards)),
            Phase(
                f"{barrier.name} group",
                tuple(
                    GroupTask(stage.index, part.start, part.stop, len(shards))
                    for part in split_range(barrier.buckets, workers or barrier.buckets)
                ),
            ),
            *_link_phases(barrier, stage.index, barrier.signed_shards(len(shards))),
            Phase(
                f"{barrier.name} decide and steps",
                tuple(StageTask(stage.index, shard, formats) for shard in shards),
            ),
        ]
    return phases


def split_range(items: int, parts: int) -> list[range]:
    """``range(items)`` cut into ``parts`` consecutive ranges as even as can be (fewer when items < parts)."""
    parts = max(1, min(items, parts))
    return [range(items * p // parts, items * (p + 1) // parts) for p in range(parts)]


def _link_phases(barrier: BarrierStep, stage: int, shards: int) -> list[Phase]:
    """The barrier's link: the first round of the distributed link, its join passes, or one task."""
    # Imported here: the link's code brings numpy, which a run without a barrier never needs.
    from gristmill.dedup import components

    if barrier.finds_clusters:
        return [_round(barrier.name, stage, shards, 1, components.LARGE, barrier.buckets)]
    if barrier.join_passes:
        parts = components.Split.of(shards).parts
        return [
            Phase(
                f"{barrier.name} join per shard" + (f" {step + 1}/{barrier.join_passes}" if step else ""),
                tuple(JoinTask(stage, p, shards, step) for p in range(parts)),
            )
            for step in range(barrier.join_passes)
        ]
    return [Phase(f"{barrier.name} link", (LinkTask(stage, shards),))]


def _round(name: str, stage: int, shards: int, step: int, op: str, sources: int) -> Phase:
    """One step of the distributed link: a task per part of the shards; their markers plan the next."""
    from gristmill.dedup import components

    def follow(layout: Layout) -> Phase | None:
        unsettled = sum(int(layout.read_marker(t.key)[UNSETTLED]) for t in tasks)
        found = components.next_step(step, op, len(tasks), sources, unsettled)
        if found is None:
            return None
        if step >= _MAX_LINK_STEPS:
            raise RunFailedError(f"{name}: the link did not settle in {step} rounds; please report this")
        return _round(name, stage, shards, step + 1, *found)

    parts = components.Split.of(shards).parts
    tasks = tuple(ClusterTask(stage, step, op, part, sources, shards) for part in range(parts))
    operations = {
        components.LARGE: "large-star",
        components.SMALL: "small-star",
        components.RESOLVE: "name clusters",
        components.GATHER: "gather per shard",
    }
    return Phase(f"{name} link {step} ({operations[op]})", tasks, follow)


# Large-star and small-star settle in O(log² n) rounds at worst, a handful in practice.
_MAX_LINK_STEPS = 500


def documents_of(task: Task, stats: TaskStats) -> int:
    """The documents a finished task took in: records read in stage 0, the stage's input later."""
    if not isinstance(task, StageTask):
        return 0
    if task.stage == 0:
        return stats.read
    return stats.steps[0].docs_in if stats.steps else 0
