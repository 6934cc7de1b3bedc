"""The page score's second stage (gristmill.salad.pair_evidence): which pages it reads, what it adds."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from gristmill import Salad
from gristmill.salad import analysis
from gristmill.salad.coherence import with_repeat
from gristmill.salad.pair_evidence import MODEL_FILE as EVIDENCE_FILE
from gristmill.salad.pair_evidence import PAIR_SENTENCES, PairEvidence, load, pair_q10, windows
from gristmill.salad.pairs import pair_features
from tests.helpers import REPO
from tests.salad.test_merging import report_corpus  # noqa: F401  (a fixture)
from tests.steps.test_salad import DIGEST

sys.path.insert(0, str(REPO / "benchmarks"))

from saladgen import factors
from saladgen.metrics import auroc

EVIDENCE = analysis.EVIDENCE


def _with_first_stage(monkeypatch: pytest.MonkeyPatch, probability: float) -> None:
    """Make the first stage score every page ``probability`` (its boundary rows as read)."""
    read = analysis._layout_free_score
    monkeypatch.setattr(analysis, "_layout_free_score", lambda found: (probability, read(found)[1]))


@pytest.mark.parametrize("first", [0.79, 0.81, 0.97])
def test_the_stage_reads_a_page_over_its_gate_and_a_repeat_counts_after(
    monkeypatch: pytest.MonkeyPatch, first: float
) -> None:
    assert EVIDENCE is not None and EVIDENCE.gate == 0.8
    # Four-sentence stories of six subjects, one long sentence said twice: that evidence comes last.
    said_twice = (
        "The city council approved a new cycling lane along the river after a long debate about its cost."
    )
    sentences = [sentence for story in DIGEST for sentence in story]
    text = " ".join([*sentences[:12], said_twice, *sentences[12:], said_twice])
    _with_first_stage(monkeypatch, first)
    found = analysis.analyse(text, threshold=1.0)
    assert found.features["repeated_sentence"] == 1.0
    if first < EVIDENCE.gate:
        assert "pair_q10" not in found.features
        assert found.score == pytest.approx(with_repeat(first, found.features))
        return
    measured = analysis.measure(text)
    rows = analysis._layout_free_score(measured)[1]
    chances = analysis.COHERENCE.seam_chances(rows)
    q10 = pair_q10(
        EVIDENCE.pairs,
        pair_features(measured.sentences, measured.lexical, measured.vectors, measured.styles, chances),
    )
    assert found.features["pair_q10"] == pytest.approx(q10, abs=1e-4)  # features are shown rounded
    assert found.score == pytest.approx(with_repeat(EVIDENCE.rescore(first, q10), found.features))
    assert found.score != pytest.approx(with_repeat(first, found.features))  # the stage moved it


def test_a_long_page_is_read_in_windows_of_40_with_their_pairs_pooled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The stage was fitted on pages of at most 40 sentences: a longer one is read as overlapping pages
    # of 40, and the percentile is taken over all their pairs (not the lowest window's: that falls
    # with the number of windows, on genuine pages too).
    assert windows(40) == [(0, 40)]
    assert windows(60) == [(0, 40), (20, 60)]
    assert windows(75) == [(0, 40), (20, 60), (35, 75)]
    for n in range(41, 151):
        assert all(b - a == PAIR_SENTENCES for a, b in windows(n)) and windows(n)[-1][1] == n
    sentences = [sentence for story in DIGEST for sentence in story]
    text = " ".join(sentences * 3)
    _with_first_stage(monkeypatch, 0.95)
    found = analysis.analyse(text, threshold=1.0)
    measured = analysis.measure(text)
    n = len(measured.sentences)
    assert PAIR_SENTENCES < n <= 150
    chances = analysis.COHERENCE.seam_chances(analysis._layout_free_score(measured)[1])
    assert EVIDENCE is not None
    pooled = []
    for a, b in windows(n):
        rows = pair_features(
            measured.sentences[a:b],
            measured.lexical[a:b, a:b],
            measured.vectors[a:b],
            measured.styles[a:b],
            chances[a : b - 1],
        )
        logits = EVIDENCE.pairs.logits(rows) - EVIDENCE.pairs.shift
        pooled.extend(logits[np.triu_indices(b - a, 1)].tolist())
    q10 = float(np.quantile(pooled, 0.1))
    assert found.features["pair_q10"] == pytest.approx(q10, abs=1e-4)
    assert found.score == pytest.approx(with_repeat(EVIDENCE.rescore(0.95, q10), found.features))


def test_the_step_flags_at_the_stages_threshold() -> None:
    assert EVIDENCE is not None
    assert Salad().threshold == EVIDENCE.threshold == analysis.DEFAULT_THRESHOLD
    assert EVIDENCE.first_stage == analysis.COHERENCE.threshold


def test_a_stage_fitted_over_another_first_stage_stands_down_in_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = json.loads(EVIDENCE_FILE.read_text(encoding="utf-8"))
    data["first_stage"] = 0.5
    stale = tmp_path / "pair_evidence.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load(analysis.COHERENCE.threshold, stale) is None
    assert len(caplog.records) == 1 and "second stage is off" in caplog.records[0].getMessage()
    assert load(analysis.COHERENCE.threshold) is not None


def test_the_stage_ranks_stitched_pages_of_the_report_half_better(
    report_corpus: factors.Corpus,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 8-sentence pages, where the stage gained most on the report half.
    pages = factors.pages(report_corpus, factors.Condition(length=8), 60, seed=5)
    stitched = [p.stitched for p in pages]
    with_stage = [analysis.analyse(p.text).score for p in pages]
    monkeypatch.setattr(analysis, "EVIDENCE", None)
    without = [analysis.analyse(p.text, threshold=1.0).score for p in pages]
    assert auroc(with_stage, stitched) > auroc(without, stitched)


def test_inspect_names_sentences_of_other_sources_on_stitched_pages_more_often(
    report_corpus: factors.Corpus,  # noqa: F811
) -> None:
    pages = factors.pages(report_corpus, factors.Condition(), 40, seed=5)
    named = {True: 0, False: 0}
    for page in pages:
        found = analysis.analyse(page.text)
        named[page.stitched] += "sentences_of_other_sources" in found.reasons(analysis.DEFAULT_THRESHOLD)
    assert named[True] >= 5 and named[True] > 3 * named[False], named


def test_the_stage_reads_back_what_it_wrote() -> None:
    assert EVIDENCE is not None
    again = PairEvidence.from_json(EVIDENCE.to_json())
    assert (again.gate, again.threshold, again.first_stage) == (
        EVIDENCE.gate,
        EVIDENCE.threshold,
        EVIDENCE.first_stage,
    )
    for p, q in ((0.85, -4.0), (0.9, -1.0), (0.99, 0.5)):
        assert again.rescore(p, q) == pytest.approx(EVIDENCE.rescore(p, q), abs=1e-4)
    assert EVIDENCE.rescore(0.9, -4.0) > EVIDENCE.rescore(0.9, 1.0)  # pairs further apart: more stitched
    assert EVIDENCE.rescore(0.9, float("nan")) == 0.9  # no evidence: the first stage's score
