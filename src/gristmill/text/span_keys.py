"""A document's span keys in one pass over its text: :func:`match_key_and_words` for many slices at once.

Its own module because it brings numpy, which the other users of :mod:`gristmill.text.hashing` do not need.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
import xxhash

from gristmill.text.hashing import DIGIT_BYTES, match_key_and_words

# Per code point: 0 not looked up yet, 1 not a word character, 2 a word character (``str.isalnum``,
# which is what ``[\W_]`` leaves out). Filled on first sight, so a process pays only for what it meets.
_WORD_TABLE = np.zeros(0x110000, np.uint8)
_CAPITAL_SIGMA = "\u03a3"
# Characters keyed at a time: the arrays per character of a whole 100 MB text took 4 GB.
_PIECE = 1 << 20


def span_keys_and_words(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int] | None]:
    """Return :func:`match_key_and_words` of ``text[start:end]`` for each span, in one pass over ``text``.

    Case is folded and non-word runs squeezed once for the whole text, over its code points in numpy;
    each span is then a slice of those bytes, found through the positions of the word characters. A
    long text goes a piece at a time, cut at line ends; a span across pieces is keyed on its own.
    """
    if len(text) <= _PIECE:
        return _span_keys(text, spans)
    starts = [0]
    while (cut := text.find("\n", starts[-1] + _PIECE)) >= 0:
        starts.append(cut + 1)
    ends = [*starts[1:], len(text)]
    held: list[list[int]] = [[] for _ in starts]
    keys: list[tuple[int, int] | None] = [None] * len(spans)
    for index, (start, end) in enumerate(spans):
        piece = bisect.bisect_right(starts, start) - 1
        if end <= ends[piece]:
            held[piece].append(index)
        else:
            keys[index] = match_key_and_words(text[start:end])
    for first, last, indices in zip(starts, ends, held, strict=True):
        inner = [(spans[i][0] - first, spans[i][1] - first) for i in indices]
        for index, key in zip(indices, _span_keys(text[first:last], inner), strict=True):
            keys[index] = key
    return keys


def _span_keys(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int] | None]:
    if not spans:
        return []
    low = text.lower()
    # Folding the whole text gives every slice's own folding only when each character folds to one
    # character and none depends on its neighbours (CPython's only such case is the capital sigma).
    if len(low) != len(text) or _CAPITAL_SIGMA in text:
        return [match_key_and_words(text[start:end]) for start, end in spans]
    points = np.frombuffer(low.encode("utf-32-le", "surrogatepass"), np.uint32)
    kinds = _WORD_TABLE[points]
    if not kinds.all():
        for point in np.unique(points[kinds == 0]).tolist():
            _WORD_TABLE[point] = 2 if chr(point).isalnum() else 1
        kinds = _WORD_TABLE[points]
    is_word = kinds == 2
    words = np.flatnonzero(is_word)
    if not len(words):
        return [None] * len(spans)
    # The squeezed text (what ``match_text`` would give before folding digits) built from the word
    # characters, each run after the first preceded by one space: a regex substitution per text
    # cost more than the rest of this function together.
    run_starts = is_word.copy()
    run_starts[1:] &= ~is_word[:-1]
    begins_run = run_starts[words]
    at = np.arange(len(words)) + np.cumsum(begins_run) - 1
    squeezed = np.full(at[-1] + 1, 0x20, np.uint32)
    squeezed[at] = points[words]
    data = squeezed.tobytes().decode("utf-32-le", "surrogatepass").encode("utf-8", "surrogatepass")
    data = data.translate(DIGIT_BYTES)
    # Byte offsets into ``data``: spans are hashed as slices of one encoding.
    if len(data) == len(squeezed):
        offsets = np.arange(len(squeezed) + 1)
    else:
        widths = 1 + (squeezed >= 0x80).astype(np.int64) + (squeezed >= 0x800) + (squeezed >= 0x10000)
        offsets = np.concatenate(([0], np.cumsum(widths)))
    bounds = np.array(spans, np.int64).reshape(-1, 2)
    first = np.searchsorted(words, bounds[:, 0])
    last = np.searchsorted(words, bounds[:, 1]) - 1
    found = first <= last
    top = len(words) - 1
    begin = at[np.minimum(first, top)]
    end = at[np.maximum(last, 0)] + 1
    # Characters in the slice less its word characters are its spaces; words are one more.
    counts = (end - begin) - (last - first)
    view = memoryview(data)
    digest = xxhash.xxh3_64_intdigest
    cuts = zip(offsets[begin].tolist(), offsets[end].tolist(), counts.tolist(), found.tolist(), strict=True)
    return [(digest(view[b:e]), n) if ok else None for b, e, n, ok in cuts]
