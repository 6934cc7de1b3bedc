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
from gristmill.engine.tasks import StageTask, Task, run_task
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
        self._running: Any = None

    @contextmanager
    def session(self, pipeline: Pipeline) -> Iterator[None]:
        """Start the worker pool once (the pipeline is sent to each worker once), and end it."""
        if self.workers == 1:
            yield
            return
        context = multiprocessing.get_context("spawn")
        self._updates = context.Queue()
        # Each worker's slot holds the number (from 1) of the task it runs, 0 while idle; written in shared
        # memory before the task starts, it outlives a worker killed mid-task, which the pool cannot name.
        self._running = context.Array("i", self.workers + 1, lock=False)  # [0]: the next free slot
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self._updates, pipeline, self._running, context.Lock()),
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
        for number, task in enumerate(tasks, 1):
            future = self._pool.submit(_run_in_worker, task, number)
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
                    running = [tasks[number - 1] for number in self._running[1:] if number]
                    raise RunFailedError(_died(running)) from None
                _drain(self._updates, bar)
                bar.finish_task(task, stats)
                break


def _died(running: Sequence[Task]) -> str:
    """The line for a worker that died: the tasks it and the others were running, and their input files."""
    line = (
        "a worker process died (killed, or out of memory){}; run the same command to resume, perhaps "
        "with fewer --workers (workers= in Python){}"
    )
    if not running:  # between tasks: starting, or ending
        return line.format("", "")
    again = "shard" if any(isinstance(task, StageTask) for task in running) else "task"
    return line.format(
        " while running " + " and ".join(_task_name(task) for task in running),
        f"; if it dies on the same {again} again, a document there crashes a step or takes more memory "
        "than there is",
    )


def _task_name(task: Task) -> str:
    if not isinstance(task, StageTask):
        return f"task {task.key}"
    files = task.shard.files
    shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more files" if len(files) > 3 else "")
    return f"shard {task.shard.index:05d} of stage {task.stage} ({shown})"


_updates: Any = None
_pipeline: Pipeline | None = None
_running: Any = None  # this worker's slot in the executor's shared array of running tasks
_slot = 0


def _init_worker(updates: Any, pipeline: Pipeline, running: Any, lock: Any) -> None:
    global _updates, _pipeline, _running, _slot
    ignore_interrupts_in_worker()
    _updates = updates
    _pipeline = pipeline
    with lock:
        running[0] += 1
        _slot = running[0]
    _running = running


def _ready() -> None:
    """Nothing: submitted once per worker to start the pool's processes up front."""


def _report_to_parent(key: str, docs: int, nbytes: int) -> None:
    _updates.put((key, docs, nbytes))


def _run_in_worker(task: Task, number: int) -> TaskStats:
    assert _pipeline is not None, "the pool initializer sets the pipeline"
    _running[_slot] = number
    try:
        return run_task(_pipeline, task, partial(_report_to_parent, task.key))
    finally:
        _running[_slot] = 0


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
