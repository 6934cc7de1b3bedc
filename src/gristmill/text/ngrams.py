"""Repeated n-grams of a token list, measured in characters (Gopher's repetition signals).

Tokens become integer ids and each n-gram a 64-bit rolling key, so counting is done by numpy rather
than by building one string per n-gram.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import count

import numpy as np

_MULT = np.uint64(0x9E3779B97F4A7C15)
_SCAN_BLOCK = 1 << 16


class NgramIndex:
    """The tokens of one document, ready to answer n-gram questions for several ``n``."""

    def __init__(self, tokens: Iterable[str]) -> None:
        vocab: dict[str, int]
        if isinstance(tokens, (tuple, list)):
            # Ids in order of first sight, looked up from C: no Python call per token.
            vocab = dict(zip(dict.fromkeys(tokens), count()))
            self.ids = np.fromiter(map(vocab.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
        else:
            # Tokens come one by one: only the distinct ones are held, and the ids in an array.
            vocab = {}
            self.ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in tokens), dtype=np.uint64)
        vocab_lengths = np.fromiter(map(len, vocab), dtype=np.int64, count=len(vocab))
        self.lengths = vocab_lengths[self.ids.astype(np.intp)]
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
        # seen[k]: n-gram k was at a position the scan stood on. Before ``start`` it stood on each.
        marks = np.zeros(len(first), np.uint8)
        marks[inverse[:start]] = 1
        seen = bytearray(marks.tobytes())
        chars = self.chars(n)
        repeated = 0
        pos = start
        total = len(keys)
        while pos < total:
            # A block at a time, so no Python list of every n-gram is ever built.
            stop = min(total, pos + _SCAN_BLOCK)
            ids = inverse[pos:stop].tolist()
            lengths = chars[pos:stop].tolist()
            i, size = 0, stop - pos
            while i < size:
                k = ids[i]
                if seen[k]:
                    repeated += lengths[i]
                    i += n
                else:
                    seen[k] = 1
                    i += 1
            pos += i  # a jump may end past the block: the next block starts there
        return repeated
