"""Stitched pages as the report shows them: each sentence coloured by the source the salad step found.

The report runs the run's own ``salad`` step (its options from ``pipeline.yaml``; sentence embeddings
left out, so no optional extra is needed) on each page shown, and draws what it found: the source
cluster of every sentence, furniture, the seams, the reasons for the verdict and ``meta.copied_from``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gristmill.document import Document
from gristmill.errors import GristmillError
from gristmill.report.signals import number

# The reason salad gives a page an earlier run split (steps/salad.py; importing the step here would load
# its models with the report).
ALREADY_SPLIT = "salad:already_split"

if TYPE_CHECKING:
    from gristmill.dedup.provenance import Provenance
    from gristmill.steps.salad import Salad

# One colour per recovered source, repeating past eight.
SOURCE_COLORS = ("#cfe3ff", "#ffe1b3", "#d6f5d6", "#f3d1f4", "#fff3a8", "#d0f0f0", "#ffd6d6", "#e2dcff")


@dataclass
class Piece:
    """A run of a page's text: a sentence (with its source, furniture kind or seam) or the gap between."""

    text: str
    source: int | None = None  # index into SOURCE_COLORS, for a placed sentence
    furniture: str = ""
    unplaced: bool = False
    seam: bool = False


@dataclass
class StitchedPage:
    """One flagged page, ready to draw."""

    id: str
    url: str
    score: float | None
    outcome: str
    reasons: list[str]
    pieces: list[Piece]
    sources: list[tuple[str, str]] = field(default_factory=list)  # (colour, what is known of the source)
    copied_from: list[str] = field(default_factory=list)


def flagged_pages(docs: list[Document]) -> tuple[list[Document], int]:
    """The pages among ``docs`` that ``salad`` called stitched, and how many parts were split from pages.

    A part (``meta.split_from``) carries its page's ``meta.salad`` but was never judged as a page itself,
    and a page an earlier run split (rejected as ``salad:already_split``) carries that run's verdict.
    """
    stitched = [
        d for d in docs if d.meta.get("salad") == "stitched" and d.meta.get("reason") != ALREADY_SPLIT
    ]
    pages = [d for d in stitched if not d.meta.get("split_from")]
    return pages, len(stitched) - len(pages)


def stitched_pages(
    pages: list[Document],
    options: dict[str, Any] | None,
    limit: int,
    *,
    provenance: dict[str, Any] | None = None,
) -> list[StitchedPage]:
    """The ``limit`` highest-scoring of ``pages`` that hold text, analysed again to be drawn.

    ``provenance``: the options of the run's ``provenance`` step before ``salad`` (None: none came
    before it), so salad read the sources it named, and a source it did not name is not in the run.
    """
    flagged = sorted(
        (d for d in pages if d.text), key=lambda d: (-(number(d.signals.get("salad_score")) or 0.0), d.id)
    )
    if not flagged:
        return []
    step = _salad(options or {})
    if provenance is not None:  # the run's salad read the sources its provenance named: drawn as it judged
        step.after_steps_writing({"provenance_role"}, [_provenance(provenance)])
    return [_page(step, doc, provenance is not None) for doc in flagged[:limit]]


def _salad(options: dict[str, Any]) -> Salad:
    # Imported here: the salad model loads only for a report that has a stitched page to draw.
    from gristmill.steps.salad import Salad

    chosen = {k: options[k] for k in ("threshold", "min_split_sentences") if options.get(k) is not None}
    try:
        return Salad(**chosen)
    except (GristmillError, TypeError):  # a hand-edited pipeline.yaml: the defaults still draw the page
        return Salad()


def _provenance(options: dict[str, Any]) -> Provenance:
    from gristmill.dedup.provenance import Provenance

    chosen = {"min_words": options["min_words"]} if options.get("min_words") is not None else {}
    try:
        return Provenance(**chosen)
    except (GristmillError, TypeError):  # a hand-edited pipeline.yaml: the default draws the page
        return Provenance()


def _page(step: Salad, doc: Document, provenance: bool) -> StitchedPage:
    from gristmill.salad.analysis import FURNITURE, UNPLACED

    found = step.judge(doc)
    seams = set(found.seams)
    colours: dict[int, int] = {}
    pieces: list[Piece] = []
    at = 0
    for i, ((start, end), label) in enumerate(zip(found.spans, found.labels, strict=False)):
        if start > at:
            pieces.append(Piece(doc.text[at:start]))
        piece = Piece(doc.text[start:end], seam=i in seams)
        if label == FURNITURE:
            piece.furniture = found.furniture.get(i, "furniture")
        elif label == UNPLACED:
            piece.unplaced = True
        else:
            piece.source = colours.setdefault(label, len(colours)) % len(SOURCE_COLORS)
        pieces.append(piece)
        at = end
    if at < len(doc.text):
        pieces.append(Piece(doc.text[at:]))
    # Sources are looked for in the run only by provenance (this run's, or an earlier one's copied_from).
    looked = provenance or bool(found.source_of)
    sources = []
    for label, colour in colours.items():
        known = found.source_of.get(label) or {}
        what = " ".join(str(known[k]) for k in ("id", "url") if known.get(k))
        if not what and looked:
            what = "source not in the run"
        name = f"source {colour + 1}: {what}" if what else f"source {colour + 1}"
        sources.append((SOURCE_COLORS[colour % len(SOURCE_COLORS)], name))
    reasons = found.reasons(step.cutoff)
    copied = doc.meta.get("copied_from")
    entries = copied if isinstance(copied, list) else []
    return StitchedPage(
        id=doc.id,
        url=str(doc.meta.get("url", "")),
        score=number(doc.signals.get("salad_score")),
        outcome=str(doc.meta.get("reason", "kept, flagged")),
        reasons=reasons + (["copied_from"] if found.source_of else []),
        pieces=pieces,
        sources=sources,
        copied_from=[_entry(e) for e in entries[:10]],
    )


def _entry(entry: object) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    parts = [str(entry[k]) for k in ("id", "url") if entry.get(k)]
    count = entry.get("sentences")
    if count:
        parts.append(f"({count} sentence{'' if count == 1 else 's'})")
    return " ".join(parts)
