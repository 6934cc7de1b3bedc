import random

import numpy as np
import pytest

from gristmill import ConfigError, ExactDedup, MinhashDedup, pipeline_from_dict
from gristmill.text.shingles import shingle_hashes
from tests.dedup.helpers import dolma_docs, random_words, run_pipeline, small_windows


def jaccard(a: str, b: str) -> float:
    hashes, offsets = shingle_hashes([a, b], 5)
    x, y = set(hashes[: offsets[1]].tolist()), set(hashes[offsets[1] :].tolist())
    return len(x & y) / len(x | y)


def variant(words: list[str], target: float, rng: random.Random) -> str:
    """Replace scattered words so the 5-gram Jaccard similarity to ``words`` is about ``target``."""
    shingles = len(words) - 4
    # Each replaced word, at least 5 words from the next, removes 5 shingles and adds 5 new ones.
    replaced = round(shingles * (1 - target) / (5 * (1 + target)))
    spots = rng.sample(range(0, len(words), 5), replaced)
    edited = list(words)
    for spot in spots:
        edited[spot] = "edit" + "".join(rng.choices("xyzqj", k=6))
    return " ".join(edited)


def corpus(levels: dict[float, int], seed: int = 7) -> tuple[list[dict[str, str]], dict[str, float]]:
    """Base documents, each followed later by variants at the given Jaccard levels (level -> count)."""
    rng = random.Random(seed)
    records, variants, similarity = [], [], {}
    for level, count in levels.items():
        for k in range(count):
            words = random_words(rng, 400)
            base_id = f"base-{level}-{k}"
            records.append({"id": base_id, "text": " ".join(words)})
            text = variant(words, level, rng)
            variants.append({"id": f"{base_id}-v", "text": text})
            similarity[f"{base_id}-v"] = jaccard(" ".join(words), text)
    return records + variants, similarity


def test_exact_copies_keep_the_first_and_name_the_cluster(tmp_path):
    rng = random.Random(1)
    text = " ".join(random_words(rng, 120))
    records = [
        {"id": "a", "text": text},
        {"id": "other", "text": " ".join(random_words(rng, 120))},
        {"id": "b", "text": text.upper()},
        {"id": "c", "text": text.replace(" ", ",  ")},
    ]
    out = run_pipeline(tmp_path, records, [MinhashDedup()])
    assert out.kept_ids == ["a", "other"]
    docs = out.by_id()
    assert docs["a"].meta["dup_cluster"] == "a"
    assert docs["a"].meta["dup_cluster_size"] == 3
    assert "dup_cluster" not in docs["other"].meta
    for dropped in ("b", "c"):
        assert docs[dropped].meta["reason"] == "minhash_dedup:near_duplicate"
        assert docs[dropped].meta["duplicate_of"] == "a"
    assert out.stats["dropped_by_reason"] == {"minhash_dedup:near_duplicate": 2}
    report = (tmp_path / "out" / "report.html").read_text()
    assert "Duplicate clusters" in report and "3 documents" in report


@pytest.mark.parametrize(("workers", "options"), [(1, {}), (2, {}), (2, {"threshold": 0.7})])
def test_after_exact_dedup_a_cluster_counts_the_exact_copies_of_its_members(tmp_path, workers, options):
    rng = random.Random(3)
    words = random_words(rng, 400)
    page, near = " ".join(words), variant(words, 0.95, rng)
    alone = " ".join(random_words(rng, 400))
    records = [
        {"id": "page", "text": page},
        *({"id": f"other-{k}", "text": " ".join(random_words(rng, 400))} for k in range(4)),
        {"id": "alone", "text": alone},
        {"id": "page-copy", "text": page.upper()},
        {"id": "near-1", "text": near},
        {"id": "near-2", "text": variant(words, 0.95, rng)},
        {"id": "near-1-copy", "text": near},
        {"id": "alone-copy", "text": alone},
    ]
    out = run_pipeline(tmp_path, records, [ExactDedup(), MinhashDedup(**options)], files=3, workers=workers)
    assert sorted(out.kept_ids) == ["alone", "other-0", "other-1", "other-2", "other-3", "page"]
    docs = out.by_id()
    # page, its exact copy, near-1 and its exact copy, near-2: what the kept page stands for.
    assert docs["page"].meta["dup_cluster_size"] == 5
    assert docs["near-1"].meta["dup_cluster_size"] == 5
    assert docs["near-2"].meta["dup_cluster_size"] == 5
    assert docs["page-copy"].meta["dup_cluster_size"] == 2  # the exact step's cluster, as it left it
    assert docs["alone"].meta["dup_cluster_size"] == 2  # in no near cluster: the exact step's size stays
    assert "5 documents" in (tmp_path / "out" / "report.html").read_text()


