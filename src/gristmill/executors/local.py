"""The local executor: a process pool over shards on one machine."""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from gristmill.errors import ConfigError
from gristmill.executors.base import Executor, Progress
from gristmill.executors.tasks import Task, run_task
from gristmill.pipeline import Pipeline
from gristmill.stats import TaskStats


class LocalExecutor(Executor):
    """Runs a pipeline's tasks on ``workers`` processes (in this process when ``workers`` is 1)."""

    def __init__(self, *, workers: int = 1, progress: bool | None = None) -> None:
        if not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"workers must be a positive whole number, got {workers!r}")
        super().__init__(progress=progress)
        self.workers = workers

    def run_tasks(self, pipeline: Pipeline, tasks: Sequence[Task], bar: Progress) -> None:
        """Run the tasks here, or on a pool of spawned processes."""
        if self.workers == 1 or len(tasks) == 1:
            for task in tasks:
                run_task(pipeline, task, bar.update)
            return
        context = multiprocessing.get_context("spawn")
        updates = context.Queue()
        workers = min(self.workers, len(tasks))
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(updates,)
        ) as pool:
            pending: set[Future[TaskStats]] = {pool.submit(_run_in_worker, pipeline, task) for task in tasks}
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(updates, bar)
                for future in done:
                    future.result()  # re-raises a task's error here
            _drain(updates, bar)


_updates: Any = None


def _init_worker(updates: Any) -> None:
    global _updates
    _updates = updates


def _report_to_parent(docs: int, nbytes: int) -> None:
    _updates.put((docs, nbytes))


def _run_in_worker(pipeline: Pipeline, task: Task) -> TaskStats:
    return run_task(pipeline, task, _report_to_parent)


def _drain(updates: Any, bar: Progress) -> None:
    while True:
        try:
            docs, nbytes = updates.get_nowait()
        except queue.Empty:
            return
        bar.update(docs, nbytes)
