"""Complexity guards without a clock: count the work gristmill's own code does, or stop a hang.

A bound on elapsed time fails on a busy machine and passes a quadratic step on a fast one. The counts
here are the same on every machine: the Python lines gristmill's modules execute, and the characters
(or bytes) its compiled regular expressions must at least read. A test compares them at two sizes of
its input, or with the input's size, so that a step that rescans what it has seen fails at once.

What no count reaches is the work inside one call of the regular expression engine (backtracking):
:func:`hang_guard` bounds such a call by a timer as a guard against a run that never ends, far above
what the call takes, so that the test fails instead of hanging; it asserts nothing about speed.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

import gristmill

# As the import system spelled it: the file names of gristmill's code objects start so.
SOURCE = os.path.dirname(gristmill.__file__) + os.sep


@dataclass
class Work:
    """What gristmill's code did inside :func:`counting_work`."""

    lines: int = 0  # Python lines (and frame entries) executed in gristmill's modules
    scanned: int = 0  # characters or bytes its compiled regular expressions must at least have read


class _CountingPattern:
    """A compiled pattern that adds to ``work.scanned`` what each call must at least read.

    A search reads every position up to its match (or to the end, if none); a match reads what it
    matched; finditer, findall, sub and split read their whole span. Behaviour is the pattern's own.
    """

    def __init__(self, pattern: re.Pattern[Any], work: Work) -> None:
        self._pattern = pattern
        self._work = work

    def __getattr__(self, name: str) -> Any:  # pattern, flags, groups, groupindex
        return getattr(self._pattern, name)

    @staticmethod
    def _end(string: Any, endpos: int) -> int:
        return min(endpos, len(string))

    def search(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[Any] | None:
        found = self._pattern.search(string, pos, endpos)
        self._work.scanned += (found.end() if found else self._end(string, endpos)) - pos
        return found

    def match(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[Any] | None:
        found = self._pattern.match(string, pos, endpos)
        self._work.scanned += found.end() - pos if found else 0
        return found

    def fullmatch(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[Any] | None:
        found = self._pattern.fullmatch(string, pos, endpos)
        self._work.scanned += found.end() - pos if found else 0
        return found

    def finditer(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[Any]]:
        reached = pos
        try:
            for found in self._pattern.finditer(string, pos, endpos):
                reached = found.end()
                yield found
            reached = self._end(string, endpos)
        finally:
            self._work.scanned += reached - pos

    def findall(self, string: Any, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        self._work.scanned += self._end(string, endpos) - pos
        return self._pattern.findall(string, pos, endpos)

    def split(self, string: Any, maxsplit: int = 0) -> list[Any]:
        parts = self._pattern.split(string, maxsplit)
        if maxsplit and len(parts) > maxsplit * (self._pattern.groups + 1):
            self._work.scanned += len(string) - len(parts[-1])  # it stopped at its last split
        else:
            self._work.scanned += len(string)
        return parts

    def sub(self, repl: Any, string: Any, count: int = 0) -> Any:
        return self.subn(repl, string, count)[0]

    def subn(self, repl: Any, string: Any, count: int = 0) -> tuple[Any, int]:
        result = self._pattern.subn(repl, string, count)
        if not count or result[1] < count:  # else it stopped at its last replacement: not counted
            self._work.scanned += len(string)
        return result


@contextmanager
def counting_work(*, lines: bool = True) -> Iterator[Work]:
    """Count, while the block runs, what gristmill's code does (see :class:`Work`).

    The compiled patterns counted are those its modules and classes hold by name (a pattern built
    on the fly or kept in a list is not); ``lines=False`` leaves the line count (and its cost) out.
    """
    work = Work()
    swapped: list[tuple[Any, str, re.Pattern[Any]]] = []
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "gristmill" or name.startswith("gristmill.")):
            continue
        owners: list[Any] = [module]
        owners += [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == name]
        for owner in owners:
            for attr, value in list(vars(owner).items()):
                if isinstance(value, re.Pattern):
                    setattr(owner, attr, _CountingPattern(value, work))
                    swapped.append((owner, attr, value))

    def in_frame(frame: FrameType, event: str, arg: object) -> Callable[..., Any]:
        if event == "line":
            work.lines += 1
        return in_frame

    def on_call(frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
        if frame.f_code.co_filename.startswith(SOURCE):
            work.lines += 1
            return in_frame
        return None

    before = sys.gettrace()
    if lines:
        sys.settrace(on_call)
    try:
        yield work
    finally:
        if lines:
            sys.settrace(before)
        for owner, attr, value in reversed(swapped):
            setattr(owner, attr, value)


def assert_grows_linearly(name: str, small: Work, big: Work, factor: int) -> None:
    """Assert that work on an input ``factor`` times larger grew about ``factor`` times, not its square.

    The bound is 1.5 times ``factor`` (plus a little, for counts too small to scale): a step that
    rescans what it has seen grows by ``factor`` squared.
    """
    assert big.lines > 0, f"{name}: no line of gristmill's code was counted"
    for what in ("lines", "scanned"):
        low, high = getattr(small, what), getattr(big, what)
        assert high <= 1.5 * factor * low + 1000, (
            f"{name}: {what} grew from {low:,} to {high:,} on an input {factor} times larger"
        )


class Hung(AssertionError):
    """A block guarded by :func:`hang_guard` was still running when its guard ran out."""


@contextmanager
def hang_guard(seconds: float, what: str) -> Iterator[None]:
    """Fail, instead of hanging, when the block is still running after ``seconds`` (a timer signal).

    Not a timing assertion: ``seconds`` is far above what the block takes on any machine, and only a
    run that does not end (an exponential or quadratic regular expression) reaches it. The regular
    expression engine checks for signals while it runs, so the guard stops it too. Main thread only;
    without ``SIGALRM`` (Windows) the block runs unguarded.
    """
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"{what}: still running after {seconds:g} s (a hang guard, far above its usual time)")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
