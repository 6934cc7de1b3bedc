"""The local executor: one pool of worker processes on this machine, kept for the whole run."""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from typing import Any

from gristmill.engine.progress import Progress, ProgressOptions
from gristmill.engine.signals import ignore_interrupts_in_worker, kill_children, workers_start_deaf_to_ctrl_c
from gristmill.engine.tasks import Task, run_task
from gristmill.errors import ConfigError, RunFailedError
from gristmill.executors.base import Executor
from gristmill.pipeline import Pipeline
from gristmill.stats import TaskStats


class LocalExecutor(Executor):
    """Runs a pipeline's tasks on ``workers`` processes (in this process when ``workers`` is 1)."""

    workers: int

    def __init__(self, *, workers: int = 1, progress: bool | ProgressOptions | None = None) -> None:
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ConfigError(f"workers must be a positive whole number, got {workers!r}")
        super().__init__(progress=progress)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._updates: Any = None

    @contextmanager
    def session(self, pipeline: Pipeline) -> Iterator[None]:
        """Start the worker pool once (the pipeline is sent to each worker once), and end it."""
        if self.workers == 1:
            yield
            return
        context = multiprocessing.get_context("spawn")
        self._updates = context.Queue()
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_init_worker, initargs=(self._updates, pipeline)
        )
        try:
            # Start every worker now, in one short window with Ctrl-C ignored (each submit to a pool
            # without an idle worker starts one), before the run takes over the signals.
            with workers_start_deaf_to_ctrl_c():
                for _ in range(self.workers):
                    self._pool.submit(_ready)
            yield
            self._pool.shutdown(wait=True)
        except BaseException:
            # Ctrl-C, SIGTERM or a failed task: end the workers now; finished tasks' outputs stay.
            kill_children()
            # Wait for the pool's manager thread (quick: its workers are dead): left running, it closes
            # its wake-up pipe while the interpreter's exit hook writes to it, and Python 3.11 prints
            # "Exception ignored ... Bad file descriptor" after the one line (seen in CI once).
            self._pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            self._pool = None

    def run_tasks(self, pipeline: Pipeline, tasks: Sequence[Task], bar: Progress) -> None:
        """Run the tasks here, or on the pool; the first task error is raised here."""
        if self._pool is None:
            for task in tasks:
                stats = run_task(pipeline, task, partial(bar.update, task.key))
                bar.finish_task(task, stats)
            return
        # Completions arrive on a queue, so waiting costs the same at 10 tasks or 100,000.
        finished: queue.SimpleQueue[tuple[Task, Future[TaskStats]]] = queue.SimpleQueue()
        for task in tasks:
            future = self._pool.submit(_run_in_worker, task)
            future.add_done_callback(partial(_put_pair, finished, task))
        for _ in tasks:
            while True:
                _drain(self._updates, bar)
                try:
                    task, future = finished.get(timeout=0.2)
                except queue.Empty:
                    continue
                try:
                    stats = future.result()  # re-raises a task's error here
                except BrokenProcessPool:
                    raise RunFailedError(
                        "a worker process died (killed, or out of memory); "
                        "run the same command to resume, perhaps with fewer --workers (workers= in Python)"
                    ) from None
                _drain(self._updates, bar)
                bar.finish_task(task, stats)
                break


_updates: Any = None
_pipeline: Pipeline | None = None


def _init_worker(updates: Any, pipeline: Pipeline) -> None:
    global _updates, _pipeline
    ignore_interrupts_in_worker()
    _updates = updates
    _pipeline = pipeline


def _ready() -> None:
    """Nothing: submitted once per worker to start the pool's processes up front."""


def _report_to_parent(key: str, docs: int, nbytes: int) -> None:
    _updates.put((key, docs, nbytes))


def _run_in_worker(task: Task) -> TaskStats:
    assert _pipeline is not None, "the pool initializer sets the pipeline"
    return run_task(_pipeline, task, partial(_report_to_parent, task.key))


def _put_pair(
    finished: queue.SimpleQueue[tuple[Task, Future[TaskStats]]], task: Task, future: Future[TaskStats]
) -> None:
    finished.put((task, future))


def _drain(updates: Any, bar: Progress) -> None:
    while True:
        try:
            key, docs, nbytes = updates.get_nowait()
        except queue.Empty:
            return
        bar.update(key, docs, nbytes)
