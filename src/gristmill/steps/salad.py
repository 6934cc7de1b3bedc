"""Recognise stitched pages (sentence salad) and flag, drop or split them back into their sources."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from gristmill.dedup.provenance import MIN_WORDS, Provenance
from gristmill.document import Document, forget_offsets
from gristmill.io.schema import FieldType
from gristmill.salad import (
    DEFAULT_THRESHOLD,
    EMBEDDING_MODEL,
    FURNITURE,
    UNPLACED,
    Embedder,
    SaladAnalysis,
    analyse,
)
from gristmill.salad.embeddings import load_embedder
from gristmill.salad.sources import assign_sources, copied_sources
from gristmill.steps.base import Step
from gristmill.steps.options import Help
from gristmill.steps.registry import register

if TYPE_CHECKING:
    from gristmill.stats import StepContext

Action = Literal["flag", "drop", "split"]


@register("salad")
class Salad(Step):
    """Score how stitched a page is from several sources; flag, drop or split it.

    Sets ``signals.salad_score`` (0-1), ``signals.salad_sources`` (recovered sources, 1 when coherent)
    and ``meta.salad`` (``"stitched"``, ``"coherent"``, or ``"not_judged"`` for a page under 6 prose
    sentences or not English). Uses ``signals.copied_sentence_fraction``
    from ``span_dedup`` when an earlier step set it. When ``provenance`` ran before it in the pipeline,
    called the page stitched and named two or more source documents in ``meta.copied_from``, the page
    is stitched, ``salad_sources`` is their number and split parts carry ``meta.source_id`` /
    ``meta.source_url``.
    See docs/salad.md for the method and its figures.
    """

    action: Annotated[
        Action,
        Help(
            'what to do with a stitched page: ``flag`` keeps it with ``meta.salad = "stitched"``;'
            " ``drop`` rejects it as ``salad:stitched``; ``split`` yields one document per recovered"
            " source (ids ``<id>#s<k>``, ``meta.split_from``) and rejects the page as ``salad:split``"
            " (with ``meta.split_into``), furniture and unplaceable sentences left out. A page an earlier"
            " run split (``meta.split_into``) is rejected as ``salad:already_split`` and its parts pass on."
        ),
    ] = "flag"
    threshold: (
        Annotated[
            float,
            Help(
                "salad_score at or above which a page is stitched; none takes the default fitted"
                " for the path in use (docs/salad.md).",
                gt=0,
                le=1,
            ),
        ]
        | None
    ) = None
    min_split_sentences: Annotated[
        int,
        Help(
            "fewest sentences a recovered source needs to become a document when"
            " splitting; smaller groups are left out.",
            ge=1,
        ),
    ] = 2
    embeddings: Annotated[
        bool,
        Help(
            "also compare sentences by MiniLM sentence embeddings (optional extra, CPU torch:"
            " ``pip install 'gristmill[embeddings]'``; about 50 sentences/s on 2 cores)."
        ),
    ] = False

    signal_fields: ClassVar[dict[str, FieldType]] = {"salad_score": "float", "salad_sources": "int"}

    meta_fields: ClassVar[dict[str, FieldType]] = {
        "salad": "str",
        "split_into": "json",
        "split_from": "str",
        "salad_part": "int",
        "source_id": "str",
        "source_url": "str",
    }

    def setup(self) -> None:
        self._embed: Embedder | None = None
        if self.embeddings:
            try:
                self._embed = load_embedder()
            except ImportError as exc:
                raise self.fail("embeddings", str(exc)) from exc
        default = EMBEDDING_MODEL.threshold if self.embeddings else DEFAULT_THRESHOLD
        # The fitted default is written back, so the recorded pipeline says which threshold ran.
        self.cutoff: float = default if self.threshold is None else self.threshold
        self.threshold = self.cutoff

    def after_steps_writing(self, meta_keys: set[str], earlier: Sequence[Step] = ()) -> None:
        """Read ``meta.copied_from`` only where a step before it in the pipeline (``provenance``) wrote it.

        What the input carries is an earlier run's verdict on another corpus, or anyone's hand: trusted, a
        stale or crafted list would make a page stitched whatever its text. The fewest words a sentence
        needed to count there tell which sentences it left unnamed could not have been counted.
        """
        self._after_provenance = "provenance_role" in meta_keys
        counted = [step.min_words for step in earlier if isinstance(step, Provenance)]
        self._counted_words = counted[-1] if counted else MIN_WORDS

    def named_sources(self, doc: Document) -> list[dict[str, Any]]:
        """The sources ``provenance`` of this pipeline named for a page it called stitched; else []."""
        return copied_sources(doc) if getattr(self, "_after_provenance", False) else []

    def analyse(self, doc: Document) -> SaladAnalysis:
        """Return the salad analysis of ``doc`` at this step's threshold."""
        return self._analyse_at(doc, self.cutoff)

    def judge(self, doc: Document) -> SaladAnalysis:
        """The analysis the step acts on: :meth:`analyse`, or the sources ``provenance`` named."""
        sources = self.named_sources(doc)
        if not sources:
            return self.analyse(doc)
        # provenance found runs of this page in two or more other documents: it is stitched, whatever
        # the page reads like.
        counted = getattr(self, "_counted_words", MIN_WORDS)
        found = assign_sources(self._analyse_at(doc, 1e-9), sources, doc.text, counted)
        found.score = max(found.score, self.cutoff)
        return found

    def _analyse_at(self, doc: Document, threshold: float) -> SaladAnalysis:
        copied = doc.signals.get("copied_sentence_fraction")
        return analyse(doc.text, threshold=threshold, copied_fraction=copied, embed=self._embed)

    def apply(self, docs: Iterable[Document], ctx: StepContext) -> Iterator[Document]:
        """Score each document; flag, drop or split the stitched ones."""
        for doc in docs:
            if doc.meta.get("split_into"):
                # An earlier run split this page and its parts are documents of their own: split again,
                # they would come out twice under the same ids.
                ctx.reject(doc, f"{self.name}:already_split")
                continue
            if doc.meta.get("split_from"):
                # Such a part, as that run made it: salad over its output changes nothing.
                yield doc
                continue
            sources = self.named_sources(doc)
            found = self.judge(doc)
            stitched = found.score >= self.cutoff
            doc.signals["salad_score"] = round(found.score, 4)
            doc.signals["salad_sources"] = len(sources) if sources else found.sources
            # A page too short or not English is not judged: "coherent" would claim what no model read.
            doc.meta["salad"] = "stitched" if stitched else "coherent" if found.judged else "not_judged"
            if not stitched or self.action == "flag":
                yield doc
            elif self.action == "drop":
                ctx.reject(doc, f"{self.name}:stitched")
            else:
                parts = self._split(doc, found)
                if parts:
                    # The page itself goes to the rejected output, so what was split stays auditable.
                    doc.meta["split_into"] = [part.id for part in parts]
                    ctx.reject(doc, f"{self.name}:split")
                    for part in parts:
                        yield ctx.create(part)
                else:  # nothing placeable: keep the page, flagged, rather than lose it
                    yield doc

    def _split(self, doc: Document, found: SaladAnalysis) -> list[Document]:
        groups: dict[int, list[int]] = {}
        for i, label in enumerate(found.labels):
            if label >= 0:
                groups.setdefault(label, []).append(i)
        parts: list[Document] = []
        for members in sorted(groups.values(), key=lambda m: m[0]):
            if len(members) < self.min_split_sentences:
                continue
            text = ""
            for previous, i in zip([None, *members], members, strict=False):
                if previous is not None:
                    gap = doc.text[found.spans[previous][1] : found.spans[i][0]]
                    text += "\n" if "\n" in gap or i != previous + 1 else " "
                a, b = found.spans[i]
                text += doc.text[a:b]
            k = len(parts)
            meta = {**doc.meta, "split_from": doc.id, "salad_part": k}
            source = found.source_of.get(found.labels[members[0]])
            if source is not None:
                meta["source_id"] = source.get("id")
                if source.get("url"):
                    meta["source_url"] = source["url"]
            if isinstance(meta.get("copied_from"), list):
                # A part holds one source's sentences: it lists that document, not the page's others.
                meta["copied_from"] = [
                    entry
                    for entry in meta["copied_from"]
                    if source is not None and isinstance(entry, dict) and entry.get("id") == source.get("id")
                ]
            part = Document(f"{doc.id}#s{k}", text, meta, dict(doc.signals))
            forget_offsets(part)  # the page's spans are offsets into the page, not into a part of it
            parts.append(part)
        return parts

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag each sentence with its source cluster, furniture kind, or orphan opening."""
        found = self.judge(doc)
        stitched = found.score >= self.cutoff
        reasons = found.reasons(self.cutoff)
        if found.source_of:
            reasons.append("copied_from")
        seams = set(found.seams)
        first_prose = next((i for i, label in enumerate(found.labels) if label != FURNITURE), -1)
        flags: dict[int, list[str]] = {}
        for i, label in enumerate(found.labels):
            here: list[str] = []
            if label == FURNITURE:
                here.append(f"salad:furniture={found.furniture[i]}")
            elif label == UNPLACED and stitched:
                here.append("salad:unplaced")
            elif stitched:
                here.append(f"salad:cluster={label}")
                if label in found.source_of:
                    here.append(f"salad:source={found.source_of[label].get('id')}")
            if i in seams:
                here.append("salad:seam")
            if i == first_prose and i in found.orphans:
                here.append("salad:orphan_opening")
            if here:
                flags[i] = here
        if found.labels and stitched:
            flags.setdefault(0, []).append("salad:verdict=stitched(" + ",".join(reasons) + ")")
        return flags
