"""Executors: how a pipeline's tasks are scheduled (``local``: a process pool)."""

from gristmill.executors.local import LocalExecutor, RunResult

__all__ = ["LocalExecutor", "RunResult"]
