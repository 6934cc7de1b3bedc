"""Tune-side check of a change to the salad step's reading: family figures and which pages moved.

Builds tune-half pages (recipe families, factor conditions, whole documents; ``--half report``: the
report half's families, for the one judgement after the change),
scores them with the shipped model and writes every score to ``--out``; with ``--before FILE`` it
also prints how many pages of each group changed score or verdict against that earlier run:

    python benchmarks/salad_tune_side.py --out /tmp/before.json            # on the old code
    python benchmarks/salad_tune_side.py --out /tmp/after.json --before /tmp/before.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gristmill.salad.analysis import DEFAULT_THRESHOLD, analyse
from saladgen import factors, families
from saladgen.metrics import auroc

REPO = Path(__file__).resolve().parents[1]
DATA = next((p for p in (REPO.parent / "shared/data", REPO.parents[1] / "shared/data") if p.is_dir()), REPO)
FAMILIES = ("thread", "insert", "blocks")


def groups(n: int, which: str) -> dict[str, list[tuple[bool, str]]]:
    """Pages of half ``which`` by group: (stitched, text).

    The tune half has the families this change was developed on, every factor condition and the whole
    documents; the report half (judged once) has every family, drawn as ``--lofo`` draws them (seed 5).
    """
    corpus = factors.Corpus(DATA, which)
    out: dict[str, list[tuple[bool, str]]] = {}
    names = FAMILIES if which == "tune" else tuple(families.FAMILIES)
    for name in names:
        pages = families.pages(corpus, name, n, seed=3 if which == "tune" else 5)
        out[f"family:{name}"] = [(p.stitched, p.text) for p in pages]
    if which == "tune":
        for cond in factors.one_at_a_time():
            out[f"condition:{cond.name()}"] = [
                (p.stitched, p.text) for p in factors.pages(corpus, cond, n // 4)
            ]
        out["whole"] = [(False, text) for _, text in factors.whole_documents(DATA, "tune")]
    return out


def main() -> None:
    """Score the tune pages, print the figures, compare with an earlier run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=80, help="stitched pages per family (as many genuine)")
    parser.add_argument("--out", required=True, help="write every page's score here (JSON)")
    parser.add_argument("--before", help="an earlier --out file to compare with")
    parser.add_argument("--half", default="tune", choices=["tune", "report"], help="report: families only")
    args = parser.parse_args()
    threshold = DEFAULT_THRESHOLD
    t0 = time.process_time()
    scores = {
        name: [(y, analyse(text).score) for y, text in pages]
        for name, pages in groups(args.n, args.half).items()
    }
    print(f"scored in {time.process_time() - t0:.0f} CPU s, threshold {threshold}")
    before = json.loads(Path(args.before).read_text()) if args.before else None
    changed_total = 0
    for name, rows in scores.items():
        y = np.array([r[0] for r in rows])
        s = np.array([r[1] for r in rows])
        flagged = s >= threshold
        line = f"{name:60} n={len(rows):4}"
        if y.any() and (~y).any():
            line += f" AUROC {auroc(s, y):.3f} recall {flagged[y].mean():.0%}"
        line += f" FP {flagged[~y].mean():.1%}"
        if before:
            old = np.array([r[1] for r in before[name]])
            moved = int((np.abs(old - s) > 1e-9).sum())
            changed_total += moved
            flips = int(((old >= threshold) != flagged).sum())
            line += f" | moved {moved}, verdicts changed {flips}"
            if y.any() and (~y).any():
                line += f", AUROC before {auroc(old, y):.3f}"
        print(line, flush=True)
    if before:
        print(f"pages whose score moved: {changed_total}")
    Path(args.out).write_text(json.dumps(scores), encoding="utf-8")


if __name__ == "__main__":
    main()
