"""Page measures for the salad score: each a number, computed on a page's prose sentences."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from functools import lru_cache

import numpy as np

from gristmill.salad.cuts import cut_profile
from gristmill.salad.style import between_group_share, between_group_shares
from gristmill.text.content import cosine_matrix, term_matrix
from gristmill.text.furniture import furniture_kind
from gristmill.text.words import words

# Random baselines: orders for local_z, word deals for separation, label deals for style_z.
PERMUTATIONS = 200
STYLE_PERMUTATIONS = 50
WINDOW = 3  # local_z counts neighbours up to this far apart
TOPICAL_RARITY = 2.0  # a term this rare or rarer can name a page's subject
# A word in this share of a page's sentences or more tells nothing about which of them belong
# together: a keyword stuffed into every sentence of a stitched page made it read as one text.
# Chosen on the tune half's guard pages among 0.5-0.8 (stop 37): at 0.5 genuine pages lost their topic
# words (mean AUROC -0.011 / -0.007 over conditions without a keyword); at 0.65 they kept them.
RECURRING_SHARE = 0.65

ORPHAN = re.compile(
    r"^[\"'“‘(]*(and|but|or|so|yet|nor|he|she|they|his|her|their|him|them|however|therefore|thus|"
    r"hence|moreover|furthermore|nevertheless|nonetheless|meanwhile|instead|consequently|likewise|"
    r"similarly|indeed|also|besides|afterwards?|then)\b",
    re.I,
)
_LINE_SHAPES = (
    ("time", re.compile(r"^\W*\d{1,2}[:.]\d{2}\b")),
    ("number", re.compile(r"^\d+[.)]\s")),
    ("qa", re.compile(r"^[QA]:|^(question|answer)\b", re.I)),
    ("bullet", re.compile(r"^[•*·–-]\s")),
    ("quantity", re.compile(r"^\d+([/.,]\d+)?\s")),
    ("term", re.compile(r"^[^.!?:]{1,60}:\s")),
)


def recurring(items: Sequence[Collection[str]], share: float = RECURRING_SHARE) -> set[str]:
    """The terms (or names) that stand in at least ``share`` of the sentences' collections."""
    counts: Counter[str] = Counter()
    for held in items:
        counts.update(iter(held))  # a term's weight is no count: only its keys are counted
    least = share * len(items)
    return {term for term, c in counts.items() if c >= least}


def without_recurring(terms: list[dict[str, float]]) -> tuple[list[dict[str, float]], set[str]]:
    """Each sentence's terms less those :func:`recurring` over the page, and the terms left out."""
    drop = recurring(terms)
    if not drop:
        return terms, drop
    return [{t: w for t, w in ts.items() if t not in drop} for ts in terms], drop


def term_cosine(terms: list[dict[str, float]]) -> np.ndarray:
    """Cosine of the sentences' term weights (diagonal 0), summed term by term over its sentences.

    A dense sentences x terms matrix would cost the page's whole vocabulary in every product.
    """
    n = len(terms)
    sim = np.zeros((n, n))
    postings: dict[str, tuple[list[int], list[float]]] = {}
    for i, ts in enumerate(terms):
        norm = math.sqrt(sum(w * w for w in ts.values()))
        for term, w in ts.items():
            rows, weights = postings.setdefault(term, ([], []))
            rows.append(i)
            weights.append(w / norm)
    for rows, weights in postings.values():
        if len(rows) > 1:
            at = np.array(rows)
            sim[np.ix_(at, at)] += np.outer(weights, weights)
    np.fill_diagonal(sim, 0.0)
    return sim


def topic_terms(terms: list[dict[str, float]]) -> tuple[float, float]:
    """Share of sentences holding the page's most frequent topical term, and holding any of its top 3.

    A page about one subject keeps naming it; a page from several sources has no term that runs through.
    """
    df: Counter[str] = Counter()
    for ts in terms:
        df.update(t for t, w in ts.items() if w >= TOPICAL_RARITY)
    top = [t for t, _ in df.most_common(3)]
    if not top:
        return 0.0, 0.0
    n = len(terms)
    return df[top[0]] / n, sum(1 for ts in terms if any(t in ts for t in top)) / n


def best_cut(sim: np.ndarray, margin: int = 3) -> float:
    """Least log ratio, over places to cut the page in two, of similarity across the cut to within.

    A page of blocks from different sources has a cut with almost nothing across it. Block sums come
    from one 2-D prefix sum (:func:`gristmill.salad.cuts.cut_profile`), so every cut costs O(1).
    """
    within, across = cut_profile(sim, margin)
    ok = within > 0
    if not ok.any():
        return 0.0
    return float(min(0.0, np.log((across[ok] + 1e-3) / within[ok]).min()))


def furniture_inside(text: str, spans: list[tuple[int, int]], furniture: dict[int, str]) -> bool:
    """Whether a furniture sentence sits inside a line of prose, with prose before and after it."""
    for i in furniture:
        if 0 < i < len(spans) - 1 and i - 1 not in furniture and i + 1 not in furniture:
            before = text[spans[i - 1][1] : spans[i][0]]
            after = text[spans[i][1] : spans[i + 1][0]]
            if "\n" not in before and "\n" not in after:
                return True
    return False


