"""Tune half only: how the boundary models are fitted, the shipped recipe against stop 25's variants.

Stop 25 found that the boundary model's relative columns (``*_rel``) stand in for the kind of page and
push the wrong way on a page of blocks (docs/salad.md, "the boundary model told the kind of page").
This fits the shipped recipe and a variant on the same fit pages of the tune half and compares them on
two draws of guard pages (tune documents the fit never saw), per condition and at matched false
positives. It never reads the report half.

    python benchmarks/salad_boundary_fit.py                       # page medians and page-weighted seams
    python benchmarks/salad_boundary_fit.py --no-medians          # page-weighted seams only
    python benchmarks/salad_boundary_fit.py --no-weights          # page medians only
    python benchmarks/salad_boundary_fit.py --cache /tmp/bfit     # keep the measured pages between runs

Variants: ``medians`` gives every boundary the page's median of eight absolute columns
(:data:`MEDIAN_OF`), so that the kind of page is an input of its own; ``weights`` fits the boundary
models with each page's seams weighing what its other boundaries weigh, and takes the page's likelihood
ratios against the seam rate of those weights.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import salad as bench
from gristmill.salad.coherence import CoherenceModel, Logistic, Perceptron
from gristmill.salad.transitions import ABSOLUTE_COLUMNS, TRANSITION_NAMES
from saladgen.fitting import fit_perceptron

MEDIAN_OF = (
    "sim_prev",
    "sim_back",
    "vec_prev",
    "vec_back",
    "block_sim",
    "vec_block_sim",
    "terms_new",
    "block_terms_new",
)
_MEDIAN_COLUMNS = [TRANSITION_NAMES.index(name) for name in MEDIAN_OF]


def with_medians(measured: bench.Measured) -> bench.Measured:
    """The pages with the page's median of :data:`MEDIAN_OF` appended to every boundary row."""
    out = []
    for kind, page, found in measured:
        copy = pickle.loads(pickle.dumps(found))
        medians = np.median(found.rows[:, _MEDIAN_COLUMNS], axis=0)
        copy.rows = np.hstack([found.rows, np.broadcast_to(medians, (len(found.rows), len(medians)))])
        out.append((kind, page, copy))
    return out


def page_weights(seams: Sequence[np.ndarray], power: float = 1.0) -> np.ndarray:
    """Per boundary, a weight that makes each page's seams weigh what its other boundaries weigh.

    With ``power`` under 1, part of the way: a seam weighs that power of the full weight.
    """
    out = []
    for gold in seams:
        weight = np.ones(len(gold))
        k = int(gold.sum())
        if 0 < k < len(gold):
            weight[gold == 1] = ((len(gold) - k) / k) ** power
        out.append(weight)
    return np.concatenate(out)


def fit(measured: bench.Measured, weighted: bool, power: float = 1.0) -> tuple[CoherenceModel, np.ndarray]:
    """The boundary models and the page model as ``benchmarks/salad.py --fit`` fits them (no threshold),
    and the page model's input rows (each page scored by boundary models fitted on the other fold)."""
    seams = bench.gold_seams(measured)
    columns = measured[0][2].rows.shape[1]
    names = [*TRANSITION_NAMES, *(f"page_{name}" for name in MEDIAN_OF)][:columns]

    def boundary(pages: list[int]) -> tuple[Perceptron, Perceptron, float]:
        x = np.vstack([measured[i][2].rows for i in pages])
        y = np.concatenate([seams[i] for i in pages])
        w = page_weights([seams[i] for i in pages], power) if weighted else np.ones(len(y))
        absolute = [names[i] for i in ABSOLUTE_COLUMNS]
        return (
            fit_perceptron(x, y, names, weights=w),
            fit_perceptron(x[:, ABSOLUTE_COLUMNS], y, absolute, weights=w),
            float((w * y).sum() / w.sum()),
        )

    transition, absolute, rate = boundary(list(range(len(measured))))
    folds = np.arange(len(measured)) % 2
    x = np.zeros((len(measured), len(bench.PAGE_NAMES)))
    for fold in (0, 1):
        *other, other_rate = boundary(np.flatnonzero(folds != fold).tolist())
        scored = np.flatnonzero(folds == fold)
        x[scored] = bench.page_matrix([measured[i] for i in scored], (other[0], other[1]), other_rate)
    y = np.array([p.stitched for _, p, _ in measured], dtype=float)
    return CoherenceModel(transition, absolute, Logistic.fit(x, y, list(bench.PAGE_NAMES)), 1.0, rate), x


