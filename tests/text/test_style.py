import numpy as np

from gristmill.text.style import between_group_share, style_matrix, style_vector


def test_person_tense_and_typography_are_told_apart() -> None:
    blog = style_vector("I’ve always loved this song, and I can’t stop playing it.")
    encyclopedia = style_vector("He was born in 1879 and had two sisters.")
    assert not np.array_equal(blog, encyclopedia)
    assert not np.array_equal(style_vector("I’m here."), style_vector("I'm here."))


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
