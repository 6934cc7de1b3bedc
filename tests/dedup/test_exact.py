import random

import pytest

from gristmill import ExactDedup
from tests.dedup.helpers import random_words, run_pipeline, small_windows

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


def _copies_of_one_page(rng: random.Random) -> list[dict[str, str]]:
    """6,000 pages: most the same page (every copy in one run of one hash), some others between."""
    page = " ".join(random_words(rng, 60))
    records = []
    for i in range(6000):
        text = " ".join(random_words(rng, 20)) if i % 9 == 4 else page.upper() if i % 11 == 2 else page
        records.append({"id": f"d{i}", "text": text})
    return records


def test_a_page_copied_by_more_documents_than_a_window_is_linked_in_pieces(tmp_path, monkeypatch):
    from gristmill.dedup import exact

    records = _copies_of_one_page(random.Random(5))
    whole = run_pipeline(tmp_path / "whole", records, [ExactDedup()], files=3)
    windows = small_windows(monkeypatch, exact)
    pieces = run_pipeline(tmp_path / "pieces", records, [ExactDedup()], files=3)
    copies = len(records) - len(whole.kept)
    assert max(windows) <= 1024 + 3 * 1024 < copies  # the copies: one run of one hash
    assert [(d.id, d.meta) for d in pieces.kept] == [(d.id, d.meta) for d in whole.kept]
    assert [(d.id, d.meta) for d in pieces.rejected] == [(d.id, d.meta) for d in whole.rejected]
    assert {d.meta["duplicate_of"] for d in whole.rejected} == {"d0"}
