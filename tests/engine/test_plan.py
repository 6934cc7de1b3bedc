"""Planning: the phases and tasks of a run with barriers."""

from __future__ import annotations

from gristmill import Pipeline
from gristmill.dedup.spans import SpanDedup
from gristmill.engine.plan import plan_phases
from gristmill.engine.tasks import JoinTask
from gristmill.io.inputs import Shard


def test_span_dedup_joins_its_group_files_per_shard_before_deciding(tmp_path):
    pipeline = Pipeline(
        input={"path": str(tmp_path / "in")},
        output={"path": str(tmp_path / "out")},
        steps=[SpanDedup(buckets=5)],
    )
    shards = [Shard(index=i, files=(f"{i}.jsonl",), format="jsonl") for i in range(3)]
    names = [phase.name for phase in plan_phases(pipeline, shards)]
    assert names == [
        "read and steps",
        "span_dedup sign",
        "span_dedup group",
        "span_dedup join per shard",
        "span_dedup decide and steps",
    ]
    join = plan_phases(pipeline, shards)[3]
    assert join.tasks == tuple(JoinTask(1, part, 3) for part in range(3))
    assert len({task.key for task in join.tasks}) == 3
