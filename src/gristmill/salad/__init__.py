"""Stitched pages (sentence salad): is a page made of pieces of several sources, and which piece is whose.

The package holds everything only the ``salad`` step uses: the page measures (``features``), the
grouping of sentences into recovered sources (``pairs``, ``correlation``, ``merging``; stop 18's
``grouping`` and ``graph``), the score's models
(``coherence``; ``pair_evidence``, its second stage), style and word-vector tools, and the
optional MiniLM embedder. docs/salad.md has the method and figures.
"""

from gristmill.salad.analysis import (
    COHERENCE,
    DEFAULT_THRESHOLD,
    FURNITURE,
    UNPLACED,
    Embedder,
    SaladAnalysis,
    analyse,
    measure,
)
from gristmill.salad.model import EMBEDDING_MODEL, ScoreModel

__all__ = [
    "COHERENCE",
    "DEFAULT_THRESHOLD",
    "EMBEDDING_MODEL",
    "FURNITURE",
    "UNPLACED",
    "Embedder",
    "SaladAnalysis",
    "ScoreModel",
    "analyse",
    "measure",
]
