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
from typing import Any

import numpy as np

from gristmill.salad.coherence import MODEL_FILE, REPEAT_EVIDENCE, CoherenceModel, with_repeat
from gristmill.salad.correlation import cluster
from gristmill.salad.cuts import block_evidence
from gristmill.salad.features import (
    ORPHAN,
    best_cut,
    furniture_inside,
    furniture_of,
    listlike,
    local_z,
    null_similarity,
    paragraph_z,
    repeats,
    style_z,
    term_cosine,
    topic_terms,
    without_recurring,
)
from gristmill.salad.grouping import cross_ratio, group, partition, with_embeddings
from gristmill.salad.insertion import Runs, candidate_runs
from gristmill.salad.layout import Layout, paragraph_breaks, read_layout, unmarked
from gristmill.salad.merging import Profiles, merge_groups
from gristmill.salad.model import EMBEDDING_MODEL
from gristmill.salad.pair_evidence import PairEvidence, page_q10
from gristmill.salad.pair_evidence import load as load_pair_evidence
from gristmill.salad.pairs import MODEL_FILE as PAIRS_FILE
from gristmill.salad.pairs import PairModel, function_counts, gram, pair_features
from gristmill.salad.pairs import load as load_pairs
from gristmill.salad.style import style_matrix
from gristmill.salad.transitions import TRANSITION_NAMES, first_word, recurring_openers, transition_features
from gristmill.salad.word_vectors import page_centred, sentence_vectors
from gristmill.text.content import content_terms, cosine_matrix, stopword_share, term_matrix
from gristmill.text.furniture import furniture_kind
from gristmill.text.hashing import hash64
from gristmill.text.sentences import loose_sentence_spans

# Sentence labels besides a source cluster (0, 1, ...).
FURNITURE = -1
UNPLACED = -2

MIN_SENTENCES = 6  # fewer prose sentences: not judged (score 0)
MIN_ENGLISH = 0.25  # English prose has 40-50% function words; below this share: not judged
MAX_SENTENCES = 400  # embeddings path: longer pages are judged on their first 400 prose sentences
MAX_JUDGED = 150  # default path: longer pages are judged (and split) on their first 150 prose sentences
MAX_SOURCES = 8
# The splitter tries up to one source per this many sentences: at 3 an 8-sentence page of 3-5 sources
# could only be cut in two (forced-split ARI 0.47 on the tune half; 0.63 at 2).
SENTENCES_PER_SOURCE = 2
_NULLS = 4  # random word deals for separation
SEAMS_FOUND = 3.0  # seam_llr above which inspect names the seams as a reason
# pair_q10 under which inspect says the page holds sentences of other sources: the median over the
# tune half's stitched fit pages the second stage read (stop 37's refit; its genuine pages: -2.94).
PAIRS_APART = -4.54
WORD_VECTOR_MIX = 0.25  # weight of static word vectors in the words-only grouping (tune half)

# How much each assembly cue cuts the chance that a page is whole, in step with how rare the cue is
# on whole pages: no page of 847 whole genuine documents (dolma web text, news gold, WikiText) opens
# with an orphan; 0.7% of 878 have furniture inside a line of prose; 11% of the web pages repeat a
# long sentence (docs/salad.md).
ORPHAN_EVIDENCE = 0.9
INSIDE_EVIDENCE = 0.7  # the repeat's weight, REPEAT_EVIDENCE, lives beside with_repeat (coherence)

