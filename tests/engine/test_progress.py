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
    assert f"4/4 tasks, {decide_in:,} docs" in ends[1]  # sign reads what the stage before handed on
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


def test_json_lines_carry_the_runs_warnings_too(tmp_path) -> None:
    # A new user's trial: warnings stayed plain text among the JSON events, so a log reader that parses
    # every line broke. A WARC input without an extract step draws one.
    from tests.helpers import NO_STEPS, REPO

    warc = REPO / "src/gristmill/samples/warc/cc-main-2020-34-excerpt.warc.gz"
    config = write_pipeline(tmp_path / "p.yaml", f"input: {warc}\noutput: {tmp_path / 'out'}\n")
    done = run_in_a_pipe(config, "--log-json")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stderr.splitlines()]
    said = [e for e in events if e["event"] == "log"]
    assert [e["level"] for e in said] == ["warning", "warning"]
    assert "no step extracts it" in said[0]["message"]
    assert said[1]["message"] == NO_STEPS.removeprefix("gristmill: ").rstrip("\n")  # and it has no steps
    # The line that stops a run is an event too (a review: it stayed plain).
    missing = write_pipeline(
        tmp_path / "m.yaml", f"input: {tmp_path / 'none.jsonl'}\noutput: {tmp_path / 'o'}\n"
    )
    stopped = run_in_a_pipe(missing, "--log-json")
    assert stopped.returncode == 2
    (event,) = [json.loads(line) for line in stopped.stderr.splitlines()]
    assert event["event"] == "log" and event["level"] == "error" and "none.jsonl" in event["message"]


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


def test_the_run_eta_adds_the_phases_still_to_come() -> None:
    from gristmill.engine.estimate import RunEstimate

    planned = [
        ("read and steps", 4),
        ("exact_dedup sign", 4),
        ("exact_dedup group", 16),
        ("exact_dedup link 1 (large-star)", 4),
        ("exact_dedup decide and steps", 4),
    ]
    estimate = RunEstimate(planned)
    # Nothing measured yet: a phase that reads documents is taken to cost per task what this one does.
    assert estimate.remaining(0, phase_eta=4.0, per_task=2.0) == 4.0 + 4 * 2.0 + 4 * 2.0
    estimate.measured("read and steps", ran=4, seconds=8.0)
    estimate.measured("exact_dedup sign", ran=4, seconds=2.0)
    estimate.measured("exact_dedup group", ran=16, seconds=1.6)
    # A link round planned once the one before was done joins the plan where the run puts it.
    estimate.insert(4, "exact_dedup link 2 (name clusters)", 4)
    estimate.measured("exact_dedup link 1 (large-star)", ran=4, seconds=0.4)
    assert estimate.remaining(3, phase_eta=0.0, per_task=0.1) == 4 * 0.1 + 4 * 2.0
    assert estimate.remaining(5, phase_eta=1.5, per_task=1.0) == 1.5


def test_log_lines_give_the_eta_of_the_whole_run(make_corpus, tmp_path) -> None:
    src = make_corpus(shards=2, docs=50)
    config = write_pipeline(tmp_path / "p.yaml", PIPELINE.format(src=src, out=tmp_path / "out"))
    done = run_in_a_pipe(config, "--log-json")
    ends = [json.loads(line) for line in done.stderr.splitlines() if '"end"' in line]
    assert all(e["run_eta_s"] is not None and e["run_eta_s"] >= e["eta_s"] for e in ends), ends
    # After the first phase the sign and decide phases are still to come: they take time to run.
    assert ends[0]["eta_s"] == 0 and ends[0]["run_eta_s"] > 0, ends[0]
    assert ends[-1]["run_eta_s"] == 0
    text = run_in_a_pipe(config, "--overwrite", "--log-every", "0.05")
    assert all(", run ETA " in line for line in text.stderr.splitlines()), text.stderr


