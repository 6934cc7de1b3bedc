"""Drop documents by length in characters."""

from __future__ import annotations

from typing import Annotated, Literal

from gristmill.document import Document
from gristmill.steps.base import Filter
from gristmill.steps.options import Help
from gristmill.steps.registry import register


@register("length_filter")
class LengthFilter(Filter):
    """Drop documents shorter than ``min_chars`` or longer than ``max_chars``."""

    min_chars: Annotated[int, Help("fewest characters a kept document has.", ge=0)] = 1
    max_chars: Annotated[int | None, Help("most characters a kept document has; none means no limit.")] = None

    def setup(self) -> None:
        if self.max_chars is not None and self.max_chars < self.min_chars:
            raise self.fail(
                "max_chars", f"must be at least min_chars ({self.min_chars}), got {self.max_chars}"
            )

    def keep(self, doc: Document) -> Literal[True] | str:
        """Keep documents whose length lies within the bounds."""
        length = len(doc.text)
        if length < self.min_chars:
            return "min_chars"
        if self.max_chars is not None and length > self.max_chars:
            return "max_chars"
        return True
