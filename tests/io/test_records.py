"""Records whose fields are named otherwise, or that are odd JSON, through `gristmill run`."""

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from gristmill.cli import cli
from gristmill.config import load_pipeline
from gristmill.errors import ConfigError
from gristmill.io.inputs import InputSpec
from gristmill.io.jsonl import JsonlReader
from tests.helpers import read_all, write_jsonl, write_pipeline
from tests.io.test_jsonl import Sink


def run(tmp_path: Path, inputs: str) -> tuple[dict[str, Any], list[dict], list[dict]]:
    """Run an empty pipeline; return the totals, the kept records and the quarantined entries."""
    out = tmp_path / "out"
    config = write_pipeline(
        tmp_path / "pipeline.yaml", f"input: {inputs}\noutput: {{path: {out}}}\nsteps: []\n"
    )
    result = CliRunner().invoke(cli, ["run", str(config), "--no-progress"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    totals = json.loads((out / "stats.json").read_text())["totals"]
    quarantined = [
        json.loads(line)
        for path in sorted((out / "quarantine").glob("*"))
        for line in path.read_text().splitlines()
    ]
    return totals, read_all(out / "kept"), quarantined


RECORDS = [
    {"doc_id": "x1", "content": "First text.", "url": "https://a/1"},
    {"doc_id": "x2", "content": "Second text.", "url": "https://a/2"},
]


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "parquet"])
def test_text_key_and_id_key_read_records_named_otherwise(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"docs.{fmt}"
    if fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(RECORDS), path)
    else:
        write_jsonl(path, RECORDS)
    totals, kept, _ = run(tmp_path, f"{{path: {path}, text_key: content, id_key: doc_id}}")
    assert totals["read"] == 2 and totals["kept"] == 2
    assert [(d["id"], d["text"]) for d in kept] == [("x1", "First text."), ("x2", "Second text.")]
    # the text and id fields are not copied into meta
    assert kept[0]["meta"] == {"source_file": f"docs.{fmt}", "url": "https://a/1"}


def test_missing_text_says_which_key_was_expected(tmp_path: Path) -> None:
    # Records without the text field among records with it: each quarantined, saying what to name.
    # (Where none of the first records has it, the run stops in one line: test_field_mapping.py.)
    path = write_jsonl(tmp_path / "docs.jsonl", [{"id": "t", "text": "A text."}, *RECORDS])
    totals, _, quarantined = run(tmp_path, f"{{path: {path}}}")
    assert totals["quarantined"] == 2
    reason = quarantined[0]["reason"]
    assert "no 'text' field" in reason and "'content'" in reason and "text_key" in reason


def test_reader_options_are_checked_and_round_trip(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="text_key"):
        InputSpec(path="x", text_key="")
    config = write_pipeline(
        tmp_path / "p.yaml", "input: {path: in.jsonl, text_key: body}\noutput: {path: out}\nsteps: []\n"
    )
    assert load_pipeline(config).input.reader_options.text_key == "body"


def test_a_byte_order_mark_does_not_quarantine_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a", "text": "first"}\n{"id": "b", "text": "second"}\n')
    sink = Sink()
    assert [d.id for d in JsonlReader().read(str(path), sink)] == ["a", "b"] and sink.bad == []


def test_integers_beyond_64_bits_are_quarantined_and_64_bit_ones_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "ints.jsonl"
    path.write_text(
        '{"id": "big", "text": "t", "n": 18446744073709551616}\n'
        '{"id": "low", "text": "t", "n": -9223372036854775809}\n'
        '{"id": "max", "text": "t", "n": 18446744073709551615}\n'
        '{"id": "str", "text": "a long number 12345678901234567890 in text"}\n'
    )
    totals, kept, quarantined = run(tmp_path, f"{{path: {path}}}")
    assert [d["id"] for d in kept] == ["max", "str"] and kept[0]["meta"]["n"] == 2**64 - 1
    assert totals["quarantined"] == 2 and all("64-bit" in q["reason"] for q in quarantined)


