"""The embeddings path's logistic model over page measures (``embeddings: true``; stop 8's fit)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ScoreModel:
    """Logistic weights over standardised features and the default threshold.

    Fitted on the benchmark's tune half by ``python benchmarks/salad.py --fit [--embeddings]``
    (docs/salad.md); the reported half never saw them.
    """

    weights: dict[str, float]
    means: dict[str, float]
    scales: dict[str, float]
    bias: float
    threshold: float  # the higher of the tune half's per-kind 98th percentiles of genuine pages

    @classmethod
    def load(cls, name: str) -> ScoreModel:
        """Read a model from the JSON file ``name`` beside this module."""
        data = json.loads((Path(__file__).parent / name).read_text(encoding="utf-8"))
        return cls(data["weights"], data["means"], data["scales"], data["bias"], data["threshold"])


EMBEDDING_MODEL = ScoreModel.load("weights_embeddings.json")
