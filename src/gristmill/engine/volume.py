"""The bytes each task of a phase reads, for progress: MB done of a total, and a rate, in every phase.

- Stage 0 reads the user's files; a barrier's sign and decide tasks read the file their shard's
  stage handed on. These are exact: the tasks report these bytes as they read them.
- A group, link or join phase reads what the barrier's phase before it wrote to its work folder:
  counted as the growth of that folder between the two phases' starts (recorded in ``_state``,
  so a resumed run counts the same), shared among the tasks by bucket range (group) or evenly
  (the parts of the link and join). Credited when a task ends.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path

import orjson

from gristmill.engine.layout import Layout
from gristmill.engine.plan import Phase
from gristmill.engine.tasks import GroupTask, SignTask, StageTask, Task
from gristmill.io import storage
from gristmill.io.atomic import write_atomically


def task_bytes(layout: Layout, phase: Phase, before: Phase | None) -> dict[str, int]:
    """The bytes each task of ``phase`` reads, by task key; ``before``: the phase the run ran before it.

    At a barrier phase's start (the first time only) the size of the barrier's work folder is
    recorded, which the phase after it needs.
    """
    tasks = phase.tasks
    if not tasks:
        return {}
    first = tasks[0]
    if isinstance(first, StageTask) and first.stage == 0:
        return {t.key: sum(_size(path) for path in t.shard.files) for t in tasks if isinstance(t, StageTask)}
    recorded = _record(layout, phase) if not isinstance(first, StageTask) else {}
    if isinstance(first, (StageTask, SignTask)):
        handed_on = _sizes(layout, layout.work / f"stage{first.stage - 1}")
        return {t.key: handed_on.get(layout.stage_input(t.stage - 1, _shard(t)), 0) for t in tasks}
    start = recorded.get(before.name) if before is not None else None
    total = max(0, recorded[phase.name] - start) if start is not None else 0
    return _shares(tasks, total)


def _record(layout: Layout, phase: Phase) -> dict[str, int]:
    """Record the size of the barrier's work folder at ``phase``'s start, once; return every record."""
    stage = phase.tasks[0].stage
    path = layout.state / f"stage{stage}-work-bytes.json"
    try:
        recorded: dict[str, int] = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):  # the barrier's first phase, or a run from before this
        recorded = {}
    if phase.name not in recorded:
        recorded[phase.name] = sum(_sizes(layout, layout.barrier_work(stage)).values())
        write_atomically(path, orjson.dumps(recorded))
        layout.publish([path])
    return recorded


def _shard(task: Task) -> int:
    if isinstance(task, StageTask):
        return task.shard.index
    assert isinstance(task, SignTask), "a phase that reads handed-on files has stage or sign tasks"
    return task.shard


def _shares(tasks: Iterable[Task], total: int) -> dict[str, int]:
    """``total`` split among ``tasks``: by their range of buckets for group tasks, else evenly."""
    tasks = list(tasks)
    if all(isinstance(t, GroupTask) for t in tasks):
        ranges = [(t.key, t.first, t.stop) for t in tasks if isinstance(t, GroupTask)]
        buckets = max(stop for _, _, stop in ranges)
        return {key: total * stop // buckets - total * first // buckets for key, first, stop in ranges}
    count = len(tasks)
    return {t.key: total * (n + 1) // count - total * n // count for n, t in enumerate(tasks)}


def _sizes(layout: Layout, folder: Path) -> dict[Path, int]:
    """The finished files under ``folder`` with their sizes (a URL output: as its object store has them)."""
    if layout.remote is not None:
        try:
            listing = layout.remote.listing(layout.rel(folder))
        except storage.StorageError:  # progress only: the run goes on without the figure
            return {}
        return {layout.root / name: size for name, size in listing.items() if not _temporary(name)}
    found: dict[Path, int] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        if _temporary(entry.name):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                found.update(_sizes(layout, Path(entry.path)))
            else:
                found[Path(entry.path)] = entry.stat().st_size
        except OSError:  # replaced while we looked
            continue
    return found


def _temporary(name: str) -> bool:
    return name.rsplit("/", 1)[-1].startswith(".")


@functools.lru_cache(maxsize=65536)  # asked at each phase's start: once per object is enough
def _size(path: str) -> int:
    try:
        return storage.object_state(path).size if storage.is_url(path) else os.path.getsize(path)
    except (OSError, storage.StorageError):
        return 0
