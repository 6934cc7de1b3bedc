"""The second stage on long pages (41-150 prose sentences, read in windows of 40), tune half only.

    python benchmarks/salad_long_pages.py --cache /tmp/bfit   # both guard draws, then long genuine pages

Stitched and genuine pages of six long conditions are drawn from the tune half's *guard* documents
(the ones no model was fitted on), twice (``seed`` 1 and 2), and scored by the first stage alone and
with the second stage as shipped (:func:`gristmill.salad.analysis.staged_probability`). Then every
genuine page over 40 sentences of :func:`salad.coherence_pages` (whole documents, choppy pages, genuine
excerpts of the fit pages and both guard draws, as :func:`salad_boundary_fit.tune_pages` draws and
caches them): how many reach the gate, and how many are flagged.
docs/salad.md, "Stop 27: long pages in windows", has the figures and the report-half read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import salad as bench
from gristmill.salad import analysis
from gristmill.salad.coherence import with_repeat
from gristmill.salad.pair_evidence import PAIR_SENTENCES
from salad_boundary_fit import tune_pages
from saladgen import factors
from saladgen.metrics import auroc

LONG = (
    factors.Condition(length=80),
    factors.Condition(length=80, runs="3-5"),
    factors.Condition(length=80, runs="3-5", layout="runs"),
    factors.Condition(length=60, runs="block"),
    factors.Condition(length=80, subject="same", pool="wiki"),
    factors.Condition(length=100, pool="wiki", layout="random"),
)


def scores(measured: bench.Measured) -> tuple[np.ndarray, np.ndarray]:
    """Each page's score by the first stage alone, and with the second stage as shipped."""
    first, staged = [], []
    for _, _, m in measured:
        first.append(with_repeat(analysis._layout_free_score(m)[0], m.features))
        staged.append(with_repeat(analysis.staged_probability(m, analysis.EVIDENCE)[0], m.features))
    return np.array(first), np.array(staged)


def main() -> None:
    """Print recall, false positives and AUROC per long condition and draw, then the long genuine pages."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", help="a folder to keep the measured tune pages in")
    args = parser.parse_args()
    threshold = analysis.DEFAULT_THRESHOLD
    corpus = factors.Corpus(bench.DATA, "tune", "guard")
    for seed in (1, 2):
        print(f"guard draw {seed}, threshold {threshold}: first stage -> with the windows")
        for cond in LONG:
            measured = bench.measure_pages([("long", p) for p in factors.pages(corpus, cond, 40, seed=seed)])
            y = np.array([p.stitched for _, p, _ in measured])
            long = sum(len(m.sentences) > PAIR_SENTENCES for _, _, m in measured)
            first, staged = scores(measured)
            recall = f"{np.mean(first[y] >= threshold):.0%} -> {np.mean(staged[y] >= threshold):.0%}"
            false = f"{np.mean(first[~y] >= threshold):.1%} -> {np.mean(staged[~y] >= threshold):.1%}"
            print(
                f"  {cond.name():45s} {long:3d} of {len(measured)} pages over {PAIR_SENTENCES} sentences | "
                f"AUROC {auroc(first, y):.3f} -> {auroc(staged, y):.3f} | recall {recall} | "
                f"false positives {false}"
            )
    fit_pages, guards = tune_pages(args.cache, 60, 20)
    genuine = [x for x in [*fit_pages, *guards[1], *guards[2]] if not x[1].stitched]
    long_pages = [x for x in genuine if len(x[2].sentences) > PAIR_SENTENCES]
    first, staged = scores(long_pages)
    gated = sum(analysis._layout_free_score(m)[0] >= analysis.EVIDENCE.gate for _, _, m in long_pages)
    print(
        f"genuine tune pages over {PAIR_SENTENCES} sentences: {len(long_pages)}; {gated} reach the gate; "
        f"flagged {int((first >= threshold).sum())} -> {int((staged >= threshold).sum())}"
    )


if __name__ == "__main__":
    main()