def test_near_duplicates_found_by_jaccard_level(tmp_path):
    records, similarity = corpus({0.95: 15, 0.9: 15, 0.3: 15, 0.1: 15})
    for vid, value in similarity.items():
        level = float(vid.split("-")[1])
        assert abs(value - level) < 0.03, (vid, value)
    out = run_pipeline(tmp_path, records, [MinhashDedup()])
    dropped = {d.id for d in out.rejected}
    assert dropped == {v for v in similarity if v.split("-")[1] in ("0.95", "0.9")}
    for doc in out.rejected:
        assert doc.meta["duplicate_of"] == doc.id.removesuffix("-v")


def test_threshold_checks_candidates(tmp_path):
    records, _ = corpus({0.7: 40})
    loose = run_pipeline(tmp_path / "loose", records, [MinhashDedup()])
    assert 5 < len(loose.rejected) < 35  # about half of the pairs at J=0.7 are LSH candidates
    # The estimate from 112 minima has a standard deviation of about 0.04 at J=0.7.
    for exact, threshold in ((False, 0.9), (True, 0.8)):
        step = MinhashDedup(threshold=threshold, exact_jaccard=exact)
        assert run_pipeline(tmp_path / f"strict-{exact}", records, [step]).rejected == []
    kept_all = run_pipeline(tmp_path / "low", records, [MinhashDedup(threshold=0.6, exact_jaccard=True)])
    assert {d.id for d in kept_all.rejected} == {d.id for d in loose.rejected}


def test_empty_documents_are_never_duplicates(tmp_path):
    records = [{"id": "e1", "text": ""}, {"id": "e2", "text": " ... "}, {"id": "e3", "text": ""}]
    out = run_pipeline(tmp_path, records, [MinhashDedup()])
    assert out.kept_ids == ["e1", "e2", "e3"]


@pytest.mark.parametrize(("files", "workers", "buckets"), [(3, 1, 16), (4, 2, 5)])
def test_kept_set_does_not_depend_on_shards_or_workers(tmp_path, shared_data, files, workers, buckets):
    real = dolma_docs(shared_data)
    rng = random.Random(3)
    records = list(real)
    for doc in rng.sample(real, 60):  # near copies of real pages, placed later in the corpus
        words = doc["text"].split(" ")
        for _ in range(max(1, len(words) // 200)):
            words[rng.randrange(len(words))] = "EDITED"
        records.insert(rng.randrange(len(records) + 1), {"id": doc["id"] + "-copy", "text": " ".join(words)})
    one = run_pipeline(tmp_path / "one", records, [MinhashDedup()])
    many = run_pipeline(
        tmp_path / "many", records, [MinhashDedup(buckets=buckets)], files=files, workers=workers
    )
    assert one.kept_ids == many.kept_ids
    assert {d.id: d.meta["duplicate_of"] for d in one.rejected} == {
        d.id: d.meta["duplicate_of"] for d in many.rejected
    }
    assert len(one.rejected) >= 50


def test_options_are_checked_and_built_from_yaml(tmp_path):
    with pytest.raises(ConfigError, match="step 'minhash_dedup', option 'bands'"):
        MinhashDedup(bands=0)
    with pytest.raises(ConfigError, match="option 'buckets'"):
        MinhashDedup(buckets=0)
    with pytest.raises(ConfigError, match="option 'num_hashes'"):
        MinhashDedup(num_hashes=100)
    with pytest.raises(ConfigError, match="option 'threshold'"):
        MinhashDedup(threshold=1.5)
    with pytest.raises(ConfigError, match="option 'exact_jaccard'"):
        MinhashDedup(exact_jaccard=True)
    pipeline = pipeline_from_dict(
        {
            "input": {"path": str(tmp_path)},
            "output": {"path": str(tmp_path / "out")},
            "steps": [{"minhash_dedup": {"threshold": 0.8, "bands": 20, "rows": 5}}],
        }
    )
    step = pipeline.steps[0]
    assert isinstance(step, MinhashDedup)
    assert step.options()["bands"] == 20
    assert step.options()["threshold"] == 0.8


def test_signature_slots_agree_at_the_jaccard_rate_and_none_stays_empty():
    from gristmill.dedup.minhash import NO_SHINGLE, MinHasher

    rng = random.Random(3)
    hasher = MinHasher(ngram=1, num_hashes=112, seed=1)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=8)) for _ in range(60)]
    # 30 words shared of 90: Jaccard 1/3. A short text leaves most of its 112 bins empty.
    short_a, short_b = " ".join(words[:60]), " ".join(words[30:] + [w + "x" for w in words[:30]])
    sig, _, _ = hasher.signatures([short_a, short_b, "single", "", short_a])
    assert (sig[:2] != NO_SHINGLE).all() and (sig[2] == sig[2, 0]).all() and (sig[3] == NO_SHINGLE).all()
    assert (sig[4] == sig[0]).all()
    agree = []
    for seed in range(1, 41):
        s, _, _ = MinHasher(ngram=1, num_hashes=112, seed=seed).signatures([short_a, short_b])
        agree.append(float((s[0] == s[1]).mean()))
    assert abs(sum(agree) / len(agree) - 1 / 3) < 0.02