Embedder = Callable[[list[str]], np.ndarray]
COHERENCE = CoherenceModel.load(MODEL_FILE)
READS_INSERTIONS = "insert_seams" in COHERENCE.page.names
# The splitter's same-source model; None falls back to stop 18's graph (the fit compares the two).
PAIRS: PairModel | None = load_pairs(PAIRS_FILE) if PAIRS_FILE.exists() else None
# The page score's second stage (gristmill.salad.pair_evidence); None: the first stage's score stands.
EVIDENCE: PairEvidence | None = load_pair_evidence(COHERENCE.threshold)
# The default threshold of the score as analyse gives it (with the second stage when there is one).
DEFAULT_THRESHOLD = EVIDENCE.threshold if EVIDENCE is not None else COHERENCE.threshold


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
    source_of: dict[int, dict[str, Any]] = field(default_factory=dict)  # label -> copied_from entry
    seams: list[int] = field(default_factory=list)  # sentences more likely than not to open a new source
    judged: bool = True  # False: too few prose sentences, or not English (score 0 says nothing)

    def reasons(self, threshold: float) -> list[str]:
        """Say in words which measures point at stitching (for ``gristmill inspect``).

        The cut-offs are the medians over the stitched pages of the benchmark's tune half
        (``local_z``: half way between shuffled pages and genuine ones; ``seam_llr``: the 98th
        percentile over genuine tune pages).
        """
        f = self.features
        out = []
        if f.get("local_z", 99.0) < 1.0 or f.get("near_gain", 1.0) < 0.0:
            out.append("neighbours_unrelated")
        if f.get("seam_llr", 0.0) > SEAMS_FOUND:
            out.append(f"seams_found({len(self.seams)})")
        if f.get("best_cut", 0.0) < -2.4:
            out.append("sharp_cut")
        if f.get("top_terms_cover", 1.0) < 0.31:
            out.append("no_common_subject")
        if f.get("cross", 0.0) < -3.6:
            out.append("separate_topic_groups")
        if f.get("pair_q10", 0.0) < PAIRS_APART:
            out.append("sentences_of_other_sources")
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

    The default path scores the page with the coherence model (:mod:`gristmill.salad.coherence`).
    ``embed``, when given, maps sentences to vectors (one row each); their page-centred cosine joins
    the word overlap, and the score uses the older page measures fitted with embeddings.
    """
    if embed is not None:
        return _analyse_embedded(text, threshold, copied_fraction, embed)
    if threshold is None:
        threshold = DEFAULT_THRESHOLD
    found = measure(text)
    if found.prose_spans is None:
        return found.unjudged()
    probability, chances, pair_rows = staged_probability(found, EVIDENCE)
    score = _with_copies(with_repeat(probability, found.features), copied_fraction, threshold)
    done = found.whole(score) if score < threshold else _split(found, score, chances, pair_rows)
    done.seams = [found.prose[j + 1] for j in np.flatnonzero(chances > 0.5).tolist()]
    return done


_BREAK = TRANSITION_NAMES.index("paragraph_break")


def staged_probability(
    found: Measured, evidence: PairEvidence | None
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """The page's probability through the first stage and ``evidence`` (a repeat not yet counted).

    Also its boundaries' seam chances, and its pair features when the second stage read them.
    """
    probability, rows = _layout_free_score(found)
    chances = COHERENCE.seam_chances(rows)
    if evidence is None or not evidence.reads(probability):
        return probability, chances, None

    def features(a: int, b: int) -> np.ndarray:
        return pair_features(
            found.sentences[a:b],
            found.lexical[a:b, a:b],
            found.vectors[a:b],
            found.styles[a:b],
            chances[a : b - 1],
        )

    q10, pair_rows = page_q10(evidence.pairs, features, len(found.sentences))
    found.features["pair_q10"] = q10
    return evidence.rescore(probability, q10), chances, pair_rows


def _layout_free_score(found: Measured) -> tuple[float, np.ndarray]:
    """The page model's probability (a repeat not yet counted), and the boundary rows it read.

    The page is read with its paragraphs or as one paragraph. On a page laid out in markdown or lists
    the paragraphs are the layout's, set for free: a break at a run's end may show a seam, but breaks
    placed inside the runs must not clear the page. So such a page is also read as one paragraph, and
    the higher score stands (its features are kept in ``found.features``). Plain paragraphs, which the
    model was fitted on, are read as written.
    """

    def scored(rows: np.ndarray) -> tuple[float, np.ndarray, dict[str, float]]:
        features = {**found.features, **COHERENCE.summaries(rows, found.runs)}
        return COHERENCE.page.probability(features), rows, features

    score, rows, features = scored(found.rows)
    if found.breaks_are_layout and found.rows[:, _BREAK].any():
        joined = found.rows.copy()
        joined[:, _BREAK] = 0.0
        score, rows, features = max((score, rows, features), scored(joined), key=lambda reading: reading[0])
    found.features = features
    return score, rows


def _with_copies(score: float, copied_fraction: float | None, threshold: float) -> float:
    """Sentences found elsewhere in the corpus: evidence of copying, weighed by the structure seen."""
    if copied_fraction is not None and copied_fraction > 0:
        return score + (1.0 - score) * 0.5 * min(1.0, copied_fraction) * min(1.0, score / threshold)
    return score


@dataclass
class Measured:
    """A page's sentences and the measures the coherence model reads (before any model is applied)."""

    spans: list[tuple[int, int]]
    furniture: dict[int, str]
    prose: list[int]
    orphans: list[int]
    prose_spans: list[tuple[int, int]] | None  # None: the page is not judged
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, len(TRANSITION_NAMES))))
    features: dict[str, float] = field(default_factory=dict)
    terms: list[dict[str, float]] = field(default_factory=list)
    lexical: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    sentences: list[str] = field(default_factory=list)  # the prose sentences
    styles: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    breaks_are_layout: bool = False  # also read as one paragraph (see _layout_free_score)
    runs: Runs | None = None  # candidate inserted runs (gristmill.salad.insertion)

    def labels(self, fill: int) -> list[int]:
        """Furniture labelled as such, every other sentence ``fill``."""
        return [FURNITURE if i in self.furniture else fill for i in range(len(self.spans))]

    def unjudged(self) -> SaladAnalysis:
        """The analysis of a page too short or not English: score 0, one source."""
        return SaladAnalysis(
            0.0, 1, self.spans, self.labels(0), self.furniture, {}, self.orphans, judged=False
        )

    def whole(self, score: float) -> SaladAnalysis:
        """The analysis of a page judged whole."""
        features = {k: round(v, 4) for k, v in self.features.items()}
        return SaladAnalysis(score, 1, self.spans, self.labels(0), self.furniture, features, self.orphans)


