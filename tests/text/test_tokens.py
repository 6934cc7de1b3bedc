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
        # A capital after the dot is a sentence run together, not a domain (spaCy's URL pattern ends
        # in a lower-case TLD for this reason); Latin letters only here (docs/quality.md).
        ("water.Über", ["water", ".", "Über"]),
        ("bad.Ölpreis", ["bad", ".", "Ölpreis"]),
        ("пример.рф", ["пример.рф"]),
        ("http://müller.de/x", ["http://müller.de/x"]),
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


def _by_the_loop(chunk: str) -> tuple[str, ...]:
    """What the affix loop alone gives (as the tokenizer did before its shortcuts)."""
    from gristmill.text._token_exceptions import EXCEPTIONS
    from gristmill.text.tokens import _split_chunk

    return (chunk,) if chunk.isalpha() and chunk not in EXCEPTIONS else _split_chunk(chunk)


def test_the_shortcuts_for_common_chunks_split_as_the_affix_loop_does() -> None:
    import random

    from gristmill.text._token_exceptions import EXCEPTIONS
    from gristmill.text.tokens import _PREFIX_CHARS, _SUFFIX_CHARS, _new_chunk_tokens

    marks = sorted(_PREFIX_CHARS | _SUFFIX_CHARS | set(".-—'’$%+°/…"))
    words = ["word", "Word", "WORD", "a", "A", "Mr", "e", "x", "s", "Straße", "ǅemal", "Σ", "σ", "漢字"]
    words += ["Հայ", "ქარ", "ދިވެ", "9", "12", "١٢", "²", "km", "3km", "e-mail", "U.S", "can", "n't", "ca"]
    chunks = {w + m for w in words for m in marks} | {m + w for w in words for m in marks}
    chunks |= {a + "-" + b for a in words for b in words} | {w + "-" for w in words}
    chunks |= {k + m for k in EXCEPTIONS for m in ".,)-"} | {m + k for k in EXCEPTIONS for m in "(-"}
    rng = random.Random(16)
    pieces = marks + words
    chunks |= {"".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))) for _ in range(20_000)}
    wrong = [c for c in sorted(chunks) if _new_chunk_tokens(c) != _by_the_loop(c)]
    assert wrong == []


def test_ngram_index_gives_the_same_ids_from_a_tuple_and_from_an_iterator() -> None:
    import random

    rng = random.Random(3)
    found = tuple(rng.choice(["a", "bb", "a", "ccc", ".", "dd", "a"]) for _ in range(500))
    whole, streamed = NgramIndex(found), NgramIndex(iter(found))
    assert whole.ids.tolist() == streamed.ids.tolist() and whole.lengths.tolist() == streamed.lengths.tolist()


def _top_by_tuples(tokens: list[str], n: int) -> int:
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    if not grams:
        return 0
    counts: dict[tuple[str, ...], int] = {}
    for gram in grams:
        counts[gram] = counts.get(gram, 0) + 1
    top = max(counts.values())
    first = next(g for g in grams if counts[g] == top)  # ties: the n-gram seen first
    return top * (sum(map(len, first)) + n - 1)


def _duplicates_by_tuples(tokens: list[str], n: int) -> int:
    seen: set[tuple[str, ...]] = set()
    repeated = i = 0
    while i <= len(tokens) - n:
        gram = tuple(tokens[i : i + n])
        if gram in seen:
            repeated += sum(map(len, gram))
            i += n
        else:
            seen.add(gram)
            i += 1
    return repeated


def test_ngram_index_answers_as_plain_tuples_do_for_every_n_in_any_order() -> None:
    # The index hashes n-grams into 64-bit keys (and reuses the keys of one n for the next); the
    # answers must be those of the n-grams themselves, whatever order the sizes are asked in.
    import random

    rng = random.Random(22)
    vocab = ["a", "bb", "the", "ccc", ".", "dd", "mill", ",", "e"]
    texts = [[rng.choice(vocab[: rng.randint(2, 9)]) for _ in range(rng.randint(0, 300))] for _ in range(60)]
    texts += [["w"] * 40, [str(i) for i in range(50)], [*("x y z " * 30).split(), "q"]]
    # Distinct words with one run of k words planted twice: n-grams repeat up to n = k, none beyond
    # (the index stops sorting there).
    for k in range(1, 12):
        words = [f"w{i}" for i in range(rng.randint(k, 120))]
        at, to = rng.randrange(len(words) - k + 1), rng.randrange(len(words) + 1)
        texts.append(words[:to] + words[at : at + k] + words[to:])
    for tokens in texts:
        sizes = list(range(1, 12))
        for order in (sizes, sizes[::-1], rng.sample(sizes, len(sizes))):
            index = NgramIndex(tuple(tokens))
            for n in order:
                assert index.top_ngram_chars(n) == _top_by_tuples(tokens, n), (tokens, n)
                assert index.duplicate_ngram_chars(n) == _duplicates_by_tuples(tokens, n), (tokens, n)
    # More repeated n-grams than the scan takes in one block (_SCAN_BLOCK), from a tuple and streamed.
    long = [rng.choice(vocab[:4]) for _ in range(150_000)]
    for index in (NgramIndex(tuple(long)), NgramIndex(iter(long))):
        for n in (2, 5, 9):
            assert index.duplicate_ngram_chars(n) == _duplicates_by_tuples(long, n)
