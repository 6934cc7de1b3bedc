"""Training rows for the splitter's merge stage (``gristmill.salad.merging``): two groups, one source or not.

A page is cut finely by the pair log-odds (the stage's own first step); the rows are every two groups
whose sentences' sources are known, labelled 1 when their majority sources agree. The merge then
meets fewer, larger groups, so the page is seen again after each of three rounds of true merges.
"""

from __future__ import annotations

import numpy as np

from gristmill.salad.correlation import cluster
from gristmill.salad.merging import MERGE_NAMES, START_SHIFT, Profiles, group_features

STATES = 4  # the fine cut, then after each of three rounds of true merges
ROWS_PER_STATE = 150  # pairs of groups drawn per state, so long pages do not outweigh short ones


def merge_rows(
    profiles: Profiles, gold: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One page's group-pair features and same-source targets (``gold``: each sentence's source or -1)."""
    start = profiles.logits + START_SHIFT
    np.fill_diagonal(start, 0.0)
    labels = cluster(start, len(start))
    xs, ys = [], []
    for _ in range(STATES):
        ids, features = group_features(profiles, labels)
        if len(ids) < 2:
            break
        major = np.array([_majority(gold[labels == k]) for k in ids])
        i, j = np.triu_indices(len(ids), 1)
        known = (major[i] >= 0) & (major[j] >= 0)
        i, j = i[known], j[known]
        if len(i) > ROWS_PER_STATE:
            pick = rng.choice(len(i), ROWS_PER_STATE, replace=False)
            i, j = i[pick], j[pick]
        xs.append(features[i, j])
        ys.append((major[i] == major[j]).astype(float))
        labels = _true_merges(labels, ids, major, rng)
    if not xs:
        return np.zeros((0, len(MERGE_NAMES))), np.zeros(0)
    return np.vstack(xs), np.concatenate(ys)


def _majority(sources: np.ndarray) -> int:
    known = sources[sources >= 0]
    return int(np.bincount(known).argmax()) if len(known) else -1


def _true_merges(
    labels: np.ndarray, ids: np.ndarray, major: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Walk a random third of the pairs of groups whose majority sources agree; each joins its second
    group to its first while both are still groups of their own (so some sources stay in pieces)."""
    i, j = np.triu_indices(len(ids), 1)
    same = np.flatnonzero((major[i] >= 0) & (major[i] == major[j]))
    rng.shuffle(same)
    labels = labels.copy()
    for s in same[: max(1, len(same) // 3)]:
        first, second = ids[i[s]], ids[j[s]]
        if (labels == first).any():
            labels[labels == second] = first
    return labels