def test_deeply_nested_records_are_quarantined_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    deep = "[" * 300 + "]" * 300
    path.write_text(
        f'{{"id": "a", "text": "t", "x": {deep}}}\n'
        f'{{"id": "b", "text": "t", "meta": {{"x": {"[" * 253 + "]" * 253}}}}}\n'
        '{"id": "c", "text": "fine"}\n'
    )
    totals, kept, quarantined = run(tmp_path, f"{{path: {path}}}")
    assert [d["id"] for d in kept] == ["c"]
    assert totals == {**totals, "read": 3, "kept": 1, "quarantined": 2}
    assert all("nested deeper than" in q["reason"] for q in quarantined)


@pytest.mark.parametrize(
    ("record", "meta"),
    [
        ({"text": "t", "meta": {"a": 1, "b": 2}, "metadata": {"b": 3, "c": 4}}, {"a": 1, "b": 2, "c": 4}),
        ({"text": "t", "meta": None, "metadata": {"c": 4}}, {"c": 4}),
        ({"text": "t", "metadata": '{"c": 4}', "meta": {}}, {"c": 4}),
    ],
)
def test_meta_and_metadata_are_merged_meta_winning(tmp_path: Path, record: dict, meta: dict) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", [record])
    (doc,) = JsonlReader().read(str(path), Sink())
    assert doc.meta == meta


def test_ids_that_are_not_strings_are_integers_as_text_or_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "ids.jsonl"
    path.write_text(
        '{"id": 12, "text": "an integer"}\n'
        '{"id": 3.0, "text": "a whole float, as pandas writes an integer column with gaps"}\n'
        '{"id": -0.0, "text": "negative zero"}\n'
        '{"id": true, "text": "a boolean"}\n'
        '{"id": ["x"], "text": "a list"}\n'
        '{"id": {"a": 1}, "text": "an object"}\n'
        '{"id": 1.5, "text": "a fraction"}\n'
        '{"id": 1e300, "text": "past what a float holds exactly"}\n'
        '{"id": null, "text": "no id"}\n'
    )
    totals, kept, quarantined = run(tmp_path, f"{{path: {path}}}")
    assert [d["id"] for d in kept] == ["12", "3", "0", "ids/9"]
    assert totals == {**totals, "read": 9, "kept": 4, "quarantined": 5}
    assert [(q["where"], q["reason"]) for q in quarantined] == [
        ("line 4", "'id' is a boolean, not a string or integer"),
        ("line 5", "'id' is an array, not a string or integer"),
        ("line 6", "'id' is an object, not a string or integer"),
        ("line 7", "'id' is the number 1.5, not a string or integer"),
        ("line 8", "'id' is the number 1e+300, not a string or integer"),
    ]


def test_parquet_id_columns_that_are_not_strings_follow_the_same_rule(tmp_path: Path) -> None:
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"doc": [7, None], "text": ["a", "b"]}), path)
    _, kept, _ = run(tmp_path, f"{{path: {path}, id_key: doc}}")
    assert [d["id"] for d in kept] == ["7", "ids/2"]
    for name, column in {
        "floats": pa.array([2.0, 2.5]),
        "flags": pa.array([True, False]),
        "lists": pa.array([["x"], ["y"]]),
        "structs": pa.array([{"a": 1}, {"a": 2}]),
    }.items():
        path = tmp_path / name / f"{name}.parquet"
        path.parent.mkdir()
        pq.write_table(pa.table({"doc": column, "text": ["a", "b"]}), path)
        totals, kept, quarantined = run(tmp_path / name, f"{{path: {path}, id_key: doc}}")
        expected = {"floats": ["2"]}.get(name, [])
        assert [d["id"] for d in kept] == expected, name
        assert totals["quarantined"] == 2 - len(expected)
        assert all(q["reason"].startswith("'doc' is ") for q in quarantined), quarantined
