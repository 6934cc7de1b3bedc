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
        # The positions whose n-gram occurs twice or more, for the last n answered. An (n+1)-gram
        # repeats only where the n-grams at its position and the next both repeat, so the next n
        # groups those positions alone (most of a page's n-grams occur once).
        self._repeating: tuple[int, np.ndarray | None] = (0, None)

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
        if len(self.ids) < n:
            return 0
        at, group, counts = (None, None, None) if n >= self._distinct_from else self._repeats(n)
        if at is None or group is None or counts is None:  # every n-gram occurs once: the first
            return int(self.chars(n)[0]) + n - 1
        per = counts[group]
        top = int(per.max())
        where = int(at[int(np.argmax(per == top))])  # the first position with the top count
        return top * (int(self.chars(n)[where]) + n - 1)

    def duplicate_ngram_chars(self, n: int) -> int:
        """Characters in n-grams that repeat an earlier one, never counting a token twice.

        Scanning left to right, an n-gram already seen counts all its characters and the scan jumps
        past it; otherwise it is remembered and the scan moves one token on.
        """
        if n >= self._distinct_from or len(self.ids) < n:
            return 0
        at, group, counts = self._repeats(n)
        if at is None or group is None or counts is None:
            return 0
        # The scan need only stop where an n-gram that occurs more than once stands: elsewhere it
        # would remember an n-gram never met again and move one token on, changing nothing.
        chars = self.chars(n)
        seen = bytearray(len(counts))
        repeated = pos = 0
        for block in range(0, len(at), _SCAN_BLOCK):  # no Python list of every stop at once
            found = zip(
                at[block : block + _SCAN_BLOCK].tolist(),
                group[block : block + _SCAN_BLOCK].tolist(),
                chars[at[block : block + _SCAN_BLOCK]].tolist(),
                strict=True,
            )
            for where, k, length in found:
                if where < pos:  # jumped over
                    continue
                if seen[k]:
                    repeated += length
                    pos = where + n
                else:
                    seen[k] = 1
                    pos = where + 1
        return repeated

    def _repeats(self, n: int) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """The positions whose n-gram occurs twice or more (ascending), each one's group, the counts.

        Three Nones (and no larger n asked again) when every n-gram occurs once.
        """
        keys = self.keys(n)
        last, repeating = self._repeating
        if last == n - 1 and repeating is not None:
            candidates = np.flatnonzero(repeating[:-1] & repeating[1:])
        else:
            # Without the last n's answer: an n-gram repeats only where each of its tokens does
            # (the ids count tokens without a sort).
            once = np.bincount(self.ids.astype(np.intp))[self.ids.astype(np.intp)] == 1
            within = np.concatenate(([0], np.cumsum(once)))
            candidates = np.flatnonzero(within[n:] == within[:-n])
        group, counts = _groups(keys[candidates])
        many = counts[group] > 1
        if not many.any():
            self._distinct_from = min(self._distinct_from, n)
            self._repeating = (n, None)
            return None, None, None
        at = candidates[many]
        mask = np.zeros(len(keys), dtype=bool)
        mask[at] = True
        self._repeating = (n, mask)
        return at, group[many], counts


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each key's group (equal keys, one group) and each group's count.

    numpy's ``unique`` with ``return_inverse`` and ``return_counts``, without its checks and copies.
    """
    if not len(keys):
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    order = np.argsort(keys)
    ordered = keys[order]
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    group = np.empty(len(keys), dtype=np.intp)
    group[order] = np.cumsum(first) - 1
    counts = np.diff(np.append(np.flatnonzero(first), len(keys)))
    return group, counts
