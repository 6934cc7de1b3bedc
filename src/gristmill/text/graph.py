"""Sentence graphs: spectral partitioning and modularity, on numpy alone.

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


def _kmeans(points: np.ndarray, k: int, iterations: int = 25) -> np.ndarray:
    """Cluster rows of ``points`` into ``k`` groups; farthest-point start, so the result is deterministic."""
    centres = [points[int(np.argmax(np.linalg.norm(points - points.mean(axis=0), axis=1)))]]
    for _ in range(1, k):
        dist = np.min([np.linalg.norm(points - c, axis=1) for c in centres], axis=0)
        centres.append(points[int(np.argmax(dist))])
    centre = np.array(centres)
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(iterations):
        dist = ((points[:, None, :] - centre[None, :, :]) ** 2).sum(axis=2)
        new = dist.argmin(axis=1)
        if _ and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            if np.any(labels == j):
                centre[j] = points[labels == j].mean(axis=0)
    return labels


def spectral_partition(weights: np.ndarray, max_k: int) -> tuple[np.ndarray, float]:
    """Split a graph into the number of groups (1..``max_k``) whose partition has the best modularity.

    Returns the labels (0..k-1, relabelled by first appearance) and that modularity. Isolated nodes
    (no edge) get label -1 and play no part.
    """
    n = len(weights)
    labels = np.full(n, -1, dtype=np.int64)
    degree = weights.sum(axis=1)
    live = np.flatnonzero(degree > 0)
    if len(live) < 2:
        labels[live] = 0
        return labels, 0.0
    sub = weights[np.ix_(live, live)]
    d = sub.sum(axis=1)
    inv = 1.0 / np.sqrt(d)
    norm = sub * inv[:, None] * inv[None, :]
    _, vectors = np.linalg.eigh(norm)
    vectors = vectors[:, ::-1]  # largest eigenvalues first
    best = np.zeros(len(live), dtype=np.int64)
    best_q = 0.0
    for k in range(2, min(max_k, len(live)) + 1):
        embed = vectors[:, :k]
        lengths = np.linalg.norm(embed, axis=1, keepdims=True)
        embed = embed / np.where(lengths > 0, lengths, 1.0)
        found = _kmeans(embed, k)
        q = modularity(sub, found)
        if q > best_q + 1e-9:
            best, best_q = found, q
    labels[live] = _first_appearance(best)
    return labels, best_q


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
