"""Stitched pages (sentence salad): is a page made of pieces of several sources, and which piece is whose.

The package holds everything only the ``salad`` step uses: the page measures (``features``), the
grouping of sentences into recovered sources (``pairs``, ``correlation``, ``merging``; stop 18's
``grouping`` and ``graph``), the score's model (``model``), style and word-vector tools, and the
optional MiniLM embedder. docs/salad.md has the method and figures.
"""

from gristmill.salad.analysis import COHERENCE, FURNITURE, UNPLACED, Embedder, SaladAnalysis, analyse, measure
from gristmill.salad.model import EMBEDDING_MODEL, ScoreModel

__all__ = [
    "COHERENCE",
    "EMBEDDING_MODEL",
    "FURNITURE",
    "UNPLACED",
    "Embedder",
    "SaladAnalysis",
    "ScoreModel",
    "analyse",
    "measure",
]
