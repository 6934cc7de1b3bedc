"""Executors: where a pipeline's tasks run (``local``: a process pool; ``ray``: a Ray cluster)."""

from gristmill.engine import RunResult
from gristmill.executors.base import Executor
from gristmill.executors.local import LocalExecutor

__all__ = ["Executor", "LocalExecutor", "RunResult"]
