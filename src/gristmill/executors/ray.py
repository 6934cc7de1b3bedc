"""The Ray executor: the same tasks as the local executor, scheduled on a Ray cluster.

Tasks read their inputs and write the output folder directly, so on a cluster of several machines the
input and output paths must be on storage every node sees (a shared file system), as with datatrove's
Ray executor. Relative paths mean the driver's folder on every node.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from gristmill.engine.progress import Progress, ProgressOptions
from gristmill.engine.tasks import (
    ClusterTask,
    GroupTask,
    JoinTask,
    LinkTask,
    SignTask,
    StageTask,
    Task,
    run_task,
)
from gristmill.errors import ConfigError, RunFailedError
from gristmill.executors.base import Executor
from gristmill.pipeline import Pipeline
from gristmill.stats import TaskStats

INSTALL_HINT = "the ray executor needs Ray: pip install 'gristmill[ray]'"
TASK_KINDS = ("stage", "sign", "group", "link")
# How long the run waits with nothing finished before it checks that some node can still run its tasks.
_STALL_SECONDS = 30.0
_RETRIES = 3  # per task, on a node lost or an OSError (a storage hiccup); every attempt writes anew


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(INSTALL_HINT) from exc
    return ray


def task_kind(task: Task) -> str:
    """The kind of a task, as ``memory`` names it: stage, sign, group or link."""
    kinds: dict[type, str] = {
        StageTask: "stage",
        SignTask: "sign",
        GroupTask: "group",
        LinkTask: "link",
        JoinTask: "link",
        ClusterTask: "link",
    }
    return kinds[type(task)]


class RayExecutor(Executor):
    """Runs a pipeline's tasks as Ray tasks, one CPU each.

    ``address`` names a running cluster (``"auto"``, ``"127.0.0.1:6379"``, ``"ray://head:10001"``);
    without it gristmill joins the Ray already started in this process, or the cluster in
    ``RAY_ADDRESS``, or starts a local Ray with ``workers`` CPUs and stops it at the end. ``memory``
    reserves bytes per task kind (``{"group": 4 << 30}``) so Ray places big tasks where they fit.
    Ray's own settings (``RAY_AUTH_MODE=token``, ``RAY_AUTH_TOKEN``) are read from the environment.
    An address where nothing answers, or a cluster that refuses the token, stops the run in one line.
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        address: str | None = None,
        progress: bool | ProgressOptions | None = None,
        memory: dict[str, int] | None = None,
    ) -> None:
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise ConfigError(f"workers must be a positive whole number, got {workers!r}")
        for kind, size in (memory or {}).items():
            if kind not in TASK_KINDS:
                raise ConfigError(f"ray memory: unknown task kind {kind!r}; kinds are {list(TASK_KINDS)}")
            if not isinstance(size, int) or size < 1:
                raise ConfigError(f"ray memory: {kind} needs a positive number of bytes, got {size!r}")
        self._ray = _import_ray()
        super().__init__(progress=progress)
        self.workers = workers
        self.address = address
        self.memory = dict(memory or {})

    def run_tasks(self, pipeline: Pipeline, tasks: Sequence[Task], bar: Progress) -> None:
        """Submit the tasks to Ray, a bounded number at a time, and wait for all of them."""
        ray = self._ray
        remote = ray.remote(num_cpus=1, max_retries=_RETRIES, retry_exceptions=[OSError])(_run_on_ray)
        pipeline_ref = ray.put(pipeline)
        cwd = os.getcwd()
        queued = list(reversed(tasks))
        pending: dict[Any, Task] = {}
        last_done = time.monotonic()
        try:
            while queued or pending:
                # Enough in flight to keep every CPU busy, not 10^5 task specs at once in the driver.
                limit = self._in_flight()
                while queued and len(pending) < limit:
                    task = queued.pop()
                    kind = task_kind(task)
                    options = {"memory": self.memory[kind]} if kind in self.memory else {}
                    pending[remote.options(**options).remote(pipeline_ref, task, cwd)] = task
                # Every ready task at once: one call per half second, not one per task.
                done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0.5)
                for ref in done:
                    task = pending.pop(ref)
                    stats: TaskStats = ray.get(ref)
                    bar.finish_task(task, stats)
                if done:
                    last_done = time.monotonic()
                elif time.monotonic() - last_done > _STALL_SECONDS:
                    self._check_feasible(pending.values())
                    last_done = time.monotonic()
        except BaseException:
            for ref in pending:  # Ctrl-C or a failed task: stop what is still running
                ray.cancel(ref, force=True)
            raise

    def _in_flight(self) -> int:
        cpus = int(self._ray.cluster_resources().get("CPU", 0))
        return max(4, 2 * cpus)

    def _check_feasible(self, tasks: Any) -> None:
        """Fail with one line when no live node has the CPU (and memory) a pending task asks for."""
        nodes = [n["Resources"] for n in self._ray.nodes() if n.get("Alive")]
        for task in tasks:
            need = self.memory.get(task_kind(task), 0)
            if not any(r.get("CPU", 0) >= 1 and r.get("memory", 0) >= need for r in nodes):
                raise RunFailedError(
                    f"no live node of the Ray cluster can run a {task_kind(task)} task "
                    f"(1 CPU{f', {need:,} bytes of memory' if need else ''}; {len(nodes)} node(s) alive); "
                    "add a node, or lower --ray-memory (ray_memory= in Python), and run the same command "
                    "to resume"
                )

    @contextmanager
    def session(self, pipeline: Pipeline) -> Iterator[None]:
        """Join a Ray cluster for the run, starting a local Ray (and stopping it after) if none runs."""
        ray = self._ray
        started_here = False
        if not ray.is_initialized():
            address = self.address or os.environ.get("RAY_ADDRESS")
            if address:
                _check_answers(address)
            try:
                ray.init(
                    address=self.address,
                    # Ray refuses num_cpus when joining a cluster, RAY_ADDRESS's included.
                    num_cpus=None if address else self.workers,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except ConnectionError as exc:
                raise _join_error(address, exc) from exc
            except ValueError as exc:  # an address Ray cannot use (ray:// without Ray Client installed)
                raise ConfigError(f"cannot join the Ray cluster at {address}: {_first_line(exc)}") from exc
            started_here = True
        try:
            if not any(n.get("Alive") and n["Resources"].get("CPU", 0) >= 1 for n in ray.nodes()):
                raise RunFailedError("the Ray cluster has no live node with a CPU to run tasks on")
            yield
        finally:
            if started_here:
                ray.shutdown()


def _check_answers(address: str) -> None:
    """Fail in one line when nothing listens at a ``host:port`` address: Ray would retry it for minutes.

    An address of no form Ray reads (no port, a port that is no number) is one line too.
    """
    if address in ("auto", "local") or "://" in address:
        return  # Ray knows what to do with them
    host, colon, port = address.rpartition(":")
    if not colon or not host or not port.isdigit():
        raise ConfigError(
            f"the Ray address {address!r} is not HOST:PORT (the head's `ray start --head --port`), auto, "
            "or ray://HOST:PORT; give one with --ray-address (ray_address= in Python) or RAY_ADDRESS"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as exc:
        why = "connection refused" if isinstance(exc, ConnectionRefusedError) else exc.strerror or str(exc)
        raise ConfigError(
            f"no Ray cluster answers at {address} ({why}); start one with `ray start --head --port={port}`, "
            "or give the address of a running one with --ray-address (ray_address= in Python) or RAY_ADDRESS"
        ) from exc


def _first_line(exc: BaseException) -> str:
    """The first sentence of an exception's message (Ray's go on with how to reinstall it)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.split(". ")[0].rstrip(".")


def _join_error(address: str | None, exc: ConnectionError) -> ConfigError:
    """One line for a cluster that answers but cannot be joined: its token, most of the time."""
    cause: BaseException = exc
    while cause.__cause__ is not None:  # Ray says only "Failed to connect"; the why is in the cause
        cause = cause.__cause__
    # Ray may quote a whole traceback in the message; its last line names the error.
    lines = str(cause).strip().splitlines()
    why = lines[-1].strip() if lines else type(cause).__name__
    if "AuthenticationError" in why or "InvalidAuthToken" in why:
        return ConfigError(
            f"the Ray cluster at {address} uses token authentication and refused this command's token "
            "(missing or wrong); run it with the cluster's RAY_AUTH_MODE=token and RAY_AUTH_TOKEN "
            "(or RAY_AUTH_TOKEN_PATH)"
        )
    doing = f"join the Ray cluster at {address}" if address else "start a local Ray"
    return ConfigError(f"cannot {doing}: {why}")


def _run_on_ray(pipeline: Pipeline, task: Task, cwd: str) -> TaskStats:
    # Relative input and output paths mean the driver's folder, not the raylet's.
    try:
        os.chdir(cwd)
    except OSError as exc:
        raise ConfigError(
            f"the driver's folder {cwd!r} does not exist on this Ray node; "
            "give absolute paths on storage every node sees"
        ) from exc
    return run_task(pipeline, task)
