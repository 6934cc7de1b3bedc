"""Agreement of gristmill's quality filters with datatrove's, document by document.

Runs datatrove's GopherQualityFilter, GopherRepetitionFilter, C4QualityFilter and FineWebQualityFilter
and gristmill's gopher_quality, gopher_repetition, c4_quality and fineweb_quality on the same
documents (see quality_corpus.py), each filter on the original text, and prints per filter the share
of documents with the same keep/drop decision, then every disagreement with both sides' reasons.
Goal: >= 99% per filter.

    .venv-bench/bin/python benchmarks/quality_agreement.py [--show N]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gristmill import Document
from gristmill.steps.c4 import C4QualityFilter
from gristmill.steps.fineweb import FineWebQualityFilter
from gristmill.steps.gopher import GopherQualityFilter, GopherRepetitionFilter
from quality_corpus import load_corpus


def peers() -> dict[str, object]:
    from datatrove.pipeline.filters import (
        C4QualityFilter as DtC4,
    )
    from datatrove.pipeline.filters import (
        FineWebQualityFilter as DtFineWeb,
    )
    from datatrove.pipeline.filters import (
        GopherQualityFilter as DtGopherQuality,
    )
    from datatrove.pipeline.filters import (
        GopherRepetitionFilter as DtGopherRepetition,
    )

    return {
        "gopher_quality": DtGopherQuality(),
        "gopher_repetition": DtGopherRepetition(),
        "c4_quality": DtC4(),
        "fineweb_quality": DtFineWeb(),
    }


OURS = {
    "gopher_quality": GopherQualityFilter(),
    "gopher_repetition": GopherRepetitionFilter(),
    "c4_quality": C4QualityFilter(),
    "fineweb_quality": FineWebQualityFilter(),
}


def peer_verdict(peer: object, doc_id: str, text: str) -> str:
    from datatrove.data import Document as DtDocument

    try:
        result = peer.filter(DtDocument(text=text, id=doc_id))  # type: ignore[attr-defined]
    except ZeroDivisionError:
        return "error:ZeroDivisionError"
    if result is True:
        return "keep"
    return result[1] if isinstance(result, tuple) else "drop"


def our_verdict(step: object, doc_id: str, text: str) -> str:
    verdict = step.keep(Document(doc_id, text))  # type: ignore[attr-defined]
    return "keep" if verdict is True else str(verdict)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--show", type=int, default=20, help="disagreements to print per filter")
    args = parser.parse_args()
    corpus = load_corpus()
    theirs = peers()
    print(f"{len(corpus)} documents\n")
    print(f"{'filter':<20} {'agree':>7} {'of':>6} {'share':>8}  {'kept (ours/peer)':>18}")
    details = {}
    for name, step in OURS.items():
        agree = 0
        kept = Counter()
        disagreements = []
        for doc_id, text in corpus:
            ours = our_verdict(step, doc_id, text)
            peer = peer_verdict(theirs[name], doc_id, text)
            kept["ours"] += ours == "keep"
            kept["peer"] += peer == "keep"
            if (ours == "keep") == (peer == "keep"):
                agree += 1
            else:
                disagreements.append((doc_id, ours, peer))
        details[name] = disagreements
        share = agree / len(corpus)
        print(f"{name:<20} {agree:>7} {len(corpus):>6} {share:>8.2%}  {kept['ours']:>8}/{kept['peer']:<8}")
    for name, disagreements in details.items():
        if not disagreements:
            continue
        print(f"\n{name}: {len(disagreements)} disagreements (ours vs datatrove):")
        print("  by reason:", dict(Counter((o, p) for _, o, p in disagreements).most_common()))
        for doc_id, ours, peer in disagreements[: args.show]:
            print(f"  {doc_id[:70]:<70} ours={ours:<22} datatrove={peer}")


if __name__ == "__main__":
    main()
