"""``gristmill inspect`` finds its document in a WARC (by place or record id), an output shard, or stdin."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from gristmill.cli import cli
from gristmill.io.warc import WarcReader
from tests.helpers import REPO, write_jsonl, write_pipeline

WARC = REPO / "src" / "gristmill" / "samples" / "warc" / "cc-main-2020-34-excerpt.warc.gz"


class _Strict:
    def quarantine(self, *args: object, **kwargs: object) -> None:
        raise AssertionError(args)

    def progress(self, nbytes: int) -> None:
        pass


def _warc_docs() -> list:
    return list(WarcReader().read(str(WARC), _Strict()))


def _run(tmp_path: Path, run_cli, records: list[dict], step: str) -> Path:
    """Run ``records`` (JSON Lines) through one step into ``tmp_path/out``; return the pipeline file."""
    write_jsonl(tmp_path / "in.jsonl", records)
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{tmp_path}/in.jsonl'}}\noutput: {{path: '{tmp_path}/out'}}\nsteps:\n  - {step}\n",
    )
    assert run_cli("run", str(config), "--no-progress").exit_code == 0
    return config


def _inspect(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["inspect", *args], input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_warc_record_by_its_place(tmp_path: Path) -> None:
    docs = _warc_docs()
    code, out, err = _inspect(f"{WARC}#3", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["id"] == docs[3].id and data["meta"]["url"] == docs[3].meta["url"]
    assert data["steps"][0]["step"] == "extract"  # a WARC page goes through extraction first


def test_a_warc_record_by_its_record_id() -> None:
    docs = _warc_docs()
    record_id = docs[5].meta["warc_record_id"]
    code, out, err = _inspect(str(WARC), "--record-id", record_id, "--json")
    assert code == 0, err
    assert json.loads(out)["id"] == docs[5].id
    # As the WARC header writes it, in angle brackets (what `zcat | grep WARC-Record-ID` shows).
    code, out, err = _inspect(str(WARC), "--record-id", f"<{record_id}>", "--json")
    assert code == 0, err
    assert json.loads(out)["id"] == docs[5].id


def test_a_record_that_is_not_there_is_one_line() -> None:
    count = len(_warc_docs())
    for args in ([f"{WARC}#{count}"], [str(WARC), "--record-id", "<urn:uuid:nope>"], [f"{WARC}#x"]):
        code, out, err = _inspect(*args)
        assert code == 2, (args, out, err)
        assert err.count("\n") == 1 and str(WARC) in err, err


def test_a_document_of_an_output_shard_by_its_id(tmp_path: Path, run_cli) -> None:
    records = [{"id": f"d#{n}", "text": f"Text number {n}. " * 30} for n in range(5)]
    config = _run(tmp_path, run_cli, records, "normalize: {}")
    shard = tmp_path / "out" / "kept" / "00000.jsonl.zst"
    code, out, err = _inspect(f"{shard}#d#3", "--json", "--pipeline", str(config))
    assert code == 0, err
    data = json.loads(out)
    assert data["id"] == "d#3" and data["sentences"][0]["text"].startswith("Text number 3.")
    code, out, err = _inspect(f"{shard}#d#9")
    assert code == 2 and "no document with id 'd#9'" in err, err


def test_stdin_html_goes_through_extraction() -> None:
    page = "<html><head><title>T</title></head><body><nav>Home | About</nav><article>"
    page += "<p>The mill ground grain for the whole valley for two hundred years.</p>" * 5
    page += "</article><footer>Copyright 2020</footer></body></html>"
    code, out, err = _inspect("-", "--json", stdin=page)
    assert code == 0, err
    data = json.loads(out)
    assert data["id"] == "-" and data["steps"][0]["step"] == "extract"
    assert data["sentences"][0]["text"].startswith("The mill ground grain")


def test_stdin_text_is_read_as_text() -> None:
    code, out, err = _inspect("-", "--json", stdin="One plain sentence here. And another one there.\n")
    assert code == 0, err
    data = json.loads(out)
    assert [s["text"] for s in data["sentences"]] == ["One plain sentence here.", "And another one there."]


def test_removed_blocks_are_folded() -> None:
    removed = [
        len(json.loads(_inspect(f"{WARC}#{n}", "--json")[1])["removed"]) for n in range(len(_warc_docs()))
    ]
    most = max(range(len(removed)), key=lambda n: removed[n])
    assert removed[most] > 10
    code, out, err = _inspect(f"{WARC}#{most}")
    assert code == 0, err
    section = out.split("removed by extract", 1)[1].split("\n\n", 1)[0]
    assert f"({removed[most]} blocks, the first 5)" in section
    assert section.count("\n  - ") == 5 and f"{removed[most] - 5} more" in section


def test_a_page_extraction_empties_is_not_judged_on_its_markup() -> None:
    # Record 2 of the sample is a page whose extraction keeps no text: the steps after extract have
    # nothing to judge, and its HTML source must not be shown or judged as if it were its sentences.
    code, out, err = _inspect(f"{WARC}#2", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "extract:empty"
    assert data["steps"][0] == {"step": "extract", "result": "extract:empty"}
    assert {s["result"] for s in data["steps"][1:]} == {"skipped: extract kept no text"}
    assert data["sentences"] == [] and data["removed"]


def test_a_pipeline_that_writes_token_files_is_inspected_without_writing(tmp_path: Path) -> None:
    from tests.steps.test_tokenize import build_tokenizer

    tokenizer = build_tokenizer(tmp_path / "tokenizer.json")
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{tmp_path}/in.jsonl'}}\noutput: {{path: '{tmp_path}/out'}}\n"
        f"steps:\n  - tokenize: {{tokenizer: '{tokenizer}', write_tokens: true}}\n",
    )
    text = "Stalin and Trotsky disagreed about the revolution. " * 5
    code, out, err = _inspect("-", "--json", "--pipeline", str(config), stdin=text)
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "kept" and data["signals"]["tokens"] > 0
    assert not (tmp_path / "out").exists()  # a look at one document writes no run


def test_a_record_that_could_not_be_read_is_named_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "d#1", "text": "One."}\n{"id": "d#2", "text": "Two.\n', encoding="utf-8")
    code, _, err = _inspect(f"{path}#d#2")
    assert code == 2 and err.count("\n") == 1, err
    assert "1 record(s) could not be read" in err and "line 2" in err, err


def test_a_document_of_a_run_is_inspected_through_that_runs_steps(tmp_path: Path, run_cli) -> None:
    # Without --pipeline, a document of a run's output goes through the run's own steps (pipeline.yaml),
    # not the demo's: a page the run's length filter dropped shows that reason.
    records = [{"id": f"d{n}", "text": "Short text. " * (n + 1)} for n in range(5)]
    _run(tmp_path, run_cli, records, "length_filter: {min_chars: 30}")
    shard = tmp_path / "out" / "rejected" / "00000.jsonl.zst"
    code, out, err = _inspect(f"{shard}#d0", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [s["step"] for s in data["steps"]] == ["length_filter"]
    assert data["verdict"] == "length_filter:min_chars"
    # The reason the run recorded shows too: a dedup step cannot give it again on one document.
    assert data["recorded_reason"] == "length_filter:min_chars"
    code, out, err = _inspect(f"{shard}#d0")
    assert "in run    rejected as length_filter:min_chars" in out


def test_an_empty_file_is_said_to_be_empty(tmp_path: Path) -> None:
    for name in ("empty.jsonl", "empty.warc"):
        path = tmp_path / name
        path.write_bytes(b"")
        for target in (str(path), f"{path}#0"):
            code, _, err = _inspect(target)
            assert code == 2 and err.count("\n") == 1, err
            assert f"{path}: no " in err and ": the file is empty" in err, err


def test_a_record_past_where_a_file_breaks_off_says_both(tmp_path: Path) -> None:
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(WARC.read_bytes()[: WARC.stat().st_size // 2])
    code, _, err = _inspect(f"{cut}#999")
    assert code == 2 and err.count("\n") == 1, err
    assert f"{cut}: no record #999 among the " in err, err
    assert " documents before the file breaks off: truncated at byte " in err, err
    assert _inspect(f"{cut}#0")[0] == 0  # a record before the break is found


def test_a_document_missing_from_a_file_read_past_its_damage_says_what_was_read(tmp_path: Path) -> None:
    # A gzip member that failed its checksum: reading resumes after it, yet inspect said "among the 3
    # documents before the file breaks off", one of them after the damage.
    damaged = bytearray(gzip.compress(b'{"id": "b0", "text": "beta"}\n', mtime=0))
    damaged[-8] ^= 0xFF  # its checksum
    path = tmp_path / "crc.jsonl.gz"
    path.write_bytes(
        gzip.compress(b'{"id": "a0", "text": "alpha"}\n{"id": "a1", "text": "alpha two"}\n', mtime=0)
        + bytes(damaged)
        + gzip.compress(b'{"id": "c0", "text": "gamma"}\n', mtime=0)
    )
    code, _, err = _inspect(f"{path}#zz")
    assert code == 2 and err.count("\n") == 1, err
    assert f"{path}: no document with id 'zz' among its 3 readable documents; " in err, err
    assert "before the file breaks off" not in err and "failed its checksum" in err, err
    assert _inspect(f"{path}#c0")[0] == 0  # a document after the damage is found


def test_a_document_missing_from_a_parquet_file_with_a_damaged_row_group_says_so(tmp_path: Path) -> None:
    # The reader's "(see the quarantine)" was the whole message, with exit 1: inspect has no quarantine,
    # and "no document with id" was lost.
    path = tmp_path / "bad.parquet"
    rows = [
        {"id": f"p{i}", "text": f"parquet row {i} " + "lorem ipsum dolor sit amet " * 3} for i in range(60)
    ]
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=20, compression="snappy")
    column = pq.ParquetFile(path).metadata.row_group(1).column(1)
    start = column.dictionary_page_offset if column.has_dictionary_page else column.data_page_offset
    data = bytearray(path.read_bytes())
    for k in range(start + column.total_compressed_size // 2, start + column.total_compressed_size // 2 + 40):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    code, _, err = _inspect(f"{path}#nope")
    assert code == 2 and err.count("\n") == 1, err
    assert (
        f"{path}: no document with id 'nope' among its 40 readable documents; 20 record(s) could not" in err
    )
    assert "row group 1 unreadable" in err and "quarantine" not in err, err
    assert _inspect(f"{path}#p45")[0] == 0  # a row after the damaged group is found


def test_a_jsonl_file_named_without_a_document_says_to_name_one_by_its_id(tmp_path: Path) -> None:
    # It offered FILE#N (the N-th), which a JSONL or Parquet file takes as an id (a review).
    write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "one"}, {"id": "y", "text": "two"}])
    code, _, err = _inspect(str(tmp_path / "a.jsonl"))
    assert code == 2
    assert err.rstrip().endswith(f"name one: {tmp_path / 'a.jsonl'}#ID") and "N-th" not in err, err


def test_an_id_that_occurs_more_than_once_shows_the_first_and_says_where_the_rest_are(tmp_path: Path) -> None:
    # It showed the first without a word, as if the id named one document.
    records = [
        {"id": "a", "text": "The first a."},
        {"id": "b", "text": "Only b."},
        {"id": "a", "text": "The second a."},
        {"id": "a", "text": "The third a."},
    ]
    write_jsonl(tmp_path / "dup.jsonl", records)
    code, out, err = _inspect(f"{tmp_path / 'dup.jsonl'}#a", "--json")
    assert code == 0, err
    assert json.loads(out)["sentences"][0]["text"] == "The first a."
    assert err == (
        f"gristmill: {tmp_path / 'dup.jsonl'}: id 'a' occurs 3 times (documents 1, 3 and 4, from 1);"
        " showing the first\n"
    )
    code, out, err = _inspect(f"{tmp_path / 'dup.jsonl'}#b", "--json")
    assert code == 0 and err == "", err
