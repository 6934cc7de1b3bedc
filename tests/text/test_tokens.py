from __future__ import annotations

import pytest

from gristmill.text import NgramIndex, count_sentences, duplicates, word_tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("don't stop", ["do", "n't", "stop"]),
        ("the U.S. and e.g. Mr. Smith", ["the", "U.S.", "and", "e.g.", "Mr.", "Smith"]),
        ('well-known (foo) "bar"', ["well", "-", "known", "(", "foo", ")", '"', "bar", '"']),
        ("see http://x.com/a?b=c.", ["see", "http://x.com/a?b=c", "."]),
        ("costs $10 and 3.5kg", ["costs", "$", "10", "and", "3.5", "kg"]),
        ("it's fine... end", ["it", "'s", "fine", "...", "end"]),
        ("smile :) now", ["smile", ":)", "now"]),
        ("hello.World", ["hello", ".", "World"]),
    ],
)
def test_word_tokens_follow_the_reference_rules(text: str, tokens: list[str]) -> None:
    assert word_tokens(text) == tokens


def test_count_sentences_ends_at_terminal_tokens() -> None:
    assert count_sentences(word_tokens("One here. Two there! Three? Yes.")) == 4
    assert count_sentences(word_tokens("The U.S. army arrived.")) == 1
    assert count_sentences([]) == 0


def test_duplicates_counts_repeats_and_their_characters() -> None:
    assert duplicates(["a", "bb", "a", "bb", "c"]) == (2, 3)


def test_ngram_index_top_and_duplicate_chars() -> None:
    index = NgramIndex("a b a b a b".split())
    assert index.top_ngram_chars(2) == 3 * 3  # "a b" three times, 3 characters each
    # 2-grams: ab, ba, [ab seen: skip 2] -> ab at 2 counts 2 chars, then ab at 4 counts 2 more
    assert index.duplicate_ngram_chars(2) == 4
    assert NgramIndex(["x"]).top_ngram_chars(2) == 0