def _copies_in_long_runs(rng: random.Random) -> list[dict[str, str]]:
    """7,200 pages: most exact copies of one text (every band value held by thousands), some variants."""
    words = random_words(rng, 80)
    records = []
    for i in range(7200):
        if i % 5 == 1:  # a near copy: a band value shared with the copies now and then
            text = variant(words, 0.8, rng)
        elif i % 7 == 3:
            text = " ".join(random_words(rng, 80))
        else:
            text = " ".join(words)
        records.append({"id": f"d{i}", "text": text})
    return records


@pytest.mark.parametrize("threshold", [None, 0.75])
def test_a_band_value_held_by_more_rows_than_a_window_is_linked_in_pieces(tmp_path, monkeypatch, threshold):
    from gristmill.dedup import minhash

    records = _copies_in_long_runs(random.Random(9))
    options = {"bands": 2, "rows": 4, "buckets": 1, "threshold": threshold}
    whole = run_pipeline(tmp_path / "whole", records, [MinhashDedup(**options)], files=3)
    windows = small_windows(monkeypatch, minhash)
    pieces = run_pipeline(tmp_path / "pieces", records, [MinhashDedup(**options)], files=3)
    copies = sum(r["text"] == records[0]["text"] for r in records)
    assert max(windows) <= 1024 + 3 * 1024 < copies  # each band value of the copies: a run of them all
    assert [(d.id, d.meta) for d in pieces.kept] == [(d.id, d.meta) for d in whole.kept]
    assert [(d.id, d.meta) for d in pieces.rejected] == [(d.id, d.meta) for d in whole.rejected]
    assert len(whole.rejected) > 2000


def test_a_long_text_signed_in_pieces_has_the_signature_of_the_whole(monkeypatch) -> None:
    from gristmill.dedup import minhash

    rng = random.Random(11)
    words = ["river", "Stadt", "Σ", "42", "naïve", "—", "日本", ",", "the"]
    texts = [
        "short text of a few words",
        *(" ".join(rng.choices(words, k=rng.randint(0, 900))) for _ in range(6)),
    ]
    hasher = minhash.MinHasher(ngram=5, num_hashes=112, seed=3)
    whole, whole_hashes, whole_offsets = hasher.signatures(texts)
    monkeypatch.setattr(minhash, "PIECE_CHARS", 200)  # every long text in many pieces
    pieces, hashes, offsets = hasher.signatures(texts)
    assert np.array_equal(pieces, whole)
    for i in range(len(texts)):  # the shingles the exact check reads: the same sets
        got = set(hashes[offsets[i] : offsets[i + 1]].tolist())
        assert got == set(whole_hashes[whole_offsets[i] : whole_offsets[i + 1]].tolist())


@pytest.mark.parametrize(("size", "counted"), [(2**32, 2**33), (3_000_000_000, 6_000_000_000), (2**62, 2)])
def test_an_earlier_cluster_size_past_uint32_neither_stops_the_run_nor_wraps(tmp_path, size, counted):
    # Two near copies, each the kept one of an earlier cluster (read in as an earlier exact_dedup step
    # left them, in no exact cluster of this run): their sizes are summed in 64 bits, a size past any
    # corpus (2**62) counts one, and none stops the run (uint32 tables raised OverflowError or wrapped).
    rng = random.Random(5)
    words = random_words(rng, 300)
    earlier = {"dup_cluster_size": size}
    records = [
        {"id": "a", "text": " ".join(words), "meta": dict(earlier, dup_cluster="a")},
        {"id": "b", "text": variant(words, 0.95, rng), "meta": dict(earlier, dup_cluster="b")},
        {"id": "c", "text": " ".join(random_words(rng, 300))},
    ]
    out = run_pipeline(tmp_path, records, [ExactDedup(), MinhashDedup()])
    assert out.kept_ids == ["a", "c"]
    assert out.by_id()["a"].meta["dup_cluster_size"] == counted