def measure(text: str, *, insertions: bool | None = None) -> Measured:
    """Split ``text`` into sentences, set furniture aside, and measure each boundary and the page.

    ``insertions``: also find the candidate inserted runs (:mod:`gristmill.salad.insertion`); by
    default only when the shipped page model reads them (a fit measures them for every page).
    """
    spans = loose_sentence_spans(text)
    layout = read_layout(text, spans)
    sentences = layout.sentences  # as the measures read them: list markers and markdown read past
    furniture: dict[int, str] = {}
    prose: list[int] = []
    for i, sentence in enumerate(sentences):
        if len(prose) == MAX_JUDGED:  # the rest is neither judged nor looked at
            break
        kind = furniture_of(sentence) or _layout_kind(layout, i)
        if kind:
            furniture[i] = kind
        else:
            prose.append(i)
    template = recurring_openers([sentences[i] for i in prose])
    orphans = [i for i in prose if ORPHAN.match(sentences[i]) and not _opens_with(sentences[i], template)]
    found = Measured(spans, furniture, prose, orphans, None)
    if len(prose) < MIN_SENTENCES or stopword_share(" ".join(sentences[i] for i in prose)) < MIN_ENGLISH:
        return found
    said = [sentences[i] for i in prose]
    found.prose_spans = [spans[i] for i in prose]
    found.terms, common = without_recurring([content_terms(s) for s in said])
    found.lexical = term_cosine(found.terms)
    # A term on most lines (a keyword stuffed in) links no sentence to another: left out of the
    # word terms, the names and the word vectors alike (features.RECURRING_SHARE).
    found.vectors = sentence_vectors(said, skip=common)
    centred = page_centred(found.vectors)
    vec_sim = gram(centred)
    shaped = listlike(unmarked(text) if layout.reads_as_prose else text)
    # Lines opening with a time, a term or a question are items of their own (a ticker, a glossary,
    # an FAQ): their breaks are content, not layout, and are read as written.
    if shaped >= ITEM_LINES:
        layout.lines_are_sentences = False
    # Plain paragraphs are what the model was fitted on, and are read as written; the paragraphs of a
    # page laid out in markdown or lists are the layout's, and are also read as one paragraph.
    # Label lines (post headers, headings) lay a page out as markdown does: the breaks behind them are
    # free to place, so they must not clear the page either (furniture lines are no layout).
    labelled = any(furniture.get(i) in ("heading", "byline") for i in layout.labels)
    found.breaks_are_layout = layout.reads_as_prose and (layout.marked or labelled) and shaped < ITEM_LINES
    breaks = paragraph_breaks(text, spans, prose, layout, _unknown_break())
    live = np.array([bool(t) for t in found.terms])
    found.sentences = said
    found.styles = styles = style_matrix(said)
    found.rows = transition_features(said, found.lexical, vec_sim, styles, breaks, centred, live, found.terms)
    n = len(prose)
    off = ~np.eye(n, dtype=bool)
    adjacent = np.arange(n - 1)
    found.features = {
        "order_gain": float(found.lexical[adjacent, adjacent + 1].mean() - found.lexical[off].mean()),
        "vec_order_gain": float(vec_sim[adjacent, adjacent + 1].mean() - vec_sim[off].mean()),
        "order_z": _order_z(found.lexical),
        "vec_order_z": _order_z(vec_sim),
        "near_gain": _near_gain(found.lexical),
        "vec_near_gain": _near_gain(vec_sim),
        "best_cut": best_cut(found.lexical),
        "top_terms_cover": topic_terms(found.terms)[1],
        "listlike": shaped,
        "orphan_opening": float(bool(orphans) and orphans[0] == prose[0]),
        "repeated_sentence": float(repeats(sentences, prose)),
        "furniture_inside_prose": float(furniture_inside(text, spans, furniture)),
        "log_sentences": math.log(n),
    }
    found.features.update(
        block_evidence(found.lexical, vec_sim, found.features["best_cut"], found.features["vec_order_z"])
    )
    find_runs = READS_INSERTIONS if insertions is None else insertions
    if find_runs:
        found.runs = candidate_runs(vec_sim)
    return found


