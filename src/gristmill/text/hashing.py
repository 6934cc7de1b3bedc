"""Stable 64-bit hashing of text (same value on every machine and run)."""

from __future__ import annotations

import re

import xxhash

_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = str.maketrans("123456789", "000000000")


def hash64(text: str, seed: int = 0) -> int:
    """Return the xxh3 64-bit hash of ``text`` encoded as UTF-8."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"), seed)


def match_text(text: str) -> str:
    """Return ``text`` lower-cased, ASCII digits as ``0``, words separated by single spaces."""
    return _NON_WORD.sub(" ", text.lower().translate(_DIGITS)).strip()


def match_key(text: str) -> int | None:
    """Return the hash two spans share when they differ only in case, digits, punctuation or spacing.

    ``None`` when ``text`` has no letter or digit: such a span matches nothing.
    """
    simple = match_text(text)
    return hash64(simple) if simple else None
