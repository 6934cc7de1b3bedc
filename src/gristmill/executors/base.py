"""What every executor is: a place where tasks run. Everything else is the engine's."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from gristmill.engine import RunResult, run_pipeline
from gristmill.engine.progress import Progress, ProgressOptions
from gristmill.engine.tasks import Task
from gristmill.pipeline import Pipeline


class Executor(ABC):
    """Runs the tasks of each phase of a run, in parallel where it can."""

    # Tasks run at once, when known (the engine plans a barrier's group phase with as many tasks).
    workers: int | None = None

    def __init__(self, *, progress: bool | ProgressOptions | None = None) -> None:
        self.progress = (
            progress if isinstance(progress, ProgressOptions) else ProgressOptions.choose(progress)
        )

    @abstractmethod
    def run_tasks(self, pipeline: Pipeline, tasks: Sequence[Task], bar: Progress) -> None:
        """Run every task of one phase to completion; raise the first task error."""

    @contextmanager
    def session(self, pipeline: Pipeline) -> Iterator[None]:
        """Hold what lives for the whole run (a worker pool, a Ray connection); nothing by default."""
        yield

    def run(self, pipeline: Pipeline, *, overwrite: bool = False) -> RunResult:
        """Run every task not yet done, then write ``stats.json``, ``pipeline.yaml`` and the report."""
        with self.session(pipeline):
            return run_pipeline(pipeline, self, overwrite=overwrite, progress=self.progress)
