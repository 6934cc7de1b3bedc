"""Signals at each sentence boundary: whether a sentence carries on from the ones before it.

For each boundary between prose sentences ``j-1`` and ``j`` a row of numbers: how much ``j`` shares
with its neighbours (words, and meaning through static word vectors), both raw and against the page's
own distribution of boundaries (so a page's length and vocabulary do not move them); whether the names
``j`` mentions were already mentioned; whether its reference — a pronoun, a connective, a definite
description ("the committee") — finds something to resolve to in the sentences before; how far its
style moves. A small logistic model (:mod:`gristmill.salad.model`) turns each row into the chance that
the boundary is a seam between two sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from gristmill.salad.features import recurring
from gristmill.text.content import stem

LOOK_BACK = 3  # sentences before a boundary that a reference may resolve to

_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+|\b[A-Z]{2,}\b")
_WORD = re.compile(r"[A-Za-z]+")
_PRONOUN = frozenset("he she it they his her its their him them this these those such there".split())
_CONNECTIVE = frozenset(
    (
        "and but or so yet nor however therefore thus hence moreover furthermore nevertheless "
        "nonetheless meanwhile instead consequently likewise similarly indeed also besides afterwards "
        "afterward then still later finally next"
    ).split()
)
_DEMONSTRATIVE = re.compile(r"\b(?:this|these|that|those|such|both|another|former|latter)\s+([a-z]+)", re.I)
_DEFINITE = re.compile(r"\bthe\s+([a-z]+)", re.I)
_PERSONAL = frozenset("he she it they him her them his its their".split())
_NOT_NAMES = frozenset(
    (
        "the a an this that these those it he she they we i you his her its their our my your there here "
        "in on at of for to by with from as and but or so if when while after before during since "
        "however although though because then also yet a mr mrs ms dr"
    ).split()
)

TRANSITION_NAMES = (
    "sim_prev",  # word cosine with the sentence before
    "sim_back",  # best word cosine with the LOOK_BACK sentences before
    "sim_ahead",  # best word cosine of the sentence before with the LOOK_BACK sentences after
    "vec_prev",  # page-centred word-vector cosine with the sentence before
    "vec_back",
    "sim_prev_rel",  # sim_prev against the page's boundaries: (x - median) / spread
    "vec_prev_rel",
    "sim_back_rel",
    "names_new",  # share of the sentence's names not seen in the LOOK_BACK sentences before
    "names_none",  # the sentence mentions no name
    "names_dropped",  # share of the previous sentence's names not seen again within LOOK_BACK after
    "opens_pronoun",
    "opens_connective",
    "opens_definite_unresolved",  # "The <noun>" whose noun the sentences before never used
    "style_shift",  # share of the style marks that differ from the sentence before
    "paragraph_break",
    "length_ratio",  # |log(words / words before)|
    "block_sim",  # word cosine of the LOOK_BACK sentences before with the LOOK_BACK after (pooled)
    "vec_block_sim",  # the same through word vectors
    "block_sim_rel",
    "vec_block_sim_rel",
    "demonstrative_unresolved",  # "this study", "these efforts" early on, the noun unused before
    "definite_unresolved",  # share of the sentence's "the <noun>" whose noun the sentences before never used
    "pronoun_early",  # a personal pronoun among the first six words
    "terms_new",  # share of the sentence's content terms not seen earlier on the page
    "block_terms_new",  # the same for the LOOK_BACK sentences from the boundary on
    "terms_new_rel",
    "block_terms_new_rel",
)
# The columns a boundary model may read without comparing the boundary with the rest of its page.
ABSOLUTE_COLUMNS = [i for i, name in enumerate(TRANSITION_NAMES) if not name.endswith("_rel")]


def _names(sentence: str) -> set[str]:
    """Capitalised words (not the first word) and acronyms, lower-cased: the sentence's names."""
    found = set()
    for i, m in enumerate(_NAME.finditer(sentence)):
        word = m.group(0).lower().strip("'’-")
        if (i == 0 and m.start() < 3) or word in _NOT_NAMES or len(word) < 2:
            continue
        found.add(word)
    return found


