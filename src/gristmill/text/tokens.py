"""Word tokens as the quality heuristics count them, with spaCy's English affix rules.

The Gopher, C4 and FineWeb rules were defined over tokens, and their reference implementation
(datatrove) counts the tokens of spaCy's blank English tokenizer: whitespace splits chunks, then
punctuation, quotes, currency and units come off each end of a chunk, hyphens, slashes and ellipses
split it inside, contractions split (``don't`` -> ``do n't``), while URLs, abbreviations
(``U.S.``, ``Mr.``, ``e.g.``) and emoticons stay whole. This module writes those rules as plain
Python with a per-chunk cache, so the counts agree with the reference without loading spaCy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import chain

from gristmill.text._token_exceptions import EXCEPTIONS

# Characters a chunk sheds from its front (spaCy's prefixes, one character each).
_PREFIX_CHARS = frozenset(
    "§%=—–…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼"
)
# Characters a chunk sheds from its end.
_SUFFIX_CHARS = frozenset(
    "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧—–"
)
_CURRENCY = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼"
_MULTI_PREFIX = ("US$", "C$", "A$")
_UNITS = sorted(
    "km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz m/s "
    "km/h kmh mph hPa Pa mbar mb MB kb KB gb GB tb TB T G M K %".split(),
    key=len,
    reverse=True,
)
_LONGEST_UNIT = max(len(u) for u in _UNITS)
_UNIT_SUFFIX = re.compile(r"(?<=[0-9])(?:" + "|".join(re.escape(u) for u in _UNITS) + r")$")
# Matched at a position (``match(s, lo, hi)``), so no ``^``: it would hold only at the string's start.
_ELLIPSIS_PREFIX = re.compile(r"\.\.+|…+")
_LOWER = "a-zß-öø-ÿ"
_UPPER = "A-ZÀ-ÖØ-Þ"
# Letters as the reference rules know them: Armenian, Thaana and Georgian are not among them.
_UNLISTED = "\u0530-\u058f\u0780-\u07bf\u10a0-\u10ff"
_ALPHA = rf"[^\W\d_{_UNLISTED}]"
_ALNUM = rf"[^\W_{_UNLISTED}]"
_UNLISTED_CHAR = re.compile(f"[{_UNLISTED}]")


@lru_cache(maxsize=1)
def _icon_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Symbols (degree sign, emoji, dingbats), which split off wherever they stand: search, split.

    Built on first use and as ranges: a class of 6,400 single characters cost every process that
    imported this module (dedup runs too) a quarter of a CPU-second.
    """
    ranges: list[str] = []
    codes = [c for c in range(0xA0, 0x1FB00) if unicodedata.category(chr(c)) == "So"]
    start = 0
    for i in range(1, len(codes) + 1):
        if i == len(codes) or codes[i] != codes[i - 1] + 1:
            first, last = re.escape(chr(codes[start])), re.escape(chr(codes[i - 1]))
            ranges.append(first if start == i - 1 else f"{first}-{last}")
            start = i
    icons = "".join(ranges)
    return re.compile(f"[{icons}]"), re.compile(f"([{icons}])")


_INFIX = re.compile(
    r"\.\.+|…"
    r"|(?<=[0-9])[+\-*^](?=[0-9-])"
    rf"|(?<=[{_LOWER}'\"”“`‘´’])\.(?=[{_UPPER}'\"”“`‘´’])"
    rf"|(?<={_ALPHA}),(?={_ALPHA})"
    rf"|(?<={_ALNUM})(?:---|--|——|-|–|—|~)(?={_ALPHA})"
    rf"|(?<={_ALNUM})[:<>=/](?={_ALPHA})"
)
_URL = re.compile(
    r"^(?:(?:[a-z][a-z0-9+.-]*:)?//)?(?:[^\W_](?:[\w-]*[^\W_])?\.)+([a-z\u00a1-\uffff]{2,63})\.?"
    r"(?::\d{2,5})?(?:[/?#]\S*)?$"
)
# Exceptions whose text holds punctuation that the affix rules would split off: after a chunk is
# split, adjacent pieces that spell one of these are joined back (":" + ")" -> ":)").
_REJOIN = {k: v for k, v in EXCEPTIONS.items() if not k.isalnum() and 1 < len(k) <= 12}
_REJOIN_MAX = 4
# Every start of a rejoinable text: a token that is not one cannot begin a rejoin.
_REJOIN_HEADS = frozenset(k[:i] for k in _REJOIN for i in range(1, len(k) + 1))
_LONGEST_EXCEPTION = max(len(k) for k in EXCEPTIONS)
# Chunks longer than this are rarely seen twice: caching them would only hold on to their memory.
_CACHED_CHUNK = 64
# Chunks kept at most (about 20 MB); when full the cache starts again empty.
_CACHE_SIZE = 1 << 17


