"""Tune half only: does "sentence j would follow sentence i directly" add to the same-source pair model?

Each source of a stitched page is read in order, so its sentences form a chain whose links were real
boundaries of its article. This scores every pair as such a link: the absolute boundary model (the one
that never compares a boundary with its page) on the virtual boundary i -> j, its transition features
computed on the two sentences alone, as continuation log-odds C. Prints the pair AUROC of the pair
model's log-odds L, of C, and of both (a logistic model fitted on half the pages, read on the other),
then the forced-split ARI with L + w * C. docs/salad.md "Stop 29" has the figures.

    .venv/bin/python benchmarks/salad_virtual_pairs.py [--n 12]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA
from gristmill import salad as model
from gristmill.salad import analysis
from gristmill.salad.coherence import Logistic
from gristmill.salad.merging import merge_groups
from gristmill.salad.pairs import gram, pair_features
from gristmill.salad.transitions import ABSOLUTE_COLUMNS, transition_features
from gristmill.salad.word_vectors import page_centred
from saladgen import factors
from saladgen.metrics import adjusted_rand_index, auroc


class PageRows(NamedTuple):
    """One measured stitched page: its condition, sources, seam chances and both pair matrices."""

    condition: str
    measured: analysis.Measured
    gold: np.ndarray
    chances: np.ndarray
    pair_logits: np.ndarray
    continuation: np.ndarray


def continuation(measured: analysis.Measured) -> np.ndarray:
    """Symmetric n x n log-odds that the later sentence of each pair directly follows the earlier one."""
    n = len(measured.sentences)
    centred = page_centred(measured.vectors)
    vec = gram(centred)
    live = np.array([bool(t) for t in measured.terms])
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    rows = np.array(
        [
            transition_features(
                [measured.sentences[i], measured.sentences[j]],
                measured.lexical[np.ix_([i, j], [i, j])],
                vec[np.ix_([i, j], [i, j])],
                measured.styles[[i, j]],
                np.zeros(1, dtype=bool),
                centred[[i, j]],
                live[[i, j]],
                [measured.terms[i], measured.terms[j]],
            )[0]
            for i, j in pairs
        ]
    )
    out = np.zeros((n, n))
    if pairs:
        seam = model.COHERENCE.absolute.logits(rows[:, ABSOLUTE_COLUMNS])
        for (i, j), value in zip(pairs, seam, strict=True):
            out[i, j] = out[j, i] = -value
    return out


def measured_pages(n: int) -> list[PageRows]:
    """The tune half's stitched pages of every condition and six random ones, ``n`` each (seed 5)."""
    assert analysis.PAIRS is not None
    corpus = factors.Corpus(SHARED_DATA, "tune", None)
    conditions = factors.one_at_a_time() + factors.random_conditions(6, seed=21)
    pages = []
    for condition in conditions:
        for page in factors.pages(corpus, condition, n, seed=5)[:n]:
            found = model.measure(page.text)
            if found.prose_spans is None or page.sources < 2:
                continue
            chances = model.COHERENCE.seam_chances(found.rows)
            rows = pair_features(found.sentences, found.lexical, found.vectors, found.styles, chances)
            gold = np.array(page.gold_labels(found.prose_spans))
            pages.append(
                PageRows(
                    condition.name(), found, gold, chances, analysis.PAIRS.logits(rows), continuation(found)
                )
            )
    return pages


def labelled_pairs(pages: list[PageRows]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of sentences of known source: same source, chain link, L and C."""
    same, link, logits, cont = [], [], [], []
    for page in pages:
        gold = page.gold
        for i in range(len(gold)):
            for j in range(i + 1, len(gold)):
                if gold[i] < 0 or gold[j] < 0:
                    continue
                same.append(gold[i] == gold[j])
                link.append(gold[i] == gold[j] and not (gold[i + 1 : j] == gold[i]).any())
                logits.append(page.pair_logits[i, j])
                cont.append(page.continuation[i, j])
    return np.array(same), np.array(link), np.array(logits), np.array(cont)


def split_aris(pages: list[PageRows], weight: float) -> dict[str, float]:
    """Mean forced-split ARI per condition on pages of 3+ sources, with L + weight * C as the pairs."""
    assert analysis.PAIRS is not None and analysis.PAIRS.merge is not None
    found: dict[str, list[float]] = {}
    for page in pages:
        if len(set(page.gold[page.gold >= 0].tolist())) < 3:
            continue
        logits = page.pair_logits + weight * page.continuation
        np.fill_diagonal(logits, 0.0)
        max_k = max(2, min(analysis.MAX_SOURCES, len(page.gold) // analysis.SENTENCES_PER_SOURCE))
        profiles = analysis.profiles(page.measured, logits, page.chances)
        groups = merge_groups(profiles, analysis.PAIRS.merge, max_k, analysis.PAIRS.merge_shift)
        ari = adjusted_rand_index(page.gold.tolist(), [int(g) for g in groups])
        found.setdefault(page.condition, []).append(ari)
    return {name: float(np.mean(values)) for name, values in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=12, help="stitched pages per condition")
    args = parser.parse_args()
    pages = measured_pages(args.n)
    same, link, logits, cont = labelled_pairs(pages)
    print(f"{len(pages)} tune pages, {len(same)} pairs")
    print(f"same source, AUROC: L {auroc(logits, same):.4f}, C {auroc(cont, same):.4f}")
    chain = link | ~same
    print(
        f"chain links against other sources: L {auroc(logits[chain], link[chain]):.4f}, "
        f"C {auroc(cont[chain], link[chain]):.4f}"
    )
    fit_same, _, fit_l, fit_c = labelled_pairs(pages[::2])
    read_same, _, read_l, read_c = labelled_pairs(pages[1::2])
    both = Logistic.fit(np.c_[fit_l, fit_c], fit_same.astype(float), ["L", "C"])
    read = both.logits(np.c_[read_l, read_c])
    print(
        f"L and C on the other half: standardised weights {np.round(both.weights, 3)}; "
        f"AUROC {auroc(read_l, read_same):.4f} -> {auroc(read, read_same):.4f}"
    )
    for weight in (0.0, 0.25, 0.5, 1.0):
        aris = split_aris(pages, weight)
        worst = min(aris, key=lambda name: aris[name])
        print(f"w = {weight}: mean ARI {np.mean(list(aris.values())):.3f}, worst {aris[worst]:.3f} ({worst})")


if __name__ == "__main__":
    main()
