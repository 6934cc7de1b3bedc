import pytest

from gristmill import ExactDedup
from tests.dedup.helpers import run_pipeline

RECORDS = [
    {"id": "a", "text": "The same words, in the same order."},
    {"id": "b", "text": "the same words,   in the same order."},
    {"id": "c", "text": "The same words in the same order"},
    {"id": "d", "text": "Something else."},
    {"id": "e", "text": "The same words, in the same order."},
]


@pytest.mark.parametrize(
    ("options", "dropped"),
    [
        ({}, {"b": "a", "e": "a"}),
        ({"ignore_case": False}, {"e": "a"}),
        ({"ignore_punctuation": True}, {"b": "a", "c": "a", "e": "a"}),
    ],
)
def test_equal_texts_keep_the_first_and_name_the_cluster(tmp_path, options, dropped):
    out = run_pipeline(tmp_path, RECORDS, [ExactDedup(**options)], files=2, workers=2)
    docs = out.by_id()
    assert {d.id: d.meta["duplicate_of"] for d in out.rejected} == dropped
    assert all(d.meta["reason"] == "exact_dedup:duplicate" for d in out.rejected)
    assert docs["a"].meta["dup_cluster"] == "a"
    assert docs["a"].meta["dup_cluster_size"] == len(dropped) + 1
    assert "dup_cluster" not in docs["d"].meta