# Texts longer than this are split into whitespace-separated chunks a block at a time, so that a
# 100 MB document never holds a list of every chunk at once.
_BLOCK = 1 << 20
_WHITESPACE = re.compile(r"\s")


def word_tokens(text: str) -> list[str]:
    """Return the tokens of ``text``: words, numbers and punctuation marks, whitespace dropped."""
    return list(iter_word_tokens(text))


def iter_word_tokens(text: str) -> Iterator[str]:
    """Yield the tokens of ``text`` one by one (:func:`word_tokens` without holding them all)."""
    # A chunk seen before costs a dict lookup in C (map, chain): no Python call per chunk.
    return chain.from_iterable(map(_CHUNKS.__getitem__, _whitespace_chunks(text)))


def document_tokens(text: str) -> Iterable[str]:
    """The tokens of ``text``, kept until a call with another text: each step of a document reuses them.

    A pipeline's steps see one document after another, so the Gopher and FineWeb steps, which all
    count the tokens of the same text, tokenize it once. A text longer than ``_BLOCK`` characters is
    tokenized again each time, one token at a time, so that no list of all its tokens is held.
    """
    if len(text) > _BLOCK:
        return iter_word_tokens(text)
    last, found = _LAST.entry
    if text != last:
        found = tuple(iter_word_tokens(text))
        _LAST.entry = (text, found)
    return found


def remember_tokens(text: str, parts: Iterable[Iterable[str]]) -> None:
    """Keep for :func:`document_tokens` the tokens of ``text``, which a step built from ``parts``.

    ``parts`` are the tokens of the pieces ``text`` is made of, in order, where whitespace separates
    the pieces (C4's kept lines, joined by newlines): tokens never span whitespace, so they are the
    tokens of ``text``, and the next step need not tokenize the text again.
    """
    if len(text) <= _BLOCK:
        _LAST.entry = (text, tuple(chain.from_iterable(parts)))


class _LastText:
    """The last text whose tokens were asked for or remembered, with them (the document the steps are on).

    One pair, replaced whole, so that a reader never sees one text with another's tokens.
    """

    entry: tuple[str, tuple[str, ...]] = ("", ())


_LAST = _LastText()


def _whitespace_chunks(text: str) -> Iterable[str]:
    """Return ``text.split()``; for a long text, yield it a block at a time, cut at whitespace."""
    if len(text) <= _BLOCK:
        return text.split()
    return _block_chunks(text)


def _block_chunks(text: str) -> Iterator[str]:
    start, size = 0, len(text)
    while start < size:
        space = _WHITESPACE.search(text, start + _BLOCK) if start + _BLOCK < size else None
        end = space.start() if space else size
        yield from text[start:end].split()
        start = end


class _ChunkTokens(dict[str, tuple[str, ...]]):
    """Chunk -> its tokens. A chunk not seen before is split by the rules, and kept if it is short."""

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        tokens = _new_chunk_tokens(chunk)
        if len(chunk) <= _CACHED_CHUNK:
            if len(self) >= _CACHE_SIZE:
                self.clear()  # cheaper than tracking use; the common words come back at once
            self[chunk] = tokens
        return tokens


_CHUNKS = _ChunkTokens()


def clear_cache() -> None:
    """Forget every chunk seen (tests and benchmarks use it to measure a cold start)."""
    _CHUNKS.clear()
    _LAST.entry = ("", ())