def repeats(sentences: list[str], prose: list[int]) -> bool:
    """Whether a sentence of 10+ words appears twice on the page."""
    seen: set[str] = set()
    for i in prose:
        if len(words(sentences[i])) >= 10:
            key = " ".join(words(sentences[i].lower()))
            if key in seen:
                return True
            seen.add(key)
    return False


def local_z(sim: np.ndarray, rng: np.random.Generator) -> float:
    """Similarity of near neighbours in the real order, in standard deviations of random orders.

    Neighbours up to ``WINDOW`` apart count, the nearer the more (weight 1/distance).
    """
    n = len(sim)

    def near(orders: np.ndarray) -> np.ndarray:  # one row per order
        total = np.zeros(len(orders))
        for d in range(1, min(WINDOW, n - 1) + 1):
            total = total + sim[orders[:, :-d], orders[:, d:]].mean(axis=1) / d
        return total

    shuffled = near(np.stack([rng.permutation(n) for _ in range(PERMUTATIONS)]))
    return standard_score(float(near(np.arange(n)[None, :])[0]), shuffled)


def paragraph_z(text: str, spans: list[tuple[int, int]], sim: np.ndarray, rng: np.random.Generator) -> float:
    """How much more neighbours inside a paragraph share than neighbours across a paragraph break.

    In standard deviations of random placements of the same number of breaks. An author breaks
    paragraphs where the subject turns, so even a page of unrelated items scores high; sentences
    stitched together and laid out in paragraphs after the fact score near 0.
    """
    if len(spans) < 4:
        return 0.0
    breaks = np.array(["\n" in text[a[1] : b[0]] for a, b in itertools.pairwise(spans)])
    if breaks.sum() < 2 or (~breaks).sum() < 2:
        return 0.0
    adjacent = sim[np.arange(len(spans) - 1), np.arange(1, len(spans))]

    def gaps(is_break: np.ndarray) -> np.ndarray:  # one row per placement of the breaks
        inside = np.where(is_break, 0.0, adjacent).sum(axis=1) / (~is_break).sum(axis=1)
        return inside - np.where(is_break, adjacent, 0.0).sum(axis=1) / is_break.sum(axis=1)

    shuffled = gaps(np.stack([rng.permutation(breaks) for _ in range(PERMUTATIONS)]))
    return standard_score(float(gaps(breaks[None, :])[0]), shuffled)


def style_z(styles: np.ndarray, found: np.ndarray, rng: np.random.Generator) -> float:
    """How much more the recovered groups differ in style than the same sentences dealt at random.

    In standard deviations of random deals of the group labels; 0 with fewer than two groups.
    """
    real = between_group_share(styles, found)
    if real == 0.0:
        return 0.0
    live = found >= 0
    dealt = np.tile(found, (STYLE_PERMUTATIONS, 1))
    for row in dealt:
        row[live] = rng.permutation(found[live])
    return standard_score(real, between_group_shares(styles, dealt))


def standard_score(real: float, shuffled: np.ndarray) -> float:
    """``real`` in standard deviations of the ``shuffled`` baseline, clipped to [-10, 10]; 0 if it is flat."""
    spread = float(np.std(shuffled))
    if spread < 1e-9:
        return 0.0
    return max(-10.0, min(10.0, (real - float(np.mean(shuffled))) / spread))


def null_similarity(terms: list[dict[str, float]], rng: np.random.Generator) -> np.ndarray:
    """The similarity graph of the same words dealt out at random to sentences of the same lengths."""
    pool = [item for ts in terms for item in ts.items()]
    order = rng.permutation(len(pool))
    dealt: list[dict[str, float]] = []
    at = 0
    for ts in terms:
        hand: dict[str, float] = {}
        for j in order[at : at + len(ts)]:
            term, weight = pool[j]
            hand[term] = max(hand.get(term, 0.0), weight)
        dealt.append(hand)
        at += len(ts)
    return cosine_matrix(term_matrix(dealt))


@lru_cache(maxsize=1 << 14)
def furniture_of(sentence: str) -> str | None:
    """:func:`furniture_kind`, remembered (the cache is bounded).

    A page's one-sentence lines are looked up twice, as sentences and as lines, and a site's
    furniture lines recur on its every page.
    """
    return furniture_kind(sentence)


def listlike(text: str) -> float:
    """Share of non-empty lines that are one short item opening with the page's most common shape."""
    lines = [line.strip() for line in text.split("\n") if line.strip() and not furniture_of(line)]
    if len(lines) < 4:
        return 0.0
    shapes = Counter(_shape(line) for line in lines)
    shape, count = max(((s, c) for s, c in shapes.items() if s), key=lambda sc: sc[1], default=("", 0))
    return count / len(lines) if shape else 0.0


def _shape(line: str) -> str:
    """The list-like shape a line opens with, or ''."""
    for shape, pattern in _LINE_SHAPES:
        if pattern.match(line):
            return shape
    return ""
