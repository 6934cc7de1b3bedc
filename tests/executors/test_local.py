import os
import stat
from pathlib import Path

import orjson
import pytest

from gristmill import (
    ConfigError,
    ExactDedup,
    InputError,
    LengthFilter,
    MetaFilter,
    Normalize,
    OutputError,
    Pipeline,
)
from gristmill.errors import RunFailedError
from tests.helpers import read_all, read_docs, write_jsonl


def pipeline(src: Path, out: Path, steps=None, **output) -> Pipeline:
    return Pipeline(
        input={"path": str(src)},
        output={"path": str(out), **output},
        steps=steps if steps is not None else [Normalize(), LengthFilter(min_chars=60)],
    )


def outputs(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for folder in ("kept", "rejected", "quarantine")
        for p in sorted((out / folder).glob("*"))
    }


def test_totals_add_up_and_each_input_shard_has_one_output_shard(make_corpus, tmp_path) -> None:
    src = make_corpus(shards=3, docs=20)
    result = pipeline(src, tmp_path / "out").run()
    totals = result.totals
    assert totals["read"] == 60
    assert totals["read"] == totals["kept"] + totals["rejected"] + totals["quarantined"]
    out = tmp_path / "out"
    assert sorted(p.name for p in (out / "kept").iterdir()) == [
        "00000.jsonl.zst",
        "00001.jsonl.zst",
        "00002.jsonl.zst",
    ]
    assert len(read_all(out / "kept")) == totals["kept"]
    rejected = read_all(out / "rejected")
    assert len(rejected) == totals["rejected"] > 0
    assert {(d["meta"]["rejected_by"], d["meta"]["reason"]) for d in rejected} == {
        ("length_filter", "length_filter:min_chars")
    }
    stats = orjson.loads((out / "stats.json").read_bytes())
    assert stats["totals"] == totals
    by_name = {s["name"]: s for s in stats["steps"]}
    assert by_name["normalize"]["in"] == 60 and by_name["normalize"]["out"] == 60
    assert by_name["length_filter"]["dropped"] == {"length_filter:min_chars": totals["rejected"]}
    assert (out / "pipeline.yaml").read_text().startswith("input:")
    assert "<svg" in (out / "report.html").read_text()


