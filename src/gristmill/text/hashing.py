"""Stable 64-bit hashing of text (same value on every machine and run)."""

from __future__ import annotations

import xxhash


def hash64(text: str, seed: int = 0) -> int:
    """Return the xxh3 64-bit hash of ``text`` encoded as UTF-8."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"), seed)
