"""Finding what a text repeats of itself."""

from __future__ import annotations

from collections.abc import Sequence


def repeated_indices(items: Sequence[str]) -> list[int]:
    """Return the positions of items equal to an earlier one (the second and later copies)."""
    seen: set[str] = set()
    repeats = []
    for i, item in enumerate(items):
        if item in seen:
            repeats.append(i)
        seen.add(item)
    return repeats
