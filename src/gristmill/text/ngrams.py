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
        # The keys of the last n asked for: the next larger n extends them by one token (Gopher asks
        # n = 2, 3, ... 10 in turn), instead of hashing every n-gram from its first token again.
        self._last: tuple[int, np.ndarray] = (0, np.zeros(len(self.ids), dtype=np.uint64))
        # The smallest n found to hold no repeated n-gram. Where two (n+1)-grams are equal, so are
        # their first n tokens: no larger n repeats either, and its answers need no sort. (This
        # holds of the n-grams; their keys could only disagree by a 64-bit collision.)
        self._distinct_from = len(self.ids) + 1

    def keys(self, n: int) -> np.ndarray:
        """Return one 64-bit key per n-gram (equal n-grams, equal keys)."""
        count = len(self.ids) - n + 1
        if count <= 0:
            return np.empty(0, dtype=np.uint64)
        done, key = self._last if self._last[0] <= n else (0, np.zeros(len(self.ids), dtype=np.uint64))
        key = key[:count]  # the keys of the first ``done`` tokens of each n-gram
        with np.errstate(over="ignore"):
            for offset in range(done, n):
                key = (key ^ self.ids[offset : offset + count]) * _MULT + np.uint64(offset + 1)
        self._last = (n, key)
        return key

    def chars(self, n: int) -> np.ndarray:
        """Return the characters of each n-gram's tokens (separators not counted)."""
        return self._cum[n:] - self._cum[:-n]

    def top_ngram_chars(self, n: int) -> int:
        """Characters of the most frequent n-gram times its count, joined with spaces.

        Ties go to the n-gram seen first. Returns 0 when the text has fewer than ``n`` tokens.
        """
        if n >= self._distinct_from:  # every n-gram occurs once: the top one is the first
            return int(self.chars(n)[0]) + n - 1 if len(self.ids) >= n else 0
        keys = self.keys(n)
        if not len(keys):
            return 0
        # The first position whose n-gram has the top count (an unstable sort is enough for that).
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        top = counts.max()
        if top == 1:
            self._distinct_from = min(self._distinct_from, n)
        where = int(np.argmax(counts[inverse] == top))
        return int(top) * (int(self.chars(n)[where]) + n - 1)

    def duplicate_ngram_chars(self, n: int) -> int:
        """Characters in n-grams that repeat an earlier one, never counting a token twice.

        Scanning left to right, an n-gram already seen counts all its characters and the scan jumps
        past it; otherwise it is remembered and the scan moves one token on.
        """
        if n >= self._distinct_from:
            return 0
        keys = self.keys(n)
        if not len(keys):
            return 0
        # Most texts repeat no long n-gram: a plain sort tells so, at a fraction of what the
        # index arrays below cost.
        ordered = np.sort(keys)
        if not (ordered[1:] == ordered[:-1]).any():
            self._distinct_from = min(self._distinct_from, n)
            return 0
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        # The scan need only stop where an n-gram that occurs more than once stands: elsewhere it
        # would remember an n-gram never met again and move one token on, changing nothing.
        stops = np.flatnonzero(counts[inverse] > 1)
        chars = self.chars(n)
        seen = bytearray(len(counts))
        repeated = pos = 0
        for block in range(0, len(stops), _SCAN_BLOCK):  # no Python list of every stop at once
            where = stops[block : block + _SCAN_BLOCK]
            found = zip(where.tolist(), inverse[where].tolist(), chars[where].tolist(), strict=True)
            for at, k, length in found:
                if at < pos:  # jumped over
                    continue
                if seen[k]:
                    repeated += length
                    pos = at + n
                else:
                    seen[k] = 1
                    pos = at + 1
        return repeated