def _opens_with(sentence: str, words: set[str]) -> bool:
    return bool(words) and first_word(sentence) in words


def _layout_kind(layout: Layout, i: int) -> str | None:
    """``"heading"`` for a heading or title (``"byline"``: a post header), ``"layout"`` for a list number."""
    if i in layout.headings:
        return "byline" if i in layout.bylines else "heading"
    return "layout" if i in layout.marks else None


# Where a page's line breaks carry no paragraph information (a list, one sentence a line), the
# paragraph-break column reads: "none" (one paragraph) or "unknown" (the column's mean over the
# boundaries the model was fitted on: a break at an unknown place). Chosen on tune-half pages.
UNKNOWN_BREAKS = "none"
# Share of a page's lines opening with an item's shape (time stamp, "Term:", "Q:", quantity; list
# markers are read past first) from which its lines are items and its breaks stay as written.
ITEM_LINES = 0.5


def _unknown_break() -> float:
    """What the paragraph-break column reads where line breaks say nothing (:data:`UNKNOWN_BREAKS`)."""
    if UNKNOWN_BREAKS == "none":
        return 0.0
    return float(COHERENCE.transition.means[_BREAK])


def _order_z(sim: np.ndarray) -> float:
    """Mean similarity of neighbours less that of any two sentences, in standard errors of the mean.

    Shuffled sentences sit near 0 at any length; an author's order climbs with the page's length
    (the analytic form of stop 8's ``local_z``, at distance 1 and without 200 random orders).
    """
    n = len(sim)
    pairs = sim[np.triu_indices(n, 1)]
    spread = float(pairs.std())
    if spread < 1e-9:
        return 0.0
    gain = float(np.diagonal(sim, 1).mean() - pairs.mean())
    return max(-10.0, min(10.0, gain / (spread / math.sqrt(n - 1))))


def _near_gain(sim: np.ndarray) -> float:
    """Mean similarity of neighbours less that of sentences two and three apart."""
    n = len(sim)
    far = [sim[np.arange(n - d), np.arange(d, n)] for d in (2, 3) if n > d]
    return float(np.diagonal(sim, 1).mean() - np.concatenate(far).mean()) if far else 0.0


