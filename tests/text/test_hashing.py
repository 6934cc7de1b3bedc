import random
import re
import subprocess
import sys

from gristmill.text import match_key
from gristmill.text.hashing import hash64, match_key_and_words, match_text
from gristmill.text.span_keys import span_keys_and_words

TRICKY = [
    "Hello, World!",
    "  Room 101 — 2,345 € ",
    "İstanbul ΟΔΟΣ. Straße ﬁne",
    "١٢٣ arabic digits stay, 123 ascii fold",
    "under_score and\u00a0nbsp\ttab",
    "lone \udc80 surrogate",
    "...",
    "",
    "x",
]


def test_key_and_words_agree_with_match_text() -> None:
    rng = random.Random(5)
    alphabet = "aZ09 _.,-'\n\té€İΣς\u0301\u00a0١\udc80"
    texts = TRICKY + ["".join(rng.choice(alphabet) for _ in range(rng.randrange(30))) for _ in range(3000)]
    for text in texts:
        simple = match_text(text)
        expected = (hash64(simple), simple.count(" ") + 1) if simple else None
        assert match_key_and_words(text) == expected, repr(text)
        assert match_key(text) == (expected[0] if expected else None)


def _random_spans(rng: random.Random, text: str) -> list[tuple[int, int]]:
    places = [(0, len(text))]
    for _ in range(rng.randrange(6)):
        a = rng.randrange(len(text) + 1)
        places.append((a, rng.randrange(a, len(text) + 1)))
    return places


def test_span_keys_agree_with_key_per_slice() -> None:
    # Whole-text spans and random ones, including cuts inside words and runs of non-word characters
    # (the batched path folds case once per text, which must give every slice's own key).
    rng = random.Random(7)
    alphabet = "aZ09 _.,-'\n\té€İΣσς\u0301\u00a0١²ǅ\U0001d400\udc80ﬁ"
    texts = [*TRICKY, "ΟΔΟΣ Α", "abc", "A1 b_2 c³", "\u0301\u0301 x", "𝐀𝐁 ab"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(60))) for _ in range(3000)]
    # Texts whose case folding keeps one character per character (no İ, no Σ): the batched path itself.
    texts += [t.replace("İ", "I").replace("Σ", "S") for t in texts]
    for text in texts:
        spans = _random_spans(rng, text)
        expected = [match_key_and_words(text[a:b]) for a, b in spans]
        assert span_keys_and_words(text, spans) == expected, repr(text)


def test_span_keys_of_no_spans_and_empty_text() -> None:
    assert span_keys_and_words("", []) == []
    assert span_keys_and_words("", [(0, 0)]) == [None]
    assert span_keys_and_words("... !!", [(0, 3), (3, 6)]) == [None, None]


def test_span_keys_of_a_text_keyed_in_pieces_agree_with_key_per_slice(monkeypatch) -> None:
    from gristmill.text import span_keys

    monkeypatch.setattr(span_keys, "_PIECE", 8)  # cut at the first line end after every 8 characters
    rng = random.Random(11)
    alphabet = "aZ09 _.,-'\n\n\té€İΣσς\u00a0١ﬁ"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(120))) for _ in range(2000)]
    for text in texts:
        lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
        spans = lines + _random_spans(rng, text)  # the random ones may cross pieces
        expected = [match_key_and_words(text[a:b]) for a, b in spans]
        assert span_keys_and_words(text, spans) == expected, repr(text)


def test_span_keys_of_a_large_text_take_a_small_multiple_of_its_size() -> None:
    size = 40 << 20
    code = (
        "import resource, re; from gristmill.text.span_keys import span_keys_and_words; "
        f"text = ('Some words of a line, and more of them. ' * 5 + '\\n') * {size // 201}; "
        "spans = [m.span() for m in re.finditer('[^\\n]+', text)]; "
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
        "span_keys_and_words(text, spans); "
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    extra = int(done.stdout)
    assert extra < 2 * size, f"{extra / size:.1f} times the text"  # arrays per character: 36 times
