"""The Ray executor: the same tasks as the local executor, scheduled on a Ray cluster.

Tasks read their inputs and write the output folder directly, so on a cluster of several machines the
input and output paths must be on storage every node sees (a shared file system), as with datatrove's
Ray executor. On one machine this is the local folder.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from gristmill.engine.progress import Progress
from gristmill.engine.tasks import StageTask, Task, run_task
from gristmill.errors import ConfigError
from gristmill.executors.base import Executor
from gristmill.pipeline import Pipeline
from gristmill.stats import TaskStats

INSTALL_HINT = "the ray executor needs Ray: pip install 'gristmill[ray]'"


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(INSTALL_HINT) from exc
    return ray


class RayExecutor(Executor):
    """Runs a pipeline's tasks as Ray tasks, one CPU each.

    ``address`` names a running cluster (``"auto"``, ``"ray://head:10001"``); without it gristmill joins
    the Ray already started in this process, or the cluster in ``RAY_ADDRESS``, or starts a local Ray with
    ``workers`` CPUs and stops it at the end.
    """

    def __init__(
        self, *, workers: int | None = None, address: str | None = None, progress: bool | None = None
    ) -> None:
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise ConfigError(f"workers must be a positive whole number, got {workers!r}")
        self._ray = _import_ray()
        super().__init__(progress=progress)
        self.workers = workers
        self.address = address

    def run_tasks(self, pipeline: Pipeline, tasks: Sequence[Task], bar: Progress) -> None:
        """Submit the tasks to Ray and wait for all of them; a task's error is raised here."""
        ray = self._ray
        remote = ray.remote(num_cpus=1, max_retries=2)(_run_on_ray)
        pipeline_ref = ray.put(pipeline)
        pending = {remote.remote(pipeline_ref, task): task for task in tasks}
        try:
            while pending:
                # Wait for every ready task at once: one call per half second, not one per task.
                done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0.5)
                for ref in done:
                    task = pending.pop(ref)
                    stats: TaskStats = ray.get(ref)
                    if isinstance(task, StageTask):
                        bar.update(stats.kept or stats.read, 0)
        except BaseException:
            for ref in pending:  # Ctrl-C or a failed task: stop what is still running
                ray.cancel(ref, force=True)
            raise

    @contextmanager
    def session(self, pipeline: Pipeline) -> Iterator[None]:
        """Join a Ray cluster for the run, starting a local Ray (and stopping it after) if none runs."""
        ray = self._ray
        started_here = False
        if not ray.is_initialized():
            ray.init(
                address=self.address,
                num_cpus=self.workers if self.address is None else None,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
            started_here = True
        try:
            yield
        finally:
            if started_here:
                ray.shutdown()


def _run_on_ray(pipeline: Pipeline, task: Task) -> TaskStats:
    return run_task(pipeline, task)
