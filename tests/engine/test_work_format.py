"""An unfinished run's work files are read back only by a gristmill that writes them the same way."""

import orjson

from tests.engine.faulty import BarrierRaise  # noqa: F401  (registers test_barrier_raise)
from tests.helpers import write_pipeline


def stopped_barrier_run(make_corpus, tmp_path, run_cli):
    """A run whose barrier raised while deciding: its signatures wait in ``_work/`` for the resume."""
    src = make_corpus(
        shards=2, docs=10, text=lambda s, d: f"Story {d} of shard {s}." + (" BOOM" if d == 3 else "")
    )
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {src}\noutput: {tmp_path}/out\nsteps:\n  - test_barrier_raise: {{}}\n"
    )
    assert run_cli("run", str(config)).exit_code == 1
    assert any(p.is_file() for p in (tmp_path / "out/_work").rglob("*"))
    return config, tmp_path / "out"


def test_an_unfinished_run_left_by_another_work_format_is_refused_in_one_line(make_corpus, tmp_path, run_cli):
    config, out = stopped_barrier_run(make_corpus, tmp_path, run_cli)
    # What a gristmill writing its work files another way leaves (before the format was recorded: no file).
    (out / "_state/work-format.json").unlink()
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: output: {str(out)!r} holds an unfinished run whose work files another gristmill "
        "wrote (work format 1; this one reads format 3): resume it with that gristmill, or pass --overwrite "
        "(overwrite=True in Python) to start again\n"
    )


def test_a_finished_run_of_another_work_format_reruns_and_records_this_one(make_corpus, tmp_path, run_cli):
    src = make_corpus(shards=2, docs=10)
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {src}\noutput: {tmp_path}/out\nsteps:\n  - exact_dedup: {{}}\n"
    )
    assert run_cli("run", str(config)).exit_code == 0
    recorded = tmp_path / "out/_state/work-format.json"
    recorded.write_bytes(orjson.dumps({"work_format": 1}))
    assert run_cli("run", str(config)).exit_code == 0
    assert orjson.loads(recorded.read_bytes()) == {"work_format": 3}


def test_a_damaged_work_format_record_is_one_line_not_a_traceback(make_corpus, tmp_path, run_cli):
    config, out = stopped_barrier_run(make_corpus, tmp_path, run_cli)
    (out / "_state/work-format.json").write_bytes(b'{"work_for')
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: output: cannot read {str(out / '_state/work-format.json')!r} (the run's work "
        "format): pass --overwrite (overwrite=True in Python) to start again\n"
    )
