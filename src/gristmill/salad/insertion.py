"""Page-level evidence of an insertion: a short run between two seams that the text around it bridges.

A paragraph from another page inserted into an article (A B A) leaves two seams, and each looks like
an ordinary turn of subject to the boundary model. What tells the pair apart is that the article on
either side of the run agrees with itself across the run, and neither side agrees with the run. For
every candidate run ``[i, j)`` of 1 to :data:`LONGEST` sentences with at least :data:`LEAST_SIDE`
sentences on each side, :func:`candidate_runs` measures, through page-centred word vectors, the
*gap*: the bridge (mean similarity of the :data:`SIDE` sentences before the run with the
:data:`SIDE` after) less the run's best agreement with a side, plus the run's agreement with itself
less that same best agreement (a foreign paragraph holds together). The gap is in standard
deviations of the page's own pair similarities, as :func:`gristmill.salad.cuts.vector_cut` is.
:func:`insert_evidence` then adds the weaker of the two seam log-odds at the run's ends: a run whose
both ends are seams and whose sides bridge it. Its largest value over the page does not grow with the
page's length (correlation -0.12 with the log of the length over the tune half's whole documents,
where a window gap without the seams grew, +0.67). Every run costs O(1) from 2-D prefix sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gristmill.salad.cuts import block_sums

LONGEST = 5  # longest run tried: the inserts seen are paragraphs of 2-4 sentences
SIDE = 3  # sentences either side of a run that the bridge and the agreement read
LEAST_SIDE = 2  # fewer sentences on a side: the run is too near the page's edge to judge

INSERT_NAMES = ("insert_seams",)


@dataclass(frozen=True)
class Runs:
    """A page's candidate runs ``[starts[k], ends[k])`` of prose sentences and each one's gap."""

    starts: np.ndarray
    ends: np.ndarray
    gaps: np.ndarray


def candidate_runs(sim: np.ndarray) -> Runs:
    """Every run of 1 to :data:`LONGEST` sentences away from the page's edges, with its gap.

    ``sim`` is a page's sentence similarity (page-centred word-vector cosines, diagonal zero).
    """
    n = len(sim)
    starts, lengths = np.meshgrid(np.arange(LEAST_SIDE, n), np.arange(1, LONGEST + 1), indexing="ij")
    i, length = starts.ravel(), lengths.ravel()
    j = i + length
    ok = j <= n - LEAST_SIDE
    i, j, length = i[ok], j[ok], length[ok]
    if len(i) == 0:
        return Runs(i, j, np.zeros(0))
    before, after = np.maximum(0, i - SIDE), np.minimum(n, j + SIDE)
    block = block_sums(sim)
    bridge = block(before, i, j, after) / ((i - before) * (after - j))
    sides = np.maximum(
        block(before, i, i, j) / ((i - before) * length), block(i, j, j, after) / (length * (after - j))
    )
    # A run of one sentence has no pairs of its own: its agreement with itself counts as none.
    itself = np.where(length > 1, block(i, j, i, j) / np.maximum(length * (length - 1), 1), 0.0)
    spread = sim[~np.eye(n, dtype=bool)].std() + 1e-6
    return Runs(i, j, (bridge - sides + itself - sides) / spread)


def insert_evidence(seam_logits: np.ndarray, runs: Runs) -> float:
    """The largest, over ``runs``, of the weaker seam log-odds at its two ends plus its gap.

    ``seam_logits[k]`` is the boundary model's log-odds that prose sentence ``k + 1`` opens a new
    source; 0 when the page has no candidate run.
    """
    if len(runs.starts) == 0:
        return 0.0
    ends = np.minimum(seam_logits[runs.starts - 1], seam_logits[runs.ends - 1])
    return float((ends + runs.gaps).max())
