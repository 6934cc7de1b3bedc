"""Content words, names and sentence similarity: what a sentence is about, as sets of terms.

A term is a lower-cased content word reduced by a light suffix stripper (``armies`` and ``army``
meet), weighted by how rare the word is in English (sharing ``Trotsky`` says much more than sharing
``year``), and higher still for a name: two sentences naming the same person or place are far more
likely to come from one source.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
import re
import zlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from gristmill.text.words import words

# Function words and very common verbs/adverbs: they say nothing about a sentence's topic.
STOPWORDS = frozenset(
    """
    a about above after again against all almost also although always am among an and another any
    anyone anything are around as at away back be became because become becomes been before being
    below between both but by came can cannot could did do does doing done down during each either
    else enough even ever every few first for from further get gets getting give given go goes going
    got had has have having he her here hers herself him himself his how however i if in including
    into is it its itself just know last later least less like made main make makes many may me
    might more most much must my myself near need never new next no nor not now of off often on once
    one only or other others our ours ourselves out over own per perhaps put quite rather really
    said same say says see seen several shall she should show since so some something still such
    take than that the their theirs them themselves then there these they this those though three
    through thus to together too took toward two under until up upon us use used using very was way
    we well were what when where whether which while who whom whose why will with within without
    would yet you your yours yourself yourselves
    also i'm it's don't can't won't didn't isn't doesn't
    """.split()
)

_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")
_NAME = re.compile(r"^[A-Z][a-zà-öø-ÿ'’\-]+$|^[A-Z]{2,}$")


def stem(word: str) -> str:
    """Return ``word`` (lower case) without one common English suffix, keeping a stem of 4+ letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            return word + "y" if suffix in ("ies", "ied") else word
    return word


@lru_cache(maxsize=1)
def _zipf() -> dict[str, float]:
    """English words' Zipf frequencies: the same values as from wordfreq's ``get_frequency_dict("en")``."""
    pack = _english_pack()
    if pack is None:
        from wordfreq import get_frequency_dict

        return {w: math.log10(f) + 9.0 for w, f in get_frequency_dict("en").items() if f > 1e-8}
    # The list's index is minus the frequency in centibels (wordfreq's ``read_cBpack``); a word in
    # several buckets takes its last, as in wordfreq's own dict.
    zipf: dict[str, float] = {}
    for index, bucket in enumerate(pack):
        freq = 10 ** (-index / 100)
        if freq > 1e-8:
            zipf.update(dict.fromkeys(bucket, math.log10(freq) + 9.0))
        else:
            for word in bucket:
                zipf.pop(word, None)
    return zipf


def _english_pack() -> list[list[str]] | None:
    """The word buckets of wordfreq's large English list, read without importing wordfreq.

    Its import (langcodes, ftfy) and its dict cost each process 0.23 CPU-s; None where the file is
    not where wordfreq 3 keeps it, or not in its format, and then wordfreq is asked.
    """
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        return None
    return _read_pack(Path(spec.origin).parent / "data" / "large_en.msgpack.gz")


def _read_pack(path: Path) -> list[list[str]] | None:
    """The buckets of a wordfreq ``cB`` list file; None where it is missing, damaged or another format."""
    try:
        import msgpack  # wordfreq's own dependency
    except ImportError:
        return None
    try:
        with gzip.open(path, "rb") as handle:
            data = msgpack.load(handle, raw=False)
    except (OSError, EOFError, ValueError, zlib.error, msgpack.UnpackException):
        return None
    header = data[0] if isinstance(data, list) and data else None
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        return None
    return list(data[1:])


def rarity(word: str) -> float:
    """How much sharing ``word`` says two sentences belong together: ``RARE_ZIPF`` less its Zipf frequency.

    Zipf frequency is log10 of occurrences per billion English words (wordfreq's data: ``the`` 7.7,
    ``said`` 6.0, ``revolution`` 4.6, ``trotsky`` 2.9); words it does not know count as rare.
    """
    zipf = _zipf().get(word, 0.0)
    return min(MAX_RARITY, max(MIN_RARITY, RARE_ZIPF - zipf))


RARE_ZIPF = 6.5
MIN_RARITY = 0.25
MAX_RARITY = 4.0
NAME_BONUS = 1.5


def content_terms(sentence: str) -> dict[str, float]:
    """Return the topic terms of a sentence with their weights.

    A term is a stemmed content word; its weight is its :func:`rarity`, times ``NAME_BONUS`` when the
    word is capitalised after the first word of the sentence (a name: ``Trotsky``, ``Mexico``).
    """
    terms: dict[str, float] = {}
    for position, word in enumerate(words(sentence)):
        key, weight, name = _word_term(word)
        if key is None:
            continue
        if position > 0 and name:
            weight *= NAME_BONUS
        terms[key] = max(terms.get(key, 0.0), weight)
    return terms


def term_of(word: str) -> str | None:
    """The content term :func:`content_terms` makes of ``word`` (None for a function word)."""
    return _word_term(word)[0]


@lru_cache(maxsize=1 << 16)
def _word_term(word: str) -> tuple[str | None, float, bool]:
    """A word's term (None for a function word), its rarity and whether it is shaped like a name."""
    lower = word.lower()
    if lower in STOPWORDS or len(lower) < 3 or (lower.isdigit() and len(lower) != 4):
        return None, 0.0, False
    return stem(lower), rarity(lower), bool(_NAME.match(word))


# Scripts written without spaces between words (Chinese, Japanese, Korean): a run of them is one
# "word" to :func:`words`, so a page of such text with a few English glosses read as English.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def stopword_share(text: str) -> float:
    """Share of the words of ``text`` that are English function words (0.4-0.5 in English prose).

    Text of an unspaced script counts as one word per two characters (about its mean word length).
    """
    found = words(text.lower())
    unspaced = len(_UNSPACED.findall(text))
    spaced = sum(1 for w in found if not _UNSPACED.search(w)) if unspaced else len(found)
    total = spaced + unspaced / 2
    return sum(1 for w in found if w in STOPWORDS) / total if found else 0.0


def term_matrix(term_weights: Sequence[dict[str, float]]) -> np.ndarray:
    """Return a sentences × terms matrix of the weights of :func:`content_terms`."""
    vocab: dict[str, int] = {}
    for terms in term_weights:
        for term in terms:
            vocab.setdefault(term, len(vocab))
    matrix = np.zeros((len(term_weights), max(len(vocab), 1)), dtype=np.float64)
    for i, terms in enumerate(term_weights):
        for term, weight in terms.items():
            matrix[i, vocab[term]] = weight
    return matrix


def cosine_matrix(matrix: np.ndarray) -> np.ndarray:
    """Return pairwise cosine similarities of the rows of ``matrix``; zero rows give zeros, diagonal 0."""
    norms = np.linalg.norm(matrix, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    unit = matrix / safe[:, None]
    sim = unit @ unit.T
    np.fill_diagonal(sim, 0.0)
    return sim
