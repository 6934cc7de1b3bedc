import numpy as np

from gristmill.salad.word_vectors import sentence_vectors


def test_sentences_on_one_subject_are_close_without_a_shared_word() -> None:
    train, bus, cake = sentence_vectors(
        [
            "The locomotive pulled out of the railway station.",
            "Passengers boarded a coach at the depot.",
            "Whisk the eggs with sugar and melted butter.",
        ]
    )
    assert float(train @ bus) > float(train @ cake) + 0.1


def test_rows_are_unit_length_and_unknown_words_give_zero() -> None:
    vectors = sentence_vectors(["Revolution and exile.", "zzqx vbnm", ""])
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0)
    assert not vectors[1].any() and not vectors[2].any()
