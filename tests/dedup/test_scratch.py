"""A barrier task's temporary files are named by its attempt, so a retry clears what a killed one left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from gristmill.dedup.scratch import clear_leftovers, scratch_file, task_scratch
from gristmill.dedup.work import PartsWriter

# Starts a task's attempt in another process, makes a temporary file, then waits to be killed.
ATTEMPT = """
import sys, time
from pathlib import Path
from gristmill.dedup.scratch import scratch_file, task_scratch
with task_scratch(Path(sys.argv[1]), sys.argv[2]):
    fd, path = scratch_file(Path(sys.argv[1]), "bucket-pairs-003.npy", ".spill")
    print(path, flush=True)
    time.sleep(600)
"""


def attempt(work: Path, task: str) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", ATTEMPT, str(work), task], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_a_retry_clears_what_a_killed_attempt_of_its_task_left_and_nothing_else(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    killed, left = attempt(work, "group-0003")
    live, other = attempt(work, "group-0004")  # another task, still running
    try:
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(timeout=30)
        finished = work / "bucket-pairs-003.npy"
        finished.write_bytes(b"a finished output is not a leftover")
        assert left.exists() and left.name.startswith(".group-0003.")
        with task_scratch(work, "group-0003"):  # the retry
            assert not left.exists()
            assert other.exists() and finished.exists()
            fd, mine = scratch_file(work, "bucket-pairs-003.npy", ".spill")
            os.close(fd)
            assert clear_leftovers(work, "group-0003") == []  # its own live attempt is kept
            assert mine.exists()
        assert not mine.exists() and other.exists()  # an attempt that ends clears its own files
        assert clear_leftovers(work, "group-0004") == []  # a live attempt of that task
        assert other.exists()
    finally:
        for process in (killed, live):
            process.kill()
            process.wait(timeout=30)
            process.stdout.close()  # type: ignore[union-attr]
    assert clear_leftovers(work, "group-0004") == [other]
    assert sorted(p.name for p in work.iterdir()) == ["bucket-pairs-003.npy"]


def test_a_parts_writer_in_a_task_names_its_spills_by_the_attempt(tmp_path: Path) -> None:
    path = tmp_path / "furniture-007.npy"
    with task_scratch(tmp_path, "stage1-group-0007"), PartsWriter(path, np.dtype(np.int64), 2) as parts:
        parts.add(np.arange(4, dtype=np.int64), np.array([1, 0, 1, 0]))
        spills = [p.name for p in tmp_path.iterdir() if p.name.endswith(".spill")]
        assert len(spills) == 2 and all(name.startswith(".stage1-group-0007.") for name in spills)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["furniture-007.index.npy", "furniture-007.npy"]
