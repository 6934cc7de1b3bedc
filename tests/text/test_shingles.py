import random

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


def test_a_long_text_cut_in_pieces_has_the_shingles_of_the_whole() -> None:
    from gristmill.text.shingles import shingle_pieces

    rng = random.Random(5)
    # Separators of every kind the words are cut at (ASCII, U+00A0-U+00BF, U+2000-U+207F, U+3000-U+303F)
    # beside letters just outside those ranges, so a piece edge lands on each.
    parts = [
        "Word",
        "ß",
        "é",
        "  ",
        "\n",
        ",",
        "...",
        "x",
        "7",
        "\u00a0",
        "\u00bf",
        "\u00c0",
        "\u2014",
        "\u207f",
        "\u2080",
        "\u3001",
        "\u3040",
        "日本",
        "İ",
        "Σ",
        "-",
        "_",
        "😀",
    ]
    for _ in range(400):
        text = "".join(rng.choices(parts, k=rng.randint(1, 120)))
        for n in (1, 2, 5, 13):
            size = rng.randint(1, 40)
            pieces = shingle_pieces(text, n, size)
            whole = _sets([text], n)[0]
            assert set().union(*_sets(pieces, n)) == whole, (text, n, size, pieces)
    long = "alpha beta, gamma. " * 1000
    assert len(shingle_pieces(long, 5, 1000)) > 10  # it is cut: each piece about 1,000 characters
    assert shingle_pieces(long, 5, len(long)) == [long]
