"""A barrier task's temporary files (spills, merged runs), named by its attempt so a retry can clear them.

A task killed mid-way (SIGKILL, a lost node) leaves its temporary files in the work folder, where they
would stay until the run ends. Each attempt of a task holds an OS lock on a file of its own,
``.TASK.RANDOM.lock``, for as long as it runs, and names its temporary files ``.TASK.RANDOM.*``. A new
attempt first removes the files of the attempts of its task whose lock no process holds: a killed
attempt's, never a live one's (a straggler beside its retry), nor another task's.
"""

from __future__ import annotations

import fcntl
import glob
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

_LOCK = ".lock"
# The running attempt's prefix (``.TASK.RANDOM``); None outside a task (a step's own tests, tools).
_ATTEMPT: ContextVar[str | None] = ContextVar("gristmill_attempt", default=None)


@contextmanager
def task_scratch(work: Path, task: str) -> Iterator[None]:
    """Run an attempt of ``task`` (a name without dots or slashes): clear dead attempts' files first."""
    work.mkdir(parents=True, exist_ok=True)
    clear_leftovers(work, task)
    fd, lock = tempfile.mkstemp(dir=work, prefix=f".{task}.", suffix=_LOCK)
    fcntl.flock(fd, fcntl.LOCK_EX)
    attempt = Path(lock).name.removesuffix(_LOCK)
    token = _ATTEMPT.set(attempt)
    try:
        yield
    finally:
        _ATTEMPT.reset(token)
        for path in _files_of(work, attempt):
            path.unlink(missing_ok=True)
        os.close(fd)
        Path(lock).unlink(missing_ok=True)


def clear_leftovers(work: Path, task: str) -> list[Path]:
    """Remove the temporary files of ``task``'s attempts that no live process holds; return them."""
    removed: list[Path] = []
    for lock in sorted(work.glob(f".{glob.escape(task)}.*{_LOCK}")):
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:  # its attempt ended while we looked
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a live attempt
                continue
            for path in _files_of(work, lock.name.removesuffix(_LOCK)):
                path.unlink(missing_ok=True)
                removed.append(path)
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return removed


def scratch_file(folder: Path, name: str, suffix: str) -> tuple[int, Path]:
    """Make a temporary file in ``folder`` for ``name`` (``mkstemp``), named by the running attempt."""
    attempt = _ATTEMPT.get()
    prefix = f"{attempt}.{name}." if attempt is not None else f".{name}."
    fd, path = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    return fd, Path(path)


def _files_of(work: Path, attempt: str) -> list[Path]:
    """An attempt's temporary files in ``work``, its lock file left out."""
    return sorted(p for p in work.glob(f"{glob.escape(attempt)}.*") if not p.name.endswith(_LOCK))
