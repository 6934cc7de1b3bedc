"""The page score's second stage: how unlike the least alike sentence pairs of a likely stitched page are.

The coherence model (:mod:`gristmill.salad.coherence`) reads boundaries, one sentence against the next.
A page it scores at least ``gate`` is read again as a whole: a same-source pair model (the splitter's
kind of model, :mod:`gristmill.salad.pairs`, fitted apart on the tune half's fit documents) gives every
two prose sentences the log-odds that they share a source, and the page's 10th percentile of them
(``pair_q10``: how far apart its least alike tenth of pairs stand, in style as well as words) joins the
page model's log-odds in a two-weight logistic model. A page with a real topic jump keeps its author's
habits across it; sentences of other pages do not. Pages under the gate keep the first stage's score
(they are far from the threshold), and so do pages of more than :data:`PAIR_SENTENCES` prose sentences
(the pairs cost O(n²), and pairing only part of a page would miss what the rest holds). The stage is
fitted over one ``coherence.json`` (:attr:`PairEvidence.first_stage` is its threshold) and stands down,
saying so, beside another. ``pair_evidence.json`` is fitted by
``python benchmarks/salad_pair_evidence.py --write`` (docs/salad.md, "Stop 26: the pairs as evidence").
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gristmill.salad.coherence import Logistic
from gristmill.salad.pairs import PairModel

# The second stage's columns: the first stage's log-odds, and the pairs' 10th percentile.
COLUMNS = ("page_logit", "pair_q10")
MODEL_FILE = Path(__file__).with_name("pair_evidence.json")
log = logging.getLogger(__name__)
# The longest page the stage reads, in prose sentences: 40 (the longest benchmark page) keeps a page's
# pairs under 1,600; a page judged on its first 150 sentences took ~20 ms (244 docs/s at gate 0.5).
PAIR_SENTENCES = 40


def pair_q10(pairs: PairModel, features: np.ndarray) -> float:
    """The 10th percentile of the same-source log-odds over a page's pairs (``features``: n x n x k)."""
    logits = pairs.logits(features) - pairs.shift
    return float(np.quantile(logits[np.triu_indices(len(logits), 1)], 0.1))


@dataclass
class PairEvidence:
    """The same-source pair model, the page model over :data:`COLUMNS`, its gate, and its threshold.

    ``threshold`` is the default threshold of the score with this stage: the score at which it flags
    the guard pages' genuine excerpts, family pages and whole documents as often as the first stage
    does at its own (``first_stage``, the threshold of the ``coherence.json`` it was fitted over).
    """

    pairs: PairModel
    page: Logistic
    gate: float
    threshold: float
    first_stage: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairEvidence:
        """Build from the dict :meth:`to_json` writes."""
        return cls(
            PairModel.from_json(data["pairs"]),
            Logistic.from_json(data["page"]),
            float(data["gate"]),
            float(data["threshold"]),
            float(data["first_stage"]),
        )

    def to_json(self) -> dict[str, Any]:
        """The weights as plain values (rounded)."""
        return {
            "threshold": self.threshold,
            "first_stage": self.first_stage,
            "gate": self.gate,
            "page": self.page.to_json(),
            "pairs": self.pairs.to_json(),
        }

    def reads(self, probability: float, sentences: int) -> bool:
        """Whether the stage reads a page (``sentences`` prose sentences, first-stage ``probability``).

        A page under the gate, or longer than :data:`PAIR_SENTENCES`, keeps the first stage's score.
        """
        return probability >= self.gate and sentences <= PAIR_SENTENCES

    def rescore(self, probability: float, q10: float) -> float:
        """The second stage's probability for a page the first scored ``probability`` (one it reads)."""
        if not math.isfinite(q10):  # no evidence: the first stage's score stands
            return probability
        p = min(max(probability, 1e-12), 1 - 1e-12)
        return self.page.probability({"page_logit": math.log(p / (1 - p)), "pair_q10": q10})


def load(first_stage: float, path: Path = MODEL_FILE) -> PairEvidence | None:
    """The second stage as fitted over a first stage of threshold ``first_stage``, or None.

    None when the file is absent, or when it was fitted over another ``coherence.json`` (a refit of the
    first stage): its weights read that one's log-odds, so it stands down and says so in one line.
    """
    if not path.exists():
        return None
    evidence = PairEvidence.from_json(json.loads(path.read_text(encoding="utf-8")))
    if evidence.first_stage != first_stage:
        log.warning(
            "salad: %s was fitted over a coherence.json of threshold %s, not %s: the second stage is off "
            "until `python benchmarks/salad_pair_evidence.py --write` fits it again",
            path.name,
            evidence.first_stage,
            first_stage,
        )
        return None
    return evidence
