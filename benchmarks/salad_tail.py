"""The genuine tail: which tune-half genuine pages score high under the shipped model, and why.

    python benchmarks/salad_tail.py --n 30 --random 20 [--seed 2]   # tune half only, all tune documents

Prints the genuine pages over ``--over`` by kind and condition, how many distinct source documents make
the top 1%, and the page model's per-feature contributions (weight x standardised value) on the tail
against all genuine pages. Never reads the report half.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import salad as bench
from gristmill.salad.coherence import MODEL_FILE, CoherenceModel
from saladgen import factors


def document_index() -> dict[str, str]:
    """Each tune-half sentence (of 8+-sentence documents) -> its document's key."""
    corpus = factors.Corpus(bench.DATA, "tune")
    return {s: d.key for pool in corpus.pools.values() for d in pool for s in d.sentences}


def page_document(page: bench.Page, kind: str, index: dict[str, str]) -> str:
    """The source document of a genuine page: its excerpt's document key, or the whole text's head."""
    if kind == "whole":
        return "whole:" + page.text[:40].replace("\n", " ")
    if kind == "choppy":
        return "choppy:" + page.kind
    if page.document:
        return page.document
    for a, b, src in page.units:
        if src == 0 and page.text[a:b] in index:
            return index[page.text[a:b]]
    return "?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--random", type=int, default=20)
    parser.add_argument("--over", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=1, help="which draw of tune pages (1: the rule's)")
    parser.add_argument("--model", default=str(MODEL_FILE))
    parser.add_argument("--cache", help="pickle of the measured pages (written if absent)")
    args = parser.parse_args()
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        measured = pickle.loads(cache.read_bytes())
    else:
        pages = bench.coherence_pages(args.n, args.random, seed=args.seed, family_share=0, only=None)
        measured = bench.measure_pages(pages)
        if cache:
            cache.write_bytes(pickle.dumps(measured))
    coherence = CoherenceModel.load(Path(args.model))
    scores = bench.model_scores(coherence, measured)
    kinds = bench.threshold_kinds(measured)
    genuine = kinds != "stitched"
    index = document_index()
    docs = np.array([page_document(p, k.split(":")[0], index) for k, p, _ in measured])
    conds = np.array([k for k, _, _ in measured])
    print(f"pages {len(measured)}, genuine {genuine.sum()}")
    for kind in ("excerpt", "whole", "choppy"):
        at = kinds == kind
        q = 0.98 if kind == "choppy" else 0.99
        print(
            f"{kind}: {at.sum()} pages, median {np.median(scores[at]):.3f}, "
            f"{q:.0%} {np.quantile(scores[at], q):.3f}, "
            f"over {args.over} {np.mean(scores[at] >= args.over):.1%}, "
            f"over 0.964 {np.mean(scores[at] >= 0.964):.1%}"
        )
    pool = np.isin(kinds, ("excerpt", "whole"))
    cut = np.quantile(scores[pool], 0.99, method="higher")
    top = pool & (scores >= cut)
    print(f"pooled genuine 99th {cut:.3f}; top 1%: {top.sum()} pages from {len(set(docs[top]))} documents")
    for doc, c in Counter(docs[top]).most_common():
        drawn = (docs == doc) & pool
        print(f"  {c:3d} of {drawn.sum():3d} drawn pages  median {np.median(scores[drawn]):.3f}  {doc}")
    tail = genuine & (scores >= args.over)
    print(f"\ngenuine pages over {args.over}: {tail.sum()} of {genuine.sum()}, {len(set(docs[tail]))} docs")
    by_cond: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c, t, g in zip(conds, tail, genuine, strict=True):
        if g:
            by_cond[c][0] += int(t)
            by_cond[c][1] += 1
    for c, (t, g) in sorted(by_cond.items(), key=lambda kv: -kv[1][0] / kv[1][1]):
        if t:
            print(f"  {t:3d}/{g:3d}  {c}")
    # The page model's contributions: weight x standardised value, tail against every genuine page.
    boundary = (coherence.transition, coherence.absolute)
    x = bench.page_matrix(measured, boundary, coherence.seam_rate, coherence.page.names)
    contrib = (x - coherence.page.means) / coherence.page.scales * coherence.page.weights
    diff = contrib[tail].mean(axis=0) - contrib[genuine & ~tail].mean(axis=0)
    print("\nper-feature contribution to the log-odds, tail mean - other genuine mean (largest first):")
    for j in np.argsort(-diff)[:12]:
        raw = f"raw tail {x[tail, j].mean():.3f}, others {x[genuine & ~tail, j].mean():.3f}"
        print(f"  {coherence.page.names[j]:24s} {diff[j]:+.2f}  ({raw})")
    print("\nthe tail pages (score, kind, document, first 160 characters):")
    for i in np.argsort(-scores * tail)[: tail.sum()]:
        print(f"  {scores[i]:.3f} {conds[i][:60]:60s} {docs[i][:40]}")
        print("     " + measured[i][1].text[:160].replace("\n", " / "))


if __name__ == "__main__":
    main()