def recurring_openers(sentences: Sequence[str]) -> set[str]:
    """First words that open most of the sentences (:func:`recurring`): a template's, not a reference.

    "Moreover, " before every sentence made every boundary look like a reference to the sentence
    before, and lifted genuine pages over the threshold (stop 37's trial: 4-5 of 40).
    """
    return recurring([set(_first_words(s)[:1]) for s in sentences])


def page_names(sentences: Sequence[str]) -> list[set[str]]:
    """Each sentence's names less those on most of the page's sentences (:func:`recurring`).

    A name on every line (the page's subject, or a keyword stuffed in) links no sentence to another.
    """
    names = [_names(s) for s in sentences]
    common = recurring(names)
    return [found - common for found in names] if common else names


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    return stem(word.lower())


def _first_words(sentence: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(sentence[:60])[:2]]


def first_word(sentence: str) -> str | None:
    """The sentence's first word, lower-cased (as the opening cues read it), or None."""
    found = _first_words(sentence)
    return found[0] if found else None


def _relative(x: np.ndarray) -> np.ndarray:
    """Each value against the page's own: (x - median) / (upper quartile - lower quartile)."""
    if len(x) < 3:
        return np.zeros_like(x)
    q1, mid, q3 = _quartiles(x)
    return np.clip((x - mid) / max(q3 - q1, 0.05), -5.0, 5.0)


def _quartiles(x: np.ndarray) -> np.ndarray:
    """``np.quantile(x, [0.25, 0.5, 0.75])`` (linear), from one sort: a tenth of its cost on short rows."""
    ordered = np.sort(x)
    at = (len(x) - 1) * np.array([0.25, 0.5, 0.75])
    low = np.floor(at).astype(int)
    high = np.minimum(low + 1, len(x) - 1)
    return ordered[low] + (at - low) * (ordered[high] - ordered[low])


def _block_cosine(rows: np.ndarray) -> np.ndarray:
    """Cosine of the pooled LOOK_BACK rows before each boundary with the pooled LOOK_BACK after it."""
    n = len(rows)
    total = np.vstack([np.zeros((1, rows.shape[1])), np.cumsum(rows, axis=0)])
    j = np.arange(1, n)
    before = total[j] - total[np.maximum(0, j - LOOK_BACK)]
    after = total[np.minimum(n, j + LOOK_BACK)] - total[j]
    norms = np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1)
    return (before * after).sum(axis=1) / np.where(norms > 0, norms, 1.0)


def block_cosine_from_sim(sim: np.ndarray, live: np.ndarray) -> np.ndarray:
    """:func:`_block_cosine` of unit rows, from their cosine matrix (diagonal 0); ``live``: not zero.

    A pooled vector's squared length is the sum of its rows' pairwise cosines (1 on the diagonal for
    a row that is not zero), so the word terms never need a dense matrix.
    """
    n = len(sim)
    full = sim + np.diag(live.astype(float))
    prefix = np.zeros((n + 1, n + 1))
    prefix[1:, 1:] = full.cumsum(axis=0).cumsum(axis=1)

    def block(r0: np.ndarray, r1: np.ndarray, c0: np.ndarray, c1: np.ndarray) -> np.ndarray:
        return prefix[r1, c1] - prefix[r0, c1] - prefix[r1, c0] + prefix[r0, c0]

    j = np.arange(1, n)
    lo, hi = np.maximum(0, j - LOOK_BACK), np.minimum(n, j + LOOK_BACK)
    dot = block(lo, j, j, hi)
    norms = np.sqrt(np.maximum(block(lo, j, lo, j), 0.0) * np.maximum(block(j, hi, j, hi), 0.0))
    return dot / np.where(norms > 0, norms, 1.0)


