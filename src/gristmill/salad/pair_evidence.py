"""The page score's second stage: how unlike the least alike sentence pairs of a likely stitched page are.

The coherence model (:mod:`gristmill.salad.coherence`) reads boundaries, one sentence against the next.
A page it scores at least ``gate`` is read again as a whole: a same-source pair model (the splitter's
kind of model, :mod:`gristmill.salad.pairs`, fitted apart on the tune half's fit documents) gives every
two prose sentences the log-odds that they share a source, and the page's 10th percentile of them
(``pair_q10``: how far apart its least alike tenth of pairs stand, in style as well as words) joins the
page model's log-odds in a two-weight logistic model. A page with a real topic jump keeps its author's
habits across it; sentences of other pages do not. Pages under the gate keep the first stage's score
(they are far from the threshold). A page of more than :data:`PAIR_SENTENCES` prose sentences is read
in overlapping windows of that many (:func:`windows`), their pairs pooled: the pairs of a whole page
cost O(n²), and the stage was fitted on pages of at most 40 (stop 27). The stage is
fitted over one ``coherence.json`` (:attr:`PairEvidence.first_stage` is its threshold) and stands down,
saying so, beside another. ``pair_evidence.json`` is fitted by
``python benchmarks/salad_pair_evidence.py --write`` (docs/salad.md, "Stop 26: the pairs as evidence").
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
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
# The most prose sentences the stage pairs at once: 40 (the longest benchmark page, the longest the
# stage was fitted on). A longer page is read in windows of 40, each STRIDE after the last (stop 27).
PAIR_SENTENCES = 40
STRIDE = 20


def pair_q10(pairs: PairModel, features: np.ndarray) -> float:
    """The 10th percentile of the same-source log-odds over a page's pairs (``features``: n x n x k)."""
    return float(np.quantile(_pair_logits(pairs, features), 0.1))


def _pair_logits(pairs: PairModel, features: np.ndarray) -> np.ndarray:
    logits = pairs.logits(features) - pairs.shift
    return logits[np.triu_indices(len(logits), 1)]


def windows(n: int) -> list[tuple[int, int]]:
    """The ``[start, end)`` windows of :data:`PAIR_SENTENCES` sentences a page of ``n`` is read in."""
    if n <= PAIR_SENTENCES:
        return [(0, n)]
    starts = list(range(0, n - PAIR_SENTENCES + 1, STRIDE))
    if starts[-1] + PAIR_SENTENCES < n:
        starts.append(n - PAIR_SENTENCES)
    return [(a, a + PAIR_SENTENCES) for a in starts]


def page_q10(
    pairs: PairModel,
    features: Callable[[int, int], np.ndarray],
    n: int,
) -> tuple[float, np.ndarray | None]:
    """``pair_q10`` of a page of ``n`` prose sentences, and its pair features when it is one window.

    ``features(a, b)`` gives the pair features of sentences ``a`` to ``b``, measured as on a page of
    their own (the windows the stage was fitted on). A longer page pools every window's pairs: the
    percentile of all of them, not the lowest window's (which would fall with the number of windows,
    on genuine pages too); a pair two windows share counts twice.
    """
    if n <= PAIR_SENTENCES:
        rows = features(0, n)
        return pair_q10(pairs, rows), rows
    pooled = np.concatenate([_pair_logits(pairs, features(a, b)) for a, b in windows(n)])
    return float(np.quantile(pooled, 0.1)), None


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

    def reads(self, probability: float) -> bool:
        """Whether the stage reads a page the first stage scored ``probability`` (not under the gate)."""
        return probability >= self.gate

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
