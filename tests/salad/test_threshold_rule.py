"""`benchmarks/salad.py --fit`'s threshold and guard: no small kind of guard page sets the threshold,
the guard's pages share no document with the fit's, and an AUROC drop counts only beyond its noise."""

import importlib.util
import sys
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

from tests.helpers import REPO, SHARED


def _benchmark() -> ModuleType:
    # Loaded by path under its own name: "salad" would clash with this test package.
    sys.path.insert(0, str(REPO / "benchmarks"))
    spec = importlib.util.spec_from_file_location("salad_benchmark", REPO / "benchmarks/salad.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _held(kinds: list[tuple[str, bool]]) -> list[tuple[str, object, None]]:
    return [(kind, SimpleNamespace(stitched=stitched), None) for kind, stitched in kinds]


def test_each_held_out_page_has_its_kind() -> None:
    bench = _benchmark()
    held = _held(
        [("excerpt:base", False), ("family:thread", False), ("family:long", True), ("choppy", False)]
    )
    assert list(bench.threshold_kinds(held)) == ["excerpt", "family", "stitched", "choppy"]


def test_two_high_family_pages_do_not_set_the_threshold() -> None:
    bench = _benchmark()
    rng = np.random.default_rng(0)
    kinds = (
        [("excerpt:base", False)] * 2000
        + [("family:thread", False)] * 150
        + [("choppy", False)] * 180
        + [("whole", False)] * 420
        + [("family:thread", True)] * 150
    )
    scores = np.concatenate(
        [
            rng.uniform(0, 0.9, 2000),
            np.r_[rng.uniform(0, 0.5, 148), 0.995, 0.998],  # two family pages score like salad
            np.full(180, 0.5),
            np.full(420, 0.3),
            np.full(150, 0.99),
        ]
    )
    threshold, per_pool = bench.default_threshold(scores, bench.threshold_kinds(_held(kinds)))
    assert set(per_pool) == {"genuine", "choppy"}
    assert 0.88 < threshold < 0.9


def test_the_top_pages_of_a_small_kind_do_not_set_the_threshold() -> None:
    bench = _benchmark()
    # 70 whole documents, three of them scoring high: alone, their 99th percentile would be 0.97.
    kinds = [("excerpt:base", False)] * 2900 + [("whole", False)] * 70
    scores = np.r_[np.linspace(0, 0.9, 2900), np.zeros(67), 0.97, 0.98, 0.99]
    threshold, per_pool = bench.default_threshold(scores, bench.threshold_kinds(_held(kinds)))
    assert per_pool["genuine"] < 0.9
    assert threshold < 0.91


def test_choppy_pages_keep_a_percentile_of_their_own() -> None:
    bench = _benchmark()
    kinds = [("excerpt:base", False)] * 2000 + [("choppy", False)] * 180
    scores = np.r_[np.linspace(0, 0.5, 2000), np.linspace(0, 0.95, 180)]
    threshold, per_pool = bench.default_threshold(scores, bench.threshold_kinds(_held(kinds)))
    assert per_pool["choppy"] > 0.9
    assert threshold >= per_pool["choppy"]


def test_a_drop_counts_only_beyond_the_limit_and_the_noise() -> None:
    bench = _benchmark()
    assert bench.fell(-0.05, 0.01)
    assert not bench.fell(-0.021, 0.02)  # within two standard errors
    assert not bench.fell(-0.015, 0.001)  # beyond the noise, within the limit
    assert not bench.fell(0.03, 0.01)


def _prose(pages: list[tuple[str, object]]) -> set[str]:
    """The sentences taken from source documents on ``pages`` (edited family pages left out)."""
    return {
        p.text[a:b]  # type: ignore[attr-defined]
        for kind, p in pages
        if kind != "family:edited"
        for a, b, src in p.units  # type: ignore[attr-defined]
        if src >= 0
    }


def test_the_guard_pages_share_no_document_with_the_fit_pages() -> None:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared/data is not here")
    bench = _benchmark()
    from saladgen import factors

    fit = factors.Corpus(SHARED / "data", "tune", "fit")
    guard = factors.Corpus(SHARED / "data", "tune", "guard")
    fit_docs = {d.key: d for pool in fit.pools.values() for d in pool}
    guard_docs = {d.key: d for pool in guard.pools.values() for d in pool}
    assert fit_docs and guard_docs and not set(fit_docs) & set(guard_docs)
    whole = {
        only: {text for _, text in factors.whole_documents(SHARED / "data", "tune", only)}
        for only in ("fit", "guard")
    }
    assert whole["fit"] and whole["guard"] and not whole["fit"] & whole["guard"]
    guard_text = {s for d in guard_docs.values() for s in d.sentences}
    fit_only = {s for d in fit_docs.values() for s in d.sentences} - guard_text
    drawn = bench.coherence_pages(2, 2, seed=1, family_share=1.0, only="guard")
    assert {kind.split(":")[0] for kind, _ in drawn} == {"excerpt", "family", "choppy", "whole"}
    used = _prose([(k, p) for k, p in drawn if k.startswith(("excerpt:", "family:"))])
    assert len(used & guard_text) > len(used) / 2  # the rest: thread headers, headings
    assert not used & fit_only
    assert not {p.text for k, p in drawn if k == "whole"} & whole["fit"]


def test_the_standard_error_of_a_change_agrees_with_a_paired_bootstrap() -> None:
    _benchmark()
    from saladgen.metrics import auroc, auroc_se

    rng = np.random.default_rng(3)
    y = np.r_[np.ones(100, bool), np.zeros(100, bool)]
    old = rng.normal(0, 1, 200) + 2.0 * y  # AUROC ~0.92, as the hard conditions
    new = old + rng.normal(0, 0.5, 200)  # the same pages under a close model
    se_one, se_change = auroc_se(old, y), auroc_se(new, y, reference=old)
    assert 0.01 < se_one < 0.03  # Hanley-McNeil's size at 100 + 100 pages
    assert se_change < se_one  # paired: the pages' own difficulty cancels
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    changes = []
    for _ in range(400):
        at = np.r_[rng.choice(pos, len(pos)), rng.choice(neg, len(neg))]
        changes.append(auroc(new[at], y[at]) - auroc(old[at], y[at]))
    assert abs(se_change / np.std(changes) - 1) < 0.25
    assert auroc_se(old, y, reference=old) == 0.0


def test_the_out_of_fold_pages_share_no_document_with_their_fit() -> None:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared/data is not here")
    bench = _benchmark()
    from saladgen import factors

    k = bench.FOLDS
    sentences = []  # per fold, the sentences of its documents and of no other fold's
    for i in range(k):
        corpus = factors.Corpus(SHARED / "data", "tune", f"fold:{i}/{k}")
        sentences.append({s for pool in corpus.pools.values() for d in pool for s in d.sentences})
    own = [sentences[i] - set().union(*(sentences[j] for j in range(k) if j != i)) for i in range(k)]
    folds = bench.fold_pages(2 * k, 2, family_share=1.0)
    for i in range(k):
        fit, scored = bench.fold_split(folds, i)
        assert fit and scored and len(fit) + len(scored) == sum(map(len, folds))
        fit_used = _prose([(kind, p) for kind, p in fit if kind.startswith(("excerpt:", "family:"))])
        scored_used = _prose([(kind, p) for kind, p in scored if kind.startswith(("excerpt:", "family:"))])
        assert len(scored_used & own[i]) > len(scored_used) / 2  # the rest: thread headers, headings
        assert not fit_used & own[i]
        whole = {p.text for kind, p in scored if kind == "whole"}
        assert whole and not whole & {p.text for kind, p in fit if kind == "whole"}


def test_one_document_drawn_many_times_does_not_set_the_threshold() -> None:
    # Stop 24: a threshold taken over documents, each document's pages counting once together. One odd
    # document that a fold's draw picked 40 times (scores ~0.99) would hold 4% of the pages and so set
    # a page-weighted 99th percentile; counted once among 150 documents it sits above the 99th.
    bench = _benchmark()
    rng = np.random.default_rng(1)
    pages = [("excerpt:base", False)] * 1000
    scores = np.r_[np.full(40, 0.99), rng.uniform(0, 0.8, 960)]
    documents = ["odd"] * 40 + [f"doc{i % 150}" for i in range(960)]
    kinds = bench.threshold_kinds(_held(pages))
    plain, _ = bench.default_threshold(scores, kinds)
    assert plain == 0.99  # the odd document's pages set it (0.99 + 0.005, capped)
    per_document, per_pool = bench.default_threshold(scores, kinds, documents)
    assert 0.78 < per_document < 0.81
    assert per_pool["genuine"] < 0.8


def test_the_document_weighted_quantile() -> None:
    from saladgen.metrics import weighted_quantile

    values = np.array([0.1, 0.2, 0.3, 0.9])
    assert weighted_quantile(values, np.ones(4), 0.5) == 0.2
    # The last value weighs as much as the other three together: the median is still among them.
    assert weighted_quantile(values, np.array([1, 1, 1, 3.0]), 0.5) == 0.3
    assert weighted_quantile(values, np.array([1, 1, 1, 3.0]), 0.99) == 0.9


def test_the_second_stage_threshold_counts_each_document_once_as_the_percentile_rule_does() -> None:
    bench = _benchmark()
    spec = importlib.util.spec_from_file_location(
        "salad_pair_evidence_benchmark", REPO / "benchmarks/salad_pair_evidence.py"
    )
    assert spec and spec.loader
    stage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage)
    # 30 documents of 100 excerpts each, all under 0.9; 100 whole documents, three of them high.
    kinds = bench.threshold_kinds(_held([("excerpt:base", False)] * 3000 + [("whole", False)] * 100))
    documents = [f"doc:{i // 100}" for i in range(3000)] + [""] * 100
    whole = np.r_[np.linspace(0, 0.5, 97), 0.95, 0.96, 0.97]
    scores = np.r_[np.linspace(0, 0.9, 3000), whole]
    share = 0.0098
    # The share alone counts every page alike: the three whole documents are lost among 3,100 pages.
    assert stage.share_threshold(scores, kinds, share) < 0.91
    threshold = stage.stage_threshold(scores, kinds, documents, share)
    assert threshold > 0.95
    assert (whole >= threshold).sum() <= 1


def test_recall_is_read_where_as_many_real_pages_are_flagged_for_every_detector() -> None:
    bench = _benchmark()
    real = [0.2, 0.99, 0.5, 0.95, 0.9, 0.1]
    stitched = [0.97, 0.93, 0.92, 0.6]
    # k=1: over 0.95 (the second highest real page), k=2: over 0.9, k=5: over 0.1.
    assert bench.recall_at_real_flags(stitched, real) == {1: 0.25, 2: 0.75, 5: 1.0}
    # A detector that lifts one real page over every stitched one: its recall falls at k=1 only.
    assert bench.recall_at_real_flags(stitched, [*real[:1], 0.999, 0.98, *real[3:]])[1] == 0.0