def test_quarantined_records_are_counted_and_explained(tmp_path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"text": "a long enough document for the length filter to keep it here"}\n{bad\n')
    result = pipeline(src, tmp_path / "out").run()
    assert result.totals == {"read": 2, "created": 0, "kept": 1, "rejected": 0, "quarantined": 1}
    (line,) = (tmp_path / "out/quarantine/00000.jsonl").read_bytes().splitlines()
    record = orjson.loads(line)
    assert record["file"] == str(src) and record["where"] == "line 2"
    assert record["reason"].startswith("invalid JSON")


def test_truncated_file_keeps_its_start_finishes_other_shards_and_reports(tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    records = [{"id": str(i), "text": "word " * 40 + str(i)} for i in range(3000)]
    whole = write_jsonl(tmp_path / "whole.jsonl.gz", records)
    (src / "a-cut.jsonl.gz").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    write_jsonl(src / "b-fine.jsonl.gz", records[:10])
    result = pipeline(src, tmp_path / "out").run()
    assert len(result.errors) == 1 and "a-cut.jsonl.gz: truncated at byte" in result.errors[0]
    kept_cut = read_docs(tmp_path / "out/kept/00000.jsonl.zst")
    assert 0 < len(kept_cut) < 3000
    assert len(read_docs(tmp_path / "out/kept/00001.jsonl.zst")) == 10
    t = result.totals
    assert t["quarantined"] == 1 and t["read"] == t["kept"] + t["rejected"] + t["quarantined"]


def test_workers_and_reruns_give_the_same_bytes(make_corpus, tmp_path) -> None:
    src = make_corpus(shards=4, docs=50)
    steps = [Normalize(), LengthFilter(min_chars=60), ExactDedup()]
    pipeline(src, tmp_path / "one", steps).run(workers=1)
    pipeline(src, tmp_path / "two", steps).run(workers=2)
    assert outputs(tmp_path / "one") == outputs(tmp_path / "two")
    again = pipeline(src, tmp_path / "one", steps).run(workers=1)  # everything done: nothing redone
    assert outputs(tmp_path / "one") == outputs(tmp_path / "two")
    assert again.totals == orjson.loads((tmp_path / "two/stats.json").read_bytes())["totals"]


def test_exact_dedup_keeps_the_first_across_shards(make_corpus, tmp_path) -> None:
    src = make_corpus(shards=3, docs=10, text=lambda s, d: f"Same story number {d % 4}.  " * 5)
    result = pipeline(src, tmp_path / "out", [ExactDedup()]).run(workers=2)
    kept = read_all(tmp_path / "out/kept")
    assert [d["id"] for d in kept] == ["s0-d0", "s0-d1", "s0-d2", "s0-d3"]
    dropped = {d["id"]: d["meta"]["duplicate_of"] for d in read_all(tmp_path / "out/rejected")}
    assert dropped["s2-d9"] == "s0-d1" and dropped["s0-d4"] == "s0-d0"
    assert result.totals == {"read": 30, "created": 0, "kept": 4, "rejected": 26, "quarantined": 0}
    assert result.stats["dropped_by_reason"] == {"exact_dedup:duplicate": 26}


def test_steps_after_a_barrier_run_and_their_drops_land_in_rejected(make_corpus, tmp_path) -> None:
    src = make_corpus(shards=2, docs=12)
    steps = [ExactDedup(), MetaFilter(field="lang", values=["en"])]
    result = pipeline(src, tmp_path / "out", steps).run()
    t = result.totals
    assert t["read"] == 24 and t["read"] == t["kept"] + t["rejected"]
    assert all(d["meta"]["lang"] == "en" for d in read_all(tmp_path / "out/kept"))
    assert (tmp_path / "out/rejected/00000.stage1.jsonl.zst").exists()
    assert not (tmp_path / "out/_work").exists()


def test_parquet_output(make_corpus, tmp_path) -> None:
    src = make_corpus(shards=2, docs=5)
    result = pipeline(src, tmp_path / "out", [], format="parquet").run()
    assert sorted(p.name for p in (tmp_path / "out/kept").iterdir()) == ["00000.parquet", "00001.parquet"]
    assert result.totals["kept"] == 10


def test_a_different_pipeline_on_an_existing_output_is_refused(make_corpus, tmp_path) -> None:
    src = make_corpus(shards=1, docs=5)
    pipeline(src, tmp_path / "out").run()
    other = pipeline(src, tmp_path / "out", [LengthFilter(min_chars=1)])
    with pytest.raises(OutputError, match="holds the run of a different pipeline") as refused:
        other.run()
    # --overwrite deletes a run: the line says so, and names what goes.
    assert "to delete that run (kept, rejected, quarantine" in str(refused.value)
    assert other.run(overwrite=True).totals["kept"] == 5
    # The line names what changed, so a user who edited one option knows which.
    changed = pipeline(src, tmp_path / "out", [LengthFilter(min_chars=7)])
    with pytest.raises(OutputError, match=r"\(steps\[0\]\.length_filter\.min_chars: 1 → 7\)"):
        changed.run()
    longer = pipeline(src, tmp_path / "out", [LengthFilter(min_chars=1), LengthFilter(min_chars=2)])
    with pytest.raises(OutputError, match=r"\(steps\[1\]: length_filter added\)"):
        longer.run()


def test_missing_input_and_unwritable_output_stop_before_any_work(tmp_path, make_corpus) -> None:
    with pytest.raises(InputError, match="matches no file"):
        pipeline(tmp_path / "nothing-*.jsonl", tmp_path / "out").run()
    assert not (tmp_path / "out").exists()
    if os.geteuid() == 0:
        blocker = tmp_path / "file"
        blocker.write_text("")
        target = blocker / "out"  # a folder inside a file cannot exist, even for root
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        target = locked / "out"
    with pytest.raises(OutputError, match="cannot write to"):
        pipeline(make_corpus(shards=1, docs=1), target).run()


def test_bad_worker_count_is_a_config_error(make_corpus, tmp_path) -> None:
    with pytest.raises(ConfigError, match="workers must be a positive whole number"):
        pipeline(make_corpus(), tmp_path / "out").run(workers=0)


def test_an_empty_input_file_is_reported_in_quarantine(tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.jsonl.gz").write_bytes(b"")
    write_jsonl(src / "full.jsonl", [{"text": "x" * 100}])
    result = pipeline(src, tmp_path / "out").run()
    assert result.totals == {"read": 2, "created": 0, "kept": 1, "rejected": 0, "quarantined": 1}
    record = orjson.loads((tmp_path / "out/quarantine/00000.jsonl").read_bytes())
    assert record["file"].endswith("empty.jsonl.gz")
    assert record["reason"] == "no jsonl records in the file"


def test_a_warc_of_requests_only_is_no_empty_file(tmp_path, shared_data) -> None:
    # warcio's example-digest.warc holds four request records: no document, and nothing wrong with it.
    from tests.io.test_warc import warc_response

    src = tmp_path / "in"
    src.mkdir()
    (src / "requests.warc").write_bytes((shared_data / "warc/warcio/example-digest.warc").read_bytes())
    (src / "pages.warc").write_bytes(warc_response("https://a.example/", b"<p>" + b"x" * 100 + b"</p>", "1"))
    (src / "empty.warc").write_bytes(b"")
    result = pipeline(src, tmp_path / "out").run()
    assert result.totals == {"read": 2, "created": 0, "kept": 1, "rejected": 0, "quarantined": 1}
    record = orjson.loads((tmp_path / "out/quarantine/00000.jsonl").read_bytes())
    assert record["file"].endswith("empty.warc") and record["reason"] == "no warc records in the file"


def test_a_worker_that_dies_is_named_with_its_shard_and_input_file(make_corpus, tmp_path) -> None:
    # A step that segfaults or is killed for memory on a document: the pool only knows a worker died.
    from tests.engine.faulty import ExitOn

    src = make_corpus(shards=3, docs=20)
    run = pipeline(src, tmp_path / "out", steps=[ExitOn(doc_id="s1-d5")])
    with pytest.raises(RunFailedError) as info:
        run.run(workers=2)
    message = str(info.value)
    assert message.startswith("a worker process died (killed, or out of memory) while running ")
    assert f"shard 00001 of stage 0 ({src / 'part-01.jsonl.zst'})" in message
    assert "if it dies on the same shard again" in message
