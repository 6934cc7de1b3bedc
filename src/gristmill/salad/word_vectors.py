"""Sentence meaning without torch: rarity-weighted means of static word vectors distilled from MiniLM.

The table (``word_vectors.npz``, 50,000 English words x 128 dimensions, int8) ships inside the package
and is rebuilt by ``tools/build_word_vectors.py`` (word list: wordfreq, CC BY-SA 4.0; vectors: MiniLM,
Apache-2.0). Two sentences that share no word but talk about the same thing ("station", "ticket
booth", "bus") come out close.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from gristmill.text.content import rarity, term_of
from gristmill.text.words import words

TABLE = Path(__file__).with_name("word_vectors.npz")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, int], np.ndarray]:
    with np.load(TABLE) as data:
        vocabulary = data["words"].tolist()
        vectors = data["vectors"].astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return {word: i for i, word in enumerate(vocabulary)}, vectors


def sentence_vectors(sentences: Sequence[str], skip: Collection[str] = ()) -> np.ndarray:
    """Return one unit-length row per sentence: its known words' vectors, weighted by rarity.

    Words whose content term (:func:`gristmill.text.content.term_of`) is in ``skip`` are left out.
    A sentence with no known word gives a zero row.
    """
    index, vectors = _table()
    out = np.zeros((len(sentences), vectors.shape[1]), dtype=np.float64)
    for row, sentence in enumerate(sentences):
        for word in words(sentence):
            lower = word.lower()
            i = index.get(lower)
            if i is not None and not (skip and term_of(word) in skip):
                out[row] += rarity(lower) * vectors[i]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def page_centred(vectors: np.ndarray) -> np.ndarray:
    """The rows less the page's mean row, each scaled to unit length (a zero row stays zero).

    Centring removes what all the page's sentences share (language, register), so cosines compare
    what sets one sentence apart from another on this page.
    """
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)
    return centred
