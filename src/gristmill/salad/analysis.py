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
  than random groups of the same sentences (``gristmill.salad.style``): sources differ in style, one
  author does not.

A logistic model over these gives the topic score. Three assembly cues that do not depend on topic
then each cut the odds that the page is whole: an orphan opening ("And he could do so…"), a long
sentence repeated, furniture inside a line of prose. Furniture (copyright lines, sign-up calls,
addresses) is set aside before any measure and never goes into a recovered source.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gristmill.salad.features import (
    ORPHAN,
    best_cut,
    furniture_inside,
    listlike,
    local_z,
    null_similarity,
    paragraph_z,
    repeats,
    style_z,
    topic_terms,
)
from gristmill.salad.grouping import cross_ratio, group, partition, with_embeddings
from gristmill.salad.model import EMBEDDING_MODEL, LEXICAL_MODEL
from gristmill.salad.style import style_matrix
from gristmill.salad.word_vectors import sentence_vectors
from gristmill.text.content import content_terms, cosine_matrix, stopword_share, term_matrix
from gristmill.text.furniture import furniture_kind
from gristmill.text.hashing import hash64
from gristmill.text.sentences import sentence_spans

# Sentence labels besides a source cluster (0, 1, ...).
FURNITURE = -1
UNPLACED = -2

MIN_SENTENCES = 6  # fewer prose sentences: not judged (score 0)
MIN_ENGLISH = 0.25  # English prose has 40-50% function words; below this share: not judged
MAX_SENTENCES = 400  # longer pages are judged on their first 400 prose sentences
MAX_SOURCES = 8
_NULLS = 4  # random word deals for separation
WORD_VECTOR_MIX = 0.25  # weight of static word vectors in the words-only grouping (tune half)

# How much each assembly cue cuts the chance that a page is whole, in step with how rare the cue is
# on whole pages: no page of 847 whole genuine documents (dolma web text, news gold, WikiText) opens
# with an orphan; 0.7% of 878 have furniture inside a line of prose; 11% of the web pages repeat a
# long sentence (docs/salad.md).
ORPHAN_EVIDENCE = 0.9
INSIDE_EVIDENCE = 0.7
REPEAT_EVIDENCE = 0.3

Embedder = Callable[[list[str]], np.ndarray]


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
    orphans = [i for i in prose if ORPHAN.match(sentences[i])]
    # The measures are built on English words: a page that is not English prose is not judged.
    if len(prose) < MIN_SENTENCES or stopword_share(" ".join(sentences[i] for i in prose)) < MIN_ENGLISH:
        for i in prose:
            labels[i] = 0
        return SaladAnalysis(0.0, 1, spans, labels, furniture, {}, orphans)

    # Seeded by the prose alone, so furniture and layout do not move the random baselines.
    rng = np.random.default_rng(hash64("\n".join(sentences[i] for i in prose)) % (2**32))
    matrix = term_matrix(terms)
    lexical = cosine_matrix(matrix)
    vectors = matrix if embed is None else with_embeddings(matrix, embed([sentences[i] for i in prose]))
    sim = lexical if embed is None else np.maximum(cosine_matrix(vectors), 0.0)
    features = {
        "local_z": local_z(sim, rng),
        "orphan_opening": float(bool(orphans) and orphans[0] == prose[0]),
        "isolated": float(np.mean(lexical.sum(axis=1) == 0)),
        "listlike": listlike(text),
    }
    features["disorder"] = max(0.0, 2.0 - features["local_z"])
    features["best_cut"] = best_cut(sim)
    features["top_term_share"], features["top_terms_cover"] = topic_terms(terms)
    max_k = max(2, min(MAX_SOURCES, len(prose) // 3))
    _, q = partition(lexical, max_k)
    null_q = np.mean([partition(null_similarity(terms, rng), max_k)[1] for _ in range(_NULLS)])
    features["separation"] = float(q - null_q)
    order_z = features["local_z"]
    found = group(vectors, sim, order_z, max_k)
    features["cross"] = math.log(cross_ratio(sim, found) + 0.01)
    placed = found[found >= 0]
    features["log_sentences"] = math.log(len(prose))
    features["groups"] = float(sum(1 for size in Counter(placed.tolist()).values() if size >= 3))
    features["largest_share"] = (
        Counter(placed.tolist()).most_common(1)[0][1] / len(placed) if len(placed) else 1.0
    )
    features["repeated_sentence"] = float(repeats(sentences, prose))
    features["furniture_inside_prose"] = float(furniture_inside(text, spans, furniture))
    features["paragraph_z"] = paragraph_z(text, [spans[i] for i in prose], sim, rng)
    features["style_z"] = style_z(style_matrix([sentences[i] for i in prose]), found, rng)
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
        meaning = with_embeddings(matrix, sentence_vectors([sentences[i] for i in prose]), WORD_VECTOR_MIX)
        found = group(meaning, np.maximum(cosine_matrix(meaning), 0.0), order_z, max_k)
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
