"""Progress: one line per phase of a run (documents, MB, rate, ETA), on a terminal or as log lines.

On a terminal each phase gets a bar that stays on its own line when the phase ends. Elsewhere (a pipe,
a batch job's log) a plain line is written every ``every`` seconds, and at the end of every phase, however
short; ``json`` writes the same as JSON lines. Counts come from the tasks: while a
task runs, what it has reported so far; once it is done, its exact figures from its stats, so the last
line of a phase matches ``stats.json``. A resumed run starts from what its finished tasks did.
Each line gives the phase's ETA and the run's: the phase's plus the phases still to come, each at the
cost per task measured on a phase of its kind (:mod:`gristmill.engine.estimate`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO

import orjson

from gristmill.engine.estimate import RunEstimate
from gristmill.engine.plan import documents_of
from gristmill.engine.tasks import SignTask, StageTask, Task
from gristmill.stats import TaskStats

Mode = Literal["bar", "log", "json", "off"]


@dataclass(frozen=True)
class ProgressOptions:
    """How a run shows its progress: ``mode`` and, for log lines, how often."""

    mode: Mode = "off"
    every: float = 30.0

    @classmethod
    def choose(
        cls, progress: bool | None = None, *, quiet: bool = False, log_json: bool = False, every: float = 30.0
    ) -> ProgressOptions:
        """A bar on a terminal, log lines elsewhere; ``progress`` forces the bar on or everything off."""
        if quiet or progress is False:
            return cls("off", every)
        if log_json:
            return cls("json", every)
        if progress or sys.stderr.isatty():
            return cls("bar", every)
        return cls("log", every)


@dataclass
class _Phase:
    name: str
    index: int
    tasks: int
    done: int
    docs: int
    nbytes: int
    total_bytes: int
    started: float
    base_docs: int  # what tasks finished in earlier runs did: not part of this run's rate
    base_bytes: int
    base_done: int


class Progress:
    """Follows the phases of one run; executors report task progress and completions to it."""

    def __init__(
        self,
        options: ProgressOptions,
        phases: int,
        stream: TextIO | None = None,
        *,
        planned: Sequence[tuple[str, int]] = (),
    ) -> None:
        self._options = options
        self._phases = phases
        self._estimate = RunEstimate(planned) if planned else None
        self._index = 0
        self._stream = stream if stream is not None else sys.stderr
        self._phase: _Phase | None = None
        self._partial: dict[str, tuple[int, int]] = {}  # task key -> (docs, bytes) reported so far
        self._sizes: dict[str, int] = {}  # task key -> the bytes it reads, in the current phase
        # A worker's last report can arrive after its task is done: it must not be counted again.
        self._finished: set[str] = set()
        self._bar: Any = None
        self._lock = threading.Lock()
        # One line at a time: the ticker and the main thread (a phase's end) may both write.
        self._write_lock = threading.Lock()
        self._handed_on: dict[tuple[int, int], int] = {}  # (stage, shard) -> documents to the barrier
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if options.mode in ("log", "json"):
            self._ticker = threading.Thread(target=self._tick, daemon=True, name="gristmill-progress")
            self._ticker.start()

    def add_phase(self, name: str = "", tasks: int = 0) -> None:
        """Count one more phase, planned once the ones before it were done (a round of the link)."""
        with self._lock:
            self._phases += 1
            if self._estimate is not None:
                self._estimate.insert(self._index + 1, name, tasks)

    def start_phase(
        self,
        name: str,
        index: int,
        tasks: int,
        done: int,
        docs: int,
        nbytes: int,
        total_bytes: int,
        sizes: Mapping[str, int] | None = None,
    ) -> None:
        """Begin phase ``index`` (0-based) of ``tasks`` tasks, ``done`` of them finished before.

        ``sizes``: the bytes each task reads, by task key (:mod:`gristmill.engine.volume`).
        """
        with self._lock:
            self._sizes = dict(sizes or {})
            self._phase = _Phase(
                name, index, tasks, done, docs, nbytes, total_bytes, time.monotonic(), docs, nbytes, done
            )
            self._index = index
            self._partial.clear()
        if self._options.mode == "bar":
            from tqdm import tqdm

            total, initial = (total_bytes, nbytes) if total_bytes else (tasks, done)
            unit = "B" if total_bytes else " tasks"
            self._bar = tqdm(
                total=total,
                initial=initial,
                unit=unit,
                unit_scale=bool(total_bytes),
                unit_divisor=1024,
                desc=f"[{index + 1}/{self._phases}] {name}",
                file=self._stream,
                leave=True,
                **_size(self._stream),
            )
            self._refresh_bar()
        elif self._options.mode == "json":
            with self._write_lock:
                self._emit("start")

    def update(self, task: str, docs: int, nbytes: int) -> None:
        """Add what a running task reports: documents taken in and input bytes read since last time."""
        with self._lock:
            if task in self._finished:
                return
            before_docs, before_bytes = self._partial.get(task, (0, 0))
            self._partial[task] = (before_docs + docs, before_bytes + nbytes)
        if self._bar is not None:
            if nbytes and self._phase is not None and self._phase.total_bytes:
                self._bar.update(nbytes)
            self._refresh_bar()

    def task_done(self, task: str, docs: int, nbytes: int) -> None:
        """A task finished: replace what it reported with its exact figures."""
        with self._lock:
            phase = self._phase
            if phase is None:
                return
            _, partial_bytes = self._partial.pop(task, (0, 0))
            self._finished.add(task)
            phase.done += 1
            phase.docs += docs
            phase.nbytes += nbytes
        if self._bar is not None:
            if phase.total_bytes:
                self._bar.update(nbytes - partial_bytes)
            else:
                self._bar.update(1)
            self._refresh_bar()

    def finish_task(self, task: Task, stats: TaskStats) -> None:
        """A task finished with ``stats``: count the documents it took in and the input it read."""
        self.task_done(task.key, self.documents(task, stats), self._sizes.get(task.key, 0))

    def documents(self, task: Task, stats: TaskStats) -> int:
        """The documents a finished task took in; a sign task, those its shard's stage task handed on.

        Stage tasks done in an earlier run are told here too (from their done-markers), so a resumed
        run's sign phase counts them.
        """
        if isinstance(task, StageTask):
            handed_on = stats.steps[-1].docs_out if stats.steps else stats.read
            self._handed_on[(task.stage, task.shard.index)] = handed_on
        elif isinstance(task, SignTask):
            return self._handed_on.get((task.stage - 1, task.shard), 0)
        return documents_of(task, stats)

    def end_phase(self) -> None:
        """The phase is over: close its bar, or log its last line."""
        with self._write_lock:  # no ticker line of this phase after its last
            if self._bar is not None:
                self._refresh_bar()
                self._bar.close()
                self._bar = None
            elif self._options.mode in ("json", "log"):
                self._emit("end")
            with self._lock:
                phase, self._phase = self._phase, None
                if phase is not None and self._estimate is not None:
                    ran = phase.done - phase.base_done
                    self._estimate.measured(phase.name, ran, time.monotonic() - phase.started)

    def close(self) -> None:
        """Stop the log ticker."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self.close()

    def snapshot(self) -> dict[str, Any] | None:
        """The current phase's figures (what a log line shows), or None between phases."""
        with self._lock:
            phase = self._phase
            if phase is None:
                return None
            docs = phase.docs + sum(d for d, _ in self._partial.values())
            nbytes = phase.nbytes + sum(b for _, b in self._partial.values())
            elapsed = time.monotonic() - phase.started
            rate = (docs - phase.base_docs) / elapsed if elapsed > 0 else 0.0
            if phase.total_bytes:
                done_share = nbytes / phase.total_bytes
                speed = (nbytes - phase.base_bytes) / elapsed if elapsed > 0 else 0.0
                eta = (phase.total_bytes - nbytes) / speed if speed > 0 else None
            else:
                done_share = phase.done / phase.tasks if phase.tasks else 1.0
                ran = phase.done - phase.base_done
                task_speed = ran / elapsed if elapsed > 0 and ran else 0.0
                eta = (phase.tasks - phase.done) / task_speed if task_speed > 0 else None
            if phase.done >= phase.tasks:
                eta = 0.0
            to_run = phase.tasks - phase.base_done
            per_task = (elapsed + eta) / to_run if eta is not None and to_run > 0 else None
            run_eta: float | None = None
            if eta is None:
                # No task of the phase done yet: the run's ETA takes the phase at its kind's cost.
                cost = self._estimate.cost(phase.name) if self._estimate is not None else None
                if self._estimate is not None and cost is not None:
                    guess = max(0.0, to_run * cost - elapsed)
                    run_eta = self._estimate.remaining(phase.index, guess, cost)
            elif self._estimate is None:  # nothing planned told: only the last phase knows the run's end
                run_eta = eta if phase.index + 1 == self._phases else None
            else:
                run_eta = self._estimate.remaining(phase.index, eta, per_task)
            return {
                "phase": phase.name,
                "index": phase.index + 1,
                "phases": self._phases,
                "tasks_done": phase.done,
                "tasks": phase.tasks,
                "docs": docs,
                "mb": round(nbytes / 1e6, 1),
                "mb_total": round(phase.total_bytes / 1e6, 1),
                "bytes": nbytes,
                "total_bytes": phase.total_bytes,
                "docs_per_s": round(rate, 1),
                "done": round(min(done_share, 1.0), 4),
                "elapsed_s": round(elapsed, 1),
                "eta_s": None if eta is None else round(eta, 1),
                "run_eta_s": None if run_eta is None else round(run_eta, 1),
            }

    def _refresh_bar(self) -> None:
        figures = self.snapshot()
        if self._bar is not None and figures is not None:
            self._bar.set_postfix_str(
                f"{figures['tasks_done']}/{figures['tasks']} tasks, {figures['docs']:,} docs, "
                f"{figures['docs_per_s']:,.0f} docs/s, run ETA {_eta(figures['run_eta_s'])}",
                refresh=False,
            )

    def _tick(self) -> None:
        while not self._stop.wait(self._options.every):
            with self._write_lock:
                self._emit("progress")

    def _emit(self, event: str) -> None:
        figures = self.snapshot()
        if figures is None:
            return
        if self._options.mode == "json":
            line = orjson.dumps({"event": event, **figures}).decode()
        else:
            line = (
                f"gristmill: [{figures['index']}/{figures['phases']}] {figures['phase']}: "
                f"{figures['tasks_done']}/{figures['tasks']} tasks, {figures['docs']:,} docs, "
                f"{_megabytes(figures)}, {figures['docs_per_s']:,.0f} docs/s, "
                f"{_clock(figures['elapsed_s'])} elapsed, ETA {_eta(figures['eta_s'])}, "
                f"run ETA {_eta(figures['run_eta_s'])}" + (" (done)" if event == "end" else "")
            )
        self._stream.write(line + "\n")
        self._stream.flush()


def _size(stream: TextIO) -> dict[str, int]:
    """The bar's size where the terminal says it has none (a bare pty: tqdm then draws nothing)."""
    try:
        if os.get_terminal_size(stream.fileno()).columns > 0:
            return {}
    except (OSError, ValueError, AttributeError):  # not a file, or not a terminal: tqdm decides
        return {}
    return {"ncols": 120, "nrows": 20}


def _megabytes(figures: dict[str, Any]) -> str:
    """``12.3 of 45.6 MB`` read in the phase, or ``12.3 MB`` when its total is not known."""
    if figures["total_bytes"]:
        return f"{figures['mb']:,.1f} of {figures['mb_total']:,.1f} MB"
    return f"{figures['mb']:,.1f} MB"


def _eta(seconds: float | None) -> str:
    return "?" if seconds is None else _clock(seconds)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
