"""Dedup against a reference: new documents that duplicate a kept dataset are dropped, naming it."""

from __future__ import annotations

import fcntl
import gzip
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gristmill import ConfigError, Document, ExactDedup, MinhashDedup
from tests.dedup.helpers import random_words, run_pipeline
from tests.helpers import REPO, output_mode, read_all, write_jsonl, write_pipeline


def _texts(seed: int, count: int, words: int = 120) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(random_words(rng, words)) for _ in range(count)]


def test_exact_dedup_drops_copies_of_reference_documents_naming_them(tmp_path: Path) -> None:
    ref_texts = _texts(1, 4)
    (tmp_path / "ref").mkdir()
    reference = write_jsonl(
        tmp_path / "ref" / "kept.jsonl", [{"id": f"r{i}", "text": t} for i, t in enumerate(ref_texts)]
    )
    before = reference.read_bytes()
    new = _texts(2, 3)
    records = [
        {"id": "n0", "text": new[0]},
        {"id": "copy-r1", "text": ref_texts[1].upper()},  # equal after case folding
        {"id": "n1", "text": new[1]},
        {"id": "copy-r3", "text": ref_texts[3]},
        {"id": "n1-again", "text": new[1]},
        {"id": "copy-r1-again", "text": ref_texts[1]},
    ]
    step = ExactDedup(reference={"path": str(reference), "cache": str(tmp_path / "cache")})
    out = run_pipeline(tmp_path, records, [step], files=2, workers=2)
    assert out.kept_ids == ["n0", "n1"]
    dropped = {d.id: d.meta["duplicate_of"] for d in out.rejected}
    assert dropped == {"copy-r1": "r1", "copy-r3": "r3", "copy-r1-again": "r1", "n1-again": "n1"}
    assert all(d.meta["reason"] == "exact_dedup:duplicate" for d in out.rejected)
    assert out.stats["totals"]["read"] == len(records)  # the reference is not part of the run
    assert reference.read_bytes() == before


def test_a_reference_document_counts_once_in_a_cluster_whatever_its_earlier_cluster_size(
    tmp_path: Path,
) -> None:
    # After exact_dedup, minhash_dedup's clusters count what each kept document stood for. A reference
    # (an earlier run's kept documents) carries that run's sizes, of its own corpus; counted here, the
    # size would hang on whether the cached signatures were built before or after they were read: a
    # reference document is one document.
    ref_texts = _texts(4, 2)
    (tmp_path / "ref").mkdir()
    reference = write_jsonl(
        tmp_path / "ref" / "kept.jsonl",
        [
            {"id": f"r{i}", "text": t, "meta": {"dup_cluster": f"r{i}", "dup_cluster_size": 5}}
            for i, t in enumerate(ref_texts)
        ],
    )
    new = _texts(5, 1)[0]
    near = new.split()
    near[10:13] = ["mill", "grist", "wheel"]
    records = [
        {"id": "n0", "text": new},
        {"id": "copy-r0", "text": ref_texts[0], "meta": {"dup_cluster": "copy-r0", "dup_cluster_size": 4}},
        {"id": "n0-again", "text": new},
        {"id": "n0-near", "text": " ".join(near)},
    ]
    minhash = MinhashDedup(reference={"path": str(reference), "cache": str(tmp_path / "cache")})
    out = run_pipeline(tmp_path, records, [ExactDedup(), minhash], files=2, workers=1)
    sizes = {d.id: d.meta["dup_cluster_size"] for d in [*out.kept, *out.rejected]}
    # n0 stands for itself and n0-again; copy-r0 for 4 (the kept one of an earlier cluster), r0 for one.
    assert sizes == {"n0": 3, "n0-near": 3, "n0-again": 2, "copy-r0": 5}
    assert out.kept_ids == ["n0"]


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_minhash_dedup_against_a_parquet_reference_with_another_text_field(tmp_path: Path) -> None:
    ref_texts = _texts(3, 5, words=200)
    reference = _write_parquet(
        tmp_path / "ref.parquet", [{"doc_id": f"pub-{i}", "content": t} for i, t in enumerate(ref_texts)]
    )
    near = ref_texts[2].split()
    near[50] = "changed"  # one word of 200: a near duplicate
    records = [{"id": f"n{i}", "text": t} for i, t in enumerate(_texts(4, 4, words=200))]
    records.insert(2, {"id": "near-pub-2", "text": " ".join(near)})
    step = MinhashDedup(
        reference={
            "path": str(reference),
            "text_key": "content",
            "id_key": "doc_id",
            "cache": str(tmp_path / "cache"),
        }
    )
    out = run_pipeline(tmp_path, records, [step], files=2)
    assert out.kept_ids == ["n0", "n1", "n2", "n3"]
    assert [(d.id, d.meta["duplicate_of"]) for d in out.rejected] == [("near-pub-2", "pub-2")]


