import numpy as np

from gristmill.text.shingles import shingle_hashes


def _sets(texts: list[str], n: int = 3) -> list[set[int]]:
    hashes, offsets = shingle_hashes(texts, n)
    return [set(hashes[offsets[i] : offsets[i + 1]].tolist()) for i in range(len(texts))]


def test_case_punctuation_and_spacing_do_not_change_shingles() -> None:
    a, b, c = _sets(["The cat sat on the mat.", "“the  CAT”—sat, on…the mat", "the cat sat on a mat"])
    assert a == b
    assert len(a) == 4
    assert a & c == _sets(["the cat sat on"])[0]


def test_digits_count_as_zero_and_words_are_not_joined_across_texts() -> None:
    one, two, tail, head = _sets(["page 12 of 30", "page 45 of 99", "alpha beta", "gamma delta"], n=2)
    assert one == two
    joined = _sets(["beta gamma"], n=2)[0]
    assert not joined & (tail | head)


def test_short_and_empty_texts() -> None:
    hashes, offsets = shingle_hashes(["one two", "", "  ,. ", "one two"], 5)
    assert offsets.tolist() == [0, 1, 1, 1, 2]
    assert hashes[0] == hashes[1]
    hashes, offsets = shingle_hashes([], 5)
    assert hashes.size == 0 and offsets.tolist() == [0]


def test_hashes_do_not_depend_on_the_batch() -> None:
    texts = ["a b c d e f g", "x y z a b c d e", "unicode naïve café résumé déjà vu"]
    together, offsets = shingle_hashes(texts, 3)
    for i, text in enumerate(texts):
        alone, _ = shingle_hashes([text], 3)
        assert np.array_equal(alone, together[offsets[i] : offsets[i + 1]])


def test_a_text_over_a_megabyte_hashes_its_words_a_block_at_a_time_with_the_same_values() -> None:
    # Words are hashed a block of bytes at a time past 1 MB; a periodic text must give periodic
    # shingles across every block boundary, and the same words the same hashes as a short text.
    unit = "Él sat on the mat, café 42 times — x "
    period = len(shingle_hashes([unit], 1)[0])  # words in the unit
    short, _ = shingle_hashes([unit * 4], 3)
    long, offsets = shingle_hashes([unit * 80_000], 3)
    assert len((unit * 80_000).encode()) > 2 << 20 and offsets[-1] == len(long)
    assert np.array_equal(long[period:], long[:-period])
    assert np.array_equal(long[: len(short)], short)