def _split(
    found: Measured, score: float, chances: np.ndarray, pair_rows: np.ndarray | None = None
) -> SaladAnalysis:
    """Group a stitched page's prose sentences into recovered sources by the learned pair model.

    ``pair_rows``: the page's pair features when the score's second stage has measured them already.
    """
    n = len(found.prose)
    max_k = max(2, min(MAX_SOURCES, n // SENTENCES_PER_SOURCE))
    if PAIRS is None:
        grouped = _graph_groups(found, chances, max_k)
    else:
        if pair_rows is None:
            pair_rows = pair_features(found.sentences, found.lexical, found.vectors, found.styles, chances)
        logits = PAIRS.logits(pair_rows)
        if PAIRS.merge is None:
            grouped = cluster(logits, max_k)
        else:
            grouped = merge_groups(profiles(found, logits, chances), PAIRS.merge, max_k, PAIRS.merge_shift)
    sizes = Counter(int(x) for x in grouped if x >= 0)
    kept = [c for c, size in sorted(sizes.items()) if size >= 2]
    rounded = {k: round(v, 4) for k, v in found.features.items()}
    if len(kept) < 2:
        return SaladAnalysis(score, 1, found.spans, found.labels(0), found.furniture, rounded, found.orphans)
    labels = found.labels(UNPLACED)
    renumber = {c: r for r, c in enumerate(kept)}
    for row, i in enumerate(found.prose):
        c = int(grouped[row])
        if c in renumber:
            labels[i] = renumber[c]
    return SaladAnalysis(score, len(kept), found.spans, labels, found.furniture, rounded, found.orphans)


def profiles(found: Measured, logits: np.ndarray, chances: np.ndarray) -> Profiles:
    """The rows the merge stage pools a page's groups from (:mod:`gristmill.salad.merging`)."""
    return Profiles(
        logits,
        term_matrix(found.terms),
        page_centred(found.vectors),
        function_counts(found.sentences),
        found.styles,
        np.log([max(1, len(s)) for s in found.sentences]),
        1.0 - chances,
    )


def _graph_groups(found: Measured, chances: np.ndarray, max_k: int) -> np.ndarray:
    """Stop 18's grouping: word weights and word vectors on a sentence graph with seam links."""
    meaning = with_embeddings(term_matrix(found.terms), found.vectors, WORD_VECTOR_MIX)
    sim = np.maximum(cosine_matrix(meaning), 0.0)
    order_z = local_z(found.lexical, np.random.default_rng(len(found.prose)))
    return group(meaning, sim, order_z, max_k, 1.0 - chances)


def _analyse_embedded(
    text: str, threshold: float | None, copied_fraction: float | None, embed: Embedder
) -> SaladAnalysis:
    """The page measures of stop 8, with sentence embeddings (``embeddings: true``)."""
    model = EMBEDDING_MODEL
    if threshold is None:
        threshold = model.threshold
    spans = loose_sentence_spans(text)
    sentences = [text[a:b] for a, b in spans]
    furniture = {i: kind for i, s in enumerate(sentences) if (kind := furniture_kind(s))}
    prose = [i for i in range(len(sentences)) if i not in furniture][:MAX_SENTENCES]
    terms = [content_terms(sentences[i]) for i in prose]
    labels = [FURNITURE if i in furniture else UNPLACED for i in range(len(sentences))]
    template = recurring_openers([sentences[i] for i in prose])
    orphans = [i for i in prose if ORPHAN.match(sentences[i]) and not _opens_with(sentences[i], template)]
    # The measures are built on English words: a page that is not English prose is not judged.
    if len(prose) < MIN_SENTENCES or stopword_share(" ".join(sentences[i] for i in prose)) < MIN_ENGLISH:
        for i in prose:
            labels[i] = 0
        return SaladAnalysis(0.0, 1, spans, labels, furniture, {}, orphans, judged=False)

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
    score = _with_copies(score, copied_fraction, threshold)
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
