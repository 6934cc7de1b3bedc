"""The splitter's last stage: merge small, pure groups of sentences into sources by what they hold in common.

The pair model (:mod:`gristmill.salad.pairs`) judges two sentences; two sentences of one source on a
page whose sources share a subject often look no more alike than two of different sources. A group
of sentences says more: its pooled words, word vectors, function-word habits, style marks and
sentence lengths are a small profile of its writer. So the page is first cut finer than the pair
model would cut it (its log-odds lowered by :data:`START_SHIFT`: groups that are mostly one source),
then a learned model (``merge`` in ``splitter.json``, a one-layer perceptron fitted by ``python
benchmarks/salad.py --fit-merge``) reads every two groups' profiles and the pair log-odds between
them, and the likeliest two merge, over and over, while it says "same source" (docs/salad.md, stop 23).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gristmill.salad.coherence import Perceptron
from gristmill.salad.correlation import cluster
from gristmill.salad.graph import _first_appearance

MERGE_NAMES = (
    "sum_logit",  # pair log-odds summed across the two groups
    "mean_logit",
    "max_logit",
    "term_cos",  # cosine of the groups' pooled word weights
    "vec_cos",  # of their pooled page-centred word vectors
    "function_cos",  # of their pooled function-word counts (a writer's habits)
    "style_diff",  # mean difference of their style marks (person, tense, typography)
    "length_diff",  # difference of their mean log sentence length
    "log_size_min",
    "log_size_max",
    "adjacent_link",  # the strongest "no seam" between a sentence of one and its neighbour in the other
    "term_rel",  # term_cos against the page's other pairs of groups: (x - mean) / spread
    "vec_rel",
    "log_groups",
    "log_sentences",
    "mutual_best",  # each is the other's best partner by mean log-odds (0, 0.5 or 1)
    "agreement",  # how alike the two groups' rows of mean log-odds to the other groups are
)
# Log-odds added to the pair model's before the first, finer cut (chosen on the tune half).
START_SHIFT = -1.0


@dataclass
class Profiles:
    """The rows a page's groups are pooled from: one per prose sentence."""

    logits: np.ndarray  # n x n pair log-odds (diagonal 0)
    terms: np.ndarray  # n x terms word weights
    vectors: np.ndarray  # n x d page-centred unit word vectors
    function_words: np.ndarray  # n x function words counts
    styles: np.ndarray  # n x style marks
    log_lengths: np.ndarray  # n
    stay: np.ndarray  # n - 1: the chance each boundary is not a seam


def merge_groups(profiles: Profiles, model: Perceptron, max_k: int, shift: float) -> np.ndarray:
    """Group the sentences: a fine cut by the pair log-odds, then learned merges of whole groups.

    Merging stops when the best two groups' log-odds (plus ``shift``) are not positive and there are
    at most ``max_k`` groups. Labels are numbered by first appearance.
    """
    start = profiles.logits + START_SHIFT
    np.fill_diagonal(start, 0.0)
    labels = cluster(start, len(start))
    grams = _grams(profiles)
    while True:
        ids, features = group_features(profiles, labels, grams)
        if len(ids) < 2:
            break
        upper = np.triu_indices(len(ids), 1)
        z = model.logits(features[upper]) + shift
        best = int(np.argmax(z))
        if z[best] <= 0 and len(ids) <= max_k:
            break
        labels = np.where(labels == ids[upper[1][best]], ids[upper[0][best]], labels)
    return _first_appearance(labels)


