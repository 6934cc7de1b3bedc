"""Sentence graphs: average-linkage partitioning and modularity, on numpy alone.

A document's sentences are nodes; an edge's weight is how much two sentences share (see
:mod:`gristmill.text.content`). A page stitched from several sources falls apart into groups that share
words within and hardly across; a coherent page does not.
"""

from __future__ import annotations

import numpy as np


def modularity(weights: np.ndarray, labels: np.ndarray) -> float:
    """Return Newman's modularity of the partition ``labels`` of the weighted graph ``weights``."""
    total = weights.sum()
    if total <= 0:
        return 0.0
    degree = weights.sum(axis=1)
    q = 0.0
    for label in np.unique(labels):
        members = labels == label
        inside = weights[np.ix_(members, members)].sum()
        q += inside / total - (degree[members].sum() / total) ** 2
    return float(q)


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    order: dict[int, int] = {}
    return np.array([order.setdefault(int(x), len(order)) for x in labels], dtype=np.int64)


def average_linkage(weights: np.ndarray, max_k: int) -> tuple[np.ndarray, float]:
    """Merge nodes bottom-up by mean similarity; cut the tree where modularity is best (k <= ``max_k``).

    Returns labels (relabelled by first appearance; isolated nodes -1) and that modularity.
    """
    n = len(weights)
    labels = np.full(n, -1, dtype=np.int64)
    live = np.flatnonzero(weights.sum(axis=1) > 0)
    if len(live) < 2:
        labels[live] = 0
        return labels, 0.0
    sub = weights[np.ix_(live, live)]
    m = len(live)
    total = sub.copy()
    np.fill_diagonal(total, -np.inf)
    size = np.ones(m)
    member = np.arange(m)
    alive = np.ones(m, dtype=bool)
    best, best_q = np.zeros(m, dtype=np.int64), 0.0
    for clusters in range(m, 1, -1):
        if clusters <= max_k:
            q = modularity(sub, member)
            if q > best_q + 1e-9:
                best, best_q = member.copy(), q
        avg = total / np.outer(size, size)
        avg[~alive, :] = -np.inf
        avg[:, ~alive] = -np.inf
        a, b = np.unravel_index(int(np.argmax(avg)), avg.shape)
        if avg[a, b] <= 0 and clusters <= max_k:
            break
        total[a, :] += total[b, :]
        total[:, a] += total[:, b]
        total[a, a] = -np.inf
        size[a] += size[b]
        alive[b] = False
        member[member == b] = a
    labels[live] = _first_appearance(best)
    return labels, best_q
