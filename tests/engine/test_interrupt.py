"""Ctrl-C and SIGTERM stop a run within seconds, keep finished tasks, leave no worker, and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.executors.test_local import outputs
from tests.helpers import REPO, write_pipeline

PIPELINE = """
input: {src}
output: {out}
steps:
  - normalize: {{}}
  - test_sleep: {{seconds: 0.01}}
"""
# The test steps are registered by importing their module before the command runs.
COMMAND = "import tests.engine.faulty; from gristmill.cli import main; main()"


def start(config: Path, mark: str, workers: int = 2) -> subprocess.Popen[bytes]:
    """Start ``gristmill run`` in a session of its own; its stderr goes to ``<config>.err``."""
    env = {**os.environ, "GRISTMILL_TEST_MARK": mark}
    with open(config.with_suffix(".err"), "wb") as err:
        return subprocess.Popen(
            [sys.executable, "-c", COMMAND, "run", str(config), "-w", str(workers), "--no-progress"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )


def processes_marked(mark: str) -> list[int]:
    """Every live process started with the mark in its environment (the run and its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
                state = (entry / "stat").read_text().split(")")[-1].split()[0]
            except OSError:
                continue
            if f"GRISTMILL_TEST_MARK={mark}".encode() in environ.split(b"\0") and state != "Z":
                found.append(int(entry.name))
    return found


def wait_for_done_markers(out: Path, proc: subprocess.Popen[bytes], count: int) -> None:
    deadline = time.monotonic() + 60
    while len(list((out / "_state").rglob("*.done"))) < count if (out / "_state").exists() else True:
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)


def gone_within(mark: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while processes_marked(mark):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def slow_run(make_corpus, tmp_path):
    src = make_corpus(shards=8, docs=100)
    clean = write_pipeline(tmp_path / "clean.yaml", PIPELINE.format(src=src, out=tmp_path / "clean"))
    config = write_pipeline(tmp_path / "p.yaml", PIPELINE.format(src=src, out=tmp_path / "out"))
    return clean, config, tmp_path / "out"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find worker processes")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_run_within_seconds_and_the_same_command_resumes(slow_run, signum) -> None:
    clean, config, out = slow_run
    mark = uuid.uuid4().hex
    proc = start(config, mark)
    wait_for_done_markers(out, proc, 1)
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C on a terminal reaches the whole process group
    else:
        os.kill(proc.pid, signal.SIGTERM)  # SIGTERM to the main process only
    proc.wait(timeout=30)  # without the fix it went on for minutes, then printed "Aborted!"
    stderr = config.with_suffix(".err").read_bytes()
    assert proc.returncode == 128 + signum
    name = signal.Signals(signum).name
    assert stderr.decode() == (
        f"gristmill: error: interrupted by {name}: finished tasks are kept; run the same command to resume\n"
    )
    assert gone_within(mark, 5), "a worker process outlived the run"
    assert len(list((out / "_state").rglob("*.done"))) < 8  # it really stopped before the end

    resumed = start(config, mark)
    assert resumed.wait(timeout=120) == 0, config.with_suffix(".err").read_text()
    stats = json.loads((out / "stats.json").read_text())
    # The interrupted command finished a task of 100 documents of 0.01 s: its time is in the run's.
    assert stats["seconds"] - stats["command_seconds"] >= 0.5
    assert start(clean, mark).wait(timeout=120) == 0
    assert outputs(out) == outputs(clean.parent / "clean")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find worker processes")
def test_a_second_ctrl_c_exits_at_once_and_a_killed_run_leaves_no_worker(slow_run) -> None:
    _, config, out = slow_run
    mark = uuid.uuid4().hex
    proc = start(config, mark)
    wait_for_done_markers(out, proc, 1)
    os.killpg(proc.pid, signal.SIGINT)
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=10)
    assert proc.returncode in (130, -signal.SIGINT)
    assert gone_within(mark, 5)

    proc = start(config, mark)  # SIGKILL of the main process: the kernel ends its workers
    wait_for_done_markers(out, proc, 2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert gone_within(mark, 5), "a worker process outlived a killed run"


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8])
def test_ctrl_c_while_workers_start_is_still_one_line(slow_run, delay) -> None:
    _, config, out = slow_run
    mark = uuid.uuid4().hex
    proc = start(config, mark)
    deadline = time.monotonic() + 60
    while not (out / "_state").exists():  # the run has taken over the signals
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(delay)  # worker processes are starting, importing, or running
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert config.with_suffix(".err").read_text() == (
        "gristmill: error: interrupted by SIGINT: finished tasks are kept; run the same command to resume\n"
    )
    assert gone_within(mark, 5)


_CTRL_C_WHILE_STARTING = """
import multiprocessing, os, signal, sys, time
from gristmill.engine.signals import ignore_interrupts_in_worker, workers_start_deaf_to_ctrl_c

def nap():
    ignore_interrupts_in_worker()  # as a pool worker starts: the Ctrl-C pending since its start is dropped
    time.sleep(0.5)

if __name__ == "__main__":
    # Started from a background job, SIGINT comes ignored, and Python then leaves it so: the Ctrl-C
    # this script sends itself would be dropped by the kernel whatever the code under test does.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    context = multiprocessing.get_context("spawn")
    try:
        with workers_start_deaf_to_ctrl_c():
            child = context.Process(target=nap)
            child.start()
            os.killpg(0, signal.SIGINT)  # Ctrl-C reaches the whole group: the child still starting, and us
            time.sleep(0.2)
        time.sleep(1.0)
    except KeyboardInterrupt:
        child.join()
        print("interrupted", child.exitcode)
        sys.exit(0)
    child.join()
    print("lost", child.exitcode)
"""


def test_ctrl_c_while_a_worker_starts_reaches_the_parent_but_not_the_worker(tmp_path) -> None:
    script = tmp_path / "starting.py"
    script.write_text(_CTRL_C_WHILE_STARTING)
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # its own process group, so the Ctrl-C it sends reaches no one else
        cwd=REPO,
    )
    assert done.stderr == ""  # no traceback from the child
    assert done.stdout == "interrupted 0\n"
