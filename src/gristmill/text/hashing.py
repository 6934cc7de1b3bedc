"""Stable 64-bit hashing of text (same value on every machine and run)."""

from __future__ import annotations

import re

import xxhash

_NON_WORD = re.compile(r"[\W_]+")
_DIGIT = re.compile(r"\d")


def hash64(text: str, seed: int = 0) -> int:
    """Return the xxh3 64-bit hash of ``text`` encoded as UTF-8."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"), seed)


def match_key(text: str) -> int | None:
    """Return the hash two spans share when they differ only in case, digits, punctuation or spacing.

    ``None`` when ``text`` has no letter or digit: such a span matches nothing.
    """
    simple = _NON_WORD.sub(" ", _DIGIT.sub("0", text.lower())).strip()
    return hash64(simple) if simple else None
