"""Planning: the phases and tasks of a run with barriers."""

from __future__ import annotations

import orjson

from gristmill import Pipeline
from gristmill.dedup.minhash import MinhashDedup
from gristmill.dedup.provenance import Provenance
from gristmill.dedup.spans import SpanDedup
from gristmill.engine.plan import plan_phases
from gristmill.engine.tasks import JoinTask
from gristmill.executors.local import LocalExecutor
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
    assert join.tasks == tuple(JoinTask(1, part, 3, 0) for part in range(3))
    assert len({task.key for task in join.tasks}) == 3


def test_a_group_phase_has_a_task_per_worker_each_a_range_of_buckets(tmp_path):
    pipeline = Pipeline(
        input={"path": str(tmp_path / "in")},
        output={"path": str(tmp_path / "out")},
        steps=[SpanDedup(buckets=5)],
    )
    shards = [Shard(index=i, files=(f"{i}.jsonl",), format="jsonl") for i in range(3)]
    group = plan_phases(pipeline, shards, workers=2)[2]
    assert [task.buckets for task in group.tasks] == [range(0, 2), range(2, 5)]
    assert [task.buckets for task in plan_phases(pipeline, shards, workers=8)[2].tasks] == [
        range(b, b + 1) for b in range(5)
    ]
    assert len(plan_phases(pipeline, shards)[2].tasks) == 5  # workers unknown: a task per bucket
    assert (
        len({task.key for task in group.tasks} | {t.key for t in plan_phases(pipeline, shards)[2].tasks}) == 7
    )


def test_outputs_are_the_same_whatever_the_group_tasks(tmp_path):
    docs = [
        {"id": f"d{i}", "text": f"shared line of many words here {i % 7} and more words"} for i in range(60)
    ]
    (tmp_path / "in").mkdir()
    for shard in range(3):
        rows = docs[shard * 20 : (shard + 1) * 20]
        (tmp_path / "in" / f"{shard}.jsonl").write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in rows))
    outputs = []
    for workers in (1, 2, 3):
        out = tmp_path / f"out{workers}"
        pipeline = Pipeline(
            input={"path": str(tmp_path / "in")},
            output={"path": str(out)},
            steps=[MinhashDedup(buckets=7), SpanDedup(buckets=5)],
        )
        LocalExecutor(workers=workers).run(pipeline)
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted((out / "kept").rglob("*"))})
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]


def _two_shards_minhash(tmp_path):
    """A minhash pipeline over two shards of 20 near-copies each, into ``tmp_path / "out"``."""
    docs = [{"id": f"d{i}", "text": f"shared line of many words here {i % 7} and more"} for i in range(40)]
    (tmp_path / "in").mkdir()
    for shard in range(2):
        rows = docs[shard * 20 : (shard + 1) * 20]
        (tmp_path / "in" / f"{shard}.jsonl").write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in rows))
    pipeline = Pipeline(
        input={"path": str(tmp_path / "in")},
        output={"path": str(tmp_path / "out")},
        steps=[MinhashDedup(buckets=7)],
    )
    return pipeline


def test_a_finished_run_reruns_with_another_worker_count(tmp_path):
    # A new user's trial: a finished run rerun with --workers 1 after --workers 2 planned group tasks
    # of other bucket ranges, found them undone, and died on the work files the finish had removed.
    pipeline = _two_shards_minhash(tmp_path)
    first = LocalExecutor(workers=2).run(pipeline)
    kept = {p.name: p.read_bytes() for p in (tmp_path / "out" / "kept").iterdir()}
    again = LocalExecutor(workers=1).run(pipeline)
    assert again.totals == first.totals
    assert {p.name: p.read_bytes() for p in (tmp_path / "out" / "kept").iterdir()} == kept


def test_provenance_links_in_five_passes_of_per_shard_tasks(tmp_path):
    pipeline = Pipeline(
        input={"path": str(tmp_path / "in")},
        output={"path": str(tmp_path / "out")},
        steps=[Provenance()],
    )
    shards = [Shard(index=i, files=(f"{i}.jsonl",), format="jsonl") for i in range(3)]
    phases = plan_phases(pipeline, shards, workers=2)
    joins = [phase for phase in phases if "join" in phase.name]
    assert len(joins) == 5 and not any("link" in phase.name for phase in phases)
    for step, phase in enumerate(joins):
        assert phase.tasks == tuple(JoinTask(1, part, 3, step) for part in range(3))


def test_a_run_finished_before_plans_were_kept_reruns_with_another_worker_count(tmp_path):
    # A review: a run finished by a version that kept no plan, rerun with another --workers, took that
    # count as its plan, died on the removed work files, and kept the wrong plan for every later command.
    pipeline = _two_shards_minhash(tmp_path)
    first = LocalExecutor(workers=2).run(pipeline)
    (tmp_path / "out" / "_state" / "plan.json").unlink()  # as an earlier version left it
    for workers in (1, 2, 3):
        assert LocalExecutor(workers=workers).run(pipeline).totals == first.totals
