import numpy as np
import pytest

from gristmill.salad.style import STYLE_NAMES, between_group_share, style_matrix, style_vector


def used(sentence: str) -> set[str]:
    return {name for name, on in zip(STYLE_NAMES, style_vector(sentence), strict=True) if on}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("I’ve always loved this song.", {"i", "present", "curly_apostrophe"}),
        ("He was born in 1879 (in Ulm).", {"he", "past", "digits", "brackets"}),
        ("You'll like it - they won't.", {"you", "they", "modal", "straight_apostrophe", "spaced_dash"}),
        ("“We did it,” she said—at last.", {"we", "she", "past", "curly_quotes", "em_dash"}),
        ("The museum's garden opens at dawn.", {"straight_apostrophe"}),  # a possessive is no tense
    ],
)
def test_person_tense_and_typography_are_read(sentence: str, expected: set[str]) -> None:
    assert used(sentence) == expected


def test_groups_of_different_style_hold_the_variance() -> None:
    sentences = [
        "I think we should go.",
        "I’m sure you’ll like it.",
        "I've tried it twice.",
        "The treaty was signed in 1648.",
        "It had ended thirty years of war.",
        "The war was fought in Germany.",
    ]
    styles = style_matrix(sentences)
    by_source = between_group_share(styles, np.array([0, 0, 0, 1, 1, 1]))
    mixed = between_group_share(styles, np.array([0, 1, 0, 1, 0, 1]))
    assert by_source > 0.5 > mixed
    assert between_group_share(styles, np.array([0, 0, 0, 0, 0, 0])) == 0.0
    assert between_group_share(styles, np.array([-1, -1, -1, -1, -1, 0])) == 0.0
    assert style_matrix([]).shape == (0, len(STYLE_NAMES))
