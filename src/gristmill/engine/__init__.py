"""The run engine: planning, tasks, layout, accounting, locks and signals, shared by every executor.

An executor only decides where tasks run (:class:`~gristmill.engine.run.TaskRunner`); the engine does
everything else, so every executor gives the same output for the same pipeline.
"""

from gristmill.engine.run import RunResult, TaskRunner, run_pipeline

__all__ = ["RunResult", "TaskRunner", "run_pipeline"]
