"""Word n-gram shingles of many texts at once, hashed with numpy (no Python loop per word).

Words are runs of letters and digits after lower-casing; every digit counts as ``0``, and ASCII
punctuation, ``_``, spaces and the common Unicode punctuation (U+00A0–U+00BF, U+2000–U+206F,
U+3000–U+303F) separate words. So ``"The  cat, sat."`` and ``"the cat sat"`` have the same
shingles. A word's hash is a polynomial hash of its UTF-8 bytes, a shingle's a polynomial hash of its
words' hashes, both from prefix sums over the whole batch, then mixed. The values are the same on
every machine and run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_M1, _M2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_BYTE_BASE = 0x9E3779B97F4A7C15
_WORD_BASE = 0xD6E8FEB86659FD93
_MASK = (1 << 64) - 1


def _byte_tables() -> tuple[np.ndarray, np.ndarray]:
    """Return (is a word byte, the byte as hashed) for every byte value."""
    word = np.zeros(256, bool)
    value = np.arange(256, dtype=np.uint64) + np.uint64(1)
    for c in b"abcdefghijklmnopqrstuvwxyz0123456789":
        word[c] = True
    value[ord("1") : ord("9") + 1] = ord("0") + 1
    # ASCII texts are not lower-cased before encoding: their capitals hash as the small letters.
    word[ord("A") : ord("Z") + 1] = True
    value[ord("A") : ord("Z") + 1] = value[ord("a") : ord("z") + 1]
    word[0x80:] = True  # non-ASCII: a letter, unless a punctuation sequence below says otherwise
    return word, value


_IS_WORD, _VALUE = _byte_tables()


def mix64(values: np.ndarray) -> np.ndarray:
    """Return murmur3's 64-bit finaliser of ``values`` (uint64): a bijection that spreads every bit."""
    h = values ^ (values >> _S33)
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


def shingle_hashes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the hashes of the word ``n``-grams of every text, and where each text's hashes start.

    The first array holds every text's hashes one text after another (uint64); the second has
    ``len(texts) + 1`` offsets into it. A text of fewer than ``n`` words (but at least one) has one
    shingle, all its words; a text without words has none.
    """
    # str.lower() is needed only for non-ASCII letters; ASCII capitals are folded by the byte tables.
    encoded = [t.encode() if t.isascii() else t.lower().encode("utf-8", "surrogatepass") for t in texts]
    data = np.frombuffer(b"\n".join(encoded), np.uint8)
    text_starts = np.zeros(len(texts), np.int64)
    if len(texts) > 1:
        np.cumsum([len(e) + 1 for e in encoded[:-1]], out=text_starts[1:])
    if data.size == 0:
        return np.empty(0, np.uint64), np.zeros(len(texts) + 1, np.int64)

    is_word = _IS_WORD[data]
    _mark_unicode_punctuation(data, is_word)
    edges = np.diff(is_word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    text_of_word = np.searchsorted(text_starts, starts, "right") - 1
    words_per_text = np.bincount(text_of_word, minlength=len(texts))

    word_hashes = _word_hashes(data, starts, ends)

    # Shingle i runs from word i to word i + n - 1 of the same text; a short text is one shingle.
    word_offsets = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(words_per_text, out=word_offsets[1:])
    shingles_per_text = np.where(words_per_text >= n, words_per_text - n + 1, np.minimum(words_per_text, 1))
    offsets = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(shingles_per_text, out=offsets[1:])
    first = np.arange(offsets[-1], dtype=np.int64)
    first += np.repeat(word_offsets[:-1] - offsets[:-1], shingles_per_text)
    last = np.minimum(first + n, np.repeat(word_offsets[1:], shingles_per_text))
    return mix64(_span_hashes(word_hashes, first, last, _WORD_BASE)), offsets


# The characters that separate words, as the byte tables and _mark_unicode_punctuation read them:
# ASCII other than letters and digits, U+00A0-U+00BF, U+2000-U+207F and U+3000-U+303F.
_SEPARATORS = "\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\u00a0-\u00bf\u2000-\u207f\u3000-\u303f"
_WORD = re.compile(f"[^{_SEPARATORS}]+")
# Pieces are cut at ASCII whitespace: it separates words, and Python's one lower-casing that reads
# the characters around (a final capital sigma) reads no further than it.
_SPACES = "\t\n\x0b\x0c\r "
_SPACE = re.compile(f"[{_SPACES}]")


def shingle_pieces(text: str, n: int, size: int) -> list[str]:
    """Cut a long ``text`` into pieces of about ``size`` characters whose shingles together are the text's.

    Each piece ends before an ASCII space and the next begins after one, at least ``n - 1`` words
    before that cut, so every n-gram lies whole in some piece; every piece holds at least ``n``
    words, so none has the one short shingle of a text under ``n`` words. A text that cannot be cut
    so stays whole.
    """
    pieces: list[str] = []
    start = 0
    target = size
    while len(text) - start > target:
        found = _SPACE.search(text, start + target)
        if found is None or _WORD.search(text, found.start()) is None:
            break  # no space left, or no word after it: the rest stays with this piece
        cut = found.start()
        words = _last_word_starts(text, start, cut, n)
        # The next piece begins after the last space before the (n-1)-th last word (or at the cut).
        after = start
        if len(words) == n:
            after = cut if n == 1 else max(text.rfind(c, start, words[1]) for c in _SPACES) + 1
        if after <= start:
            target += size  # too few words yet for a piece of its own
            continue
        pieces.append(text[start:cut])
        start = after
        target = size
    pieces.append(text[start:])
    return pieces


def _last_word_starts(text: str, start: int, end: int, n: int) -> list[int]:
    """Where the last ``n`` words of ``text[start:end]`` begin (fewer when it has fewer)."""
    window = 16 * n
    while True:
        lo = max(start, end - window)
        starts = [m.start() for m in _WORD.finditer(text, lo, end)]
        if starts and starts[0] == lo and lo > start and _WORD.match(text, lo - 1):
            starts = starts[1:]  # the window begins inside a word: its true start is further back
        if len(starts) >= n or lo == start:
            return starts[-n:]
        window *= 4


def _word_hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Return the hash of each word ``data[starts[i]:ends[i]]``, a block of about ``_BLOCK`` bytes at a time.

    A span's hash does not depend on where it lies, so blocks cut between words give the same hashes,
    while the 8-byte arrays per byte (values, prefix sums, powers) stay the size of a block.
    """
    if data.size <= _BLOCK:
        return _span_hashes(_VALUE[data], starts, ends, _BYTE_BASE)
    out = np.empty(starts.size, np.uint64)
    first = 0
    while first < starts.size:
        begin = int(starts[first])
        # The words ending within the block; at least one, however long.
        stop = max(int(np.searchsorted(ends, begin + _BLOCK, "right")), first + 1)
        end = int(ends[stop - 1])
        words = slice(first, stop)
        out[words] = _span_hashes(
            _VALUE[data[begin:end]], starts[words] - begin, ends[words] - begin, _BYTE_BASE
        )
        first = stop
    return out


