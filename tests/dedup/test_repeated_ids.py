"""Ids held by more than one document are counted and named, where a barrier names documents by id."""

import json
import logging
import random
from collections import Counter
from pathlib import Path

import pytest

from gristmill import ExactDedup, LengthFilter, MinhashDedup, Pipeline, Provenance, SpanDedup
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
    shards[3] += ["hot"] * 70  # held by more documents than a window holds: it comes in pieces
    shards[6] += ["hot"] * 30
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


def test_a_rerun_of_the_finished_run_gives_the_same_count(tmp_path: Path, caplog) -> None:
    # The count was taken from the barrier's work folder, which a finished run removes: a rerun (or one
    # after raising max_errors) wrote stats.json again without it, and said nothing.
    records = _two_shards_numbered_from_zero(random.Random(5))
    first = run_pipeline(tmp_path, records, [ExactDedup()], files=2)
    config = {"input": {"path": str(tmp_path / "in")}, "output": {"path": str(tmp_path / "out")}}
    with caplog.at_level(logging.WARNING):
        again = Pipeline(**config, steps=[ExactDedup()]).run(progress=False)
    assert again.stats["repeated_ids"] == first.stats["repeated_ids"]
    assert first.stats["repeated_ids"]["ids"] == 30
    assert [r for r in caplog.records if "held by more than one document" in r.getMessage()]


def test_no_figure_where_the_first_barrier_kept_no_hashes(tmp_path: Path, monkeypatch) -> None:
    # A run begun by a version that kept no hashes: the next barrier's count was given as the first's.
    from gristmill.dedup import repeated_ids as module

    save = module.save_id_hashes

    def only_later_barriers(work: Path, shard: int, ids: list[str]) -> None:
        if work.name != "barrier1":
            save(work, shard, ids)

    monkeypatch.setattr(module, "save_id_hashes", only_later_barriers)
    records = _two_shards_numbered_from_zero(random.Random(6))
    out = run_pipeline(tmp_path, records, [MinhashDedup(), ExactDedup()], files=2)
    assert "repeated_ids" not in out.stats


def test_an_id_held_by_more_documents_than_a_window_is_merged_in_pieces(tmp_path: Path, monkeypatch) -> None:
    # One id on every record (id_key naming a field of few values): its rows were held at once, however many.
    from gristmill.dedup import repeated_ids as module

    for shard in range(4):
        ids = ["same"] * 5000 + [f"u{shard}-{i}" for i in range(50)]
        save_id_hashes(tmp_path, shard, ids)
        (tmp_path / f"ids-{shard:05d}.json").write_text(json.dumps(ids))
    held: list[int] = []
    merge = module.bucket_windows

    def measured(*args, **kwargs):
        for rows in merge(*args, **kwargs):
            held.append(len(rows))
            yield rows

    monkeypatch.setattr(module, "bucket_windows", measured)
    found = repeated_ids(tmp_path, 4, window=256)
    assert found is not None and (found.ids, found.documents, found.example) == (1, 20000, "same")
    assert max(held) <= 256 < 20000


def test_a_reference_sharing_the_inputs_ids_is_not_counted(tmp_path: Path, caplog) -> None:
    # A new user's trial: the reference was an earlier run of the same corpus, so it held the input's
    # ids; the count took the reference for a shard of the input (and left the last input shard out),
    # and advised a unique id_key for an input whose ids were unique.
    rng = random.Random(6)
    records = [{"id": f"d{i}", "text": " ".join(random_words(rng, 40))} for i in range(40)]
    reference = tmp_path / "published.jsonl"
    reference.write_text("".join(json.dumps(r) + "\n" for r in records[:20]))
    # The input's one repeated id is in its last shard, which the count left out.
    records[-1]["id"] = records[-2]["id"]
    step = ExactDedup(reference={"path": str(reference), "cache": str(tmp_path / "cache")})
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(tmp_path / "run", records, [step], files=2)
    assert out.stats["repeated_ids"]["ids"] == 1 and out.stats["repeated_ids"]["documents"] == 2
    said = [r.getMessage() for r in caplog.records if "held by more than one document" in r.getMessage()]
    assert len(said) == 1 and "1 document id is held" in said[0]


def _rerun_with_a_count_kept_by_an_earlier_version(tmp_path: Path, caplog, reference: bool):
    """A finished run whose _state/repeated_ids.json is as a version before the format field wrote it."""
    rng = random.Random(7)
    records = [{"id": f"d{i}", "text": " ".join(random_words(rng, 40))} for i in range(40)]
    (tmp_path / "published.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[:20]))

    def steps() -> list[ExactDedup]:
        if not reference:
            return [ExactDedup()]
        published = {"path": str(tmp_path / "published.jsonl"), "cache": str(tmp_path / "c")}
        return [ExactDedup(reference=published)]

    first = run_pipeline(tmp_path / "run", records, steps(), files=2)
    assert first.stats["repeated_ids"]["ids"] == 0
    # What such a version counted with a reference: the reference's ids, which the input holds too.
    kept = tmp_path / "run/out/_state/repeated_ids.json"
    kept.write_text(json.dumps({"step": "exact_dedup", "ids": 20, "documents": 40, "example": "d0"}))
    config = {"input": {"path": str(tmp_path / "run/in")}, "output": {"path": str(tmp_path / "run/out")}}
    with caplog.at_level(logging.WARNING):
        return Pipeline(**config, steps=steps()).run(progress=False)


def test_a_count_an_earlier_version_kept_for_a_run_with_a_reference_is_not_given_again(
    tmp_path: Path, caplog
) -> None:
    # Versions before the fix above kept their wrong count in _state, and a rerun gave it again.
    again = _rerun_with_a_count_kept_by_an_earlier_version(tmp_path, caplog, reference=True)
    assert "repeated_ids" not in again.stats  # the hashes it was counted from are gone with the work folder
    said = [r.getMessage() for r in caplog.records]
    assert not [m for m in said if "held by more than one document" in m]
    (line,) = [m for m in said if "repeated_ids" in m]
    assert "earlier version" in line and "--overwrite" in line


def test_a_count_an_earlier_version_kept_for_a_run_without_a_reference_still_serves(
    tmp_path: Path, caplog
) -> None:
    again = _rerun_with_a_count_kept_by_an_earlier_version(tmp_path, caplog, reference=False)
    assert again.stats["repeated_ids"] == {"step": "exact_dedup", "ids": 20, "documents": 40, "example": "d0"}
