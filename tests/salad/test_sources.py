"""Sentences placed by the sources ``provenance`` named (gristmill.salad.sources)."""

from __future__ import annotations

from pathlib import Path

from gristmill import Pipeline, Salad
from gristmill.dedup.provenance import MIN_WORDS, Provenance
from gristmill.document import Document
from gristmill.salad.analysis import SaladAnalysis
from gristmill.salad.sources import assign_sources

VOLCANO = ["The volcano erupted at dawn on Monday.", "Ash from the volcano covered the nearby village."]
CHESS = [
    "The chess tournament opened in Oslo this week.",
    "Chess players from twelve countries came to Oslo.",
]
# A third page's sentences, in no document of the corpus: provenance credits them to no source.
ELSEWHERE = ["Grandmasters praised the new tournament hall in Bergen.", "Play resumed."]
SIX_WORDS = "Bergen hosts the next open event."  # as long as provenance's min_words by default


def _placed(
    labels: list[int], last: str = ELSEWHERE[1], counted_words: int = MIN_WORDS
) -> tuple[SaladAnalysis, list[str]]:
    sentences = [VOLCANO[0], CHESS[0], ELSEWHERE[0], VOLCANO[1], CHESS[1], last]
    text = " ".join(sentences)
    spans = [(text.index(s), text.index(s) + len(s)) for s in sentences]
    sources = [
        {"id": "a", "sentences": 2, "spans": [list(spans[0]), list(spans[3])]},
        {"id": "b", "sentences": 2, "spans": [list(spans[1]), list(spans[4])]},
    ]
    found = SaladAnalysis(1.0, 2, spans, labels, {})
    return assign_sources(found, sources, text, counted_words), sentences


def test_a_counted_sentence_no_source_holds_goes_to_a_part_with_no_source() -> None:
    # The recovered groups put the third page's sentences beside the chess page's (as on a new
    # user's page, where the part credited to the chess page then held only the third page's text).
    placed, _ = _placed([0, 1, 1, 0, 1, 1])
    outside = placed.labels[2]
    assert placed.labels[:2] == [0, 1] and placed.labels[3:5] == [0, 1]
    assert outside not in placed.source_of and outside >= 0
    assert {k: v["id"] for k, v in placed.source_of.items()} == {0: "a", 1: "b"}
    assert placed.sources == 3


def test_a_sentence_provenance_may_not_have_counted_goes_with_its_group() -> None:
    # "Play resumed." is shorter than every credited sentence: provenance (min_words) may have left
    # it out, so it stays with the source its recovered group holds.
    placed, _ = _placed([0, 1, 1, 0, 1, 1])
    assert placed.labels[5] == 1
    placed, _ = _placed([0, 1, 1, 0, 1, 0])
    assert placed.labels[5] == 0


def test_a_sentence_as_long_as_min_words_counts_though_every_credited_one_is_longer() -> None:
    # Every credited sentence has 7 words or more; provenance counts from 6 by default.
    placed, _ = _placed([0, 1, 1, 0, 1, 1], last=SIX_WORDS)
    assert placed.labels[5] not in (0, 1) and placed.labels[5] not in placed.source_of


def test_pieces_of_a_credited_sentence_salad_cut_again_keep_its_source() -> None:
    # provenance credits a run-on "sentence" whole; salad's loose cut reads it as two (a lowercased or
    # unspaced page): neither piece is a credited span, both are the source's.
    run_on = "the volcano erupted at dawn on monday and ash covered the village"
    text = " ".join([run_on, CHESS[0], ELSEWHERE[0], CHESS[1]])
    cut = text.index(" and ash")
    spans = [(0, cut), (cut + 1, len(run_on))]
    spans += [(text.index(s), text.index(s) + len(s)) for s in (CHESS[0], ELSEWHERE[0], CHESS[1])]
    sources = [
        {"id": "a", "sentences": 1, "spans": [[0, len(run_on)]]},
        {"id": "b", "sentences": 2, "spans": [list(spans[2]), list(spans[4])]},
    ]
    placed = assign_sources(SaladAnalysis(1.0, 2, spans, [0, 2, 1, 1, 1], {}), sources, text)
    assert placed.labels[:2] == [0, 0]
    assert placed.labels[2] == 1 and placed.labels[4] == 1
    assert placed.labels[3] not in placed.source_of


def test_min_words_of_the_pipelines_provenance_says_which_sentences_it_could_not_have_counted(
    tmp_path: Path,
) -> None:
    # With min_words 12 provenance never counted SIX_WORDS: it stays with its group's source.
    placed, _ = _placed([0, 1, 1, 0, 1, 1], last=SIX_WORDS, counted_words=12)
    assert placed.labels[5] == 1
    step = Salad(action="split")
    steps = [Provenance(min_words=12), step]
    Pipeline(input={"path": str(tmp_path)}, output={"path": str(tmp_path / "out")}, steps=steps)
    page = Document("p", " ".join([VOLCANO[0], CHESS[0], SIX_WORDS, VOLCANO[1], CHESS[1]]))
    spans = {s: [page.text.index(s), page.text.index(s) + len(s)] for s in (*VOLCANO, *CHESS)}
    page.meta = {
        "provenance_role": "stitched",
        "copied_from": [
            {"id": "a", "sentences": 2, "spans": [spans[s] for s in VOLCANO]},
            {"id": "b", "sentences": 2, "spans": [spans[s] for s in CHESS]},
        ],
    }
    found = step.judge(page)
    assert {found.source_of.get(label, {}).get("id") for label in found.labels if label >= 0} == {"a", "b"}
