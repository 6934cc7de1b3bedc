import itertools
import math

import numpy as np

from gristmill.salad import COHERENCE, measure
from gristmill.salad.coherence import PAGE_NAMES
from gristmill.salad.cuts import BLOCK_NAMES, cut_profile, vector_cut, window_cut
from gristmill.salad.features import best_cut, term_cosine
from gristmill.text.content import content_terms

# Two sources, each read in order: a block about a lighthouse, then a block about a bakery.
LIGHTHOUSE = [
    "The lighthouse stands on a rock at the mouth of the harbour.",
    "Its lamp was first lit in 1852 by the harbour board.",
    "The keeper of the lighthouse climbed its hundred steps every evening.",
    "Storms often cut the lighthouse keeper off from the harbour for days.",
    "The lamp of the lighthouse was automated in 1980.",
    "Today the harbour board opens the lighthouse to visitors in summer.",
    "Visitors climb the steps to see the lamp and the rock below.",
]
BAKERY = [
    "The bakery on Main Street sells sourdough bread.",
    "Its sourdough is baked in a wood oven before sunrise.",
    "The baker learned to make sourdough bread in Lyon.",
    "Queues form outside the bakery every morning for the bread.",
    "The baker also sells rye loaves and almond croissants.",
    "On Sundays the bakery closes at noon after the croissants sell out.",
    "Regulars say the sourdough of the bakery is the best in town.",
]


def _sim(sentences: list[str]) -> np.ndarray:
    return term_cosine([content_terms(s) for s in sentences])


def _brute_cuts(sim: np.ndarray, margin: int) -> tuple[list[float], list[float]]:
    """Mean pair similarity within the two sides of each cut, and across it, pair by pair."""
    n = len(sim)
    within, across = [], []
    for b in range(margin, n - margin + 1):
        left, right = range(b), range(b, n)
        inside = [sim[i, j] for side in (left, right) for i, j in itertools.permutations(side, 2)]
        within.append(sum(inside) / max(len(inside), 1))
        across.append(sum(sim[i, j] for i in left for j in right) / (b * (n - b)))
    return within, across


def test_cut_sums_equal_the_pair_by_pair_means() -> None:
    sim = _sim(LIGHTHOUSE + BAKERY)
    within, across = cut_profile(sim, 3)
    brute_within, brute_across = _brute_cuts(sim, 3)
    assert np.allclose(within, brute_within)
    assert np.allclose(across, brute_across)
    ratios = [math.log((a + 1e-3) / w) for w, a in zip(brute_within, brute_across, strict=True) if w > 0]
    assert math.isclose(best_cut(sim), min(0.0, min(ratios)))


def test_the_sharpest_window_cut_is_the_seam_between_two_blocks() -> None:
    sim = _sim(LIGHTHOUSE + BAKERY)
    value, at = window_cut(sim)
    assert at == len(LIGHTHOUSE)  # the boundary before the bakery's first sentence
    assert value < -2.0  # the windows either side share almost nothing, against much within


def test_a_vector_cut_stands_out_of_the_page_at_the_seam_only_when_there_is_one() -> None:
    blocks = measure(" ".join(LIGHTHOUSE + BAKERY))
    one = measure(" ".join(LIGHTHOUSE + LIGHTHOUSE[::-1]))  # one subject throughout
    centred = blocks.vectors - blocks.vectors.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    sim = centred @ centred.T
    np.fill_diagonal(sim, 0.0)
    assert vector_cut(sim) > 1.5
    assert blocks.features["vec_cut_in_order"] > one.features["vec_cut_in_order"]


def test_block_evidence_counts_only_on_a_page_whose_order_is_coherent() -> None:
    blocks = measure(" ".join(LIGHTHOUSE + BAKERY))
    # The same sentences interleaved: a sharp cut is no longer there, and the order is no evidence.
    interleaved = measure(" ".join(s for pair in zip(LIGHTHOUSE, BAKERY, strict=True) for s in pair))
    assert blocks.features["cut_in_order"] < -1.0
    assert blocks.features["window_cut_in_order"] < -1.0
    for name in BLOCK_NAMES:
        assert blocks.features[name] != 0.0
        assert abs(interleaved.features[name]) < abs(blocks.features[name])


def test_the_page_model_reads_the_block_evidence() -> None:
    assert set(BLOCK_NAMES) <= set(PAGE_NAMES)
    assert COHERENCE.page.names == list(PAGE_NAMES)
