"""Sentence-salad analysis: is a page stitched from several sources, and which sentence came from where.

The measures (each is a number in :attr:`SaladAnalysis.features`; docs/salad.md has their figures):

- ``local_z`` / ``disorder``: how much more sentences 1-3 apart share than the same sentences in
  random order, in standard deviations of the page's own shuffles. Real prose runs high; shuffled
  salad sits near 0.
- ``separation``: modularity of the best split of the sentence graph, less the modularity the same
  words give when dealt out at random to sentences of the same lengths.
- ``cross``: similarity across recovered groups over similarity within them (log).
- ``best_cut``: the least similarity across any cut of the page in two, over within (log): blocks.
- ``top_term_share`` / ``top_terms_cover``: how much of the page its commonest topical terms cover.
- ``largest_share``, ``groups``, ``isolated``: the shape of the grouping.
- ``listlike``: share of lines opening the same list-like way (time stamps, "Q:", numbering, "Term:").
- ``paragraph_z``: how much more neighbours inside a paragraph share than neighbours across a break,
  against random placements of the breaks: an author breaks paragraphs where the subject turns.
- ``style_z``: how much more the recovered groups differ in grammatical person, tense and typography
  than random groups of the same sentences (``gristmill.text.style``): sources differ in style, one
  author does not.

A logistic model over these gives the topic score. Three assembly cues that do not depend on topic
then each cut the odds that the page is whole: an orphan opening ("And he could do so…"), a long
sentence repeated, furniture inside a line of prose. Furniture (copyright lines, sign-up calls,
addresses) is set aside before any measure and never goes into a recovered source.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gristmill.text.content import content_terms, cosine_matrix, stopword_share, term_matrix
from gristmill.text.furniture import furniture_kind
from gristmill.text.graph import average_linkage, spectral_partition
from gristmill.text.hashing import hash64
from gristmill.text.sentences import sentence_spans
from gristmill.text.style import between_group_share, between_group_shares, style_matrix
from gristmill.text.word_vectors import sentence_vectors
from gristmill.text.words import words

# Sentence labels besides a source cluster (0, 1, ...).
FURNITURE = -1
UNPLACED = -2
_LOOSE = -1  # inside the grouping: a sentence in no group yet

MIN_SENTENCES = 6  # fewer prose sentences: not judged (score 0)
MIN_ENGLISH = 0.25  # English prose has 40-50% function words; below this share: not judged
MAX_SENTENCES = 400  # longer pages are judged on their first 400 prose sentences
MAX_SOURCES = 8

# Random baselines: orders for local_z, random word deals for separation.
_PERMUTATIONS = 200
_NULLS = 4
_STYLE_PERMUTATIONS = 50
WINDOW = 3  # local_z counts neighbours up to this far apart
TOPICAL_RARITY = 2.0  # a term this rare or rarer can name a page's subject

# Grouping (docs/salad.md, "Grouping"); values chosen on the tune half's 3+-source pages.
CLUSTERING = "average"  # or "spectral"
KNN = 3
SECOND_ORDER = 0.5
ORDERED_Z = 2.0
ORDER_LINK = 2.0
MERGE_CENTROIDS = 0.15
REASSIGN_ROUNDS = 5
EMBEDDING_MIX = 1.0
WORD_VECTOR_MIX = 0.25  # weight of static word vectors in the words-only grouping (tune half)

# How much each assembly cue cuts the chance that a page is whole, in step with how rare the cue is
# on whole pages: no page of 847 whole genuine documents (dolma web text, news gold, WikiText) opens
# with an orphan; 0.7% of 878 have furniture inside a line of prose; 11% of the web pages repeat a
# long sentence (docs/salad.md).
ORPHAN_EVIDENCE = 0.9
INSIDE_EVIDENCE = 0.7
REPEAT_EVIDENCE = 0.3

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

Embedder = Callable[[list[str]], np.ndarray]


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


LEXICAL_MODEL = ScoreModel.load("salad_weights.json")
EMBEDDING_MODEL = ScoreModel.load("salad_weights_embeddings.json")


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
        """Say in words which measures point at stitching (for ``gristmill inspect``).

        The cut-offs are the medians over the stitched pages of the benchmark's tune half
        (``local_z``: half way between shuffled pages and genuine ones).
        """
        f = self.features
        out = []
        if f.get("local_z", 99.0) < 1.0:
            out.append("neighbours_unrelated")
        if f.get("best_cut", 0.0) < -2.4:
            out.append("sharp_cut")
        if f.get("top_terms_cover", 1.0) < 0.31:
            out.append("no_common_subject")
        if f.get("cross", 0.0) < -3.6:
            out.append("separate_topic_groups")
        for cue in ("orphan_opening", "repeated_sentence", "furniture_inside_prose"):
            if f.get(cue):
                out.append(cue)
        return out


def analyse(
    text: str,
    *,
    threshold: float | None = None,
    copied_fraction: float | None = None,
    embed: Embedder | None = None,
) -> SaladAnalysis:
    """Measure how stitched ``text`` is and assign each sentence to a recovered source.

    ``embed``, when given, maps sentences to vectors (one row each); their page-centred cosine joins
    the word overlap, and the score uses the weights fitted with embeddings.
    """
    model = EMBEDDING_MODEL if embed is not None else LEXICAL_MODEL
    if threshold is None:
        threshold = model.threshold
    spans = sentence_spans(text)
    sentences = [text[a:b] for a, b in spans]
    furniture = {i: kind for i, s in enumerate(sentences) if (kind := furniture_kind(s))}
    prose = [i for i in range(len(sentences)) if i not in furniture][:MAX_SENTENCES]
    terms = [content_terms(sentences[i]) for i in prose]
    labels = [FURNITURE if i in furniture else UNPLACED for i in range(len(sentences))]
    orphans = [i for i in prose if _ORPHAN.match(sentences[i])]
    # The measures are built on English words: a page that is not English prose is not judged.
    if len(prose) < MIN_SENTENCES or stopword_share(" ".join(sentences[i] for i in prose)) < MIN_ENGLISH:
        for i in prose:
            labels[i] = 0
        return SaladAnalysis(0.0, 1, spans, labels, furniture, {}, orphans)

    # Seeded by the prose alone, so furniture and layout do not move the random baselines.
    rng = np.random.default_rng(hash64("\n".join(sentences[i] for i in prose)) % (2**32))
    matrix = term_matrix(terms)
    lexical = cosine_matrix(matrix)
    vectors = matrix if embed is None else _with_embeddings(matrix, embed([sentences[i] for i in prose]))
    sim = lexical if embed is None else np.maximum(cosine_matrix(vectors), 0.0)
    features = {
        "local_z": _local_z(sim, rng),
        "orphan_opening": float(bool(orphans) and orphans[0] == prose[0]),
        "isolated": float(np.mean(lexical.sum(axis=1) == 0)),
        "listlike": _listlike(text),
    }
    features["disorder"] = max(0.0, 2.0 - features["local_z"])
    features["best_cut"] = _best_cut(sim)
    features["top_term_share"], features["top_terms_cover"] = _topic_terms(terms)
    max_k = max(2, min(MAX_SOURCES, len(prose) // 3))
    _, q = _partition(lexical, max_k)
    null_q = np.mean([_partition(_null_similarity(terms, rng), max_k)[1] for _ in range(_NULLS)])
    features["separation"] = float(q - null_q)
    local_z = features["local_z"]
    found = _group(vectors, sim, local_z, max_k)
    features["cross"] = math.log(_cross_ratio(sim, found) + 0.01)
    placed = found[found >= 0]
    features["log_sentences"] = math.log(len(prose))
    features["groups"] = float(sum(1 for size in Counter(placed.tolist()).values() if size >= 3))
    features["largest_share"] = (
        Counter(placed.tolist()).most_common(1)[0][1] / len(placed) if len(placed) else 1.0
    )
    features["repeated_sentence"] = float(_repeats(sentences, prose))
    features["furniture_inside_prose"] = float(_furniture_inside(text, spans, furniture))
    features["paragraph_z"] = _paragraph_z(text, [spans[i] for i in prose], sim, rng)
    features["style_z"] = _style_z(style_matrix([sentences[i] for i in prose]), found, rng)
    z = model.bias + sum(
        model.weights[k] * (features[k] - model.means[k]) / model.scales[k] for k in model.weights
    )
    score = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    # Evidence of assembly from pieces, independent of topic: each cuts the chance the page is whole.
    score = 1.0 - (1.0 - score) * (1.0 - ORPHAN_EVIDENCE * features["orphan_opening"]) * (
        1.0 - REPEAT_EVIDENCE * features["repeated_sentence"]
    ) * (1.0 - INSIDE_EVIDENCE * features["furniture_inside_prose"])
    if copied_fraction is not None and copied_fraction > 0:
        # Sentences found elsewhere in the corpus: evidence of copying, weighed by the structure seen.
        score = score + (1.0 - score) * 0.5 * min(1.0, copied_fraction) * min(1.0, score / threshold)
    features = {k: round(v, 4) for k, v in features.items()}

    if score >= threshold and embed is None:
        # Without a sentence model, the split still compares meaning through static word vectors.
        # The score's features keep the grouping on words alone: the vectors did not separate
        # stitched from genuine pages better (docs/salad.md).
        meaning = _with_embeddings(matrix, sentence_vectors([sentences[i] for i in prose]), WORD_VECTOR_MIX)
        found = _group(meaning, np.maximum(cosine_matrix(meaning), 0.0), local_z, max_k)
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


def _with_embeddings(matrix: np.ndarray, embedded: np.ndarray, mix: float = EMBEDDING_MIX) -> np.ndarray:
    """Join each sentence's word weights (unit length) and its page-centred embedding (unit length).

    Centring on the page's mean removes what all its sentences share (language, register), so the
    cosine of two rows mixes word overlap with how close the sentences' meanings are on this page.
    """
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    words_part = matrix / np.where(norms > 0, norms, 1.0)
    centred = embedded - embedded.mean(axis=0, keepdims=True)
    lengths = np.linalg.norm(centred, axis=1, keepdims=True)
    centred = centred / np.where(lengths > 0, lengths, 1.0)
    return np.hstack([words_part, math.sqrt(mix) * centred])


def _partition(graph: np.ndarray, max_k: int) -> tuple[np.ndarray, float]:
    """Split a sentence graph with the clustering in use (:data:`CLUSTERING`)."""
    if CLUSTERING == "average":
        return average_linkage(graph, max_k)
    return spectral_partition(graph, max_k)


def _group(vectors: np.ndarray, sim: np.ndarray, local_z: float, max_k: int) -> np.ndarray:
    """Group the sentences: cluster the grouping graph, then merge and place loose sentences."""
    found, _ = _partition(_grouping_graph(sim, local_z), max_k)
    return _refine(found, vectors, sim, local_z)


def _grouping_graph(sim: np.ndarray, local_z: float) -> np.ndarray:
    """The graph sentences are grouped on: direct similarity, plus shared neighbours, plus order.

    Two sentences of one source often share no word but share neighbours; and where the page's order
    is coherent (its neighbours share far more than chance), neighbours belong together.
    """
    graph = sim.copy()
    if KNN:
        cut = -np.sort(-graph, axis=1)[:, min(KNN, len(graph) - 1) - 1 : min(KNN, len(graph) - 1)]
        keep = graph >= np.maximum(cut, 1e-12)
        graph = np.where(keep | keep.T, graph, 0.0)
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
            labels[labels == g] = _LOOSE
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
    if local_z < ORDERED_Z:
        labels = _reassign(labels, matrix, REASSIGN_ROUNDS)
    return labels


def _reassign(labels: np.ndarray, matrix: np.ndarray, rounds: int) -> np.ndarray:
    """Move each sentence to the group whose pooled words (its own left out) it matches best."""
    labels = labels.copy()
    for _ in range(rounds):
        groups = sorted(set(labels[labels >= 0].tolist()))
        if len(groups) < 2:
            break
        sums = np.array([matrix[labels == g].sum(axis=0) for g in groups])
        dots = matrix @ sums.T  # n x G
        self_sq = (matrix**2).sum(axis=1)
        sums_sq = (sums**2).sum(axis=1)
        own = np.array([[labels[i] == g for g in groups] for i in range(len(labels))])
        dots_loo = np.where(own, dots - self_sq[:, None], dots)
        norms_loo = np.sqrt(np.maximum(np.where(own, sums_sq - 2 * dots + self_sq[:, None], sums_sq), 1e-12))
        fit = dots_loo / norms_loo
        best = np.array(groups)[fit.argmax(axis=1)]
        move = (labels >= 0) & (fit.max(axis=1) > 0)
        new = np.where(move, best, labels)
        if np.array_equal(new, labels):
            break
        labels = new
    for g, size in Counter(labels[labels >= 0].tolist()).items():
        if size < 2:
            labels[labels == g] = _LOOSE
    return labels


def _topic_terms(terms: list[dict[str, float]]) -> tuple[float, float]:
    """Share of sentences holding the page's most frequent topical term, and holding any of its top 3.

    A page about one subject keeps naming it; a page from several sources has no term that runs through.
    """
    df: Counter[str] = Counter()
    for ts in terms:
        df.update(t for t, w in ts.items() if w >= TOPICAL_RARITY)
    top = [t for t, _ in df.most_common(3)]
    if not top:
        return 0.0, 0.0
    n = len(terms)
    return df[top[0]] / n, sum(1 for ts in terms if any(t in ts for t in top)) / n


def _best_cut(sim: np.ndarray, margin: int = 3) -> float:
    """Least log ratio, over places to cut the page in two, of similarity across the cut to within.

    A page of blocks from different sources has a cut with almost nothing across it.
    """
    n = len(sim)
    best = 0.0
    for cut in range(margin, n - margin + 1):
        left, right = sim[:cut, :cut], sim[cut:, cut:]
        within = (left.sum() + right.sum()) / max(cut * (cut - 1) + (n - cut) * (n - cut - 1), 1)
        across = sim[:cut, cut:].mean()
        if within > 0:
            best = min(best, math.log((across + 1e-3) / within))
    return best


def _furniture_inside(text: str, spans: list[tuple[int, int]], furniture: dict[int, str]) -> bool:
    """Whether a furniture sentence sits inside a line of prose, with prose before and after it."""
    for i in furniture:
        if 0 < i < len(spans) - 1 and i - 1 not in furniture and i + 1 not in furniture:
            before = text[spans[i - 1][1] : spans[i][0]]
            after = text[spans[i][1] : spans[i + 1][0]]
            if "\n" not in before and "\n" not in after:
                return True
    return False


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
    """Similarity of near neighbours in the real order, in standard deviations of random orders.

    Neighbours up to ``WINDOW`` apart count, the nearer the more (weight 1/distance).
    """
    n = len(sim)

    def near(orders: np.ndarray) -> np.ndarray:  # one row per order
        total = np.zeros(len(orders))
        for d in range(1, min(WINDOW, n - 1) + 1):
            total = total + sim[orders[:, :-d], orders[:, d:]].mean(axis=1) / d
        return total

    shuffled = near(np.stack([rng.permutation(n) for _ in range(_PERMUTATIONS)]))
    return _standard_score(float(near(np.arange(n)[None, :])[0]), shuffled)


def _paragraph_z(text: str, spans: list[tuple[int, int]], sim: np.ndarray, rng: np.random.Generator) -> float:
    """How much more neighbours inside a paragraph share than neighbours across a paragraph break.

    In standard deviations of random placements of the same number of breaks. An author breaks
    paragraphs where the subject turns, so even a page of unrelated items scores high; sentences
    stitched together and laid out in paragraphs after the fact score near 0.
    """
    if len(spans) < 4:
        return 0.0
    breaks = np.array(["\n" in text[a[1] : b[0]] for a, b in itertools.pairwise(spans)])
    if breaks.sum() < 2 or (~breaks).sum() < 2:
        return 0.0
    adjacent = sim[np.arange(len(spans) - 1), np.arange(1, len(spans))]

    def gaps(is_break: np.ndarray) -> np.ndarray:  # one row per placement of the breaks
        inside = np.where(is_break, 0.0, adjacent).sum(axis=1) / (~is_break).sum(axis=1)
        return inside - np.where(is_break, adjacent, 0.0).sum(axis=1) / is_break.sum(axis=1)

    shuffled = gaps(np.stack([rng.permutation(breaks) for _ in range(_PERMUTATIONS)]))
    return _standard_score(float(gaps(breaks[None, :])[0]), shuffled)


def _style_z(styles: np.ndarray, found: np.ndarray, rng: np.random.Generator) -> float:
    """How much more the recovered groups differ in style than the same sentences dealt at random.

    In standard deviations of random deals of the group labels; 0 with fewer than two groups.
    """
    real = between_group_share(styles, found)
    if real == 0.0:
        return 0.0
    live = found >= 0
    dealt = np.tile(found, (_STYLE_PERMUTATIONS, 1))
    for row in dealt:
        row[live] = rng.permutation(found[live])
    return _standard_score(real, between_group_shares(styles, dealt))


def _standard_score(real: float, shuffled: np.ndarray) -> float:
    """``real`` in standard deviations of the ``shuffled`` baseline, clipped to [-10, 10]; 0 if it is flat."""
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
    lines = [line.strip() for line in text.split("\n") if line.strip() and not furniture_kind(line)]
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