def test_the_run_eta_is_known_before_a_phase_finishes_its_first_task() -> None:
    import io

    from gristmill.engine.progress import Progress

    planned = [("read and steps", 2), ("exact_dedup sign", 2)]
    stream = io.StringIO()
    with Progress(ProgressOptions("json", every=60), 2, stream=stream, planned=planned) as bar:
        bar.start_phase("read and steps", 0, tasks=2, done=0, docs=0, nbytes=0, total_bytes=0)
        bar.task_done("stage0/00000", 10, 0)
        bar.task_done("stage0/00001", 10, 0)
        bar.end_phase()
        bar.start_phase("exact_dedup sign", 1, tasks=2, done=0, docs=0, nbytes=0, total_bytes=0)
        figures = bar.snapshot()
    assert figures is not None and figures["eta_s"] is None and figures["run_eta_s"] is not None


def test_a_sign_phase_counts_the_documents_handed_on_also_by_tasks_done_before() -> None:
    import io

    from gristmill.engine.progress import Progress
    from gristmill.engine.tasks import SignTask, StageTask
    from gristmill.io.inputs import Shard
    from gristmill.stats import StepStats, TaskStats

    def stage_stats(read: int, out: int) -> TaskStats:
        return TaskStats(read=read, steps=[StepStats(0, "length_filter", docs_in=read, docs_out=out)])

    shards = [Shard(n, "jsonl", (f"in{n}.jsonl",)) for n in range(2)]
    stream = io.StringIO()
    with Progress(ProgressOptions("json", every=60), 2, stream=stream) as bar:
        # As a resumed run starts: shard 0 was done in the run before, from its done-marker's stats.
        done_docs = bar.documents(StageTask(0, shards[0]), stage_stats(10, 7))
        bar.start_phase("read and steps", 0, tasks=2, done=1, docs=done_docs, nbytes=0, total_bytes=0)
        bar.finish_task(StageTask(0, shards[1]), stage_stats(10, 4))
        bar.end_phase()
        bar.start_phase("exact_dedup sign", 1, tasks=2, done=0, docs=0, nbytes=0, total_bytes=0)
        bar.finish_task(SignTask(1, 0), TaskStats())
        bar.finish_task(SignTask(1, 1), TaskStats())
        bar.end_phase()
    ends = [json.loads(line) for line in stream.getvalue().splitlines() if '"end"' in line]
    assert [e["docs"] for e in ends] == [20, 11]


def test_a_terminal_that_reports_no_width_still_gets_its_bars(make_corpus, tmp_path) -> None:
    # A bare pseudo-terminal (a container's `-t`, some CI runners) reports 0 columns: tqdm then
    # draws an empty line per phase unless it is given a width.
    import os
    import pty

    src = make_corpus(shards=2, docs=20)
    config = write_pipeline(tmp_path / "p.yaml", PIPELINE.format(src=src, out=tmp_path / "out"))
    master, slave = pty.openpty()
    command = [sys.executable, "-c", COMMAND, "run", str(config)]
    child = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    assert child.wait(timeout=300) == 0, output
    assert b"[1/5] read and steps: 100%" in output and b"(large-star): 100%" in output, output


def test_a_join_pass_is_priced_as_a_join_not_as_a_reading_phase() -> None:
    from gristmill.engine.estimate import RunEstimate

    planned = [("span_dedup sign", 2), ("span_dedup join per shard", 2), ("span_dedup decide", 2)]
    estimate = RunEstimate(planned)
    estimate.measured("span_dedup sign", ran=2, seconds=10.0)
    # A join reads small tables: until one has run it is not priced at the documents' cost.
    assert estimate.remaining(0, phase_eta=0.0, per_task=5.0) == 2 * 5.0


def test_every_phase_after_the_first_reports_the_megabytes_it_reads(make_corpus, tmp_path, capsys) -> None:
    from gristmill.dedup import MinhashDedup
    from gristmill.steps import Normalize

    def text(shard: int, doc: int) -> str:
        return f"Page {doc % 40} of the site says this and that about item {doc % 40}, at length. " * 30

    src = make_corpus(shards=3, docs=60, text=text)
    out = tmp_path / "out"
    pipeline(src, out, steps=[Normalize(), MinhashDedup()]).run(progress=ProgressOptions("json", every=60))
    events = map(json.loads, capsys.readouterr().err.splitlines())
    ends = {e["phase"]: e for e in events if e["event"] == "end"}
    names = list(ends)
    assert names[1:3] == ["minhash_dedup sign", "minhash_dedup group"] and " link 1 " in names[3], names
    # Every phase ends having read all it was to read, and that is more than nothing.
    assert all(0 < ends[name]["bytes"] == ends[name]["total_bytes"] for name in names), ends
    # Sign and decide both read the documents the first stage handed on: the same files, whole.
    assert ends["minhash_dedup sign"]["bytes"] == ends["minhash_dedup decide and steps"]["bytes"]


