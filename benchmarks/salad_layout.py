"""The salad step on the factor pages of the TUNE half, re-laid out: lists, one sentence a line, markdown.

    python benchmarks/salad_layout.py --n 30                     # the shipped reading of layout
    python benchmarks/salad_layout.py --n 30 --breaks unknown    # one-sentence lines read as unknown breaks

A stitcher chooses a page's layout for free, so the verdict must not hang on it. Each factor page
(stitched and genuine alike) is written again in each layout from the same sentences, and the step's
AUROC, recall and false positives are printed per layout. Tune half only: the choices of
``gristmill.salad.layout`` and ``analysis.UNKNOWN_BREAKS`` are made here, never on ``--unseen``.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gristmill.salad import analysis
from saladgen import Page, factors
from saladgen.metrics import auroc

REPO = Path(__file__).resolve().parents[1]
DATA = next((p for p in (REPO.parent / "shared/data", REPO.parents[1] / "shared/data") if p.is_dir()), REPO)
HEADINGS = ("Overview", "History", "Details", "What happened", "Why it matters", "More")
CONDITIONS = (
    factors.BASE,
    factors.Condition(layout="random"),
    factors.Condition(layout="runs"),
    factors.Condition(length=40),
    factors.Condition(runs="1"),
    factors.Condition(subject="same", pool="news"),
)


def paragraphs(page: Page) -> list[list[str]]:
    """The page's sentences (furniture left out) in its paragraphs."""
    out: list[list[str]] = []
    previous = 0
    for a, b, src in page.units:
        if src < 0:
            continue
        if not out or "\n" in page.text[previous:a]:
            out.append([])
        out[-1].append(page.text[a:b])
        previous = b
    return out


def bulleted(paras: list[list[str]], rng: random.Random) -> str:
    return "\n".join("- " + s for p in paras for s in p)


def numbered(paras: list[list[str]], rng: random.Random) -> str:
    return "\n".join(f"{i}. {s}" for i, s in enumerate((s for p in paras for s in p), 1))


def one_a_line(paras: list[list[str]], rng: random.Random) -> str:
    return "\n".join(s for p in paras for s in p)


def markdown(paras: list[list[str]], rng: random.Random) -> str:
    """A title, headings now and then, paragraphs of 2-5 sentences, some as bullets, a bold word."""
    said = [s for p in paras for s in p]
    parts = [f"# {rng.choice(HEADINGS)}"]
    i = 0
    while i < len(said):
        run = said[i : i + rng.randint(2, 5)]
        if i and rng.random() < 0.3:
            parts.append(f"## {rng.choice(HEADINGS)}")
        if rng.random() < 0.25:
            parts.append("\n".join("* " + s for s in run))
        else:
            parts.append(re.sub(r"\b([A-Z][a-z]{3,})\b", r"**\1**", " ".join(run), count=1))
        i += len(run)
    return "\n\n".join(parts)


LAYOUTS: dict[str, Callable[[list[list[str]], random.Random], str] | None] = {
    "as built": None,
    "bulleted": bulleted,
    "numbered": numbered,
    "one sentence a line": one_a_line,
    "markdown": markdown,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=30, help="stitched and genuine pages per condition")
    parser.add_argument(
        "--breaks", choices=("none", "unknown"), default=getattr(analysis, "UNKNOWN_BREAKS", "none")
    )
    args = parser.parse_args()
    analysis.UNKNOWN_BREAKS = args.breaks
    t0 = time.perf_counter()
    corpus = factors.Corpus(DATA, "tune")
    built = [p for cond in CONDITIONS for p in factors.pages(corpus, cond, args.n, seed=5)]
    threshold = analysis.DEFAULT_THRESHOLD
    print(
        f"tune half, {len(CONDITIONS)} conditions x {args.n} + {args.n} pages; breaks read as {args.breaks}"
    )
    print("| layout | AUROC | recall | false positives | median s / g |")
    print("|---|---|---|---|---|")
    for name, lay in LAYOUTS.items():
        rng = random.Random(f"layout:{name}")
        texts = [p.text if lay is None else lay(paragraphs(p), rng) for p in built]
        scores = np.array([analysis.analyse(t).score for t in texts])
        y = np.array([p.stitched for p in built])
        print(
            f"| {name} | {auroc(scores.tolist(), y.tolist()):.3f} | {np.mean(scores[y] >= threshold):.0%} "
            f"| {np.mean(scores[~y] >= threshold):.1%} "
            f"| {np.median(scores[y]):.2f} / {np.median(scores[~y]):.2f} |"
        )
    print(f"run took {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
