"""The output folder's lock: one run writes into a folder at a time.

An OS file lock (``flock``) dies with its process, so a run killed with SIGKILL leaves no stale lock.
"""

from __future__ import annotations

import fcntl
import os
from types import TracebackType

from gristmill.engine.layout import Layout
from gristmill.errors import OutputInUseError, UnusableOutputError


class OutputLock:
    """Holds ``OUT/.gristmill.lock`` for the length of a ``with`` block, or refuses with one line."""

    def __init__(self, layout: Layout) -> None:
        self._layout = layout
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        path = self._layout.lock
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UnusableOutputError(
                f"output: cannot open the lock file {str(path)!r}: {exc.strerror}; "
                "choose another output folder"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
            os.close(fd)
            raise OutputInUseError(
                f"output: {str(self._layout.root)!r} is in use by another gristmill run (pid {holder}); "
                "wait for it to end, or choose another output folder"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
