"""The splitter's learned "same source" model: for two sentences of a page, the chance they share a source.

Used only to split a page already judged stitched; the page score never reads it. The features of a
pair: how much the two sentences share (word and word-vector cosines, raw and against the page's own
pairs; shared neighbours; shared names and numbers), how their styles differ (person, tense, marks,
length), how far apart they stand, the boundary model's seam chances between them, and the two
sentences pooled with their neighbours across boundaries that are likely not seams. A second model
reads the first one's answers again with how far the two sentences agree about every other sentence
of the page (if both go with the same others, they go together). Both are small one-layer perceptrons
(``splitter.json``) fitted by ``python benchmarks/salad.py --fit-split`` on stitched pages of the
benchmark's tune half, many recipes mixed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gristmill.salad.coherence import Perceptron
from gristmill.salad.transitions import _names
from gristmill.text.content import STOPWORDS
from gristmill.text.words import words

PAIR_NAMES = (
    "word_cos",  # word-weight cosine
    "vec_cos",  # page-centred word-vector cosine
    "word_rel",  # word_cos against the page's pairs: (x - mean) / spread
    "vec_rel",
    "shared_neighbours",  # cosine of the two sentences' rows of similarities (second order)
    "mutual_near",  # each is among the other's 3 most similar sentences (0, 0.5 or 1)
    "shared_names",  # names both mention (log 1 + count)
    "shared_numbers",
    "person_diff",  # grammatical persons used by one and not the other (share)
    "tense_diff",
    "marks_diff",  # typographic marks (apostrophes, quotes, dashes, digits, brackets)
    "length_diff",  # |log length ratio|
    "adjacent",
    "log_distance",
    "no_seam",  # log-chance that no boundary between them is a seam (boundaries independent)
    "max_seam",  # the most seam-like boundary between them
    "distance_x_page_seams",  # log distance times the page's mean seam chance: shuffled pages
    "no_seam_x_page_seams",
    "word_context",  # word cosine of the two sentences pooled with their neighbours across likely non-seams
    "vec_context",
    "word_context_rel",
    "vec_context_rel",
    "function_words",  # cosine of the two sentences' function-word counts (a writer's habits)
    "raw_vec_cos",  # word-vector cosine before centring on the page
    "log_sentences",  # the page's length
    "page_word_cos",  # the page's mean word cosine: how much all its sentences share (one subject)
    "page_vec_cos",
)
_PERSON = slice(0, 6)
_TENSE = slice(6, 9)
_MARKS = slice(9, None)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
NEAR = 3


def pair_features(
    sentences: Sequence[str],
    lexical: np.ndarray,
    vectors: np.ndarray,
    styles: np.ndarray,
    chances: np.ndarray,
) -> np.ndarray:
    """An n x n x len(:data:`PAIR_NAMES`) array of pair features (symmetric; the diagonal is unused).

    ``lexical`` is the word cosine matrix, ``vectors`` the sentences' word-vector rows, ``styles``
    their :func:`gristmill.salad.style.style_matrix`, ``chances`` the n - 1 boundaries' seam chances.
    """
    n = len(sentences)
    out = np.zeros((n, n, len(PAIR_NAMES)))
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)
    vec = np.einsum("ik,jk->ij", centred, centred)
    np.fill_diagonal(vec, 0.0)
    off = ~np.eye(n, dtype=bool)
    out[..., 0] = lexical
    out[..., 1] = vec
    out[..., 2] = _relative(lexical, off)
    out[..., 3] = _relative(vec, off)
    joint = np.maximum(lexical, 0.0) + np.maximum(vec, 0.0)
    out[..., 4] = _second_order(joint)
    rank = np.argsort(-np.where(off, joint, -np.inf), axis=1)[:, : min(NEAR, n - 1)]
    near = np.zeros((n, n))
    near[np.repeat(np.arange(n), rank.shape[1]), rank.ravel()] = 1.0
    out[..., 5] = (near + near.T) / 2
    out[..., 6] = np.log1p(_shared([_names(s) for s in sentences]))
    out[..., 7] = np.log1p(_shared([set(_NUMBER.findall(s)) for s in sentences]))
    for k, part in ((8, _PERSON), (9, _TENSE), (10, _MARKS)):
        block = styles[:, part]
        out[..., k] = np.abs(block[:, None, :] - block[None, :, :]).mean(axis=2)
    length = np.log([max(1, len(s)) for s in sentences])
    out[..., 11] = np.abs(length[:, None] - length[None, :])
    index = np.arange(n)
    distance = np.abs(index[:, None] - index[None, :])
    out[..., 12] = distance == 1
    out[..., 13] = np.log(np.maximum(distance, 1))
    # Cumulative sums over boundaries: boundary k lies between sentences k and k + 1.
    keep = np.concatenate([[0.0], np.cumsum(np.log(np.clip(1.0 - chances, 1e-4, 1.0)))])
    lo, hi = np.minimum(index[:, None], index[None, :]), np.maximum(index[:, None], index[None, :])
    out[..., 14] = keep[hi] - keep[lo]
    out[..., 15] = _range_max(chances, n)
    page_seams = float(chances.mean()) if len(chances) else 0.0
    out[..., 16] = out[..., 13] * page_seams
    out[..., 17] = out[..., 14] * page_seams
    pool = _context_weights(chances, n)
    for k, sim in ((18, lexical), (19, vec)):
        out[..., k] = _pooled_cosine(sim, pool)
        out[..., k + 2] = _relative(out[..., k], off)
    out[..., 22] = _function_cosine(sentences)
    raw = np.einsum("ik,jk->ij", vectors, vectors)
    np.fill_diagonal(raw, 0.0)
    out[..., 23] = raw
    out[..., 24] = np.log(n)
    out[..., 25] = float(lexical[off].mean()) if n > 1 else 0.0
    out[..., 26] = float(raw[off].mean()) if n > 1 else 0.0
    return out


def _function_cosine(sentences: Sequence[str]) -> np.ndarray:
    """Cosine of the sentences' counts of function words."""
    index = {w: i for i, w in enumerate(sorted(STOPWORDS))}
    counts = np.zeros((len(sentences), len(index)))
    for row, sentence in enumerate(sentences):
        for word in words(sentence):
            i = index.get(word.lower())
            if i is not None:
                counts[row, i] += 1.0
    counts /= np.maximum(np.linalg.norm(counts, axis=1, keepdims=True), 1e-12)
    out = np.einsum("ik,jk->ij", counts, counts)
    np.fill_diagonal(out, 0.0)
    return out


