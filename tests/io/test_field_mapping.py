"""Field mapping (issue 13): which input fields go into meta, and which fields kept/ holds."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from gristmill.io.compression import read_chunks
from tests.helpers import write_jsonl, write_pipeline

RECORDS = [
    {"id": "a", "content": "First page, long enough to keep.", "url": "https://a/", "year": 2019, "junk": 1},
    {"id": "b", "content": "Second page, long enough to keep.", "url": "https://b/", "year": "old"},
    {"id": "c", "content": "short", "url": "https://c/", "year": 2020},
]


def _lines(path: Path) -> list[dict]:
    text = zstandard.ZstdDecompressor().decompress(path.read_bytes(), max_output_size=1 << 24).decode()
    return [json.loads(line) for line in text.splitlines()]


def _run(
    run_cli, tmp_path: Path, input_extra: str, output_extra: str = "", fmt: str = "jsonl", records=RECORDS
):
    src = write_jsonl(tmp_path / "in.jsonl", records)
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{src}'{input_extra}}}\n"
        f"output: {{path: '{tmp_path}/out', format: {fmt}{output_extra}}}\n"
        "steps:\n  - length_filter: {min_chars: 10}\n",
    )
    return run_cli("run", str(config), "--no-progress"), tmp_path / "out"


def test_meta_keys_choose_and_type_the_input_fields_in_meta(run_cli, tmp_path: Path) -> None:
    result, out = _run(run_cli, tmp_path, ", text_key: content, meta_keys: {url: str, year: int}")
    assert result.exit_code == 0, result.output
    kept = {d["id"]: d["meta"] for d in _lines(out / "kept/00000.jsonl.zst")}
    # junk is not a meta key; every document names its input file
    assert kept["a"] == {"source_file": "in.jsonl", "url": "https://a/", "year": 2019, "extra": ""}
    # a value of another type than named is kept whole, beside the typed column
    assert kept["b"]["year"] == 0 and json.loads(kept["b"]["extra"]) == {"meta": {"year": "old"}}


def test_meta_keys_as_a_list_are_text_fields(run_cli, tmp_path: Path) -> None:
    result, out = _run(run_cli, tmp_path, ", text_key: content, meta_keys: [url]")
    assert result.exit_code == 0, result.output
    meta = _lines(out / "kept/00000.jsonl.zst")[0]["meta"]
    assert meta == {"source_file": "in.jsonl", "url": "https://a/", "extra": ""}


def test_a_meta_key_no_early_record_has_is_said_in_one_line(run_cli, tmp_path: Path) -> None:
    # Said, not refused, as for a step's url_field: the first records cannot prove no later one has it.
    result, out = _run(run_cli, tmp_path, ", text_key: content, meta_keys: [ulr]")
    assert result.exit_code == 0, result.output
    (said,) = [line for line in result.output.splitlines() if "meta_keys names 'ulr'" in line]
    assert said == (
        f"gristmill: input: meta_keys names 'ulr', which no record has in the first 100 records of "
        f"{tmp_path}/in.jsonl; did you mean 'url'?"
    )
    assert (out / "kept").is_dir()


def test_a_meta_key_only_later_files_have_is_kept(run_cli, tmp_path: Path) -> None:
    # A mixed corpus (Dolma's files: source_domain in some alone) was refused: the first file was the
    # only one looked at.
    files = {
        "a.jsonl": [{"id": f"a{i}", "text": "a text", "url": f"https://a/{i}"} for i in range(3)],
        "b.jsonl": [{"id": "b0", "text": "a text", "url": "https://b/", "source_domain": "b"}],
    }
    result = _run_folder(run_cli, tmp_path, files, ", meta_keys: [source_domain, url]")
    assert result.exit_code == 0 and "meta_keys" not in result.output, result.output
    kept = _lines(tmp_path / "out/kept/00001.jsonl.zst")
    assert kept[0]["meta"]["source_domain"] == "b"


def test_the_fields_a_hint_lists_say_how_many_more_there_are(run_cli, tmp_path: Path) -> None:
    # The list was cut at 12 names without a word.
    record = {"id": "a", "text": "a text", **{f"f{i:02d}": i for i in range(15)}}
    result = _run_folder(run_cli, tmp_path, {"a.jsonl": [record]}, ", meta_keys: [zzz]")
    assert result.exit_code == 0, result.output
    (said,) = [line for line in result.output.splitlines() if "meta_keys names 'zzz'" in line]
    assert said.endswith(
        "its fields: 'f00', 'f01', 'f02', 'f03', 'f04', 'f05', 'f06', 'f07', 'f08', 'f09', "
        "'f10', 'f11' … and 3 more"
    ), said


def test_a_meta_key_hint_over_records_of_text_and_id_alone_reads_right(run_cli, tmp_path: Path) -> None:
    # The line ended "its fields: " with nothing after it.
    records = [{"id": "a", "text": "a text"}, {"id": "b", "text": "another text"}]
    result = _run_folder(run_cli, tmp_path, {"a.jsonl": records}, ", meta_keys: [source]")
    assert result.exit_code == 0, result.output
    (said,) = [line for line in result.output.splitlines() if "meta_keys names 'source'" in line]
    assert said.endswith(
        "in the first 100 records of "
        + f"{tmp_path}/in/a.jsonl; the records have no fields but their text and id"
    ), said


def test_a_meta_key_type_that_does_not_exist_is_one_line(run_cli, tmp_path: Path) -> None:
    result, _ = _run(run_cli, tmp_path, ", text_key: content, meta_keys: {year: integer}")
    assert result.exit_code == 2
    assert result.output == (
        "gristmill: error: input: meta_keys: unknown type 'integer' for 'year'; "
        "types are ['str', 'int', 'float', 'bool', 'json']\n"
    )


def test_output_fields_slim_kept_and_leave_rejected_whole(run_cli, tmp_path: Path) -> None:
    result, out = _run(run_cli, tmp_path, ", text_key: content", ", fields: [id, text, meta.url]")
    assert result.exit_code == 0, result.output
    kept = _lines(out / "kept/00000.jsonl.zst")
    assert kept[0] == {"id": "a", "text": RECORDS[0]["content"], "meta": {"url": "https://a/"}}
    (rejected,) = _lines(out / "rejected/00000.jsonl.zst")
    assert rejected["meta"]["reason"] == "length_filter:min_chars" and "signals" in rejected


def test_output_fields_drop_signals_from_parquet(run_cli, tmp_path: Path) -> None:
    result, out = _run(run_cli, tmp_path, ", text_key: content", ", fields: [id, text, meta]", fmt="parquet")
    assert result.exit_code == 0, result.output
    assert pq.read_schema(out / "kept/00000.parquet").names == ["id", "text", "meta"]


def test_an_output_field_that_does_not_exist_is_one_line(run_cli, tmp_path: Path) -> None:
    result, out = _run(run_cli, tmp_path, ", text_key: content", ", fields: [id, meta.ulr]")
    assert result.exit_code == 2
    assert result.output == (
        "gristmill: error: output: fields names 'meta.ulr', which this run does not write; "
        "did you mean 'meta.url'?\n"
    )
    assert not (out / "kept").exists()


def test_a_text_key_no_record_has_is_one_line(run_cli, tmp_path: Path) -> None:
    # Each record was quarantined on its own, and the run ended "successfully" with nothing kept.
    result, out = _run(run_cli, tmp_path, ", text_key: body")
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "text_key names 'body'" in result.output and "'content'" in result.output
    assert not (out / "kept").exists()


def test_an_id_key_no_record_has_is_one_line(run_cli, tmp_path: Path) -> None:
    # Every document was named by its line instead, and nothing said so.
    result, out = _run(run_cli, tmp_path, ", text_key: content, id_key: doc_id")
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "id_key names 'doc_id'" in result.output and "'id'" in result.output
    assert not (out / "kept").exists()


def test_the_id_field_is_kept_in_meta_when_id_key_names_another(run_cli, tmp_path: Path) -> None:
    # A record's "id" was dropped as the document's own field even where id_key named another one.
    records = [{**r, "doc_id": f"doc-{r['id']}"} for r in RECORDS]
    result, out = _run(run_cli, tmp_path, ", text_key: content, id_key: doc_id", records=records)
    assert result.exit_code == 0, result.output
    kept = _lines(out / "kept/00000.jsonl.zst")
    assert [d["id"] for d in kept] == ["doc-a", "doc-b"]
    assert [json.loads(d["meta"]["extra"])["meta"]["id"] for d in kept] == ["a", "b"]


def _run_folder(run_cli, tmp_path: Path, files: dict[str, list[dict]], input_extra: str = ""):
    folder = tmp_path / "in"
    folder.mkdir(parents=True)
    for name, records in files.items():
        write_jsonl(folder / name, records)
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{folder}'{input_extra}}}\noutput: {{path: '{tmp_path}/out'}}\nsteps: []\n",
    )
    return run_cli("run", str(config), "--no-progress")


def test_field_names_are_looked_for_in_more_than_the_first_file(run_cli, tmp_path: Path) -> None:
    # A first file without the text field, then files with it: the run goes on, the first file's
    # records quarantined as before (the check read the first file alone and stopped the run).
    result = _run_folder(
        run_cli,
        tmp_path,
        {
            "a.jsonl": [{"id": f"a{i}", "content": "x"} for i in range(3)],
            "b.jsonl": [{"id": f"b{i}", "text": "a text"} for i in range(5)],
        },
    )
    assert result.exit_code == 0, result.output
    totals = json.loads((tmp_path / "out/stats.json").read_text())["totals"]
    assert (totals["kept"], totals["quarantined"]) == (5, 3)


def test_an_id_key_is_a_field_of_the_record_null_or_not(run_cli, tmp_path: Path) -> None:
    # Held by every record but null: the run goes on, each document named by its line (it stopped).
    nulls = [{"text": f"text {i}", "doc_id": None} for i in range(3)]
    result = _run_folder(run_cli, tmp_path / "nulls", {"a.jsonl": nulls}, ", id_key: doc_id")
    assert result.exit_code == 0, result.output
    # Held only inside meta, where the reader never looks for an id: a mistake (it passed the check).
    nested = [{"text": f"text {i}", "meta": {"doc_id": f"m{i}"}} for i in range(3)]
    result = _run_folder(run_cli, tmp_path / "nested", {"a.jsonl": nested}, ", id_key: doc_id")
    assert result.exit_code == 2 and "id_key names 'doc_id'" in result.output, result.output


def test_meta_keys_naming_the_id_field_is_one_line(run_cli, tmp_path: Path) -> None:
    # The id field is the document's id, never in meta: every document got meta.id "" (it was caught before).
    result, _ = _run(run_cli, tmp_path, ", text_key: content, meta_keys: [id, url]")
    assert result.exit_code == 2 and "meta_keys names 'id'" in result.output, result.output


def test_side_files_among_the_data_stop_nothing(run_cli, tmp_path: Path) -> None:
    # A .json of each shard's row count beside each .jsonl of records: sampled evenly from 16 files, the
    # check looked at the side files alone and stopped a run whose text_key was right.
    files = {}
    for i in range(8):
        files[f"shard-{i:05d}.json"] = [{"shard": i, "num_rows": 3}]
        files[f"shard-{i:05d}.jsonl"] = [{"id": f"{i}-{j}", "text": f"doc {i} {j}"} for j in range(3)]
    result = _run_folder(run_cli, tmp_path, files)
    assert result.exit_code == 0, result.output
    totals = json.loads((tmp_path / "out/stats.json").read_text())["totals"]
    assert (totals["kept"], totals["quarantined"]) == (24, 8)


def test_the_look_at_a_files_fields_reads_a_bounded_head(tmp_path: Path, monkeypatch) -> None:
    # A file of no object lines (a 283 MB JSON array, a file of NUL bytes) was read to its end, whole
    # lines held in memory, before the run started.
    from gristmill.io import jsonl

    path = tmp_path / "array.json"
    path.write_bytes(b"[" + b'"x", ' * 2_000_000 + b'"x"]\n' + b'{"text": "late"}\n')
    given: list[int] = []

    def counted(path: str, *args, **kwargs):
        for chunk in read_chunks(path, *args, **kwargs):
            given.append(len(chunk))
            yield chunk

    monkeypatch.setattr(jsonl, "read_chunks", counted)
    assert jsonl.JsonlReader().field_names(str(path), 100) is None
    assert sum(given) <= jsonl.FIELD_LOOK + (1 << 20) < path.stat().st_size


def test_a_text_key_naming_a_parquet_column_that_holds_no_text_is_one_line(run_cli, tmp_path: Path) -> None:
    # Every row was quarantined on its own ("'text' is a number, not a string") and the run ended
    # with exit 0 and nothing kept: a text_key naming the wrong column is the config's mistake.
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        table = pa.table({"id": ["x", "y"], "n": [1, 2], "body": ["Some text.", "More text."]})
        pq.write_table(table, folder / f"{name}.parquet")
    config = write_pipeline(
        tmp_path / "p.yaml",
        f"input: {{path: '{folder}', text_key: n}}\noutput: {{path: '{tmp_path}/out'}}\nsteps: []\n",
    )
    result = run_cli("run", str(config), "--no-progress")
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "text_key names 'n'" in result.output and "int64" in result.output and "'body'" in result.output
    assert not (tmp_path / "out" / "kept").exists()
    # One file of the wrong type among good ones is that file's rows' matter, in the quarantine.
    pq.write_table(pa.table({"id": ["z"], "n": ["Text at last."]}), folder / "c.parquet")
    result = run_cli("run", str(config), "--no-progress")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "column",
    [
        pa.array([b"Some text.", b"More text."]).dictionary_encode(),  # dictionary<values=binary>
        pa.array(["Some text.", "More text."], pa.json_()),  # a Parquet JSON column (DuckDB, Spark)
        pa.array([b"Some text.", b"More text."], pa.binary(10)),  # fixed_size_binary[10]
        pa.array(["Some text.", "More text."], pa.string_view()),
        pa.array(["Some text.", "More text."], pa.large_string()).dictionary_encode(),
    ],
    ids=["dictionary-binary", "json", "fixed-size-binary", "string-view", "dictionary-large-string"],
)
def test_columns_the_reader_reads_as_text_are_text(run_cli, tmp_path: Path, column: pa.Array) -> None:
    # The reader takes any str or bytes value of the text column as text (a review's test): a check by
    # type name stopped runs over these.
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(pa.table({"id": ["x", "y"], "text": column}), folder / "a.parquet")
    config = write_pipeline(
        tmp_path / "p.yaml", f"input: {{path: '{folder}'}}\noutput: {{path: '{tmp_path}/out'}}\nsteps: []\n"
    )
    result = run_cli("run", str(config), "--no-progress")
    assert result.exit_code == 0, result.output
