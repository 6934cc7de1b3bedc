"""Word tokenisation shared by filters and signals."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


def words(text: str) -> list[str]:
    """Return the words of ``text``: runs of letters/digits, keeping inner apostrophes and hyphens."""
    return _WORD.findall(text)