def test_reference_signatures_are_computed_once_and_reused_by_later_runs(
    tmp_path: Path, run_cli: Any
) -> None:
    ref_texts = _texts(5, 3)
    (tmp_path / "ref").mkdir()
    write_jsonl(
        tmp_path / "ref" / "kept.jsonl", [{"id": f"r{i}", "text": t} for i, t in enumerate(ref_texts)]
    )
    write_jsonl(
        tmp_path / "new.jsonl", [{"id": "a", "text": ref_texts[0]}, {"id": "b", "text": "fresh text"}]
    )
    cache = tmp_path / "cache"

    def run(out: str) -> list[dict[str, Any]]:
        path = write_pipeline(
            tmp_path / f"{out}.yaml",
            f"input: {tmp_path}/new.jsonl\noutput: {tmp_path}/{out}\nsteps:\n"
            f"  - exact_dedup: {{reference: {{path: {tmp_path}/ref, cache: {cache}}}}}\n",
        )
        result = run_cli("run", str(path), "--quiet")
        assert result.exit_code == 0, result.output
        return read_all(tmp_path / out / "rejected")

    assert [d["meta"]["duplicate_of"] for d in run("first")] == ["r0"]
    (folder,) = cache.iterdir()
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert "reference.json" in stamps
    assert [d["meta"]["duplicate_of"] for d in run("second")] == ["r0"]
    assert [p.name for p in cache.iterdir()] == [folder.name]  # the same signatures, not new ones
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps  # not written again


def test_a_reference_of_an_earlier_runs_kept_documents_is_read(tmp_path: Path, run_cli: Any) -> None:
    # docs/dedup_reference.md names a dataset "kept by an earlier run"; a glob into its kept/ was refused
    # ("no file of a known format outside gristmill output folders").
    texts = _texts(7, 3)
    write_jsonl(tmp_path / "old.jsonl", [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)])
    write_jsonl(tmp_path / "new.jsonl", [{"id": "a", "text": texts[1]}, {"id": "b", "text": "fresh text"}])
    first = write_pipeline(
        tmp_path / "first.yaml", f"input: {tmp_path}/old.jsonl\noutput: {tmp_path}/first\n"
    )
    assert run_cli("run", str(first), "--quiet").exit_code == 0
    second = write_pipeline(
        tmp_path / "second.yaml",
        f"input: {tmp_path}/new.jsonl\noutput: {tmp_path}/second\nsteps:\n"
        f"  - exact_dedup: {{reference: {{path: '{tmp_path}/first/kept/*.jsonl.zst',"
        f" cache: {tmp_path}/c}}}}\n",
    )
    result = run_cli("run", str(second), "--quiet")
    assert result.exit_code == 0, result.output
    assert [(d["id"], d["meta"]["duplicate_of"]) for d in read_all(tmp_path / "second/rejected")] == [
        ("a", "r1")
    ]


def test_a_reference_in_the_runs_own_output_folder_is_refused(tmp_path: Path, run_cli: Any) -> None:
    # Another run's kept/ reads as a reference; this run's own never does (a rerun would drop its own
    # documents as duplicates of themselves).
    write_jsonl(tmp_path / "new.jsonl", [{"id": "a", "text": "one text"}, {"id": "b", "text": "fresh text"}])
    plain = write_pipeline(tmp_path / "plain.yaml", f"input: {tmp_path}/new.jsonl\noutput: {tmp_path}/out\n")
    assert run_cli("run", str(plain), "--quiet").exit_code == 0
    kept = sorted((tmp_path / "out/kept").iterdir())
    reference = f"{tmp_path}/out/kept/*.jsonl.zst"
    again = _with_reference(tmp_path, reference, "again.yaml")
    result = run_cli("run", str(again), "--quiet")
    assert result.exit_code == 2
    assert result.output == (
        f"gristmill: error: step 'exact_dedup', option 'reference': '{kept[0]}' lies in the run's output "
        f"folder '{tmp_path}/out' (a run never reads its output folder); name another run's output\n"
    )


