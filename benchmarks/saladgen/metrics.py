"""AUROC, adjusted Rand index and a weighted quantile on numpy alone (gristmill takes no sklearn)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def auroc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative (ties half)."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(positive, dtype=bool)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("AUROC needs positives and negatives")
    # Mann-Whitney by ranks (ties get their mean rank): O(n log n), where comparing every positive
    # with every negative took n_pos x n_neg memory (40 GiB for the pair model's 436,000 pairs).
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    mean_rank = np.cumsum(counts) - (counts - 1) / 2.0
    rank_sum = mean_rank[inverse.reshape(-1)][y].sum()
    return float((rank_sum - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg)))


def adjusted_rand_index(truth: Sequence[int], found: Sequence[int]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labelings of the same items."""
    t = np.unique(np.asarray(truth), return_inverse=True)[1]
    f = np.unique(np.asarray(found), return_inverse=True)[1]
    n = len(t)
    if n < 2:
        return 1.0
    table = np.zeros((t.max() + 1, f.max() + 1), dtype=np.int64)
    np.add.at(table, (t, f), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) // 2).sum())

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / (n * (n - 1) / 2)
    top = (rows + cols) / 2
    if top == expected:
        return 1.0
    return (index - expected) / (top - expected)


def _placements(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's components: per positive, the share of negatives it outscores; per negative, of positives."""
    pos, neg = scores[y], scores[~y]
    wins = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return wins.mean(axis=1), wins.mean(axis=0)


def auroc_se(
    scores: Sequence[float], positive: Sequence[bool], reference: Sequence[float] | None = None
) -> float:
    """Standard error of the AUROC of ``scores`` (DeLong et al., 1988); with ``reference`` (other scores
    of the same pages), of the change AUROC(scores) - AUROC(reference), paired page by page."""
    y = np.asarray(positive, dtype=bool)
    if y.sum() < 2 or (~y).sum() < 2:
        raise ValueError("a standard error needs two positives and two negatives")
    ones, zeros = _placements(np.asarray(scores, dtype=float), y)
    if reference is not None:
        ref_ones, ref_zeros = _placements(np.asarray(reference, dtype=float), y)
        ones, zeros = ones - ref_ones, zeros - ref_zeros
    return float(np.sqrt(ones.var(ddof=1) / len(ones) + zeros.var(ddof=1) / len(zeros)))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value at which the weights of the values up to it reach share ``q`` of all weight
    (``np.quantile(..., method="higher")``'s kind of answer, each value counted by its weight)."""
    order = np.argsort(values, kind="stable")
    reached = np.cumsum(weights[order]) / weights.sum()
    # Float sums can stop a hair short of q at an exact share.
    return float(values[order][min(int(np.searchsorted(reached, q - 1e-12)), len(values) - 1)])
