import numpy as np

from gristmill.salad.transitions import TRANSITION_NAMES, transition_features
from gristmill.salad.word_vectors import sentence_vectors
from gristmill.text.content import content_terms


def _row(sentences: list[str]) -> dict[str, float]:
    """The transition features of the last boundary of ``sentences``, by name."""
    n = len(sentences)
    terms = [content_terms(s) for s in sentences]
    vectors = sentence_vectors(sentences)
    rows = transition_features(
        sentences,
        np.zeros((n, n)),
        np.zeros((n, n)),
        np.zeros((n, 17)),
        np.zeros(n - 1, dtype=bool),
        vectors,
        np.ones(n, dtype=bool),
        terms,
    )
    return dict(zip(TRANSITION_NAMES, rows[-1].tolist(), strict=True))


def test_a_demonstrative_whose_noun_was_never_used_is_unresolved() -> None:
    before = ["The team tested a new vaccine on mice.", "The mice were healthy after a month."]
    assert _row([*before, "These results suggest the vaccine is safe."])["demonstrative_unresolved"] == 1.0
    assert _row([*before, "This vaccine will now be tested on people."])["demonstrative_unresolved"] == 0.0


def test_a_sentence_of_words_new_to_the_page_counts_as_new() -> None:
    before = ["The volcano erupted at dawn.", "Ash from the volcano covered the village."]
    fresh = _row([*before, "Chess players gathered in Oslo."])
    again = _row([*before, "The volcano ash reached the village."])
    assert fresh["terms_new"] == 1.0
    assert again["terms_new"] < 0.5