def _span_hashes(values: np.ndarray, starts: np.ndarray, ends: np.ndarray, base: int) -> np.ndarray:
    """Return the polynomial hash (in ``base``, mod 2**64) of ``values[s:e]`` for each span.

    With ``P[i] = base**-i`` and ``S`` the prefix sums of ``values * P``, the span [s, e) hashes to
    ``(S[e] - S[s]) * base**s``: the same for the same values wherever the span lies.
    """
    inverse, forward = _powers(base, values.size + 1)
    prefix = np.zeros(values.size + 1, np.uint64)
    values *= inverse[: values.size]  # in place: the callers pass arrays made for this call
    np.cumsum(values, out=prefix[1:])
    hashes = prefix[ends] - prefix[starts]
    hashes *= forward[starts]
    return hashes


_POWERS: dict[int, tuple[np.ndarray, np.ndarray]] = {}
# Powers kept between calls at most (2 × 8 bytes each); a longer text has its own, freed after it.
_CACHED_POWERS = 1 << 22
# Bytes hashed at a time into word hashes (see _word_hashes).
_BLOCK = 1 << 20


def _powers(base: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``base**-i`` and ``base**i`` mod 2**64 for i < ``size`` (at least), kept for reuse."""
    held = _POWERS.get(base)
    if held is None or held[0].size < size:
        if size > _CACHED_POWERS:
            return _power_arrays(base, size)  # one huge text: not kept for the life of the worker
        size = min(max(size, 1 << 16, 0 if held is None else 2 * held[0].size), _CACHED_POWERS)
        held = _POWERS[base] = _power_arrays(base, size)
    return held


def _power_arrays(base: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``base**-i`` and ``base**i`` mod 2**64 for i < ``size``."""
    arrays = []
    for factor in (pow(base, -1, 1 << 64), base):
        values = np.full(size, np.uint64(factor), np.uint64)
        values[0] = 1
        np.multiply.accumulate(values, out=values)
        arrays.append(values)
    return arrays[0], arrays[1]


def _mark_unicode_punctuation(data: np.ndarray, is_word: np.ndarray) -> None:
    """Mark the UTF-8 bytes of common Unicode punctuation and spaces as separators."""
    lead = np.flatnonzero((data[:-1] == 0xC2) & (data[1:] >= 0xA0) & (data[1:] <= 0xBF))
    for k in range(2):
        is_word[lead + k] = False
    three = ((data[:-2] == 0xE2) & ((data[1:-1] == 0x80) | (data[1:-1] == 0x81))) | (
        (data[:-2] == 0xE3) & (data[1:-1] == 0x80)
    )
    lead = np.flatnonzero(three)
    for k in range(3):
        is_word[lead + k] = False
