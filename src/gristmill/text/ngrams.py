"""Repeated n-grams of a token list, measured in characters (Gopher's repetition signals).

Tokens become integer ids and each n-gram a 64-bit rolling key, so counting is done by numpy rather
than by building one string per n-gram.
"""

from __future__ import annotations

import numpy as np

_MULT = np.uint64(0x9E3779B97F4A7C15)


class NgramIndex:
    """The tokens of one document, ready to answer n-gram questions for several ``n``."""

    def __init__(self, tokens: list[str]) -> None:
        vocab: dict[str, int] = {}
        ids = [vocab.setdefault(t, len(vocab)) for t in tokens]
        self.ids = np.asarray(ids, dtype=np.uint64)
        self.lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        self._cum = np.concatenate(([0], np.cumsum(self.lengths)))

    def keys(self, n: int) -> np.ndarray:
        """Return one 64-bit key per n-gram (equal n-grams, equal keys)."""
        count = len(self.ids) - n + 1
        if count <= 0:
            return np.empty(0, dtype=np.uint64)
        key = np.zeros(count, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for offset in range(n):
                key = (key ^ self.ids[offset : offset + count]) * _MULT + np.uint64(offset + 1)
        return key

    def chars(self, n: int) -> np.ndarray:
        """Return the characters of each n-gram's tokens (separators not counted)."""
        return self._cum[n:] - self._cum[:-n]

    def top_ngram_chars(self, n: int) -> int:
        """Characters of the most frequent n-gram times its count, joined with spaces.

        Ties go to the n-gram seen first. Returns 0 when the text has fewer than ``n`` tokens.
        """
        keys = self.keys(n)
        if not len(keys):
            return 0
        _, first, counts = np.unique(keys, return_index=True, return_counts=True)
        top = counts.max()
        where = int(first[counts == top].min())
        return int(top) * (int(self.chars(n)[where]) + n - 1)

    def duplicate_ngram_chars(self, n: int) -> int:
        """Characters in n-grams that repeat an earlier one, never counting a token twice.

        Scanning left to right, an n-gram already seen counts all its characters and the scan jumps
        past it; otherwise it is remembered and the scan moves one token on.
        """
        keys = self.keys(n)
        if not len(keys):
            return 0
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        earlier = first[inverse] < np.arange(len(keys))
        if not earlier.any():
            return 0
        start = int(np.argmax(earlier))
        seen = set(keys[:start].tolist())
        key_list = keys.tolist()
        chars = self.chars(n).tolist()
        repeated = 0
        idx = start
        total = len(key_list)
        while idx < total:
            key = key_list[idx]
            if key in seen:
                repeated += chars[idx]
                idx += n
            else:
                seen.add(key)
                idx += 1
        return repeated