def test_a_reference_in_the_runs_own_output_folder_is_refused_before_its_signatures_are_computed(
    tmp_path: Path, run_cli: Any
) -> None:
    # The refusal came only after the reference's signatures were computed (hours on a large one):
    # they were computed when the step was built, before the output folder was known.
    write_jsonl(tmp_path / "new.jsonl", [{"id": "a", "text": "one text"}])
    (tmp_path / "out" / "old").mkdir(parents=True)
    write_jsonl(tmp_path / "out" / "old" / "kept.jsonl", [{"id": "r0", "text": "one text"}])
    pipeline = _with_reference(tmp_path, f"{tmp_path}/out/old")
    result = run_cli("run", str(pipeline), "--quiet")
    assert result.exit_code == 2
    assert "lies in the run's output folder" in result.output
    assert not (tmp_path / "c").exists()  # no signature computed, nor a cache folder made


def test_building_a_step_with_a_reference_lists_it_but_computes_no_signatures(tmp_path: Path) -> None:
    reference = write_jsonl(tmp_path / "ref.jsonl", [{"id": "r0", "text": "one text"}])
    step = ExactDedup(reference={"path": str(reference), "cache": str(tmp_path / "cache")})
    assert not (tmp_path / "cache").exists()
    out = run_pipeline(tmp_path, [{"id": "a", "text": "one text"}], [step])
    assert [(d.id, d.meta["duplicate_of"]) for d in out.rejected] == [("a", "r0")]
    assert len(list((tmp_path / "cache").iterdir())) == 1


def test_changed_reference_gets_new_signatures(tmp_path: Path) -> None:
    reference = write_jsonl(tmp_path / "ref.jsonl", [{"id": "r0", "text": "one text"}])
    cache = tmp_path / "cache"
    ExactDedup(reference={"path": str(reference), "cache": str(cache)}).prepare_reference()
    write_jsonl(reference, [{"id": "r0", "text": "one text"}, {"id": "r1", "text": "another text"}])
    ExactDedup(reference={"path": str(reference), "cache": str(cache)}).prepare_reference()
    ExactDedup(ignore_case=False, reference={"path": str(reference), "cache": str(cache)}).prepare_reference()
    assert len(list(cache.iterdir())) == 3


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ({"path": "nope/*.jsonl"}, "step 'exact_dedup', option 'reference': 'nope/*.jsonl' matches no file"),
        ({"path": "x.jsonl", "fromat": "jsonl"}, "option 'reference': unknown option 'fromat'"),
        ({}, "option 'reference': missing"),
        # The section's own line, without its "input, " (it is the reference's here).
        (
            {"path": "x.jsonl", "files_per_shard": 0},
            "step 'exact_dedup', option 'reference': option 'files_per_shard': must be 1 or more, got 0",
        ),
    ],
)
def test_a_bad_reference_is_one_line(tmp_path: Path, reference: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        ExactDedup(reference={**reference, "cache": str(tmp_path / "cache")})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_reference_signatures_copied_into_a_run_are_readable_like_every_output(tmp_path: Path) -> None:
    records = [{"id": f"r{i}", "text": t} for i, t in enumerate(_texts(5, 3))]
    reference = write_jsonl(tmp_path / "kept.jsonl", records)
    step = ExactDedup(reference={"path": str(reference), "cache": str(tmp_path / "cache")})
    work = tmp_path / "work"
    step.sign([Document(id="n0", text=_texts(6, 1)[0])], 0, work)
    installed = sorted(p.name for p in (tmp_path / "cache").glob("*/*") if p.name != "reference.json")
    assert installed and all((work / name).is_file() for name in installed)
    modes = {name: oct(stat.S_IMODE((work / name).stat().st_mode)) for name in installed}
    assert modes == {name: oct(output_mode()) for name in installed}  # as write_atomically's outputs


def test_a_reference_that_cannot_be_read_leaves_the_output_folder_unclaimed(
    tmp_path: Path, run_cli: Any
) -> None:
    # The reference was read after _state/pipeline.json was written: the rerun with a good reference
    # was refused as "the run of a different pipeline".
    write_jsonl(tmp_path / "new.jsonl", [{"id": "a", "text": "one text"}])
    (tmp_path / "junk.parquet").write_bytes(b"not a parquet file")
    write_jsonl(tmp_path / "good.jsonl", [{"id": "r0", "text": "one text"}])

    def run(reference: str) -> Any:
        pipeline = _with_reference(tmp_path, f"{tmp_path}/{reference}")
        return run_cli("run", str(pipeline), "--quiet")

    failed = run("junk.parquet")
    assert failed.exit_code != 0 and "junk.parquet" in failed.output
    assert not (tmp_path / "out" / "_state").exists()
    assert not [p for p in (tmp_path / "c").iterdir()]  # no half-built signature folder either
    result = run("good.jsonl")
    assert result.exit_code == 0, result.output
    assert [d["meta"]["duplicate_of"] for d in read_all(tmp_path / "out" / "rejected")] == ["r0"]


def _gzip_member(records: list[dict[str, Any]]) -> bytes:
    return gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in records), mtime=0)


