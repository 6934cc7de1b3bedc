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
from multiprocessing import resource_tracker
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
    """Start processes within the block deaf to Ctrl-C from their start; the parent still hears it.

    SIGINT is blocked, not ignored, while the block runs: a blocked signal stays blocked across ``exec``,
    so a worker still importing when the user presses Ctrl-C prints no traceback (its initializer then
    ignores SIGINT, which discards the pending one), and the parent's own Ctrl-C waits until the block
    ends and is handled then. Ignoring it instead dropped a Ctrl-C pressed while the pool started.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    # The first spawned process starts multiprocessing's resource tracker, which unblocks SIGINT on its
    # way out whatever the mask was: start it before blocking.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def ignore_interrupts_in_worker() -> None:
    """In a worker process: leave Ctrl-C to the parent, and die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # discards a Ctrl-C pending since the worker started
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by workers_start_deaf_to_ctrl_c
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