PageModel = Callable[[bench.Measured, bench.Measured], np.ndarray]


def page_models(
    fit_pages: bench.Measured,
    base: CoherenceModel,
    base_rows: np.ndarray,
    new: CoherenceModel,
    new_rows: np.ndarray,
) -> dict[str, PageModel]:
    """Page models over the variant's boundary models, each meant to rank pages alike across conditions.

    Each returns the final scores of held pages (measured for the shipped recipe, and for the variant).
    """
    y = np.array([p.stitched for _, p, _ in fit_pages], dtype=float)
    names = list(bench.PAGE_NAMES)
    kinds = np.array(
        [kind if kind.startswith("excerpt:") else kind.split(":")[0] for kind, _, _ in fit_pages]
    )
    balanced = np.ones(len(y))
    for kind in set(kinds):  # every condition's stitched pages weigh alike, and its genuine pages
        for label in (0.0, 1.0):
            at = (kinds == kind) & (y == label)
            balanced[at] = 1.0 / max(1, at.sum())
    balanced *= len(y) / balanced.sum()
    tail = Logistic.fit(new_rows, y, names)
    for _ in range(2):  # the genuine pages in the top 5% weigh four times: the threshold is set there
        logits = tail.logits(new_rows)
        heavy = (y == 0) & (logits > np.quantile(logits[y == 0], 0.95))
        tail = Logistic.fit(new_rows, y, names, weights=np.where(heavy, 4.0, 1.0))
    both = Logistic.fit(np.hstack([base_rows, new_rows]), y, names + [f"new_{n}" for n in names])

    def rows(model: CoherenceModel, held: bench.Measured) -> np.ndarray:
        return bench.page_matrix(held, (model.transition, model.absolute), model.seam_rate)

    def with_page(page: Logistic) -> PageModel:
        return lambda _, held: bench.page_scores(page, rows(new, held), held)

    def mean_logits(held_base: bench.Measured, held: bench.Measured) -> np.ndarray:
        logits = (base.page.logits(rows(base, held_base)) + new.page.logits(rows(new, held))) / 2
        return bench.page_scores(
            Logistic(["mean"], np.ones(1), np.zeros(1), np.ones(1), 0.0), logits[:, None], held
        )

    def stacked(held_base: bench.Measured, held: bench.Measured) -> np.ndarray:
        return bench.page_scores(both, np.hstack([rows(base, held_base), rows(new, held)]), held)

    return {
        "conditions balanced": with_page(Logistic.fit(new_rows, y, names, weights=balanced)),
        "genuine tail weighed x4": with_page(tail),
        "mean log-odds of the shipped recipe's page model and the variant's": mean_logits,
        "one page model over both recipes' summaries": stacked,
    }


