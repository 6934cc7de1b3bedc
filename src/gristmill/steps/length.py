"""Drop documents by length in characters."""

from __future__ import annotations

from typing import Literal

from gristmill.document import Document
from gristmill.steps.base import Filter
from gristmill.steps.registry import register


@register("length_filter")
class LengthFilter(Filter):
    """Drop documents shorter than ``min_chars`` or longer than ``max_chars``.

    Options:
        min_chars: fewest characters a kept document has.
        max_chars: most characters a kept document has; none means no limit.
    """

    def __init__(self, *, min_chars: int = 1, max_chars: int | None = None) -> None:
        self.require_at_least("min_chars", min_chars, 0)
        if max_chars is not None and max_chars < min_chars:
            raise self.fail("max_chars", f"must be at least min_chars ({min_chars}), got {max_chars}")
        self.min_chars = min_chars
        self.max_chars = max_chars

    def keep(self, doc: Document) -> Literal[True] | str:
        """Keep documents whose length lies within the bounds."""
        length = len(doc.text)
        if length < self.min_chars:
            return "min_chars"
        if self.max_chars is not None and length > self.max_chars:
            return "max_chars"
        return True