def _new_chunk_tokens(chunk: str) -> tuple[str, ...]:
    """Split a chunk seen for the first time; the commonest shapes skip the affix loop.

    A plain word (letters only, or ASCII digits only), a plain word with one closing mark
    (``word,`` ``word)``, ``word.`` where the loop would shed the full stop) or one opening mark
    (``(word``), and two words joined by a hyphen split as the loop splits them, unless an exception
    (``Mr.``, ``a.``, ``e-mail``) is in play. ``tests/text/test_tokens.py`` checks these against the
    loop on every chunk of real text and on random ones; ``test_tokens_pinned.py`` pins the output.
    """
    if _plain(chunk):
        return (chunk,)
    if len(chunk) > 1 and chunk not in EXCEPTIONS:
        last, word = chunk[-1], chunk[:-1]
        if _plain(word) and (
            last in _SUFFIX_CHARS or (last == "." and (word[-1].isdigit() or _is_lower(word[-1])))
        ):
            return (word, last)
        first, word = chunk[0], chunk[1:]
        if first in _PREFIX_CHARS and _plain(word):
            return (first, word)
        left, hyphen, right = chunk.partition("-")
        if (
            hyphen
            and left.isalpha()
            and right.isalpha()
            and not _UNLISTED_CHAR.match(left[-1])
            and not _UNLISTED_CHAR.match(right[0])
            and left + "-" not in EXCEPTIONS
            and "-" + right not in EXCEPTIONS
        ):
            return (left, "-", right)
    return _split_chunk(chunk)


def _plain(word: str) -> bool:
    """Whether the affix loop leaves ``word`` whole: letters only, or ASCII digits only, no exception."""
    return (word.isalpha() or (word.isdigit() and word.isascii())) and word not in EXCEPTIONS


def _split_chunk(chunk: str) -> tuple[str, ...]:
    """Split one chunk (spaCy's prefix / suffix / infix loop).

    The loop narrows ``chunk[lo:hi]`` rather than slicing a new string per affix: a megabyte of "("
    sheds a million prefixes, and copying the rest each time was quadratic.
    """
    prefixes: list[str] = []
    suffixes: list[str] = []
    lo, hi = 0, len(chunk)
    while lo < hi and not _is_exception(chunk, lo, hi):
        head = _prefix_len(chunk, lo, hi)
        if head:
            prefixes.append(chunk[lo : lo + head])
            lo += head
            if _is_exception(chunk, lo, hi):
                break
        tail = _suffix_len(chunk, lo, hi) if lo < hi else 0
        if tail:
            suffixes.append(chunk[hi - tail : hi])
            hi -= tail
        if not head and not tail:
            break
    middle: list[str] = []
    if lo < hi:
        middle = _middle_tokens(chunk[lo:hi])
    tokens = [*prefixes, *middle, *reversed(suffixes)]
    if len(tokens) > 1:
        tokens = _rejoin(tokens)
    return tuple(tokens)


def _is_exception(chunk: str, lo: int, hi: int) -> bool:
    return 0 < hi - lo <= _LONGEST_EXCEPTION and chunk[lo:hi] in EXCEPTIONS


def _rejoin(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] not in _REJOIN_HEADS:
            out.append(tokens[i])
            i += 1
            continue
        for width in range(min(_REJOIN_MAX, len(tokens) - i), 1, -1):
            joined = "".join(tokens[i : i + width])
            if joined in _REJOIN:
                out.extend(_REJOIN[joined])
                i += width
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _prefix_len(s: str, lo: int, hi: int) -> int:
    """Length of the prefix that ``s[lo:hi]`` sheds (0: none)."""
    first = s[lo]
    if s.startswith("……", lo, hi):
        return 2
    if first in _PREFIX_CHARS:
        return 1
    if first == "+" and not (hi - lo > 1 and s[lo + 1].isdigit()):
        return 1
    for multi in _MULTI_PREFIX:
        if s.startswith(multi, lo, hi):
            return len(multi)
    match = _ELLIPSIS_PREFIX.match(s, lo, hi)
    if match:
        return match.end() - lo
    if unicodedata.category(first) == "So":
        return 1
    return 0