def compare(base: np.ndarray, new: np.ndarray, held: bench.Measured) -> None:
    """Print mean and worst AUROC over conditions, the rows that fell, recall at matched false positives."""
    kinds = np.array([kind for kind, _, _ in held])
    y = np.array([p.stitched for _, p, _ in held])
    rows = []
    for kind in dict.fromkeys(k for k in kinds if k.startswith("excerpt:")):
        at = kinds == kind
        before, after = bench.auroc(base[at], y[at]), bench.auroc(new[at], y[at])
        rows.append(
            (
                after - before,
                kind[len("excerpt:") :],
                before,
                after,
                bench.auroc_se(new[at], y[at], reference=base[at]),
            )
        )
    genuine = bench.threshold_kinds(held) == "excerpt"

    def recall(scores: np.ndarray) -> str:
        ranked = np.sort(scores[genuine])
        cuts = [ranked[int(np.ceil((1 - share) * len(ranked))) - 1] for share in (0.01, 0.015, 0.02)]
        return " / ".join(f"{np.mean(scores[y] > cut):.1%}" for cut in cuts)

    shipped, variant = [r[2] for r in rows], [r[3] for r in rows]
    print(
        f"  mean AUROC over conditions {np.mean(shipped):.4f} -> {np.mean(variant):.4f}, "
        f"worst {min(shipped):.3f} -> {min(variant):.3f}"
    )
    print(f"  recall at 1% / 1.5% / 2% of genuine excerpts flagged: {recall(base)} -> {recall(new)}")
    rows.sort()
    print("  largest falls: " + "; ".join(f"{c} {d:+.3f} (SE {se:.3f})" for d, c, _, _, se in rows[:4]))
    print("  largest gains: " + "; ".join(f"{c} {d:+.3f}" for d, c, _, _, _ in rows[-3:]))
    fallen = [c for d, c, _, _, se in rows if bench.fell(d, se)]
    print(f"  fell by stop 22's rule: {fallen or 'none'}")


def cached(path: Path | None, build: Callable[[], bench.Measured]) -> bench.Measured:
    """``build()``, read from ``path`` when it holds a pickle of it, written there otherwise."""
    if path is not None and path.exists():
        loaded: bench.Measured = pickle.loads(path.read_bytes())
        return loaded
    measured = build()
    if path is not None:
        path.write_bytes(pickle.dumps(measured))
    return measured


def tune_pages(cache: str | None, n: int, random: int) -> tuple[bench.Measured, dict[int, bench.Measured]]:
    """The tune half's fit pages and two guard draws (``seed`` 1 and 2), measured, kept in ``cache``."""
    folder = Path(cache) if cache else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)

    def where(name: str) -> Path | None:
        return folder / f"{name}-{n}-{random}.pkl" if folder else None

    fit_pages = cached(
        where("fit"), lambda: bench.measure_pages(bench.coherence_pages(n, random, family_share=0))
    )
    guards = {
        seed: cached(
            where(f"guard{seed}"),
            lambda seed=seed: bench.measure_pages(
                bench.coherence_pages(n, random, seed=seed, family_share=1.0, only="guard")
            ),
        )
        for seed in (1, 2)
    }
    return fit_pages, guards


def main() -> None:
    """Fit the shipped recipe and the variant on the tune half's fit pages; compare on two guard draws."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--random", type=int, default=20)
    parser.add_argument("--no-medians", action="store_true", help="leave out the page's medians")
    parser.add_argument("--no-weights", action="store_true", help="weigh every boundary alike")
    parser.add_argument("--cache", help="a folder to keep the measured pages in")
    parser.add_argument("--power", type=float, default=1.0, help="seams' weights to this power (1: full)")
    parser.add_argument(
        "--page-models",
        action="store_true",
        help="also try page models meant to pool across conditions",
    )
    args = parser.parse_args()
    fit_pages, guards = tune_pages(args.cache, args.n, args.random)
    variant = with_medians if not args.no_medians else (lambda measured: measured)
    base, base_rows = fit(fit_pages, weighted=False)
    new, new_rows = fit(variant(fit_pages), weighted=not args.no_weights, power=args.power)
    pooled = page_models(fit_pages, base, base_rows, new, new_rows) if args.page_models else {}
    for seed, held in guards.items():
        print(f"guard draw {seed}: {len(held)} pages, the shipped recipe -> the variant")
        shipped = bench.model_scores(base, held)
        compare(shipped, bench.model_scores(new, variant(held)), held)
        for name, score in pooled.items():
            print(f"  page model: {name}")
            compare(shipped, score(held, variant(held)), held)


if __name__ == "__main__":
    main()