def test_a_sign_task_reports_documents_and_bytes_while_it_reads(make_corpus, tmp_path) -> None:
    from gristmill.dedup import MinhashDedup
    from gristmill.engine.layout import Layout
    from gristmill.engine.tasks import SignTask, StageTask, run_task
    from gristmill.steps import Normalize

    src = make_corpus(shards=1, docs=3000)
    run = pipeline(src, tmp_path / "out", steps=[Normalize(), MinhashDedup()])
    layout = Layout(tmp_path / "out")
    layout.create()
    layout.prepare({}, overwrite=False)
    shard = run.input.shards()[0]
    run_task(run, StageTask(0, shard))
    reports: list[tuple[int, int]] = []
    run_task(run, SignTask(1, 0), lambda docs, nbytes: reports.append((docs, nbytes)))
    assert sum(d for d, _ in reports) == 3000
    assert sum(b for _, b in reports) == layout.stage_input(0, 0).stat().st_size


def test_a_barrier_phase_reads_what_the_phase_before_wrote_also_when_resumed(make_corpus, tmp_path) -> None:
    from gristmill.dedup import MinhashDedup
    from gristmill.engine.layout import Layout
    from gristmill.engine.plan import plan_phases
    from gristmill.engine.volume import task_bytes
    from gristmill.steps import Normalize

    src = make_corpus(shards=2, docs=5)
    run = pipeline(src, tmp_path / "out", steps=[Normalize(), MinhashDedup(buckets=16)])
    layout = Layout(tmp_path / "out")
    layout.create()
    layout.prepare({}, overwrite=False)
    read, sign, group, link = plan_phases(run, run.input.shards(), workers=2)[:4]
    for shard in range(2):
        layout.stage_input(0, shard).parent.mkdir(parents=True, exist_ok=True)
        layout.stage_input(0, shard).write_bytes(b"x" * (100 + shard))
    assert task_bytes(layout, sign, read) == {"stage1-sign/00000": 100, "stage1-sign/00001": 101}
    layout.barrier_work(1).mkdir(parents=True)
    (layout.barrier_work(1) / "band-00000.npy").write_bytes(b"x" * 999)  # what sign wrote
    # Split by bucket range: 16 buckets over 2 group tasks.
    assert task_bytes(layout, group, sign) == {"stage1-group/0000-0008": 499, "stage1-group/0008-0016": 500}
    # A resumed run, after a group task wrote its part: the group's share is what sign wrote.
    (layout.barrier_work(1) / "links").mkdir()
    (layout.barrier_work(1) / "links/000-00000.npy").write_bytes(b"x" * 50)
    assert sum(task_bytes(Layout(tmp_path / "out"), group, sign).values()) == 999
    assert task_bytes(layout, link, group) == {t.key: 25 for t in link.tasks}


def test_every_phase_logs_its_last_line_even_when_shorter_than_log_every(make_corpus, tmp_path) -> None:
    # No phase of this run lasts anywhere near 600 s: each must still say how it ended.
    src = make_corpus(shards=2, docs=20)
    config = write_pipeline(tmp_path / "p.yaml", PIPELINE.format(src=src, out=tmp_path / "out"))
    done = run_in_a_pipe(config, "--log-every", "600")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert all(line.endswith("(done)") for line in lines), lines
    assert [line.split("] ", 1)[1].split(":", 1)[0] for line in lines] == PHASES
    stats = orjson.loads((tmp_path / "out/stats.json").read_bytes())
    assert f"2/2 tasks, {stats['totals']['read']:,} docs" in lines[0]