def transition_features(
    sentences: list[str],
    sim: np.ndarray,
    vec_sim: np.ndarray,
    styles: np.ndarray,
    breaks: np.ndarray,
    vectors: np.ndarray,
    live: np.ndarray,
    terms: list[dict[str, float]],
) -> np.ndarray:
    """One row of :data:`TRANSITION_NAMES` per boundary between consecutive ``sentences``.

    ``sim`` and ``vec_sim`` are the sentences' word and word-vector cosine matrices (``vectors`` the
    rows of the latter, unit length, page-centred), ``styles`` their style indicators
    (:func:`gristmill.salad.style.style_matrix`), ``breaks[j]`` whether a paragraph break comes
    before sentence ``j + 1``, ``live[j]`` whether sentence ``j`` has any content term and
    ``terms`` the sentences' content terms.
    """
    n = len(sentences)
    if n < 2:
        return np.zeros((0, len(TRANSITION_NAMES)))
    j = np.arange(1, n)
    sim_prev = sim[j - 1, j]
    vec_prev = vec_sim[j - 1, j]
    sim_back = np.array([sim[k, max(0, k - LOOK_BACK) : k].max() for k in j])
    vec_back = np.array([vec_sim[k, max(0, k - LOOK_BACK) : k].max() for k in j])
    sim_ahead = np.array([sim[k - 1, k : k + LOOK_BACK].max() for k in j])
    names = page_names(sentences)
    template = recurring_openers(sentences)
    lowered = [{_stem(w) for w in _WORD.findall(s)} for s in sentences]
    rows = np.zeros((n - 1, len(TRANSITION_NAMES)))
    lengths = np.array([max(1, len(s.split())) for s in sentences], dtype=float)
    for row, k in enumerate(j.tolist()):
        before_names: set[str] = set().union(*names[max(0, k - LOOK_BACK) : k])
        before_words: set[str] = set().union(*lowered[max(0, k - LOOK_BACK) : k])
        after_names: set[str] = set().union(*names[k : k + LOOK_BACK])
        mine = names[k]
        rows[row, 8] = len(mine - before_names - before_words) / len(mine) if mine else 0.0
        rows[row, 9] = float(not mine)
        prev = names[k - 1]
        rows[row, 10] = len(prev - after_names) / len(prev) if prev else 0.0
        first = _first_words(sentences[k])
        if first and first[0] not in template:
            rows[row, 11] = float(first[0] in _PRONOUN)
            rows[row, 12] = float(first[0] in _CONNECTIVE)
            if first[0] == "the" and len(first) > 1:
                rows[row, 13] = float(stem(first[1]) not in before_words)
        opening = " ".join(sentences[k].split()[:10])
        rows[row, 21] = float(
            any(_stem(w.lower()) not in before_words for w in _DEMONSTRATIVE.findall(opening))
        )
        definite = _DEFINITE.findall(sentences[k])
        if definite:
            rows[row, 22] = sum(_stem(w.lower()) not in before_words for w in definite) / len(definite)
        rows[row, 23] = float(any(w.lower() in _PERSONAL for w in sentences[k].split()[:6]))
    differ = (styles[j - 1] != styles[j]).sum(axis=1)
    either = np.maximum((styles[j - 1] + styles[j] > 0).sum(axis=1), 1)
    rows[:, 0], rows[:, 1], rows[:, 2] = sim_prev, sim_back, sim_ahead
    rows[:, 3], rows[:, 4] = vec_prev, vec_back
    rows[:, 5], rows[:, 6], rows[:, 7] = _relative(sim_prev), _relative(vec_prev), _relative(sim_back)
    rows[:, 14] = differ / either
    rows[:, 15] = breaks.astype(float)
    rows[:, 16] = np.abs(np.log(lengths[j] / lengths[j - 1]))
    rows[:, 17], rows[:, 18] = block_cosine_from_sim(sim, live), _block_cosine(vectors)
    rows[:, 19], rows[:, 20] = _relative(rows[:, 17]), _relative(rows[:, 18])
    rows[:, 24], rows[:, 25] = _novelty(terms)
    rows[:, 26], rows[:, 27] = _relative(rows[:, 24]), _relative(rows[:, 25])
    return rows


def _novelty(terms: list[dict[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Per boundary: share of the next sentence's terms new to the page, and of the next LOOK_BACK's."""
    n = len(terms)
    seen = set(terms[0])
    one, block = np.zeros(n - 1), np.zeros(n - 1)
    for row, k in enumerate(range(1, n)):
        mine = set(terms[k])
        ahead: set[str] = set().union(*terms[k : k + LOOK_BACK])
        one[row] = len(mine - seen) / len(mine) if mine else 0.0
        block[row] = len(ahead - seen) / len(ahead) if ahead else 0.0
        seen |= mine
    return one, block