def _damaged_parquet(path: Path, rows: list[dict[str, Any]], group: int, damaged: int) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=group, compression="snappy")
    column = pq.ParquetFile(path).metadata.row_group(damaged).column(1)
    data = bytearray(path.read_bytes())
    start = column.dictionary_page_offset if column.has_dictionary_page else column.data_page_offset
    middle = start + column.total_compressed_size // 2
    for k in range(middle, middle + 40):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def test_damaged_reference_records_are_left_out_and_counted_not_the_run_failed(
    tmp_path: Path, run_cli: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # A damaged reference failed the run with its reader's "(see the quarantine)", the run's quarantine
    # empty: the damage errors say "already quarantined" (here: counted), which the reference ignored.
    texts = _texts(8, 8, words=40)
    damaged_member = bytearray(_gzip_member([{"id": "b0", "text": texts[2]}]))
    damaged_member[-8] ^= 0xFF  # its checksum
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref" / "a.jsonl.gz").write_bytes(
        _gzip_member([{"id": "a0", "text": texts[0]}, {"id": "a1", "text": texts[1]}])
        + bytes(damaged_member)
        + _gzip_member([{"id": "c0", "text": texts[3]}])
    )
    rows = [
        {"id": f"p{i}", "text": f"parquet row {i} " + "lorem ipsum dolor sit amet " * 3} for i in range(60)
    ]
    _damaged_parquet(tmp_path / "ref" / "b.parquet", rows, group=20, damaged=1)
    new = [texts[0], texts[3], rows[0]["text"], rows[25]["text"], rows[45]["text"], texts[7]]
    write_jsonl(tmp_path / "new.jsonl", [{"id": f"n{i}", "text": t} for i, t in enumerate(new)])
    pipeline = _with_reference(tmp_path, f"{tmp_path}/ref/*")
    result = run_cli("run", str(pipeline), "--quiet")
    assert result.exit_code == 0, result.output
    dropped = {d["id"]: d["meta"]["duplicate_of"] for d in read_all(tmp_path / "out" / "rejected")}
    assert dropped == {"n0": "a0", "n1": "c0", "n2": "p0", "n4": "p45"}  # p25's row group is unreadable
    assert read_all(tmp_path / "out" / "quarantine") == []  # the run's quarantine is the run's inputs'
    (summary,) = (tmp_path / "c").glob("*/reference.json")
    counted = orjson.loads(summary.read_bytes())
    assert counted["documents"] == 3 + 40
    # The member set aside (one entry, as the run's quarantine counts it) and the row group's 20 rows.
    assert counted["unreadable"] == 1 + 20
    warnings = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert not [p for p in (tmp_path / "c").iterdir() if p.name.startswith(".")]


def test_a_run_refused_as_another_pipelines_computes_no_reference_signatures_first(
    tmp_path: Path, run_cli: Any
) -> None:
    # Reading the reference before the folder is claimed put hours of signing before this cheap refusal.
    write_jsonl(tmp_path / "new.jsonl", [{"id": "a", "text": "one text"}])
    write_jsonl(tmp_path / "ref.jsonl", [{"id": "r0", "text": "one text"}])
    first = write_pipeline(tmp_path / "first.yaml", f"input: {tmp_path}/new.jsonl\noutput: {tmp_path}/out\n")
    assert run_cli("run", str(first), "--quiet").exit_code == 0
    other = _with_reference(tmp_path, f"{tmp_path}/ref.jsonl", "other.yaml")
    result = run_cli("run", str(other), "--quiet")
    assert result.exit_code == 2
    assert "holds the run of a different pipeline" in result.output
    assert not (tmp_path / "c").exists()  # no signature computed, nor a cache folder made


