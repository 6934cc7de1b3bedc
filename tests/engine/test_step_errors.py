"""A step that raises on a document costs that document (to quarantine), not the run; losses fail loudly."""

import orjson
import pyarrow.parquet as pq
import pytest

from gristmill import Language, Normalize, Pipeline
from gristmill.errors import RunFailedError
from gristmill.report import render_report
from tests.engine.faulty import (
    BatchRaise,
    FalseOn,
    LoneSurrogate,
    NoneOn,
    NumpyVerdict,
    RaiseOn,
    Twins,
)  # registers the test_* steps too
from tests.helpers import read_all, without_progress, write_pipeline
from tests.report.helpers import check_funnel_against_stats


def corpus(make_corpus, bad: set[tuple[int, int]]):
    return make_corpus(
        shards=3,
        docs=40,
        text=lambda s, d: f"Story {d} of shard {s}." + (" BOOM" if (s, d) in bad else ""),
    )


def quarantined(out):
    files = sorted((out / "quarantine").glob("*.jsonl"))
    return [orjson.loads(line) for p in files for line in p.read_bytes().splitlines()]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_document_a_step_raises_on_goes_to_quarantine_and_the_run_goes_on(make_corpus, tmp_path, workers):
    src = corpus(make_corpus, {(1, 7)})
    out = tmp_path / "out"
    result = Pipeline(
        input={"path": str(src)}, output={"path": str(out)}, steps=[Normalize(), RaiseOn()]
    ).run(workers=workers)
    assert result.totals == {"read": 120, "created": 0, "kept": 119, "rejected": 0, "quarantined": 1}
    (record,) = quarantined(out)
    assert record["step"] == "test_raise_on"
    assert record["reason"] == "test_raise_on:error:ValueError: cannot digest s1-d7"
    assert record["document"]["id"] == "s1-d7" and record["document"]["text"].endswith("BOOM")
    assert len(read_all(out / "kept")) == 119
    steps = {s["name"]: s for s in orjson.loads((out / "stats.json").read_bytes())["steps"]}
    assert steps["test_raise_on"]["errors"] == 1 and steps["test_raise_on"]["out"] == 119


@pytest.mark.parametrize(
    ("step", "why"),
    [
        (
            NoneOn(),
            "test_none_on:error:TypeError: the step yielded None, not a Document: "
            "return the document (a Filter drops)",
        ),
        (FalseOn(), "test_false_on:error:TypeError: keep() returned False: return True to keep, or a reason"),
    ],
)
def test_a_step_that_answers_wrongly_costs_that_document_not_the_run(make_corpus, tmp_path, step, why):
    # datatrove's habits (a transform returning None to drop, a filter returning False) are not ours:
    # the document goes to quarantine saying what the step should return, and every count adds up.
    src = corpus(make_corpus, {(0, 3), (2, 9)})
    out = tmp_path / "out"
    result = Pipeline(input={"path": str(src)}, output={"path": str(out)}, steps=[step], max_errors=0.05).run(
        workers=1
    )
    assert result.totals == {"read": 120, "created": 0, "kept": 118, "rejected": 0, "quarantined": 2}
    records = quarantined(out)
    assert sorted(r["document"]["id"] for r in records) == ["s0-d3", "s2-d9"]
    assert {r["reason"] for r in records} == {why}
    (stats,) = orjson.loads((out / "stats.json").read_bytes())["steps"]
    assert stats["errors"] == 2
    set_aside = sum(len(r["document"]["text"]) for r in records)
    assert stats["chars_errors"] == set_aside > 0
    assert stats["chars_in"] == stats["chars_out"] + stats["chars_dropped"] + stats["chars_errors"]
    check_funnel_against_stats(render_report(out), orjson.loads((out / "stats.json").read_bytes()))


