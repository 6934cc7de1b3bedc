"""The page score's second stage: how unlike the least alike sentence pairs of a likely stitched page are.

The coherence model (:mod:`gristmill.salad.coherence`) reads boundaries, one sentence against the next.
A page it scores at least ``gate`` is read again as a whole: a same-source pair model (the splitter's
kind of model, :mod:`gristmill.salad.pairs`, fitted apart on the tune half's fit documents) gives every
two prose sentences the log-odds that they share a source, and the page's 10th percentile of them
(``pair_q10``: how far apart its least alike tenth of pairs stand, in style as well as words) joins the
page model's log-odds in a two-weight logistic model. A page with a real topic jump keeps its author's
habits across it; sentences of other pages do not. Pages under the gate keep the first stage's score:
they are far from the threshold, and the pairs cost O(n²), so only the first :data:`PAIR_SENTENCES`
prose sentences are paired. ``pair_evidence.json`` is fitted by
``python benchmarks/salad.py --fit-pair-evidence`` (docs/salad.md, "Stop 26").
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gristmill.salad.coherence import Logistic
from gristmill.salad.pairs import PairModel, pair_features

# The second stage's columns: the first stage's log-odds, and the pairs' 10th percentile.
COLUMNS = ("page_logit", "pair_q10")
MODEL_FILE = Path(__file__).with_name("pair_evidence.json")
# Prose sentences paired: 40 (the longest benchmark page) keeps a page's pairs under 1,600, where
# a page judged on its first 150 sentences took ~20 ms and the salad step fell to 244 docs/s.
PAIR_SENTENCES = 40


def first_pairs(
    sentences: Sequence[str],
    lexical: np.ndarray,
    vectors: np.ndarray,
    styles: np.ndarray,
    chances: np.ndarray,
) -> np.ndarray:
    """:func:`~gristmill.salad.pairs.pair_features` of the page's first :data:`PAIR_SENTENCES` sentences."""
    k = min(len(sentences), PAIR_SENTENCES)
    return pair_features(sentences[:k], lexical[:k, :k], vectors[:k], styles[:k], chances[: k - 1])


def pair_q10(pairs: PairModel, features: np.ndarray) -> float:
    """The 10th percentile of the same-source log-odds over a page's pairs (``features``: n x n x k)."""
    logits = pairs.logits(features) - pairs.shift
    return float(np.quantile(logits[np.triu_indices(len(logits), 1)], 0.1))


@dataclass
class PairEvidence:
    """The same-source pair model, the page model over :data:`COLUMNS`, its gate, and its threshold.

    ``threshold`` is the default threshold of the score with this stage, set by the documented rule.
    """

    pairs: PairModel
    page: Logistic
    gate: float
    threshold: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairEvidence:
        """Build from the dict :meth:`to_json` writes."""
        return cls(
            PairModel.from_json(data["pairs"]),
            Logistic.from_json(data["page"]),
            float(data["gate"]),
            float(data["threshold"]),
        )

    def to_json(self) -> dict[str, Any]:
        """The weights as plain values (rounded)."""
        return {
            "threshold": self.threshold,
            "gate": self.gate,
            "page": self.page.to_json(),
            "pairs": self.pairs.to_json(),
        }

    def rescore(self, probability: float, q10: float) -> float:
        """The second stage's probability for a page the first scored ``probability`` (at least the gate)."""
        p = min(max(probability, 1e-12), 1 - 1e-12)
        return self.page.probability({"page_logit": math.log(p / (1 - p)), "pair_q10": q10})


def load(path: Path = MODEL_FILE) -> PairEvidence | None:
    """The second stage as fitted, or None when its file is absent (the first stage's score stands)."""
    if not path.exists():
        return None
    return PairEvidence.from_json(json.loads(path.read_text(encoding="utf-8")))
