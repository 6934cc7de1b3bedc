"""The span that ends a window of span_dedup's group, held back: the next window may go on with it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np

from gristmill.dedup import work as tables
from gristmill.dedup.scratch import scratch_file

# What receives a span's rows once it is complete: the rows (sorted by rank, shard, pos within
# each rank), how many documents hold the span, and which row is its keeper.
Hand = Callable[[np.ndarray, int, np.ndarray], None]


class LastSpan:
    """One span's holder rows, held back until a window starts with another span, then handed over.

    The count and the keeper (the least (rank, shard, pos)) are found as pieces come; the rows wait
    in memory up to a sixteenth of a window, beyond that in a spill file beside ``path``, so a span
    held by millions of documents costs a file, not memory. They are handed over in the order a
    whole window sorted by (rank, shard, pos) would give them to each shard.
    """

    def __init__(self, path: Path, hand: Hand) -> None:
        self._path, self._hand = path, hand
        self._key: int | None = None
        self._dtype = np.dtype("u1")  # the rows', once a span is held back
        self._rows: list[np.ndarray] = []
        self._count = 0
        self._keeper: tuple[int, int, int] = (0, 0, 0)
        self._ranks: set[int] = set()
        self._spill: BinaryIO | None = None
        self._spill_path: Path | None = None

    def go_on(self, rows: np.ndarray) -> np.ndarray:
        """Take the first rows of ``rows`` (a window sorted by hash) that go on with the span held back.

        Return the rest; when there is a rest, the span held back is complete and handed over first.
        """
        if self._key is not None and len(rows) and int(rows["hash"][0]) == self._key:
            cut = int(np.searchsorted(rows["hash"], rows["hash"][0], side="right"))
            self._add(rows[:cut])
            rows = rows[cut:]
        if len(rows):
            self.finish()
        return rows

    def start(self, rows: np.ndarray) -> None:
        """Hold back ``rows``: every row of a window's last span, sorted by (rank, shard, pos)."""
        self._key, self._dtype = int(rows["hash"][0]), rows.dtype
        self._add(rows)

    def _add(self, rows: np.ndarray) -> None:
        self._count += len(rows)
        low = (int(rows["rank"][0]), int(rows["shard"][0]), int(rows["pos"][0]))
        if self._count == len(rows) or low < self._keeper:
            self._keeper = low
        self._ranks.update(np.unique(rows["rank"]).tolist())
        if self._spill is None and self._count <= tables.WINDOW_ROWS // 16:
            self._rows.append(rows.copy())  # a copy: a view would keep its whole window alive
            return
        if self._spill is None:
            fd, name = scratch_file(self._path.parent, self._path.name, ".spill")
            self._spill, self._spill_path = os.fdopen(fd, "w+b"), name
            for waiting in self._rows:
                waiting.tofile(self._spill)
            self._rows = []
        rows.tofile(self._spill)

    def finish(self) -> None:
        """Hand over the span held back, if any (when two or more documents hold it), and forget it."""
        if self._key is None:
            return
        if self._count > 1 and self._spill is None:
            rows = np.concatenate(self._rows)
            self._hand_over(rows[np.lexsort((rows["pos"], rows["shard"], rows["rank"]))])
        elif self._count > 1 and self._spill is not None:
            # Pieces came in (shard, pos) order, each sorted by rank: one rank at a time keeps each
            # shard's rows in (rank, pos) order, as a whole window would.
            self._spill.flush()
            dtype, step = self._dtype, max(1, tables.WINDOW_ROWS // 4)
            for rank in sorted(self._ranks):
                for lo in range(0, self._count, step):
                    self._spill.seek(lo * dtype.itemsize)
                    rows = np.fromfile(self._spill, dtype, min(step, self._count - lo))
                    self._hand_over(rows[rows["rank"] == rank])
        self._forget()

    def _hand_over(self, rows: np.ndarray) -> None:
        rank, shard, pos = self._keeper
        keeper = (rows["rank"] == rank) & (rows["shard"] == shard) & (rows["pos"] == pos)
        self._hand(rows, self._count, keeper)

    def _forget(self) -> None:
        self._key, self._rows, self._count, self._ranks = None, [], 0, set()
        if self._spill is not None:
            self._spill.close()
        if self._spill_path is not None:
            self._spill_path.unlink(missing_ok=True)
        self._spill, self._spill_path = None, None

    def __enter__(self) -> LastSpan:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self.finish()
        finally:
            self._forget()
