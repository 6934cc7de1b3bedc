"""Grouping a page's sentences into recovered sources (docs/salad.md, "Grouping")."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from gristmill.salad.graph import average_linkage
from gristmill.text.content import cosine_matrix

_LOOSE = -1  # a sentence in no group yet

# Values chosen on the tune half's 3+-source pages.
KNN = 3
SECOND_ORDER = 0.5
ORDERED_Z = 2.0
ORDER_LINK = 2.0
MERGE_CENTROIDS = 0.15
REASSIGN_ROUNDS = 5
EMBEDDING_MIX = 1.0
SEAM_LINK = 2.0  # order link between neighbours, times the chance their boundary is not a seam


def with_embeddings(matrix: np.ndarray, embedded: np.ndarray, mix: float = EMBEDDING_MIX) -> np.ndarray:
    """Join each sentence's word weights (unit length) and its page-centred embedding (unit length).

    Centring on the page's mean removes what all its sentences share (language, register), so the
    cosine of two rows mixes word overlap with how close the sentences' meanings are on this page.
    """
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    words_part = matrix / np.where(norms > 0, norms, 1.0)
    centred = embedded - embedded.mean(axis=0, keepdims=True)
    lengths = np.linalg.norm(centred, axis=1, keepdims=True)
    centred = centred / np.where(lengths > 0, lengths, 1.0)
    return np.hstack([words_part, math.sqrt(mix) * centred])


def partition(graph: np.ndarray, max_k: int) -> tuple[np.ndarray, float]:
    """Split a sentence graph by average linkage, cut where modularity is best."""
    return average_linkage(graph, max_k)


def group(
    vectors: np.ndarray, sim: np.ndarray, local_z: float, max_k: int, links: np.ndarray | None = None
) -> np.ndarray:
    """Group the sentences: cluster the grouping graph, then merge and place loose sentences."""
    found, _ = partition(_grouping_graph(sim, local_z, links), max_k)
    return _refine(found, vectors, sim, local_z)


def _grouping_graph(sim: np.ndarray, local_z: float, links: np.ndarray | None = None) -> np.ndarray:
    """The graph sentences are grouped on: direct similarity, plus shared neighbours, plus order.

    Two sentences of one source often share no word but share neighbours; and where the page's order
    is coherent (its neighbours share far more than chance), neighbours belong together.
    """
    graph = sim.copy()
    if KNN:
        cut = -np.sort(-graph, axis=1)[:, min(KNN, len(graph) - 1) - 1 : min(KNN, len(graph) - 1)]
        keep = graph >= np.maximum(cut, 1e-12)
        graph = np.where(keep | keep.T, graph, 0.0)
    if SECOND_ORDER:
        two = sim @ sim
        np.fill_diagonal(two, 0.0)
        top = two.max()
        if top > 0:
            graph += SECOND_ORDER * two * (sim.max() / top)
    link = float(sim[sim > 0].mean()) if (sim > 0).any() else 0.0
    n = len(graph)
    if links is not None:
        # Neighbours join as strongly as the boundary between them is unlikely to be a seam.
        graph[np.arange(n - 1), np.arange(1, n)] += SEAM_LINK * link * links
        graph[np.arange(1, n), np.arange(n - 1)] += SEAM_LINK * link * links
    elif local_z >= ORDERED_Z:
        graph[np.arange(n - 1), np.arange(1, n)] += ORDER_LINK * link
        graph[np.arange(1, n), np.arange(n - 1)] += ORDER_LINK * link
    return graph


def _refine(found: np.ndarray, matrix: np.ndarray, sim: np.ndarray, local_z: float) -> np.ndarray:
    """Merge groups whose centroids are alike, then give each loose sentence its nearest group.

    A source's sentences often share little pairwise yet their pooled words still match: pooling is
    what joins the pieces a sentence graph splits. On a page whose order is coherent (blocks), a loose
    sentence goes with its neighbours.
    """
    labels = found.copy()
    while True:
        groups = sorted(set(labels[labels >= 0].tolist()))
        if len(groups) < 2:
            break
        centroid = cosine_matrix(np.array([matrix[labels == g].sum(axis=0) for g in groups]))
        a, b = np.unravel_index(int(np.argmax(centroid)), centroid.shape)
        if centroid[a, b] < MERGE_CENTROIDS:
            break
        labels[labels == groups[b]] = groups[a]
    sizes = Counter(labels[labels >= 0].tolist())
    for g, size in sizes.items():
        if size < 2:
            labels[labels == g] = _LOOSE
    groups = sorted(g for g, size in sizes.items() if size >= 2)
    if not groups:
        return labels
    centroids = np.array([matrix[labels == g].sum(axis=0) for g in groups])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    norms = np.linalg.norm(matrix, axis=1)
    for i in np.flatnonzero(labels < 0):
        if local_z >= ORDERED_Z:
            near = [labels[j] for j in (i - 1, i + 1) if 0 <= j < len(labels) and labels[j] >= 0]
            if near:
                labels[i] = near[0]
                continue
        if norms[i] > 0:
            fit = centroids @ (matrix[i] / norms[i])
            if fit.max() > 0:
                labels[i] = groups[int(np.argmax(fit))]
    if local_z < ORDERED_Z:
        labels = _reassign(labels, matrix, REASSIGN_ROUNDS)
    return labels


def _reassign(labels: np.ndarray, matrix: np.ndarray, rounds: int) -> np.ndarray:
    """Move each sentence to the group whose pooled words (its own left out) it matches best."""
    labels = labels.copy()
    for _ in range(rounds):
        groups = sorted(set(labels[labels >= 0].tolist()))
        if len(groups) < 2:
            break
        sums = np.array([matrix[labels == g].sum(axis=0) for g in groups])
        dots = matrix @ sums.T  # n x G
        self_sq = (matrix**2).sum(axis=1)
        sums_sq = (sums**2).sum(axis=1)
        own = np.array([[labels[i] == g for g in groups] for i in range(len(labels))])
        dots_loo = np.where(own, dots - self_sq[:, None], dots)
        norms_loo = np.sqrt(np.maximum(np.where(own, sums_sq - 2 * dots + self_sq[:, None], sums_sq), 1e-12))
        fit = dots_loo / norms_loo
        best = np.array(groups)[fit.argmax(axis=1)]
        move = (labels >= 0) & (fit.max(axis=1) > 0)
        new = np.where(move, best, labels)
        if np.array_equal(new, labels):
            break
        labels = new
    for g, size in Counter(labels[labels >= 0].tolist()).items():
        if size < 2:
            labels[labels == g] = _LOOSE
    return labels


def cross_ratio(sim: np.ndarray, labels: np.ndarray) -> float:
    """Mean similarity between groups over mean similarity within groups (1 when there is one group)."""
    live = labels >= 0
    same = (labels[:, None] == labels[None, :]) & live[:, None] & live[None, :]
    np.fill_diagonal(same, False)
    diff = (labels[:, None] != labels[None, :]) & live[:, None] & live[None, :]
    if not same.any() or not diff.any():
        return 1.0
    within = float(sim[same].mean())
    return float(sim[diff].mean() / within) if within > 0 else 1.0