def _context_weights(chances: np.ndarray, n: int) -> np.ndarray:
    """Each sentence with its neighbours up to two away, weighed by the chance no seam lies between."""
    stay = 1.0 - chances
    pool = np.eye(n)
    idx = np.arange(n - 1)
    pool[idx, idx + 1] = pool[idx + 1, idx] = stay
    if n > 2:
        two = stay[:-1] * stay[1:]
        idx2 = np.arange(n - 2)
        pool[idx2, idx2 + 2] = pool[idx2 + 2, idx2] = two
    return pool


def _pooled_cosine(sim: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Cosine of the pooled unit rows, from the rows' cosines alone: pool @ gram @ pool.T, normalised."""
    gram = sim.copy()
    np.fill_diagonal(gram, 1.0)
    pooled = pool @ gram @ pool.T
    norms = np.sqrt(np.maximum(np.diagonal(pooled), 1e-12))
    out = pooled / np.outer(norms, norms)
    np.fill_diagonal(out, 0.0)
    return out


def _relative(sim: np.ndarray, off: np.ndarray) -> np.ndarray:
    values = sim[off]
    spread = float(values.std()) if values.size else 0.0
    return (sim - float(values.mean() if values.size else 0.0)) / max(spread, 1e-6)


def _second_order(sim: np.ndarray) -> np.ndarray:
    """Cosine of two sentences' rows of similarities to the others (their shared neighbours)."""
    rows = sim / np.maximum(np.linalg.norm(sim, axis=1, keepdims=True), 1e-12)
    two = np.einsum("ik,jk->ij", rows, rows)
    np.fill_diagonal(two, 0.0)
    return two


def _shared(sets: list[set[str]]) -> np.ndarray:
    """How many items each two sets share."""
    vocab: dict[str, int] = {}
    for items in sets:
        for item in items:
            vocab.setdefault(item, len(vocab))
    if not vocab:
        return np.zeros((len(sets), len(sets)))
    member = np.zeros((len(sets), len(vocab)))
    for row, items in enumerate(sets):
        member[row, [vocab[x] for x in items]] = 1.0
    return np.einsum("ik,jk->ij", member, member)


def _range_max(chances: np.ndarray, n: int) -> np.ndarray:
    """For each two sentences, the largest seam chance of the boundaries between them (0 for one)."""
    out = np.zeros((n, n))
    for i in range(n - 1):
        out[i, i + 1 :] = np.maximum.accumulate(chances[i:])
    return np.maximum(out, out.T)


SECOND_NAMES = (*PAIR_NAMES, "first_logit", "agreement", "through_others")


@dataclass
class PairModel:
    """The two pair models and the log-odds added before clustering (a prior toward fewer groups)."""

    first: Perceptron
    second: Perceptron
    shift: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairModel:
        """Build from the dict :meth:`to_json` writes."""
        return cls(Perceptron.from_json(data["first"]), Perceptron.from_json(data["second"]), data["shift"])

    def to_json(self) -> dict[str, Any]:
        """The weights as plain lists (rounded)."""
        return {"first": self.first.to_json(), "second": self.second.to_json(), "shift": self.shift}

    def logits(self, features: np.ndarray) -> np.ndarray:
        """The log-odds that each two sentences share a source (n x n, symmetric, diagonal 0)."""
        first = pair_logits(self.first, features)
        second = pair_logits(self.second, np.concatenate([features, agreement(first)], axis=-1))
        second += self.shift
        np.fill_diagonal(second, 0.0)
        return second


def pair_logits(model: Perceptron, features: np.ndarray) -> np.ndarray:
    """One model's log-odds over an n x n x features array, made symmetric, diagonal 0."""
    n = features.shape[0]
    logits = model.logits(features.reshape(n * n, -1)).reshape(n, n)
    logits = (logits + logits.T) / 2
    np.fill_diagonal(logits, 0.0)
    return logits


def agreement(logits: np.ndarray) -> np.ndarray:
    """The second model's extra features: the first log-odds, and how two sentences agree about the rest.

    Agreement: the cosine of their rows of chances (each row centred), and the mean over the other
    sentences of both chances together.
    """
    n = len(logits)
    chance = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
    np.fill_diagonal(chance, 0.0)
    centred = chance - chance.mean(axis=1, keepdims=True)
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
    alike = np.einsum("ik,jk->ij", centred, centred)
    through = np.einsum("ik,jk->ij", chance, chance) / max(n - 2, 1)
    return np.stack([logits, alike, through], axis=-1)


def cluster(logits: np.ndarray, max_k: int) -> np.ndarray:
    """Group sentences so that pairs within a group have positive log-odds overall (correlation clustering).

    Groups merge greedily, the pair whose summed log-odds across is highest first, while that sum is
    positive (or while there are more than ``max_k`` groups); then each sentence moves to the group it
    fits best, until none moves.
    """
    n = len(logits)
    labels = np.arange(n)
    across = logits.copy()  # summed log-odds between groups, by group id
    np.fill_diagonal(across, -np.inf)
    alive = np.ones(n, dtype=bool)
    groups = n
    while groups > 1:
        masked = np.where(alive[:, None] & alive[None, :], across, -np.inf)
        a, b = np.unravel_index(int(np.argmax(masked)), masked.shape)
        if masked[a, b] <= 0 and groups <= max_k:
            break
        across[a, :] += across[b, :]
        across[:, a] += across[:, b]
        across[a, a] = -np.inf
        alive[b] = False
        labels[labels == b] = a
        groups -= 1
    return _first_appearance(_moves(labels, logits))


def _moves(labels: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """Move each sentence to the group whose members' summed log-odds with it is highest."""
    labels = labels.copy()
    for _ in range(4 * len(labels)):
        ids = np.unique(labels)
        member = (labels[:, None] == ids[None, :]).astype(float)
        fit = logits @ member  # the diagonal is 0: a sentence's own log-odds do not count
        best = ids[np.argmax(fit, axis=1)]
        own = fit[np.arange(len(labels)), np.searchsorted(ids, labels)]
        better = fit.max(axis=1) > own + 1e-9
        if not better.any():
            break
        i = int(np.argmax(np.where(better, fit.max(axis=1) - own, -np.inf)))
        labels[i] = best[i]  # one at a time: moving all at once can swap two sentences forever
    return labels


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    order: dict[int, int] = {}
    return np.array([order.setdefault(int(x), len(order)) for x in labels], dtype=np.int64)


def load(path: Path) -> PairModel:
    """Read the pair models from their JSON file."""
    return PairModel.from_json(json.loads(path.read_text(encoding="utf-8")))


MODEL_FILE = Path(__file__).with_name("splitter.json")
