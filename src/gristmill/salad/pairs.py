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
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gristmill.salad.coherence import Perceptron
from gristmill.salad.transitions import page_names
from gristmill.salad.word_vectors import page_centred
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
_FUNCTION_INDEX = {w: i for i, w in enumerate(sorted(STOPWORDS))}


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
    off = ~np.eye(n, dtype=bool)
    centred = page_centred(vectors)
    vec, raw = gram(centred), gram(vectors)
    joint = np.maximum(lexical, 0.0) + np.maximum(vec, 0.0)
    index = np.arange(n)
    distance = np.abs(index[:, None] - index[None, :])
    # Boundary k lies between sentences k and k + 1: sums over the boundaries between i < j by cumsum.
    keep = np.concatenate([[0.0], np.cumsum(np.log(np.clip(1.0 - chances, 1e-4, 1.0)))])
    no_seam = (
        keep[np.maximum(index[:, None], index[None, :])] - keep[np.minimum(index[:, None], index[None, :])]
    )
    page_seams = float(chances.mean()) if len(chances) else 0.0
    pool = _context_weights(chances, n)
    length = np.log([max(1, len(s)) for s in sentences])
    f = {
        "word_cos": lexical,
        "vec_cos": vec,
        "word_rel": _relative(lexical, off),
        "vec_rel": _relative(vec, off),
        "shared_neighbours": _second_order(joint),
        "mutual_near": _mutual_near(joint, off),
        "shared_names": np.log1p(_shared(page_names(sentences))),
        "shared_numbers": np.log1p(_shared([set(_NUMBER.findall(s)) for s in sentences])),
        "length_diff": np.abs(length[:, None] - length[None, :]),
        "adjacent": (distance == 1).astype(float),
        "log_distance": np.log(np.maximum(distance, 1)),
        "no_seam": no_seam,
        "max_seam": _range_max(chances, n),
        "distance_x_page_seams": np.log(np.maximum(distance, 1)) * page_seams,
        "no_seam_x_page_seams": no_seam * page_seams,
        "word_context": _pooled_cosine(lexical, pool),
        "vec_context": _pooled_cosine(vec, pool),
        "function_words": _function_cosine(sentences),
        "raw_vec_cos": raw,
        "log_sentences": math.log(n),
        "page_word_cos": float(lexical[off].mean()) if n > 1 else 0.0,
        "page_vec_cos": float(raw[off].mean()) if n > 1 else 0.0,
    }
    f["word_context_rel"] = _relative(f["word_context"], off)
    f["vec_context_rel"] = _relative(f["vec_context"], off)
    for name, part in (("person_diff", _PERSON), ("tense_diff", _TENSE), ("marks_diff", _MARKS)):
        block = styles[:, part]
        f[name] = np.abs(block[:, None, :] - block[None, :, :]).mean(axis=2)
    return np.stack([np.broadcast_to(f[name], (n, n)) for name in PAIR_NAMES], axis=-1)


def gram(rows: np.ndarray) -> np.ndarray:
    """Dot products of the rows, diagonal 0 (of unit rows: their cosines).

    By einsum, not BLAS: at ~150 rows a threaded BLAS spends more time starting threads than
    multiplying (5 ms against 1.4 ms of CPU on the 2-core machine).
    """
    out = np.einsum("ik,jk->ij", rows, rows)
    np.fill_diagonal(out, 0.0)
    return out


def _mutual_near(sim: np.ndarray, off: np.ndarray) -> np.ndarray:
    """1 when each of two sentences is among the other's :data:`NEAR` most similar, 0.5 when one is."""
    n = len(sim)
    rank = np.argsort(-np.where(off, sim, -np.inf), axis=1)[:, : min(NEAR, n - 1)]
    near = np.zeros((n, n))
    near[np.repeat(np.arange(n), rank.shape[1]), rank.ravel()] = 1.0
    return (near + near.T) / 2


def function_counts(sentences: Sequence[str]) -> np.ndarray:
    """Each sentence's counts of function words (one column per word of ``STOPWORDS``)."""
    index = _FUNCTION_INDEX
    counts = np.zeros((len(sentences), len(index)))
    for row, sentence in enumerate(sentences):
        for word in words(sentence):
            i = index.get(word.lower())
            if i is not None:
                counts[row, i] += 1.0
    return counts


def _function_cosine(sentences: Sequence[str]) -> np.ndarray:
    """Cosine of the sentences' counts of function words."""
    counts = function_counts(sentences)
    counts /= np.maximum(np.linalg.norm(counts, axis=1, keepdims=True), 1e-12)
    return gram(counts)


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
    return gram(sim / np.maximum(np.linalg.norm(sim, axis=1, keepdims=True), 1e-12))


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
    """The two pair models and the log-odds added before clustering (a prior toward fewer groups).

    ``merge``, when fitted, is the group model of :mod:`gristmill.salad.merging` (stop 23), with the
    log-odds ``merge_shift`` added to its answers.
    """

    first: Perceptron
    second: Perceptron
    shift: float
    merge: Perceptron | None = None
    merge_shift: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairModel:
        """Build from the dict :meth:`to_json` writes."""
        merge = Perceptron.from_json(data["merge"]) if "merge" in data else None
        return cls(
            Perceptron.from_json(data["first"]),
            Perceptron.from_json(data["second"]),
            data["shift"],
            merge,
            float(data.get("merge_shift", 0.0)),
        )

    def to_json(self) -> dict[str, Any]:
        """The weights as plain lists (rounded)."""
        out = {"first": self.first.to_json(), "second": self.second.to_json(), "shift": self.shift}
        if self.merge is not None:
            out.update(merge=self.merge.to_json(), merge_shift=self.merge_shift)
        return out

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


def load(path: Path) -> PairModel:
    """Read the pair models from their JSON file."""
    return PairModel.from_json(json.loads(path.read_text(encoding="utf-8")))


MODEL_FILE = Path(__file__).with_name("splitter.json")