def group_features(
    profiles: Profiles, labels: np.ndarray, grams: tuple[np.ndarray, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The group ids (sorted) and a G x G x len(:data:`MERGE_NAMES`) array of their pair features.

    ``grams``: the sentences' word, vector and function-word dot products (computed when not given).
    """
    ids = np.unique(labels)
    member = (labels[:, None] == ids[None, :]).astype(float)
    size = member.sum(axis=0)
    g, n = len(ids), len(labels)
    # Sums and maxima over two groups' sentences by runs of sentences sorted by group (reduceat): at
    # every merge this costs the page's n x n, where matrix products with a membership matrix cost more.
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], ids)
    logits = profiles.logits[np.ix_(order, order)]
    summed = _pooled(np.add, logits, starts)
    largest = _pooled(np.maximum, logits, starts)
    link = np.zeros((g, g))
    at = np.searchsorted(ids, labels)
    np.maximum.at(link, (at[:-1], at[1:]), profiles.stay)
    np.maximum.at(link, (at[1:], at[:-1]), profiles.stay)
    term_gram, vec_gram, function_gram = grams if grams is not None else _grams(profiles)
    term_cos = _pooled_cosine(term_gram, order, starts)
    vec_cos = _pooled_cosine(vec_gram, order, starts)
    mean_styles = (member.T @ profiles.styles) / size[:, None]
    mean_length = (member.T @ profiles.log_lengths) / size
    mean_logit = summed / np.outer(size, size)
    f: dict[str, np.ndarray | float] = {
        "sum_logit": summed,
        "mean_logit": mean_logit,
        "max_logit": largest,
        "term_cos": term_cos,
        "vec_cos": vec_cos,
        "function_cos": _pooled_cosine(function_gram, order, starts),
        "style_diff": np.abs(mean_styles[:, None, :] - mean_styles[None, :, :]).mean(axis=2),
        "length_diff": np.abs(mean_length[:, None] - mean_length[None, :]),
        "log_size_min": np.log(np.minimum(size[:, None], size[None, :])),
        "log_size_max": np.log(np.maximum(size[:, None], size[None, :])),
        "adjacent_link": link,
        "term_rel": _relative(term_cos),
        "vec_rel": _relative(vec_cos),
        "log_groups": float(np.log(g)),
        "log_sentences": float(np.log(n)),
        "mutual_best": _mutual_best(mean_logit),
        "agreement": _agreement(mean_logit),
    }
    return ids, np.stack([np.broadcast_to(f[name], (g, g)) for name in MERGE_NAMES], axis=-1)


def _grams(profiles: Profiles) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentence-by-sentence dot products of words, vectors and function words.

    Pooled cosines taken from them cost the page's length, not its vocabulary, at every merge.
    """
    terms, vectors, function_words = profiles.terms, profiles.vectors, profiles.function_words
    return terms @ terms.T, vectors @ vectors.T, function_words @ function_words.T


def _pooled(ufunc: np.ufunc, matrix: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``ufunc`` over each two groups' block of a matrix whose rows and columns are sorted by group."""
    return ufunc.reduceat(ufunc.reduceat(matrix, starts, axis=0), starts, axis=1)


def _pooled_cosine(gram: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cosine of the groups' summed rows, from the rows' dot products."""
    pooled = _pooled(np.add, gram[np.ix_(order, order)], starts)
    norms = np.sqrt(np.maximum(np.diagonal(pooled), 0.0))
    return pooled / np.maximum(np.outer(norms, norms), 1e-24)


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _cosine(rows: np.ndarray) -> np.ndarray:
    unit = _unit(rows)
    return unit @ unit.T


def _relative(sim: np.ndarray) -> np.ndarray:
    off = ~np.eye(len(sim), dtype=bool)
    values = sim[off]
    if values.size < 2:
        return np.zeros_like(sim)
    return (sim - values.mean()) / max(float(values.std()), 1e-6)


def _mutual_best(mean_logit: np.ndarray) -> np.ndarray:
    scores = mean_logit.copy()
    np.fill_diagonal(scores, -np.inf)
    best = (scores == scores.max(axis=1, keepdims=True)).astype(float)
    return (best + best.T) / 2


def _agreement(mean_logit: np.ndarray) -> np.ndarray:
    """Cosine of two groups' rows of chances with every group (each row centred): they side alike."""
    if len(mean_logit) < 3:
        return np.zeros_like(mean_logit)
    chance = 1.0 / (1.0 + np.exp(-np.clip(mean_logit, -30, 30)))
    np.fill_diagonal(chance, 0.0)
    return _cosine(chance - chance.mean(axis=1, keepdims=True))
