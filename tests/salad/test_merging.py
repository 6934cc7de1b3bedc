"""The splitter's merge stage: small groups of a page's sentences joined into sources by their profiles."""

import sys

import numpy as np
import pytest

from gristmill import Document, Salad
from gristmill.salad import analyse, analysis
from gristmill.salad.merging import MERGE_NAMES, Profiles, group_features, merge_groups
from gristmill.salad.pairs import MODEL_FILE, PairModel, load
from gristmill.stats import StepContext, StepStats
from tests.helpers import REPO, SHARED

sys.path.insert(0, str(REPO / "benchmarks"))

from salad import sentence_ari
from saladgen import Page, factors


def profiles(labels: list[int], seed: int = 0) -> Profiles:
    """Sentences whose words and habits follow their source, and pair log-odds that say so weakly."""
    rng = np.random.default_rng(seed)
    truth = np.array(labels)
    n, k = len(truth), truth.max() + 1
    own = rng.random((k, 40)) < 0.2  # each source's words

    def rows(width: int) -> np.ndarray:
        centres = rng.normal(size=(k, width))
        return centres[truth] + 0.8 * rng.normal(size=(n, width))

    logits = np.where(truth[:, None] == truth[None, :], 0.6, -0.6) + rng.normal(0.0, 1.0, (n, n))
    logits = (logits + logits.T) / 2
    np.fill_diagonal(logits, 0.0)
    terms = (own[truth] & (rng.random((n, 40)) < 0.5)).astype(float)
    return Profiles(
        logits, terms, rows(8), np.abs(rows(6)), rows(4), rng.normal(4.5, 0.3, n), np.full(n - 1, 0.5)
    )


def test_group_features_are_one_symmetric_row_per_two_groups() -> None:
    labels = np.array([0, 0, 1, 4, 1, 4, 0])
    ids, features = group_features(profiles([0, 0, 1, 2, 1, 2, 0]), labels)
    assert ids.tolist() == [0, 1, 4]
    assert features.shape == (3, 3, len(MERGE_NAMES))
    assert np.allclose(features, features.transpose(1, 0, 2))
    sizes = features[..., MERGE_NAMES.index("log_size_max")]
    assert np.isclose(sizes[0, 1], np.log(3))  # groups of 3 and 2 sentences


def test_the_shipped_merge_stage_reads_its_own_json_back() -> None:
    shipped = load(MODEL_FILE)
    assert shipped.merge is not None and shipped.merge.names == list(MERGE_NAMES)
    again = PairModel.from_json(shipped.to_json())
    case = profiles([0, 1, 2] * 5)
    assert np.array_equal(
        merge_groups(case, shipped.merge, 7, shipped.merge_shift),
        merge_groups(case, again.merge, 7, again.merge_shift),  # type: ignore[arg-type]
    )


def test_merging_respects_the_most_groups_allowed() -> None:
    shipped = load(MODEL_FILE)
    assert shipped.merge is not None
    case = profiles(list(range(10)))  # ten sources of one sentence: nothing says "merge"
    assert len(set(merge_groups(case, shipped.merge, 3, -50.0).tolist())) <= 3


# Report-half pages of three sources (WikiText, news gold, dolma web), built by the benchmark's
# generator, 30 of each: the base recipe (runs of 1-3 sentences, sources at random) and three sources
# on one subject in news, one of the splitter's worst rows. Measured with the shipped splitter
# (docs/salad.md, "Stop 23: the split"): mean ARI 0.793 / 0.577 with the merge stage against 0.766 /
# 0.548 without it, and 94% / 86% of each part's sentences from its commonest source (95% / 89% without:
# fewer parts are a little less pure). The gates: the goal of 0.75 on the base recipe, 0.52 on
# one subject (0.05 under today's figure), purity 0.88 / 0.80, and a gain from the merge stage.
PAGES = 30
CONDITIONS = {
    "base": (factors.Condition(), 0.75, 0.88),
    "same_subject_news": (factors.Condition(subject="same", pool="news"), 0.52, 0.80),
}


@pytest.fixture(scope="module")
def report_corpus() -> factors.Corpus:
    if not (SHARED / "data").is_dir():
        pytest.skip("shared/data is not beside the repository")
    return factors.Corpus(SHARED / "data", "report")


def purity(page: Page, labels: list[int], spans: list[tuple[int, int]]) -> float:
    """The share of the page's placed source sentences that belong to their part's commonest source."""
    parts: dict[int, list[int]] = {}
    for label, source in zip(labels, page.gold_labels(spans), strict=True):
        if label >= 0 and source >= 0:
            parts.setdefault(label, []).append(source)
    placed = sum(len(v) for v in parts.values())
    return sum(max(v.count(s) for s in set(v)) for v in parts.values()) / max(placed, 1)


