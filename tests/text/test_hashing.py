import random

from gristmill.text import match_key
from gristmill.text.hashing import hash64, match_key_and_words, match_text

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
