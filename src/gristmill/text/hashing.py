"""Stable 64-bit hashing of text (same value on every machine and run)."""

from __future__ import annotations

import re

import xxhash

_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = str.maketrans("123456789", "000000000")
# ASCII digits are single bytes in UTF-8 that no multi-byte sequence contains, so folding them in the
# encoded bytes gives the bytes of the folded text; bytes.translate is far cheaper than str.translate
# on non-ASCII text.
DIGIT_BYTES = bytes.maketrans(b"123456789", b"000000000")


def hash64(text: str, seed: int = 0) -> int:
    """Return the xxh3 64-bit hash of ``text`` encoded as UTF-8."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"), seed)


def match_text(text: str) -> str:
    """Return ``text`` lower-cased, ASCII digits as ``0``, words separated by single spaces."""
    return _NON_WORD.sub(" ", text.lower().translate(_DIGITS)).strip()


def match_key_and_words(text: str) -> tuple[int, int] | None:
    """Return ``(match_key(text), words in match_text(text))``, or ``None`` for no letter or digit.

    The same values as hashing :func:`match_text`, at about half its cost: digits are folded after
    encoding (folding commutes with lower-casing and with the non-word substitution).
    """
    simple = _NON_WORD.sub(" ", text.lower()).strip()
    if not simple:
        return None
    data = simple.encode("utf-8", "surrogatepass").translate(DIGIT_BYTES)
    return xxhash.xxh3_64_intdigest(data), simple.count(" ") + 1


def match_key(text: str) -> int | None:
    """Return the hash two spans share when they differ only in case, digits, punctuation or spacing.

    ``None`` when ``text`` has no letter or digit: such a span matches nothing.
    """
    found = match_key_and_words(text)
    return found[0] if found else None
