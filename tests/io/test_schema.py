"""The output schema on single documents: declared keys, their types, and what fits nowhere."""

from __future__ import annotations

import json

from gristmill.document import Document
from gristmill.io.records import document_from_record
from gristmill.io.schema import Schema

SCHEMA = Schema.union(
    [
        ({"url": "str", "http_status": "int", "copied_from": "json"}, {"score": "float"}),
        ({"http_status": "float"}, {"count": "int"}),
    ]
)


def test_a_key_declared_with_two_types_takes_the_one_both_fit() -> None:
    assert SCHEMA.meta == {"url": "str", "http_status": "float", "copied_from": "json"}
    assert Schema.union([({"a": "str"}, {}), ({"a": "int"}, {})]).meta == {"a": "json"}


def test_missing_values_are_zero_in_json_lines_and_null_in_parquet() -> None:
    doc = Document("d", "text", {"url": "https://x/"}, {"count": 3})
    assert SCHEMA.record(doc) == {
        "id": "d",
        "text": "text",
        "meta": {"url": "https://x/", "http_status": 0.0, "copied_from": "", "extra": ""},
        "signals": {"score": 0.0, "count": 3},
    }
    assert SCHEMA.record(doc, nulls=True)["meta"] == {
        "url": "https://x/",
        "http_status": None,
        "copied_from": None,
        "extra": None,
    }


def test_values_of_another_type_and_undeclared_keys_go_whole_into_extra() -> None:
    doc = Document("d", "t", {"url": 7, "lang": "en", "copied_from": [{"id": "a"}]}, {"score": 1, "x": 0.5})
    record = SCHEMA.record(doc)
    assert record["meta"]["url"] == "" and record["signals"]["score"] == 1.0
    assert json.loads(record["meta"]["copied_from"]) == [{"id": "a"}]
    assert json.loads(record["meta"]["extra"]) == {"meta": {"url": 7, "lang": "en"}, "signals": {"x": 0.5}}


def test_an_output_record_reads_back_as_the_document_written() -> None:
    doc = Document("d", "t", {"lang": "en", "copied_from": [{"id": "a"}]}, {"score": 0.5, "x": 2})
    back = document_from_record(json.loads(json.dumps(SCHEMA.record(doc))), "fallback")
    assert back.meta == doc.meta
    assert back.signals == {"score": 0.5, "count": 0, "x": 2}  # a signal's zero is a value, kept


def test_fields_choose_parts_and_keys() -> None:
    doc = Document("d", "t", {"url": "u"}, {"score": 0.5})
    assert SCHEMA.with_fields(["id", "meta.url", "signals"]).record(doc) == {
        "id": "d",
        "meta": {"url": "u"},
        "signals": {"score": 0.5, "count": 0},
    }
    assert SCHEMA.with_fields(["id", "text"]).arrow().names == ["id", "text"]