@pytest.mark.parametrize("name", CONDITIONS)
def test_pages_of_three_report_sources_split_into_parts_of_mostly_one_source(
    report_corpus: factors.Corpus, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cond, least_ari, least_purity = CONDITIONS[name]
    built = factors.pages(report_corpus, cond, PAGES, seed=5)[:PAGES]  # the stitched half

    def figures() -> tuple[float, float]:
        found = [(p, analyse(p.text, threshold=1e-9)) for p in built]
        return (
            float(np.mean([sentence_ari(p, a) for p, a in found])),
            float(np.mean([purity(p, a.labels, a.spans) for p, a in found])),
        )

    ari, pure = figures()
    shipped = analysis.PAIRS
    assert shipped is not None
    monkeypatch.setattr(analysis, "PAIRS", PairModel(shipped.first, shipped.second, shipped.shift))
    ari_pairs, _ = figures()
    assert ari >= least_ari and pure >= least_purity, (ari, pure)
    assert ari > ari_pairs  # the merge stage gains on these pages


# Pages of six sources (stop 24): 20 sentences, runs of 1-3, so about three sentences a source. On 30
# such pages of the tune half (seed 5) the shipped splitter found 4 or more parts on 73% of them and 4+
# parts with at least 60% of the placed sentences in their part's commonest source on 67%; purity 0.73
# on average. The gates leave ~0.1-0.15 for pages of documents no model saw (the report pages here:
# 63% and 63%, purity 0.74).
MANY_SOURCES = 30


def test_a_page_of_six_report_sources_is_split_into_four_or_more_parts_of_mostly_one_source(
    report_corpus: factors.Corpus,
) -> None:
    built = factors.pages(report_corpus, factors.Condition(sources="6"), MANY_SOURCES, seed=5)[:MANY_SOURCES]
    assert all(p.sources == 6 for p in built)
    found = [(p, analyse(p.text, threshold=1e-9)) for p in built]
    parts = np.array([a.sources for _, a in found])
    pure = np.array([purity(p, a.labels, a.spans) for p, a in found])
    assert np.mean((parts >= 4) & (pure >= 0.6)) >= 0.5, (parts.tolist(), pure.round(2).tolist())
    assert pure.mean() >= 0.62, pure.mean()


def test_a_genuine_page_is_not_split_by_the_step(report_corpus: factors.Corpus) -> None:
    genuine = factors.pages(report_corpus, factors.Condition(), 10, seed=5)[10:]  # the genuine half
    docs = [Document(f"g{i}", p.text) for i, p in enumerate(genuine)]
    dropped: list[Document] = []
    out = list(Salad(action="split").apply(docs, StepContext(StepStats(0, "salad"), dropped.append)))
    assert not dropped
    assert [(d.id, d.text, d.meta["salad"]) for d in out] == [(d.id, d.text, "coherent") for d in docs]
    assert all(d.signals["salad_sources"] == 1 for d in out)


def test_refitting_the_pair_models_refits_the_merge_stage_instead_of_dropping_it() -> None:
    # --fit-split --write once rewrote splitter.json without the merge stage (stop 24): the refit must
    # carry a merge model fitted over the new pair models, with the previous shift and stopping rule.
    from salad import with_merge_stage

    if not (SHARED / "data").is_dir():
        pytest.skip("shared/data is not beside the repository")
    corpus = factors.Corpus(SHARED / "data", "tune")
    built = [p for p in factors.pages(corpus, factors.Condition(sources="4"), 6, seed=1) if p.stitched]
    shipped = load(MODEL_FILE)
    assert shipped.merge is not None
    new_pairs = PairModel(shipped.first, shipped.second, 0.25)
    refitted = with_merge_stage(new_pairs, shipped, built)
    assert refitted.merge is not None and refitted.merge is not shipped.merge
    assert refitted.merge.names == list(MERGE_NAMES)
    assert (refitted.first, refitted.second, refitted.shift) == (new_pairs.first, new_pairs.second, 0.25)
    assert refitted.merge_shift == shipped.merge_shift
    written = refitted.to_json()
    assert "merge" in written and PairModel.from_json(written).merge is not None
    without = PairModel(shipped.first, shipped.second, shipped.shift)
    assert with_merge_stage(new_pairs, without, built) is new_pairs  # none before: none invented
