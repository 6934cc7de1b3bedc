"""The progress bar: documents, MB, rate and ETA on a terminal; nothing otherwise."""

from __future__ import annotations

import time
from typing import Any


class Progress:
    """A progress bar on a terminal (documents, MB, rate, ETA); nothing otherwise."""

    def __init__(self, enabled: bool, total_bytes: int) -> None:
        self._bar: Any = None
        self._docs = 0
        self._started = time.monotonic()
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024, desc="gristmill"
            )

    def update(self, docs: int, nbytes: int) -> None:
        """Add documents written and input bytes read."""
        if self._bar is None:
            return
        self._docs += docs
        if nbytes:
            self._bar.update(nbytes)
        rate = self._docs / max(time.monotonic() - self._started, 1e-9)
        self._bar.set_postfix_str(f"{self._docs:,} docs, {rate:,.0f} docs/s", refresh=False)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
