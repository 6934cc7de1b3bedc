"""Speed of the four quality filters chained: gristmill vs datatrove, same documents, one process each.

Chain: gopher_quality -> gopher_repetition -> c4_quality -> fineweb_quality; a dropped document
leaves the chain. Both sides run in this process, one worker, on the corpus of quality_corpus.py
(repeated --rounds times with fresh Document objects). Prints docs/s and the ratio. Goal (issue 16):
>= 10x on a cold first pass, in CPU time (put benchmarks/cpu_clock on PYTHONPATH).

    .venv-bench/bin/python benchmarks/quality_speed.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gristmill import Document
from gristmill.steps.c4 import C4QualityFilter
from gristmill.steps.fineweb import FineWebQualityFilter
from gristmill.steps.gopher import GopherQualityFilter, GopherRepetitionFilter
from quality_corpus import load_corpus


def run_ours(corpus: list[tuple[str, str]]) -> tuple[float, int]:
    chain = [GopherQualityFilter(), GopherRepetitionFilter(), C4QualityFilter(), FineWebQualityFilter()]
    kept = 0
    start = time.perf_counter()
    for doc_id, text in corpus:
        doc = Document(doc_id, text)
        if all(step.keep(doc) is True for step in chain):
            kept += 1
    return time.perf_counter() - start, kept


def run_datatrove(corpus: list[tuple[str, str]]) -> tuple[float, int]:
    from datatrove.data import Document as DtDocument
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    chain = [GopherQualityFilter(), GopherRepetitionFilter(), C4QualityFilter(), FineWebQualityFilter()]

    def passes(doc: DtDocument) -> bool:
        for step in chain:
            result = step.filter(doc)
            if result is not True:
                return False
        return True

    kept = 0
    start = time.perf_counter()
    for doc_id, text in corpus:
        if passes(DtDocument(text=text, id=doc_id)):
            kept += 1
    return time.perf_counter() - start, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=1, help="passes over the corpus")
    args = parser.parse_args()
    corpus = load_corpus() * args.rounds
    chars = sum(len(t) for _, t in corpus)
    print(f"{len(corpus)} documents, {chars / 1e6:.1f} M characters, one worker each\n")
    # datatrove's spaCy tokenizer loads on first use: warm it outside the timing.
    run_datatrove(corpus[:5])
    results = {"gristmill": run_ours(corpus), "datatrove": run_datatrove(corpus)}
    print(f"{'tool':<10} {'seconds':>8} {'docs/s':>8} {'kept':>6}")
    for tool, (seconds, kept) in results.items():
        print(f"{tool:<10} {seconds:>8.2f} {len(corpus) / seconds:>8.0f} {kept:>6}")
    ratio = results["datatrove"][0] / results["gristmill"][0]
    print(f"\ngristmill is {ratio:.1f}x datatrove's speed (goal >= 10x cold)")


if __name__ == "__main__":
    main()
