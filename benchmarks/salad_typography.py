"""Typographic habits mixed within a page as evidence of stitching (stop 30: tried, not shipped).

    python benchmarks/salad_typography.py --cache /tmp/bfit              # tune half: rates, fit, guards
    python benchmarks/salad_typography.py --cache /tmp/bfit --judge 100  # and the report half, once

Each site writes an apostrophe, a double quote, a dash and an ellipsis its own way, and copied
sentences keep their source's habits. ``mixed`` is 1 where one prose sentence of the page writes one
of them one way and another sentence the other way (a sentence that writes it both ways counts for
neither). A logistic layer over the shipped score's log-odds (both stages and the repeat, as
:func:`gristmill.salad.analysis.analyse` gives it) and ``mixed`` is fitted on guard draw 1 of the tune
half (documents the shipped models were never fitted on), its threshold matched there to the shipped
score's share of genuine pages flagged (:func:`salad_pair_evidence.matched_threshold`); guard draw 2 is
a check. ``--judge`` reads the report half: per condition AUROC with and without the layer, recall at
matched false positives, false positives, whole documents and choppy pages at each one's threshold.
docs/salad.md, "Stop 30", has the figures and why the layer was not shipped.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import salad as bench
from gristmill.salad import analysis
from gristmill.salad.coherence import Logistic
from salad_boundary_fit import compare, tune_pages
from salad_pair_evidence import matched_threshold, report_pages, staged_scores

# (name, the one way, the other way)
HABITS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    ("apostrophe", re.compile(r"\w’\w"), re.compile(r"\w'\w")),
    ("double_quote", re.compile(r"[“”]"), re.compile(r'"')),
    ("dash", re.compile(r"—"), re.compile(r"\s[-–]\s|--")),
    ("ellipsis", re.compile(r"…"), re.compile(r"\.\.\.")),
)
COLUMNS = ["score_logit", "mixed"]


def mixed_habits(sentences: Sequence[str]) -> list[bool]:
    """For each habit, whether one sentence writes it one way and another sentence the other way."""
    out = []
    for _, one, other in HABITS:
        ways = [(one.search(s) is not None, other.search(s) is not None) for s in sentences]
        out.append(any(a and not b for a, b in ways) and any(b and not a for a, b in ways))
    return out


def layer_input(measured: bench.Measured) -> np.ndarray:
    """Each page's shipped score's log-odds and whether any habit is mixed."""
    base = np.clip(staged_scores(analysis.EVIDENCE, measured), 1e-12, 1 - 1e-12)
    mixed = [any(mixed_habits(m.sentences)) for _, _, m in measured]
    return np.c_[np.log(base / (1 - base)), mixed]


def probabilities(layer: Logistic | None, x: np.ndarray) -> np.ndarray:
    """Scores for rows of :func:`layer_input`: the layer's, or with ``layer`` None the shipped score."""
    return 1 / (1 + np.exp(-(x[:, 0] if layer is None else layer.logits(x))))


def rates(guards: dict[int, bench.Measured]) -> None:
    """How often each habit is mixed on genuine and stitched pages, by the page's prose sentences."""
    names = [name for name, _, _ in HABITS]
    print(f"| guard draw | pages | prose sentences | genuine: {' / '.join(names)} | stitched: the same |")
    print("|---|---|---|---|---|")
    for seed, held in guards.items():
        habits = np.array([mixed_habits(m.sentences) for _, _, m in held], dtype=float)
        y = np.array([p.stitched for _, p, _ in held])
        n = np.array([len(m.sentences) for _, _, m in held])
        for label, at in (("up to 40", n <= 40), ("over 40", n > 40)):
            genuine, stitched = habits[at & ~y].mean(0), habits[at & y].mean(0)
            print(
                f"| {seed} | {(at & ~y).sum()} + {(at & y).sum()} | {label} | "
                f"{' / '.join(f'{v:.1%}' for v in genuine)} | {' / '.join(f'{v:.1%}' for v in stitched)} |"
            )


def main() -> None:
    """Fit the layer on the tune half; with ``--judge``, read the report half once."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--random", type=int, default=20)
    parser.add_argument("--cache", help="a folder to keep the measured tune pages in")
    parser.add_argument("--judge", type=int, metavar="N", help="also read the report half, N pages a class")
    parser.add_argument("--judge-random", type=int, default=4, help="random combinations on the report half")
    args = parser.parse_args()
    _, guards = tune_pages(args.cache, args.n, args.random)
    rates(guards)
    x1 = layer_input(guards[1])
    y1 = np.array([p.stitched for _, p, _ in guards[1]], dtype=float)
    layer = Logistic.fit(x1, y1, COLUMNS)
    print(f"layer per unit: {dict(zip(COLUMNS, np.round(layer.weights / layer.scales, 3), strict=True))}")
    threshold = analysis.DEFAULT_THRESHOLD
    for seed, held in guards.items():
        x = x1 if seed == 1 else layer_input(held)
        before, after = probabilities(None, x), probabilities(layer, x)
        mixed = x[:, 1].mean()
        print(f"guard draw {seed}: {len(held)} pages ({mixed:.1%} mixed), shipped -> with the layer")
        compare(before, after, held)
        if seed == 1:
            kinds = bench.threshold_kinds(held)
            threshold = matched_threshold(before, after, kinds, analysis.DEFAULT_THRESHOLD)
            print(f"  threshold: {threshold} (the shipped score's: {analysis.DEFAULT_THRESHOLD})")
    if args.judge:
        judge(layer, threshold, args.judge, args.judge_random)


def judge(layer: Logistic, threshold: float, n: int, random_combinations: int) -> None:
    """The report half, once: the shipped score against the score with the layer."""
    held, whole, choppy = report_pages(n, random_combinations)
    x = layer_input(held)
    before, after = probabilities(None, x), probabilities(layer, x)
    print(f"report half: {len(held)} pages ({x[:, 1].mean():.1%} mixed), without -> with the layer")
    compare(before, after, held)
    y = np.array([p.stitched for _, p, _ in held])
    kinds = np.array([kind for kind, _, _ in held])
    extra = {name: layer_input(pages) for name, pages in (("whole", whole), ("choppy", choppy))}
    long_whole = np.array([len(m.sentences) > 40 for _, _, m in whole])
    for label, cut, scoring, got in (
        ("without", analysis.DEFAULT_THRESHOLD, None, before),
        ("with", threshold, layer, after),
    ):
        whole_flagged = probabilities(scoring, extra["whole"]) >= cut
        choppy_flagged = probabilities(scoring, extra["choppy"]) >= cut
        per_condition = [np.mean(got[(kinds == k) & ~y] >= cut) for k in dict.fromkeys(kinds)]
        over = sum(share > 0.04 for share in per_condition)
        print(
            f"  {label} the layer, at {cut}: recall {np.mean(got[y] >= cut):.1%}, false positives "
            f"{np.mean(got[~y] >= cut):.1%} ({over} conditions over 4%), whole documents flagged "
            f"{whole_flagged.sum()} of {len(whole)} ({whole_flagged[long_whole].sum()} of the "
            f"{long_whole.sum()} over 40 sentences), choppy pages "
            f"{choppy_flagged.sum()} of {len(choppy)}"
        )


if __name__ == "__main__":
    main()