def test_a_numpy_true_keeps_and_a_numpy_false_is_set_aside_as_false_is(make_corpus, tmp_path):
    # np.float64(x) < t is np.True_, not True: it keeps; np.False_ is False's habit and says so.
    src = corpus(make_corpus, set())
    out = tmp_path / "out"
    result = Pipeline(
        input={"path": str(src)}, output={"path": str(out)}, steps=[NumpyVerdict()], max_errors=1
    ).run()
    short = sum(len(f"Story {d} of shard {s}.") < 20 for s in range(3) for d in range(40))
    assert 0 < short < 120
    assert result.totals["kept"] == short and result.totals["quarantined"] == 120 - short
    assert {r["reason"] for r in quarantined(out)} == {
        "test_numpy_verdict:error:TypeError: keep() returned np.False_: return True to keep, or a reason"
    }


def test_a_batch_in_flight_when_a_step_raises_is_quarantined_whole(make_corpus, tmp_path):
    src = corpus(make_corpus, {(0, 4)})
    out = tmp_path / "out"
    result = Pipeline(
        input={"path": str(src)}, output={"path": str(out)}, steps=[BatchRaise()], max_errors=0.05
    ).run()
    # Documents 3, 4 and 5 of shard 0 were in the step's hands; the step starts again after them.
    assert sorted(r["document"]["id"] for r in quarantined(out)) == ["s0-d3", "s0-d4", "s0-d5"]
    assert result.totals["kept"] == 117 and result.totals["quarantined"] == 3


def test_errors_over_max_errors_fail_the_run_after_writing_everything(make_corpus, tmp_path, run_cli):
    src = corpus(make_corpus, {(0, 1), (0, 2), (2, 3)})
    out = tmp_path / "out"
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {src}\noutput: {out}\nmax_errors: 0.02\nsteps:\n  - test_raise_on: {{}}\n",
    )
    result = run_cli("run", str(config))
    assert result.exit_code == 1
    assert "gristmill: error: steps raised on 3 of 120 documents (2.50%; most in 'test_raise_on'), " in (
        result.output
    )
    assert "over max_errors=0.02" in result.output
    assert len(quarantined(out)) == 3 and (out / "report.html").exists()
    # Under the default (1%) the same run fails; at 5% it passes.
    config.write_text(config.read_text().replace("0.02", "0.05"))
    assert run_cli("run", str(config), "--overwrite").exit_code == 0


def test_a_shard_a_step_raises_on_throughout_stops_in_one_line_naming_it(make_corpus, tmp_path, run_cli):
    # A step failing on a whole shard stops it at its 100th error: the line says which shard and file,
    # and that a larger max_errors in the pipeline lets it go on.
    src = make_corpus(
        shards=2, docs=120, text=lambda s, d: f"Story {d} of shard {s}." + (" BOOM" if s == 1 else "")
    )
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {src}\noutput: {tmp_path}/out\nsteps:\n  - test_raise_on: {{}}\n"
    )
    result = run_cli("run", str(config), "--workers", "1")
    assert result.exit_code == 1
    assert without_progress(result.output) == [
        "gristmill: error: step 'test_raise_on' raised on 100 of 100 documents of shard 00001 (last: "
        f"document s1-d99 of {src / 'part-01.jsonl.zst'}, ValueError: cannot digest s1-d99), over "
        "max_errors=0.01: raise max_errors in the pipeline and run it again to go on"
    ]
    config.write_text(config.read_text() + "max_errors: 1\n")
    assert run_cli("run", str(config)).exit_code == 0
    assert len(quarantined(tmp_path / "out")) == 120


def test_max_errors_must_be_a_share(make_corpus, tmp_path, run_cli):
    config = write_pipeline(tmp_path / "p.yaml", f"input: {tmp_path}\noutput: {tmp_path}/o\nmax_errors: 5\n")
    result = run_cli("run", str(config))
    assert result.exit_code == 2
    assert "max_errors: a share of documents between 0 and 1, got 5" in result.output


def test_a_step_that_loses_documents_fails_its_task_loudly(make_corpus, tmp_path, run_cli):
    src = corpus(make_corpus, {(2, 9)})
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {src}\noutput: {tmp_path}/out\nsteps:\n  - test_swallow: {{}}\n"
    )
    result = run_cli("run", str(config))
    assert result.exit_code == 1
    assert (
        "gristmill: error: step 'test_swallow' lost 1 document(s) in shard 00002 of stage 0 "
        "(in 40, created 0, out 39, dropped 0, errors 0)"
    ) in result.output
    assert not (tmp_path / "out/_state/stage0/00002.done").exists()  # the shard is not taken as done


