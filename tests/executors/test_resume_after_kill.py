"""A run killed with SIGKILL at any moment and run again gives the same bytes as an uninterrupted run."""

import os
import random
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
  - minhash_dedup: {{}}
  - span_dedup: {{}}
  - regex_filter: {{pattern: "story 7", reason: seven}}
"""
SHARDS = 8
# 8 stage tasks, then per barrier 8 signatures, 16 groups, the link and 8 stage tasks: the dedups'
# links take three rounds of 8 tasks or more, span_dedup's is one task.
TASKS = SHARDS + 3 * (SHARDS + 16 + SHARDS) + 2 * 3 * SHARDS + 1
KILLS = 30


def start(config: Path, workers: int) -> subprocess.Popen:
    with open(config.with_suffix(".log"), "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gristmill", "run", str(config), "-w", str(workers), "--no-progress"],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def markers(out: Path) -> int:
    return sum(1 for _ in (out / "_state").rglob("*.done")) if (out / "_state").exists() else 0


def kill_when(proc: subprocess.Popen, out: Path, done: int, jitter: float) -> bool:
    """SIGKILL the run once `done` tasks have finished and `jitter` seconds more; False if it ended first."""
    deadline = time.monotonic() + 120
    while markers(out) < done and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(jitter)
    if proc.poll() is not None:
        return False
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, mid-write wherever they are
    proc.wait()
    return True


def test_thirty_kills_at_random_moments_resume_to_identical_output(make_corpus, tmp_path) -> None:
    src = make_corpus(
        shards=SHARDS,
        docs=1500,
        text=lambda s, d: (
            f"A story {d % 9} told on page {(s * 7 + d) % 900} of the archive. " * (1 + d % 4)
            + f"It was filed under {d % 13} and read by {s * d % 31} people on day {d}."
        ),
    )
    whole = tmp_path / "whole"
    config = write_pipeline(tmp_path / "whole.yaml", PIPELINE.format(src=src, out=whole))
    assert start(config, workers=2).wait() == 0, config.with_suffix(".log").read_text()

    resumed = tmp_path / "resumed"
    config = write_pipeline(tmp_path / "resumed.yaml", PIPELINE.format(src=src, out=resumed))
    rng = random.Random(20261127)
    # Kill points spread over every phase; each kill after the first lands in a resumed run.
    targets = sorted(rng.randrange(0, TASKS) for _ in range(KILLS))
    kills = 0
    for target in targets:
        if kill_when(start(config, workers=2), resumed, target, rng.uniform(0, 0.3)):
            kills += 1
    assert kills >= KILLS - 3, f"only {kills} runs could be killed before they finished"
    final = start(config, workers=2)
    assert final.wait() == 0, config.with_suffix(".log").read_text()
    assert outputs(resumed) == outputs(whole)
    assert (resumed / "stats.json").read_bytes().split(b'"seconds"')[0] == (
        whole / "stats.json"
    ).read_bytes().split(b'"seconds"')[0]


LINK_PIPELINE = """
input: {{path: "{src}/*.jsonl.zst"}}
output: {{path: "{out}"}}
steps:
  - minhash_dedup: {{buckets: 4}}
"""


def link_markers(out: Path) -> int:
    folder = out / "_state" / "stage1-link"
    return sum(1 for _ in folder.glob("*.done")) if folder.exists() else 0


def test_link_rounds_killed_midway_resume_to_identical_output(make_corpus, tmp_path) -> None:
    # Each page is the one before with a word changed: chains of near-duplicates across shards,
    # which take the link several rounds.
    words = [f"word{i}" for i in range(400)]

    def text(shard: int, doc: int) -> str:
        chain, step = divmod(shard * 200 + doc, 40)
        page = [f"{w}{chain}" for w in words[:120]]
        for k in range(step):
            page[(k * 37) % 120] = f"edit{k}"
        return " ".join(page)

    src = make_corpus(shards=4, docs=200, text=text)
    whole = tmp_path / "whole"
    config = write_pipeline(tmp_path / "whole.yaml", LINK_PIPELINE.format(src=src, out=whole))
    assert start(config, workers=2).wait() == 0, config.with_suffix(".log").read_text()
    rounds = {p.name.split("-")[0] for p in (whole / "_state" / "stage1-link").glob("*.done")}
    assert len(rounds) >= 4, rounds  # large-star and small-star at least once, then name and gather

    resumed = tmp_path / "resumed"
    config = write_pipeline(tmp_path / "resumed.yaml", LINK_PIPELINE.format(src=src, out=resumed))
    kills = 0
    for target in (1, 3, 6, 9, 13):
        proc = start(config, workers=2)
        deadline = time.monotonic() + 120
        while link_markers(resumed) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
    assert kills >= 3, f"only {kills} runs could be killed during the link"
    assert start(config, workers=2).wait() == 0, config.with_suffix(".log").read_text()
    assert outputs(resumed) == outputs(whole)
