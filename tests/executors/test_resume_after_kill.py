"""A run killed with SIGKILL at any moment and run again gives the same bytes as an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.executors.test_local import outputs
from tests.helpers import write_pipeline

PIPELINE = """
input: {{path: "{src}/*.jsonl.zst"}}
output: {{path: "{out}"}}
steps:
  - normalize: {{}}
  - length_filter: {{min_chars: 80}}
  - exact_dedup: {{}}
  - regex_filter: {{pattern: "story 7", reason: seven}}
"""


def start(config: Path, workers: int) -> subprocess.Popen:
    with open(config.with_suffix(".log"), "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gristmill", "run", str(config), "-w", str(workers), "--no-progress"],
            stdout=log,
            stderr=log,
            start_new_session=True,  # its worker processes die with it
        )


def markers(out: Path) -> int:
    return sum(1 for _ in (out / "_state").rglob("*.done")) if (out / "_state").exists() else 0


def kill_when(proc: subprocess.Popen, out: Path, done: int) -> bool:
    """SIGKILL the run once `done` tasks have finished; False if it ended first."""
    deadline = time.monotonic() + 120
    while markers(out) < done and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    if proc.poll() is not None:
        return False
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return True


def test_killed_runs_resume_to_identical_output(make_corpus, tmp_path) -> None:
    src = make_corpus(
        shards=8,
        docs=4000,
        text=lambda s, d: f"A story {d % 9} told on page {(s * 7 + d) % 2500} of the archive. " * (1 + d % 4),
    )
    whole = tmp_path / "whole"
    config = write_pipeline(tmp_path / "whole.yaml", PIPELINE.format(src=src, out=whole))
    assert start(config, workers=2).wait() == 0

    resumed = tmp_path / "resumed"
    config = write_pipeline(tmp_path / "resumed.yaml", PIPELINE.format(src=src, out=resumed))
    kills = 0
    # 8 stage tasks, 8 signatures, 16 groups, 1 link, 8 stage tasks: kill inside each phase in turn.
    for done in (1, 6, 12, 20, 30, 36):
        if kill_when(start(config, workers=2), resumed, done):
            kills += 1
    assert kills >= 3, "the run finished before it could be killed; make the corpus larger"
    final = start(config, workers=2)
    assert final.wait() == 0, config.with_suffix(".log").read_text()
    assert outputs(resumed) == outputs(whole)
    assert (resumed / "stats.json").read_bytes().split(b'"seconds"')[0] == (
        whole / "stats.json"
    ).read_bytes().split(b'"seconds"')[0]
