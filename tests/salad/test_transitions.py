import numpy as np

from gristmill.salad import COHERENCE, measure
from gristmill.salad.features import term_cosine
from gristmill.salad.transitions import block_cosine_from_sim
from gristmill.text.content import content_terms, cosine_matrix, term_matrix
from tests.steps.test_salad import DIGEST

SENTENCES = [s for item in DIGEST for s in item]


def test_word_cosines_through_postings_equal_the_dense_product() -> None:
    terms = [content_terms(s) for s in SENTENCES] + [{}]  # a sentence with no content term, too
    assert np.allclose(term_cosine(terms), cosine_matrix(term_matrix(terms)))


def test_block_similarity_from_cosines_equals_pooling_the_unit_rows() -> None:
    terms = [content_terms(s) for s in SENTENCES] + [{}]
    matrix = term_matrix(terms)
    unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    n = len(unit)
    pooled = []
    for j in range(1, n):
        before, after = unit[max(0, j - 3) : j].sum(axis=0), unit[j : j + 3].sum(axis=0)
        norms = np.linalg.norm(before) * np.linalg.norm(after)
        pooled.append(before @ after / norms if norms > 0 else 0.0)
    live = np.array([bool(t) for t in terms])
    assert np.allclose(block_cosine_from_sim(term_cosine(terms), live), pooled)


def test_boundaries_between_unrelated_items_look_more_like_seams_than_those_inside_one() -> None:
    found = measure(" ".join(SENTENCES))
    chances = COHERENCE.seam_chances(found.rows)
    between = [chances[j - 1] for j in range(4, len(SENTENCES), 4)]
    inside = [chances[j - 1] for j in range(1, len(SENTENCES)) if j % 4]
    assert np.mean(between) > np.mean(inside)
