"""Ids held by more than one document are counted and named, where a barrier names documents by id."""

import logging
import random
from collections import Counter
from pathlib import Path

import pytest

from gristmill import ExactDedup, LengthFilter, MinhashDedup, Provenance, SpanDedup
from gristmill.dedup.repeated_ids import repeated_ids, save_id_hashes
from tests.dedup.helpers import random_words, run_pipeline


def _two_shards_numbered_from_zero(rng: random.Random) -> list[dict[str, str]]:
    """Two files of 30 documents, each numbering its own from 0: every id is held twice."""
    return [{"id": str(i % 30), "text": " ".join(random_words(rng, 40))} for i in range(60)]


@pytest.mark.parametrize("step", [ExactDedup, MinhashDedup, Provenance])
def test_ids_held_twice_are_counted_and_said(tmp_path: Path, caplog, step) -> None:
    # Two shards numbered from 0: a duplicate_of "7" named either document, and nothing said so.
    records = _two_shards_numbered_from_zero(random.Random(1))
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(tmp_path, records, [step()], files=2, workers=2)
    found = out.stats["repeated_ids"]
    assert (found["step"], found["ids"], found["documents"]) == (step.name, 30, 60)
    assert found["example"] in {str(i) for i in range(30)}
    said = [r.getMessage() for r in caplog.records if "held by more than one document" in r.getMessage()]
    assert len(said) == 1 and "30 document ids" in said[0] and "60 documents" in said[0]


def test_unique_ids_are_counted_as_none(tmp_path: Path, caplog) -> None:
    rng = random.Random(2)
    records = [{"id": f"d{i}", "text": " ".join(random_words(rng, 40))} for i in range(60)]
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(tmp_path, records, [ExactDedup()], files=2)
    assert out.stats["repeated_ids"] == {"step": "exact_dedup", "ids": 0, "documents": 0}
    assert not [r for r in caplog.records if "held by more than one document" in r.getMessage()]


def test_a_run_whose_barriers_name_no_documents_counts_nothing(tmp_path: Path) -> None:
    records = _two_shards_numbered_from_zero(random.Random(3))
    out = run_pipeline(tmp_path, records, [LengthFilter(min_chars=1), SpanDedup()], files=2)
    assert "repeated_ids" not in out.stats


def test_the_count_is_the_same_a_small_window_at_a_time(tmp_path: Path) -> None:
    # The merge holds a window of rows at once: ids spread over many shards still meet in one.
    rng = random.Random(4)
    shards = [[f"id{rng.randrange(400)}" for _ in range(rng.randrange(0, 120))] for _ in range(9)]
    for shard, ids in enumerate(shards):
        save_id_hashes(tmp_path, shard, ids)
        (tmp_path / f"ids-{shard:05d}.json").write_text(str(ids).replace("'", '"'))
    counts = Counter(i for ids in shards for i in ids)
    repeated = {i: n for i, n in counts.items() if n > 1}
    for window in (4, 64, None):
        found = repeated_ids(tmp_path, len(shards), window=window)
        assert found is not None
        assert (found.ids, found.documents) == (len(repeated), sum(repeated.values()))
        assert found.example in repeated


def test_hashes_missing_from_a_shard_count_nothing(tmp_path: Path) -> None:
    # A run begun by a version that wrote no hashes, resumed by this one: no figure rather than a wrong one.
    save_id_hashes(tmp_path, 0, ["a", "a"])
    assert repeated_ids(tmp_path, 2) is None
