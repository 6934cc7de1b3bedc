"""Lines and paragraphs of a text, as the line-level quality rules see them."""

from __future__ import annotations

import re

_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_LINE_BREAKS = re.compile(r"\n+")


def paragraphs(text: str) -> list[str]:
    """Return the paragraphs of ``text``: pieces between blank lines, ends stripped first."""
    return _PARAGRAPH_BREAK.split(text.strip())


def lines(text: str) -> list[str]:
    """Return the lines of ``text`` split on runs of newlines (no line is empty unless at an end)."""
    return _LINE_BREAKS.split(text)


def nonblank_lines(text: str) -> list[str]:
    """Return the lines of ``text`` that hold more than whitespace, unstripped."""
    return [line for line in text.split("\n") if line.strip()]


def duplicates(items: list[str]) -> tuple[int, int]:
    """Return how many items repeat an earlier one, and how many characters those repeats hold."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars
