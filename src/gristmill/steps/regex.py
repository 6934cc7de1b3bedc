"""Drop (or keep only) documents that match a regular expression."""

from __future__ import annotations

import re
from typing import Literal

from gristmill.document import Document
from gristmill.steps.base import Filter
from gristmill.steps.registry import register


@register("regex_filter")
class RegexFilter(Filter):
    """Drop documents matching ``pattern``, or with ``action: keep`` drop those that do not.

    Options:
        pattern: a Python regular expression searched in the text.
        action: drop (drop matching documents) or keep (keep only matching documents).
        ignore_case: match without regard to case.
        reason: the name of the rule in the drop reason (``regex_filter:<reason>``).
    """

    def __init__(
        self,
        *,
        pattern: str,
        action: Literal["drop", "keep"] = "drop",
        ignore_case: bool = False,
        reason: str = "pattern",
    ) -> None:
        try:
            self._regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
        except re.error as exc:
            raise self.fail("pattern", f"not a valid regular expression: {exc}") from exc
        if not reason or ":" in reason:
            raise self.fail("reason", "must be a non-empty name without ':'")
        self.pattern = pattern
        self.action = action
        self.ignore_case = ignore_case
        self.reason = reason

    def keep(self, doc: Document) -> Literal[True] | str:
        """Keep or drop by whether the pattern is found."""
        found = self._regex.search(doc.text) is not None
        if found == (self.action == "keep"):
            return True
        return self.reason if self.action == "drop" else f"no_{self.reason}"

    def sentence_flags(self, doc: Document, sentences: list[str]) -> dict[int, list[str]]:
        """Flag the sentences the pattern matches."""
        flag = f"{self.name}:{self.reason}"
        return {i: [flag] for i, s in enumerate(sentences) if self._regex.search(s)}