def test_a_reference_of_which_no_record_can_be_read_is_refused_in_one_line(
    tmp_path: Path, run_cli: Any
) -> None:
    # Its records held their text under another field: the run deduplicated against nothing, exit 0,
    # and said so once, in a warning that pointed at input:'s text_key (a review).
    write_jsonl(tmp_path / "new.jsonl", [{"id": "a", "text": "one text"}])
    (tmp_path / "ref").mkdir()
    pq.write_table(pa.table({"id": ["r0", "r1"], "body": ["one text", "two"]}), tmp_path / "ref/r.parquet")
    pipeline = _with_reference(tmp_path, f"{tmp_path}/ref")
    result = run_cli("run", str(pipeline), "--quiet")
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert "option 'reference': no record of it could be read (2 unreadable" in result.output
    assert "text_key in reference:" in result.output
    assert not (tmp_path / "out" / "_state").exists()
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())  # no half-built folder


def test_a_reference_file_that_is_no_parquet_is_named_as_the_references(tmp_path: Path, run_cli: Any) -> None:
    # It read as a problem with the run's input (a review).
    write_jsonl(tmp_path / "new.jsonl", [{"id": "a", "text": "one text"}])
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref/b.parquet").write_bytes(b"not parquet at all")
    pipeline = _with_reference(tmp_path, f"{tmp_path}/ref")
    result = run_cli("run", str(pipeline), "--quiet")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("gristmill: error: step 'exact_dedup', option 'reference': ")
    assert "b.parquet: not a readable Parquet file" in result.output and result.output.count("\n") == 1


def _with_reference(tmp_path: Path, reference: str, name: str = "p.yaml") -> Path:
    """A pipeline file: ``new.jsonl`` into ``out/``, ``exact_dedup`` against ``reference`` (cache ``c/``)."""
    return write_pipeline(
        tmp_path / name,
        f"input: {tmp_path}/new.jsonl\noutput: {tmp_path}/out\nsteps:\n"
        f"  - exact_dedup: {{reference: {{path: '{reference}', cache: {tmp_path}/c}}}}\n",
    )


# A run whose reference reading stops once its signatures' folder is made: SIGKILL then finds it half-built.
_STALLED = (
    "import time\n"
    "from gristmill.dedup import reference\n"
    "reference._CountingSink.progress = lambda self, nbytes: time.sleep(600)\n"
    "from gristmill.cli import main\n"
    "main()\n"
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_later_run_removes_the_half_built_signatures_a_killed_run_left(
    tmp_path: Path, run_cli: Any
) -> None:
    ref_texts = _texts(6, 3)
    write_jsonl(tmp_path / "ref.jsonl", [{"id": f"r{i}", "text": t} for i, t in enumerate(ref_texts)])
    write_jsonl(tmp_path / "new.jsonl", [{"id": "a", "text": ref_texts[1]}, {"id": "b", "text": "fresh"}])
    pipeline = _with_reference(tmp_path, f"{tmp_path}/ref.jsonl")
    cache = tmp_path / "c"
    proc = subprocess.Popen(
        [sys.executable, "-c", _STALLED, "run", str(pipeline), "--quiet"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (cache.is_dir() and [p for p in cache.iterdir() if (p / ".lock").exists()]):
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it was killed"
            time.sleep(0.02)
    finally:
        proc.kill()  # SIGKILL: no Python code of the run runs again
        proc.wait()
    (left,) = cache.iterdir()
    assert left.name.startswith(".exact_dedup-")  # what SIGKILL leaves: a hidden folder with its lock file
    # A lock file made in the last minute may be one its maker has not locked yet: a later run finds it older.
    os.utime(left / ".lock", (time.time() - 120, time.time() - 120))
    # A folder another live process is building (its lock held) is left alone, however old.
    live = cache / ".exact_dedup-0123456789abcdef.livebld"
    live.mkdir()
    holder = os.open(live / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    os.utime(live / ".lock", (time.time() - 120, time.time() - 120))
    try:
        result = run_cli("run", str(pipeline), "--quiet")
        assert result.exit_code == 0, result.output
        assert not left.exists()
        assert live.is_dir()
    finally:
        os.close(holder)
    assert [(d["id"], d["meta"]["duplicate_of"]) for d in read_all(tmp_path / "out" / "rejected")] == [
        ("a", "r1")
    ]
    assert [d["id"] for d in read_all(tmp_path / "out" / "kept")] == ["b"]
    (published,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    assert (
        sorted(p.name for p in published.iterdir() if p.name.startswith(".")) == []
    )  # no lock file published