def test_created_documents_are_counted_not_derived(make_corpus, tmp_path):
    src = corpus(make_corpus, set())
    result = Pipeline(
        input={"path": str(src)}, output={"path": str(tmp_path / "a")}, steps=[Twins(counted=True)]
    ).run()
    assert result.totals == {"read": 120, "created": 120, "kept": 240, "rejected": 0, "quarantined": 0}
    with pytest.raises(RunFailedError, match=r"'test_twins' yielded 40 document\(s\) it neither took in"):
        Pipeline(
            input={"path": str(src)}, output={"path": str(tmp_path / "b")}, steps=[Twins(counted=False)]
        ).run()


def test_a_barrier_that_raises_while_deciding_fails_the_task_in_one_line(make_corpus, tmp_path, run_cli):
    src = corpus(make_corpus, {(1, 3)})
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {src}\noutput: {tmp_path}/out\nsteps:\n  - test_barrier_raise: {{}}\n"
    )
    result = run_cli("run", str(config))
    assert result.exit_code == 1
    assert without_progress(result.output) == [
        "gristmill: error: step 'test_barrier_raise' raised while deciding, where it cannot set one "
        "document aside: ValueError: decide went wrong"
    ]


def test_a_step_class_never_registered_is_refused_before_the_run(tmp_path):
    # Its counts, reasons and the recorded pipeline.yaml were written under the name '' ("- ? '' : {}").
    from gristmill import Filter
    from gristmill.errors import ConfigError

    class Unnamed(Filter):
        def keep(self, doc):
            return True

    with pytest.raises(ConfigError, match=r"steps\[1\] \(Unnamed\) has no name: register it with @register"):
        Pipeline(
            input={"path": str(tmp_path)},
            output={"path": str(tmp_path / "out")},
            steps=[Normalize(), Unnamed()],
        )


def test_a_step_class_given_for_a_step_says_to_build_it(tmp_path):
    from gristmill.errors import ConfigError

    with pytest.raises(
        ConfigError, match=r"^steps\[1\] is the class Normalize, not a step: write Normalize\(\)$"
    ):
        Pipeline(
            input={"path": str(tmp_path)},
            output={"path": str(tmp_path / "out")},
            steps=[Normalize(), Normalize],
        )


def test_a_lone_surrogate_a_step_leaves_is_written_as_a_replacement_character(make_corpus, tmp_path):
    # Readers never give one (a JSONL escape of one is quarantined), but a plugin step may: writing the
    # document (kept, or quarantined when a later step raised on it) raised TypeError, a traceback.
    src = corpus(make_corpus, {(2, 5)})  # one of 120: under max_errors where language raises on it
    for steps in ([LoneSurrogate()], [LoneSurrogate(), Language()]):
        out = tmp_path / str(len(steps))
        totals = Pipeline(input={"path": str(src)}, output={"path": str(out)}, steps=steps).run().totals
        assert totals["read"] + totals["created"] == sum(
            totals[k] for k in ("kept", "rejected", "quarantined")
        )
        written = read_all(out / "kept") + read_all(out / "rejected")
        written += [q["document"] for q in quarantined(out) if "document" in q]
        touched = {d["id"]: d for d in written if "BOOM" in d["text"]}
        assert set(touched) == {"s2-d5"}
        assert all(d["text"].endswith("BOOM \ufffd") for d in touched.values()), touched
        assert all(d["meta"]["note"] == "half \ufffd" for d in touched.values()), touched
    out = tmp_path / "parquet"
    output = {"path": str(out), "format": "parquet"}
    assert (
        Pipeline(input={"path": str(src)}, output=output, steps=[LoneSurrogate()]).run().totals["kept"] == 120
    )
    shards = sorted((out / "kept").glob("*.parquet"))
    texts = [t for shard in shards for t in pq.read_table(shard, columns=["text"]).column("text").to_pylist()]
    assert [t for t in texts if "BOOM" in t] == ["Story 5 of shard 2. BOOM \ufffd"]
