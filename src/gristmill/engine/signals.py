"""Stopping a run: the first Ctrl-C or SIGTERM ends it cleanly, a second one at once.

The first signal raises :class:`~gristmill.errors.Interrupted` in the main thread; the executor then
stops its workers and the run ends with every finished task's output in place. A second signal kills
the worker processes and exits without waiting for anything.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from gristmill.errors import Interrupted

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def kill_children() -> None:
    """SIGKILL every child process this process started (the worker pool)."""
    for child in multiprocessing.active_children():
        child.kill()


def _exit_now(signum: int, frame: FrameType | None) -> None:
    kill_children()
    os._exit(128 + signum)


def _first(signum: int, frame: FrameType | None) -> None:
    for sig in _SIGNALS:
        signal.signal(sig, _exit_now)
    raise Interrupted(signum)


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, Ctrl-C and SIGTERM raise ``Interrupted`` once, then exit at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals; a caller elsewhere keeps its own
        return
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    for sig in _SIGNALS:
        signal.signal(sig, _first)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def workers_start_deaf_to_ctrl_c() -> Iterator[None]:
    """Start processes within the block with Ctrl-C ignored from their first instruction.

    An ignored signal stays ignored across ``exec``, so a worker still importing when the user presses
    Ctrl-C does not print a traceback; the parent alone handles it. The block is short (a fork and an
    exec), and the parent's own handler is back as soon as it ends.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def ignore_interrupts_in_worker() -> None:
    """In a worker process: leave Ctrl-C to the parent, and die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()


def _die_with_parent() -> None:
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the kernel kills us when the parent dies
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)

    def watch() -> None:
        # Where prctl is missing (not Linux), poll: a worker must never outlive its run.
        while True:
            threading.Event().wait(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="gristmill-parent-watch").start()
