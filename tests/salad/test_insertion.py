"""Evidence of an inserted run (A B A): the run's ends are seams and the text on its two sides bridges it."""

import random
import sys

import numpy as np
import pytest

from gristmill.salad import COHERENCE, measure
from gristmill.salad.insertion import LEAST_SIDE, LONGEST, candidate_runs, insert_evidence
from tests.helpers import REPO, SHARED

sys.path.insert(0, str(REPO / "benchmarks"))

from saladgen import unseen


def _evidence(text: str) -> float:
    found = measure(text, insertions=True)
    assert found.runs is not None, "the page is judged"
    return COHERENCE.summaries(found.rows, found.runs)["insert_seams"]


def _blocks(sizes: list[tuple[int, int]]) -> np.ndarray:
    """A similarity matrix of blocks: 0.6 between sentences of one source, 0 across (diagonal 0)."""
    labels = np.concatenate([[source] * size for source, size in sizes])
    sim = np.where(labels[:, None] == labels[None, :], 0.6, 0.0)
    np.fill_diagonal(sim, 0.0)
    return sim


def test_the_inserted_run_has_the_largest_gap() -> None:
    runs = candidate_runs(_blocks([(0, 8), (1, 3), (0, 8)]))
    best = int(runs.gaps.argmax())
    assert (runs.starts[best], runs.ends[best]) == (8, 11)


def test_a_turn_of_subject_that_never_comes_back_is_no_insertion() -> None:
    # A then B: no run is bridged by its sides, so no gap is positive (a run inside A gains nothing).
    runs = candidate_runs(_blocks([(0, 9), (1, 10)]))
    assert runs.gaps.max() < 1e-9
    assert candidate_runs(_blocks([(0, 8), (1, 3), (0, 8)])).gaps.max() > 1.0


def test_runs_stay_short_and_away_from_the_edges() -> None:
    n = 20
    runs = candidate_runs(_blocks([(0, n)]))
    lengths = runs.ends - runs.starts
    assert lengths.min() == 1 and lengths.max() == LONGEST
    assert runs.starts.min() == LEAST_SIDE and runs.ends.max() == n - LEAST_SIDE
    assert len(runs.starts) <= n * LONGEST  # O(n * LONGEST) runs a page


def test_the_evidence_needs_both_ends_to_be_seams() -> None:
    runs = candidate_runs(_blocks([(0, 8), (1, 3), (0, 8)]))
    both = np.full(18, -4.0)
    both[[7, 10]] = 3.0  # sentences 8 and 11 open a new source: the insert's two ends
    one = both.copy()
    one[10] = -4.0  # only the run's opening is a seam
    assert insert_evidence(both, runs) > insert_evidence(one, runs) + 5.0


LIGHTHOUSE = [
    "The lighthouse stands on a rock at the mouth of the harbour.",
    "Its lamp was first lit in 1852 by the harbour board.",
    "The keeper of the lighthouse climbed its hundred steps every evening.",
    "He trimmed the wick and wound the clockwork that turned the lamp.",
]
LIGHTHOUSE_LATER = [
    "The lamp of the lighthouse was automated in 1980.",
    "The last keeper left the rock that spring.",
    "Today the harbour board opens the lighthouse to visitors in summer.",
    "Visitors climb the hundred steps to see the lamp and the harbour below.",
]
# A genuine digression: the keeper's own words, on the same lighthouse, lamp and harbour.
DIGRESSION = [
    '"On a winter night the lamp was all that stood between a ship and the rock," the last keeper once said.',
    '"I climbed those steps in every storm, and the harbour never went dark."',
]
# The same place taken by a paragraph from another page.
FOREIGN = [
    "The bakery on Main Street sells sourdough bread baked in a wood oven.",
    "Queues form outside the bakery every morning before the croissants sell out.",
]


def _article(middle: list[str]) -> str:
    parts = [LIGHTHOUSE, middle, LIGHTHOUSE_LATER] if middle else [LIGHTHOUSE, LIGHTHOUSE_LATER]
    return "\n\n".join(" ".join(p) for p in parts)


def test_a_foreign_paragraph_is_evidence_and_a_digression_on_the_subject_is_not() -> None:
    plain, digression, inserted = _article([]), _article(DIGRESSION), _article(FOREIGN)
    assert _evidence(inserted) > _evidence(plain)
    assert _evidence(digression) < _evidence(inserted)
    assert _evidence(digression) <= _evidence(plain) + 1.0


@pytest.fixture(scope="module")
def report_pool() -> unseen.Pool:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared/data is not here")
    return unseen.Pool(SHARED / "data", "report")


def test_a_paragraph_inserted_into_report_half_articles_raises_the_evidence(report_pool: unseen.Pool) -> None:
    # The same article with and without a foreign paragraph of 3 sentences in its middle. An
    # article's own strongest run can still outscore the insert, so the claim is about most pairs
    # (71% on 35 tune-half pairs built this way; the bar was set from that, before this ran).
    rng = random.Random(11)
    changes = []
    for _ in range(40):
        article, foreign = report_pool.docs_apart(rng, 2, 16, 4)
        paras = [" ".join(p) for p in article.paragraphs]
        mid = len(paras) // 2
        start = rng.randint(0, len(foreign.sentences) - 3)
        insert = " ".join(foreign.sentences[start : start + 3])
        plain = measure("\n\n".join(paras), insertions=True)
        aba = measure("\n\n".join([*paras[:mid], insert, *paras[mid:]]), insertions=True)
        if plain.runs is None or aba.runs is None:
            continue
        after = COHERENCE.summaries(aba.rows, aba.runs)["insert_seams"]
        changes.append(after - COHERENCE.summaries(plain.rows, plain.runs)["insert_seams"])
    assert len(changes) >= 30
    assert np.mean(np.array(changes) > 0) >= 0.55
    assert np.median(changes) > 0


def test_the_default_path_finds_runs_only_when_the_page_model_reads_them() -> None:
    found = measure(_article(FOREIGN))
    reads = "insert_seams" in COHERENCE.page.names
    assert (found.runs is not None) == reads
    assert ("insert_seams" in COHERENCE.summaries(found.rows, found.runs)) == reads
