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
from gristmill.text.graph import average_linkage, spectral_partition
from gristmill.text.hashing import hash64
from gristmill.text.sentences import sentence_spans
from gristmill.text.words import words

FURNITURE = -1
UNPLACED = -2
MIN_SENTENCES = 6
MAX_SENTENCES = 400
MAX_SOURCES = 8
_PERMUTATIONS = 48
_NULLS = 3
CLUSTERING = "average"
MERGE_CENTROIDS = 0.15
ORDERED_Z = 2.0
SECOND_ORDER = 0.5
ORDER_LINK = 2.0
# How much an orphan opening / a repeated long sentence cuts the odds that a page is whole. No page of
# 847 whole genuine documents (dolma web text, news gold, WikiText) opens with an orphan; 8% of the
# web pages repeat a long sentence (docs/salad.md).
ORPHAN_EVIDENCE = 0.8
REPEAT_EVIDENCE = 0.2

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
    "local_z": 0.365,
    "separation": 0.428,
    "cross": -0.427,
    "isolated": 0.361,
    "listlike": -2.279,
    "largest_share": -0.623,
    "disorder": 0.822,
    "log_sentences": -1.217,
    "groups": 1.171,
}
MEANS: dict[str, float] = {
    "local_z": 1.4923,
    "separation": 0.0588,
    "cross": -3.0811,
    "isolated": 0.1858,
    "listlike": 0.2627,
    "largest_share": 0.5402,
    "disorder": 1.3378,
    "log_sentences": 3.1458,
    "groups": 2.7689,
}
SCALES: dict[str, float] = {
    "local_z": 2.6168,
    "separation": 0.1437,
    "cross": 1.3174,
    "isolated": 0.2078,
    "listlike": 0.3596,
    "largest_share": 0.2063,
    "disorder": 1.1427,
    "log_sentences": 0.5321,
    "groups": 1.5563,
}
BIAS = -1.663
# The tune half's 98th percentile of genuine pages' scores (benchmarks/salad.py --fit).
DEFAULT_THRESHOLD = 0.8


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
        if f.get("repeated_sentence"):
            out.append("repeated_sentence")
        return out


def analyse(
    text: str, *, threshold: float = DEFAULT_THRESHOLD, copied_fraction: float | None = None
) -> SaladAnalysis:
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
    matrix = term_matrix(terms)
    sim = cosine_matrix(matrix)
    features = {
        "local_z": _local_z(sim, rng),
        "orphan_opening": float(bool(orphans) and orphans[0] == prose[0]),
        "isolated": float(np.mean(sim.sum(axis=1) == 0)),
        "listlike": _listlike(text),
    }
    features["disorder"] = max(0.0, 2.0 - features["local_z"])
    max_k = max(2, min(MAX_SOURCES, len(prose) // 3))
    partition = average_linkage if CLUSTERING == "average" else spectral_partition
    found, q = partition(sim, max_k)
    null_q = np.mean([partition(_null_similarity(terms, rng), max_k)[1] for _ in range(_NULLS)])
    features["separation"] = float(q - null_q)
    if SECOND_ORDER or features["local_z"] >= ORDERED_Z:
        found, _ = partition(_grouping_graph(sim, features["local_z"]), max_k)
    found = _refine(found, matrix, sim, features["local_z"])
    features["cross"] = math.log(_cross_ratio(sim, found) + 0.01)
    placed = found[found >= 0]
    features["log_sentences"] = math.log(len(prose))
    features["groups"] = float(sum(1 for size in Counter(placed.tolist()).values() if size >= 3))
    features["largest_share"] = (
        Counter(placed.tolist()).most_common(1)[0][1] / len(placed) if len(placed) else 1.0
    )
    features["repeated_sentence"] = float(_repeats(sentences, prose))
    z = BIAS + sum(WEIGHTS[k] * (features[k] - MEANS[k]) / SCALES[k] for k in WEIGHTS)
    score = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    # Evidence of assembly from pieces, independent of topic: each cuts the chance the page is whole.
    score = 1.0 - (1.0 - score) * (1.0 - ORPHAN_EVIDENCE * features["orphan_opening"]) * (
        1.0 - REPEAT_EVIDENCE * features["repeated_sentence"]
    )
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


def _grouping_graph(sim: np.ndarray, local_z: float) -> np.ndarray:
    """The graph sentences are grouped on: direct similarity, plus shared neighbours, plus order.

    Two sentences of one source often share no word but share neighbours; and where the page's order
    is coherent (its neighbours share far more than chance), neighbours belong together.
    """
    graph = sim.copy()
    if SECOND_ORDER:
        two = sim @ sim
        np.fill_diagonal(two, 0.0)
        top = two.max()
        if top > 0:
            graph += SECOND_ORDER * two * (sim.max() / top)
    if local_z >= ORDERED_Z:
        link = float(sim[sim > 0].mean()) if (sim > 0).any() else 0.0
        n = len(graph)
        graph[np.arange(n - 1), np.arange(1, n)] += ORDER_LINK * link
        graph[np.arange(1, n), np.arange(n - 1)] += ORDER_LINK * link
    return graph


def _refine(found: np.ndarray, matrix: np.ndarray, sim: np.ndarray, local_z: float) -> np.ndarray:
    """Merge groups whose centroids are alike, then give each loose sentence its nearest group.

    A source's sentences often share little pairwise yet their pooled words still match: pooling is
    what joins the pieces a sentence graph splits. On a page whose order is coherent (blocks), a loose
    sentence goes with its neighbours.
    """
    labels = found.copy()
    while True:
        groups = sorted(set(labels[labels >= 0].tolist()))
        if len(groups) < 2:
            break
        centroid = cosine_matrix(np.array([matrix[labels == g].sum(axis=0) for g in groups]))
        a, b = np.unravel_index(int(np.argmax(centroid)), centroid.shape)
        if centroid[a, b] < MERGE_CENTROIDS:
            break
        labels[labels == groups[b]] = groups[a]
    sizes = Counter(labels[labels >= 0].tolist())
    for g, size in sizes.items():
        if size < 2:
            labels[labels == g] = -1
    groups = sorted(g for g, size in sizes.items() if size >= 2)
    if not groups:
        return labels
    centroids = np.array([matrix[labels == g].sum(axis=0) for g in groups])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    norms = np.linalg.norm(matrix, axis=1)
    for i in np.flatnonzero(labels < 0):
        if local_z >= ORDERED_Z:
            near = [labels[j] for j in (i - 1, i + 1) if 0 <= j < len(labels) and labels[j] >= 0]
            if near:
                labels[i] = near[0]
                continue
        if norms[i] > 0:
            fit = centroids @ (matrix[i] / norms[i])
            if fit.max() > 0:
                labels[i] = groups[int(np.argmax(fit))]
    return labels


def _repeats(sentences: list[str], prose: list[int]) -> bool:
    """Whether a sentence of 10+ words appears twice on the page."""
    seen: set[str] = set()
    for i in prose:
        if len(words(sentences[i])) >= 10:
            key = " ".join(words(sentences[i].lower()))
            if key in seen:
                return True
            seen.add(key)
    return False


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
