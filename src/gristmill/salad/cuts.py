"""Page-level evidence of blocks: a place where the page falls in two, on a page whose order is coherent.

A page of one block per source has 1-5 seams among 20-40 boundaries; a mean over the boundaries
dilutes them. These measures look at the page as segments instead: for every place to cut it, how
much the sentences on each side share against how much they share across (word terms, and
page-centred word vectors), over the whole page and over windows of :data:`WINDOW` sentences either
side. A genuine article drifts too, so each counts only in step with how coherent the page's order is
(``vec_order_z``, saturating at :data:`ORDERED`): shuffled salad has no cut to find, and a cut on a
page whose order is no evidence of authorship says nothing either way. The gate saturates, so a long
article's growing ``order_z`` cannot scale the measure with its length.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

WINDOW = 6  # sentences either side of a boundary in the window contrast
ORDERED = 2.0  # order_z at which a page's order counts as fully coherent (as the splitter's local_z)
MARGIN = 3  # least sentences on each side of a whole-page cut

BLOCK_NAMES = ("cut_in_order", "vec_cut_in_order", "window_cut_in_order")


def _prefix(sim: np.ndarray) -> np.ndarray:
    """2-D prefix sums of ``sim``: the sum of any block of it in O(1)."""
    n = len(sim)
    prefix = np.zeros((n + 1, n + 1))
    prefix[1:, 1:] = sim.cumsum(axis=0).cumsum(axis=1)
    return prefix


def block_sums(sim: np.ndarray) -> Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Block sums of ``sim``, each in O(1) from one 2-D prefix sum.

    The function returned maps arrays of row ranges ``[r0, r1)`` and column ranges ``[c0, c1)`` to sums.
    """
    prefix = _prefix(sim)

    def block(r0: np.ndarray, r1: np.ndarray, c0: np.ndarray, c1: np.ndarray) -> np.ndarray:
        return prefix[r1, c1] - prefix[r0, c1] - prefix[r1, c0] + prefix[r0, c0]

    return block


def cut_profile(sim: np.ndarray, margin: int = MARGIN) -> tuple[np.ndarray, np.ndarray]:
    """Per cut ``b`` (``margin`` to ``n - margin``): mean pair similarity within the two sides, and across.

    ``sim`` has a zero diagonal; a side's pairs are its ordered pairs of distinct sentences.
    """
    n = len(sim)
    if n < 2 * margin:
        return np.zeros(0), np.zeros(0)
    prefix = _prefix(sim)
    cuts = np.arange(margin, n - margin + 1)
    left = prefix[cuts, cuts]
    right = prefix[n, n] - 2 * prefix[cuts, n] + left
    across = (prefix[cuts, n] - left) / (cuts * (n - cuts))
    pairs = cuts * (cuts - 1) + (n - cuts) * (n - cuts - 1)
    return (left + right) / np.maximum(pairs, 1), across


def vector_cut(sim: np.ndarray) -> float:
    """The largest gap, over whole-page cuts, of similarity within the sides over across them.

    In standard deviations of the page's pair similarities, so it is calibrated against the page's
    own spread (``sim``: page-centred word-vector cosines, diagonal zero).
    """
    within, across = cut_profile(sim)
    if len(within) == 0:
        return 0.0
    off = sim[~np.eye(len(sim), dtype=bool)]
    return float((within - across).max() / (off.std() + 1e-6))


def window_cut(sim: np.ndarray, window: int = WINDOW) -> tuple[float, int]:
    """The sharpest local cut: least log ratio of across to within for ``window`` sentences either side.

    Returns the ratio (at most 0) and the sentence that opens the right side. A page of several
    blocks has a seam that the whole-page cut blurs; the window sees each seam with its neighbours only.
    """
    n = len(sim)
    block = block_sums(sim)
    j = np.arange(1, n)
    lo, hi = np.maximum(0, j - window), np.minimum(n, j + window)
    left, right = j - lo, hi - j
    within = (
        block(lo, j, lo, j) / np.maximum(left * (left - 1), 1)
        + block(j, hi, j, hi) / np.maximum(right * (right - 1), 1)
    ) / 2
    across = block(lo, j, j, hi) / (left * right)
    ok = np.flatnonzero((left >= 2) & (right >= 2))
    if len(ok) == 0:
        return 0.0, 0
    ratios = np.log((across[ok] + 1e-3) / np.maximum(within[ok], 1e-3))
    best = int(ratios.argmin())
    return min(0.0, float(ratios[best])), int(j[ok[best]])


def block_evidence(lexical: np.ndarray, vec_sim: np.ndarray, best: float, order_z: float) -> dict[str, float]:
    """The :data:`BLOCK_NAMES` measures: each cut, in step with how coherent the page's order is.

    ``lexical`` and ``vec_sim`` are the word and page-centred word-vector cosines (diagonal zero),
    ``best`` the page's :func:`gristmill.salad.features.best_cut` and ``order_z`` its ``vec_order_z``.
    """
    gate = min(1.0, max(0.0, order_z / ORDERED))
    if gate == 0.0:
        return dict.fromkeys(BLOCK_NAMES, 0.0)
    return {
        "cut_in_order": best * gate,
        "vec_cut_in_order": vector_cut(vec_sim) * gate,
        "window_cut_in_order": window_cut(lexical)[0] * gate,
    }
