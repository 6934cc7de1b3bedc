"""The page score's second stage (gristmill.salad.pair_evidence): where it reads the pairs, what it gains."""

from __future__ import annotations

import sys

import pytest

from gristmill.salad import analysis
from gristmill.salad.pair_evidence import PAIR_SENTENCES, PairEvidence, first_pairs
from tests.helpers import REPO, SEED
from tests.salad.test_merging import report_corpus  # noqa: F401  (a fixture)

sys.path.insert(0, str(REPO / "benchmarks"))

from saladgen import factors
from saladgen.metrics import auroc

EVIDENCE = analysis.EVIDENCE


def _first_stage(text: str, monkeypatch: pytest.MonkeyPatch) -> float:
    with monkeypatch.context() as patch:
        patch.setattr(analysis, "EVIDENCE", None)
        return analysis.analyse(text, threshold=1.0).score


def test_the_pairs_are_read_only_on_a_page_over_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    assert EVIDENCE is not None
    seed = SEED.read_text(encoding="utf-8")
    article = " ".join(
        f"The river rose {n} centimetres on day {n}, and the town's engineers measured the river again."
        for n in range(12)
    )
    for text in (seed, article):
        found = analysis.analyse(text)
        over = _first_stage(text, monkeypatch) >= EVIDENCE.gate  # repeats count after the gate
        assert ("pair_q10" in found.features) == over or found.features.get("repeated_sentence")
    assert "pair_q10" in analysis.analyse(seed).features


def test_the_stage_ranks_stitched_pages_of_the_report_half_better(
    report_corpus: factors.Corpus,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 8-sentence pages, where the stage gained most on the report half (AUROC +0.023 at 100 + 100).
    pages = factors.pages(report_corpus, factors.Condition(length=8), 60, seed=5)
    stitched = [p.stitched for p in pages]
    with_stage = [analysis.analyse(p.text).score for p in pages]
    without = [_first_stage(p.text, monkeypatch) for p in pages]
    assert auroc(with_stage, stitched) > auroc(without, stitched)


def test_pairs_are_measured_on_the_first_sentences_only() -> None:
    words = ["river", "bridge", "council", "harvest", "engine", "market", "winter", "school"]
    text = " ".join(
        f"The {words[i % 8]} of the town was described again in report {i}, as the {words[(i * 3) % 8]} was."
        for i in range(PAIR_SENTENCES + 20)
    )
    found = analysis.measure(text)
    assert len(found.sentences) > PAIR_SENTENCES
    chances = analysis.COHERENCE.seam_chances(found.rows)
    features = first_pairs(found.sentences, found.lexical, found.vectors, found.styles, chances)
    assert features.shape[:2] == (PAIR_SENTENCES, PAIR_SENTENCES)


def test_the_stage_reads_back_what_it_wrote() -> None:
    assert EVIDENCE is not None
    again = PairEvidence.from_json(EVIDENCE.to_json())
    assert again.gate == EVIDENCE.gate and again.threshold == EVIDENCE.threshold
    for p, q in ((0.85, -4.0), (0.9, -1.0), (0.99, 0.5)):
        assert again.rescore(p, q) == pytest.approx(EVIDENCE.rescore(p, q), abs=1e-4)
    assert EVIDENCE.rescore(0.9, -4.0) > EVIDENCE.rescore(0.9, 1.0)  # pairs further apart: more stitched


def test_inspect_names_sentences_of_other_sources_on_stitched_pages_more_often(
    report_corpus: factors.Corpus,  # noqa: F811
) -> None:
    pages = factors.pages(report_corpus, factors.Condition(), 40, seed=5)
    named = {True: 0, False: 0}
    for page in pages:
        found = analysis.analyse(page.text)
        named[page.stitched] += "sentences_of_other_sources" in found.reasons(analysis.DEFAULT_THRESHOLD)
    assert named[True] >= 5 and named[True] > 3 * named[False], named
