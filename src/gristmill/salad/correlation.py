"""Correlation clustering: group sentences so that pairs inside a group have positive log-odds overall.

The splitter's last step (:mod:`gristmill.salad.pairs` gives the log-odds that two sentences share a
source). Unlike a cut of a similarity tree at the best modularity, the number of groups follows from
the log-odds themselves: two groups join while the evidence across them says "same source".
"""

from __future__ import annotations

import numpy as np

from gristmill.salad.graph import _first_appearance


def cluster(logits: np.ndarray, max_k: int) -> np.ndarray:
    """Group sentences so that pairs within a group have positive log-odds overall (correlation clustering).

    Groups merge greedily, the pair whose summed log-odds across is highest first, while that sum is
    positive (or while there are more than ``max_k`` groups); then each sentence moves to the group it
    fits best, until none moves.
    """
    n = len(logits)
    labels = np.arange(n)
    across = logits.copy()  # summed log-odds between groups, by group id
    np.fill_diagonal(across, -np.inf)
    alive = np.ones(n, dtype=bool)
    groups = n
    while groups > 1:
        masked = np.where(alive[:, None] & alive[None, :], across, -np.inf)
        a, b = np.unravel_index(int(np.argmax(masked)), masked.shape)
        if masked[a, b] <= 0 and groups <= max_k:
            break
        across[a, :] += across[b, :]
        across[:, a] += across[:, b]
        across[a, a] = -np.inf
        alive[b] = False
        labels[labels == b] = a
        groups -= 1
    return _first_appearance(_moves(labels, logits))


def _moves(labels: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """Move each sentence to the group whose members' summed log-odds with it is highest."""
    labels = labels.copy()
    for _ in range(4 * len(labels)):
        ids = np.unique(labels)
        member = (labels[:, None] == ids[None, :]).astype(float)
        fit = logits @ member  # the diagonal is 0: a sentence's own log-odds do not count
        best = ids[np.argmax(fit, axis=1)]
        own = fit[np.arange(len(labels)), np.searchsorted(ids, labels)]
        better = fit.max(axis=1) > own + 1e-9
        if not better.any():
            break
        i = int(np.argmax(np.where(better, fit.max(axis=1) - own, -np.inf)))
        labels[i] = best[i]  # one at a time: moving all at once can swap two sentences forever
    return labels