def _suffix_len(s: str, lo: int, hi: int) -> int:
    """Length of the suffix that ``s[lo:hi]`` sheds (0: none)."""
    size = hi - lo
    last = s[hi - 1]
    if size > 1 and s[hi - 2] in "'’" and last in "sS":
        return 2
    if size > 2 and s.endswith("……", lo, hi):
        return 2
    if last in _SUFFIX_CHARS:
        return 1
    ellipsis = _ellipsis_tail(s, lo, hi)
    if ellipsis:
        return ellipsis
    if size > 1:
        prev = s[hi - 2]
        if last == "+" and prev.isdigit():
            return 1
        if last in _CURRENCY and prev.isdigit():
            return 1
        if last == ".":
            if prev.isdigit() or _is_lower(prev) or prev in "%²-+" or prev in _SUFFIX_CHARS:
                return 1
            if size > 2 and _is_upper(prev) and _is_upper(s[hi - 3]):
                return 1
            if prev in "FfCcKk" and size > 2 and s[hi - 3] == "°":
                return 1
        if prev.isdigit() or prev.isalpha():
            # A unit needs a digit before it inside the chunk, so it starts at lo + 1 or later.
            unit = _UNIT_SUFFIX.search(s, max(lo + 1, hi - _LONGEST_UNIT), hi)
            if unit:
                return hi - unit.start()
    if unicodedata.category(last) == "So":
        return 1
    return 0


def _ellipsis_tail(s: str, lo: int, hi: int) -> int:
    """Length of the run of two or more "." (or one or more "…") that ends ``s[lo:hi]``; else 0."""
    last = s[hi - 1]
    if last not in ".…":
        return 0
    start = hi - 1
    while start > lo and s[start - 1] == last:
        start -= 1
    run = hi - start
    return 0 if last == "." and run < 2 else run


def _is_lower(c: str) -> bool:
    """Lower case, or a letter of a script without case (both rules treat those as either)."""
    if _UNLISTED_CHAR.match(c):
        return False
    if c.islower():
        return True
    return (c.isalpha() or unicodedata.category(c)[0] == "M") and not c.isupper()


def _is_upper(c: str) -> bool:
    if _UNLISTED_CHAR.match(c):
        return False
    if c.isupper():
        return True
    return (c.isalpha() or unicodedata.category(c)[0] == "M") and not c.islower()


def _middle_tokens(s: str) -> list[str]:
    """Tokens of a chunk with its affixes gone: contractions, URLs, then infix splits."""
    special = EXCEPTIONS.get(s)
    if special:
        return list(special)
    url = _URL.match(s)
    # Its top-level domain has no capital (spaCy's is lower-case letters): "water.Über" is two words.
    if url and not any(c.isupper() for c in url.group(1)):
        return [s]
    if not s.isascii() and _icon_patterns()[0].search(s):
        tokens: list[str] = []
        pieces = _icon_patterns()[1].split(s)
        for i, piece in enumerate(pieces):
            if i % 2:
                tokens.append(piece)
            elif piece:
                tokens.extend(_infix_split(piece))
        return tokens
    return _infix_split(s)


def _infix_split(s: str) -> list[str]:
    tokens: list[str] = []
    start = 0
    for match in _INFIX.finditer(s):
        if match.start() == start:
            continue
        if match.start() > start:
            tokens.append(s[start : match.start()])
        tokens.append(match.group())
        start = match.end()
    if start < len(s):
        tokens.append(s[start:])
    return tokens


# spaCy's sentencizer ends a sentence after one of these tokens.
SENTENCE_END_TOKENS = frozenset(
    "!.?։؟۔܀܁܂߹।॥၊။።፧፨᙮᜵᜶᠃᠉᥄᥅᪨᪩᪪᪫᭚᭛᭞᭟᰻᰼᱾᱿‼‽⁇⁈⁉⸮⸼꓿꘎꘏꛳꛷꡶꡷꣎꣏꤯꧈꧉꩝꩞꩟꫰꫱꯫﹒﹖﹗！．？｡。"
)


def _is_punct(token: str) -> bool:
    return all(unicodedata.category(c).startswith("P") for c in token)


def count_sentences(tokens: list[str]) -> int:
    """Count sentences in a token list the way a punctuation sentencizer does.

    A sentence ends at ``.``, ``!`` or ``?`` (as a token of its own); the next sentence starts at the
    first following token that is not punctuation.
    """
    if not tokens:
        return 0
    sentences = 1
    seen_end = False
    for token in tokens:
        if token in SENTENCE_END_TOKENS:
            seen_end = True
        elif seen_end and not _is_punct(token):
            sentences += 1
            seen_end = False
    return sentences
