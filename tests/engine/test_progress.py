"""Progress: a bar per phase on a terminal, log lines (or JSON lines) in a pipe, counts that match stats."""

import json
import subprocess
import sys

import orjson

from gristmill.engine.progress import ProgressOptions
from tests.executors.test_local import pipeline
from tests.helpers import write_pipeline

PIPELINE = """
input: {src}
output: {out}
steps:
  - normalize: {{}}
  - test_sleep: {{seconds: 0.002}}
  - exact_dedup: {{}}
"""
COMMAND = "import tests.engine.faulty; from gristmill.cli import main; main()"
PHASES = [
    "read and steps",
    "exact_dedup sign",
    "exact_dedup group",
    "exact_dedup link 1 (large-star)",
    "exact_dedup link 2 (name clusters)",
    "exact_dedup link 3 (gather per shard)",
    "exact_dedup decide and steps",
]


def run_in_a_pipe(config, *flags):
    return subprocess.run(
        [sys.executable, "-c", COMMAND, "run", str(config), *flags],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_run_into_a_pipe_logs_each_phase_with_counts_that_match_stats(make_corpus, tmp_path) -> None:
    src = make_corpus(shards=4, docs=100)
    config = write_pipeline(tmp_path / "p.yaml", PIPELINE.format(src=src, out=tmp_path / "out"))
    done = run_in_a_pipe(config, "-w", "2", "--log-every", "0.05")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith("gristmill: [") for line in lines), lines
    ends = [line for line in lines if line.endswith("(done)")]
    assert [line.split("] ", 1)[1].split(":", 1)[0] for line in ends] == PHASES
    stats = orjson.loads((tmp_path / "out/stats.json").read_bytes())
    assert f"4/4 tasks, {stats['totals']['read']:,} docs" in ends[0]
    decide_in = next(s["in"] for s in stats["steps"] if s["name"] == "exact_dedup")
    assert f"4/4 tasks, {decide_in:,} docs" in ends[-1]
    assert "[3/5] exact_dedup group: 2/2 tasks" in ends[2]  # a group task per worker


def test_json_lines_and_quiet(make_corpus, tmp_path) -> None:
    src = make_corpus(shards=2, docs=50)
    config = write_pipeline(tmp_path / "p.yaml", PIPELINE.format(src=src, out=tmp_path / "out"))
    done = run_in_a_pipe(config, "--log-json")
    events = [json.loads(line) for line in done.stderr.splitlines()]
    assert [e["phase"] for e in events if e["event"] == "end"] == PHASES
    assert events[1]["docs"] == 100 and events[1]["tasks_done"] == 2 and events[1]["index"] == 1
    quiet = run_in_a_pipe(config, "--overwrite", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_a_resumed_run_counts_what_was_done_before(make_corpus, tmp_path, capsys) -> None:
    src = make_corpus(shards=3, docs=20)
    out = tmp_path / "out"
    pipeline(src, out).run(progress=False)
    (out / "_state/stage0/00001.done").unlink()  # one shard left to do
    pipeline(src, out).run(progress=ProgressOptions("json", every=60))
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    start, end = events[0], events[1]
    assert (start["event"], start["tasks_done"], start["docs"]) == ("start", 2, 40)
    assert (end["event"], end["tasks_done"], end["docs"]) == ("end", 3, 60)


def test_a_terminal_gets_a_bar_per_phase(make_corpus, tmp_path, capsys) -> None:
    pipeline(make_corpus(shards=2, docs=50), tmp_path / "out").run(progress=True)
    err = capsys.readouterr().err
    assert "[1/1] read and steps: 100%" in err and "2/2 tasks, 100 docs" in err and "docs/s" in err


def test_a_report_that_arrives_after_its_task_is_done_is_not_counted_again() -> None:
    import io

    from gristmill.engine.progress import Progress

    stream = io.StringIO()
    with Progress(ProgressOptions("json", every=60), phases=1, stream=stream) as bar:
        bar.start_phase("read and steps", 0, tasks=1, done=0, docs=0, nbytes=0, total_bytes=0)
        bar.update("stage0/00000", 10, 0)
        bar.task_done("stage0/00000", 12, 0)
        bar.update("stage0/00000", 2, 0)  # the worker's last report, late
        bar.end_phase()
    assert json.loads(stream.getvalue().splitlines()[-1])["docs"] == 12
